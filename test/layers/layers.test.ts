import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cycles, importEdges, layerOf, layerViolations, packageOf, statedOrder } from './imports.js';

const ROOT = join(import.meta.dirname, '..', '..');
const SRC = join(ROOT, 'src');

/**
 * Cycles known and being removed elsewhere; each must still exist (an entry that no longer
 * matches a cycle fails, so the list cannot rot).
 */
const PENDING_CYCLES: string[][] = [];

describe('the layer order the README states', () => {
  const order = statedOrder(readFileSync(join(ROOT, 'README.md'), 'utf8'));
  const edges = importEdges(SRC);

  it('is the pipeline order, and names every layer under src/', () => {
    expect(order).toEqual([
      'diagnostics',
      'syntax',
      'fields',
      'policy',
      'patterns',
      'check',
      'ir',
      'codegen',
      'openflow',
      'artifact',
      'runtime',
      'gen',
      'cli',
    ]);
    const folders = readdirSync(SRC).filter((n) => statSync(join(SRC, n)).isDirectory());
    for (const f of folders) expect(order, `src/${f}/ is missing from the README's Layout table`).toContain(f);
  });

  it('holds: each layer imports only layers before it', () => {
    expect(edges.length).toBeGreaterThan(100);
    expect(layerViolations(edges, order)).toEqual([]);
  });

  it('has no import cycles between modules', () => {
    expect(cycles(edges, (f) => f)).toEqual([]);
  });

  it('has no import cycles between packages (folders), but the pending one', () => {
    const found = cycles(edges, packageOf, true);
    const key = (nodes: string[]): string => [...nodes].sort().join(' <-> ');
    const pending = new Set(PENDING_CYCLES.map(key));
    expect(found.filter((c) => !pending.has(key(c.nodes)))).toEqual([]);
    const still = new Set(found.map((c) => key(c.nodes)));
    for (const p of pending)
      expect(still.has(p), `the cycle ${p} is gone: remove it from PENDING_CYCLES in test/layers/layers.test.ts`).toBe(
        true,
      );
  });
});

describe('the import scanner', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tmesc-layers-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const tree = (name: string, files: Record<string, string>): string => {
    const root = join(dir, name);
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    return root;
  };

  it('finds every kind of import a layer can lean on', () => {
    const root = tree('kinds', {
      'low/a.ts': [
        "import { x } from '../high/x.js';",
        "import type { T } from '../high/t.js';",
        "export { y } from '../high/y.js';",
        "export * from '../high/star.js';",
        "const z = await import('../high/z.js');",
        "let u: import('../high/u.js').U;",
        "const w = new URL('../high/worker.js', import.meta.url);",
        "const data = new URL('../../package.json', import.meta.url);",
        "import { readFileSync } from 'node:fs';",
        "import chevrotain from 'chevrotain';",
      ].join('\n'),
    });
    const edges = importEdges(root);
    expect(edges.map((e) => `${e.line} ${e.to}`)).toEqual([
      '1 high/x.ts',
      '2 high/t.ts',
      '3 high/y.ts',
      '4 high/star.ts',
      '5 high/z.ts',
      '6 high/u.ts',
      '7 high/worker.ts',
    ]);
    expect(layerViolations(edges, ['low', 'high'])).toHaveLength(7);
    expect(layerViolations(edges, ['high', 'low'])).toEqual([]);
  });

  it('reports a later layer, an unknown layer and a path out of the tree', () => {
    const root = tree('order', {
      'a/one.ts': "import { two } from '../b/two.js';\nexport const one = two;",
      'b/two.ts': "import { three } from '../c/three.js';\nexport const two = three;",
      'c/three.ts': "import { out } from '../../elsewhere.js';\nexport const three = out;",
    });
    expect(layerViolations(importEdges(root), ['a', 'b'])).toEqual([
      'a/one.ts:1 imports b/two.ts: a may import only layers before it, and b comes after',
      'b/two.ts:1 imports c/three.ts: layer c is not in the stated order',
      'c/three.ts:1 imports ../elsewhere.ts, outside the source tree',
    ]);
    expect(layerViolations(importEdges(root), ['c', 'b', 'a'])).toEqual([
      'c/three.ts:1 imports ../elsewhere.ts, outside the source tree',
    ]);
  });

  it('finds cycles between modules, between sibling packages and between layers', () => {
    const root = tree('cycles', {
      'run/engine/loop.ts': "import { pool } from '../parallel/pool.js';\nexport const loop = pool;",
      'run/parallel/pool.ts': "import { step } from '../engine/step.js';\nexport const pool = step;",
      'run/engine/step.ts': 'export const step = 1;',
      'chk/check.ts': "import { all } from './checks/all.js';\nexport const check = all;",
      'chk/checks/all.ts': "import type { Ctx } from '../context.js';\nexport const all: Ctx = 1;",
      'chk/context.ts': 'export type Ctx = number;',
      'm/a.ts': "import { b } from './b.js';\nexport const a = b;",
      'm/b.ts': "import { a } from './a.js';\nexport const b = a;",
    });
    const edges = importEdges(root);
    expect(cycles(edges, (f) => f).map((c) => c.nodes)).toEqual([['m/a.ts', 'm/b.ts']]);
    const pkg = cycles(edges, packageOf, true);
    expect(pkg.map((c) => c.nodes)).toEqual([['run/engine', 'run/parallel']]);
    expect(pkg[0].evidence).toEqual([
      'run/engine/loop.ts:1 imports run/parallel/pool.ts',
      'run/parallel/pool.ts:1 imports run/engine/step.ts',
    ]);
    // a folder and its subfolders count when nesting is not ignored
    expect(cycles(edges, packageOf).map((c) => c.nodes)).toContainEqual(['chk', 'chk/checks']);
    expect(cycles(edges, layerOf)).toEqual([]);
  });

  it("reads the order from the README's Layout table", () => {
    const readme = [
      '# x',
      '## Layout',
      '| path | layer |',
      '|---|---|',
      '| `src/b/` | first |',
      '| `src/a/` | second |',
      '| `grammar/` | not a layer |',
      '## Next',
      '| `src/z/` | elsewhere |',
    ].join('\n');
    expect(statedOrder(readme)).toEqual(['b', 'a']);
  });
});
