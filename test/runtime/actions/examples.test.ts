import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildArtifact } from '../../../src/artifact/build.js';
import { validateArtifact } from '../../../src/artifact/validate.js';
import { checkPolicyFile } from '../../../src/check/check.js';
import { compilePolicy } from '../../../src/ir/compile.js';
import { ACTIONS } from '../../../src/runtime/actions/registry.js';
import { missingSteps } from '../../../src/runtime/actions/chain.js';
import { runArtifact } from '../../../src/runtime/run/run.js';
import { requirements } from '../../support/tools.js';
import { badChecksums, readPackets } from './support.js';

/**
 * The example policies ask for every action; until all exist, each runs
 * with the actions this runtime has (strip, truncate, timestamp, and the
 * pipeline's own) as the policy configures them, over the bundled sample,
 * and the ones it lacks taken out. When the last action lands, nothing is
 * taken out and this is the examples running as written.
 */
const EXAMPLES = resolve(import.meta.dirname, '..', '..', '..', 'rules', 'examples');
const SAMPLE = resolve(import.meta.dirname, '..', '..', '..', 'samples', 'sample.pcap');
const dir = mkdtempSync(join(tmpdir(), 'tmesc-examples-'));
const tshark = requirements({ tools: ['tshark'] });

/** The README's headline policy, beside a copy of rules/lib so its include resolves. */
function readmePolicy(): string {
  const readme = readFileSync(resolve(EXAMPLES, '..', '..', 'README.md'), 'utf8');
  const text = /```tmes\n([\s\S]*?)```/.exec(readme)![1];
  const root = join(dir, 'readme');
  cpSync(resolve(EXAMPLES, '..', 'lib'), join(root, 'lib'), { recursive: true });
  mkdirSync(join(root, 'policies'));
  writeFileSync(join(root, 'policies', 'README.tmes'), text);
  return join(root, 'policies', 'README.tmes');
}

describe('rules/examples and the README policy run with the actions this runtime has', () => {
  const files = [...readdirSync(EXAMPLES).filter((f) => f.endsWith('.tmes')), 'README.tmes'];

  it.for(files)('%s', async (file) => {
    // the README's layout (policies/ beside lib/), checked from the directory that holds both, as its user would
    const r =
      file === 'README.tmes'
        ? checkPolicyFile(readmePolicy(), { cwd: join(dir, 'readme') })
        : checkPolicyFile(join(EXAMPLES, file));
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const a = buildArtifact(r.policy, compilePolicy(r.policy), 'test');
    // what is missing now, and nothing else, comes out
    const missing = new Set(a.groups.flatMap((g) => missingSteps(g)));
    for (const s of missing) expect(ACTIONS[s]).toBeUndefined();
    for (const g of a.groups) {
      g.steps = g.steps!.filter((s) => !missing.has(s));
      if (missing.has('mask')) g.actions.masks = [];
      if (missing.has('replace')) g.actions.replaces = [];
      if (missing.has('shape')) delete g.actions.shape;
    }
    const out = join(dir, file);
    mkdirSync(out);
    const stats = await runArtifact(validateArtifact(JSON.parse(JSON.stringify(a))), {
      inputs: new Map(a.taps.map((t) => [t.name, [SAMPLE]])),
      outDir: out,
      workers: 0,
    });
    for (const g of stats.groups) {
      const dropped = Object.values(g.dropped).reduce((x, y) => x + y, 0);
      expect(g.in, g.name).toBe(g.delivered + dropped);
      for (const [step, counts] of Object.entries(g.actions))
        expect(
          Object.values(counts).reduce((x, y) => x + y, 0),
          `${g.name} ${step}`,
        ).toBe(g.in - g.dropped.duplicate);
    }
    if (!tshark.skip)
      for (const f of readdirSync(out)) {
        expect(readPackets(join(out, f)).length).toBeGreaterThanOrEqual(0);
        expect(await badChecksums(join(out, f)), f).toBe(0);
      }
  });
});
