import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { built, ROOT, spawnTmesc, type Spawned } from './built.js';

const quickstart = join(ROOT, 'rules', 'examples', 'quickstart.tmes');

const tmesc = (...args: string[]): Spawned => spawnTmesc(args);

describe.skipIf(!built)('the built CLI (bundle)', () => {
  if (!built) console.warn('skipped: dist/bundle is missing; `npm test` builds it (npm run build)');

  it('runs a compiled artifact exactly as it runs the policy', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tmesc-bundle-'));
    const art = join(dir, 'quickstart.json');
    expect(tmesc('compile', quickstart, '-o', art).code).toBe(0);
    const fromPolicy = tmesc('run', quickstart, '--out-dir', join(dir, 'a'), '--stats', 'json', '--no-progress');
    const fromArtifact = tmesc(
      'run',
      '--artifact',
      art,
      '--out-dir',
      join(dir, 'b'),
      '--stats',
      'json',
      '--no-progress',
    );
    expect(fromPolicy.code, fromPolicy.err).toBe(0);
    expect(fromArtifact.code, fromArtifact.err).toBe(0);
    const strip = (s: string) => ({
      ...JSON.parse(s),
      seconds: 0,
      groups: JSON.parse(s).groups.map((g: { tools: { output: string }[] }) => ({
        ...g,
        tools: g.tools.map((t) => ({ ...t, output: '' })),
      })),
    });
    expect(strip(fromArtifact.out)).toEqual(strip(fromPolicy.out));
    expect(JSON.parse(fromPolicy.out).groups[0].delivered).toBeGreaterThan(0);
    expect(
      readFileSync(join(dir, 'b', 'quickstart.pcap')).equals(readFileSync(join(dir, 'a', 'quickstart.pcap'))),
    ).toBe(true);
  });

  it('refuses an artifact the schema rejects, naming the file and the fault', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tmesc-bundle-'));
    const art = join(dir, 'bad.json');
    expect(tmesc('compile', join(ROOT, 'rules', 'examples', 'datacenter.tmes'), '-o', art).code).toBe(0);
    const a = JSON.parse(readFileSync(art, 'utf8'));
    // string lengths go through ajv's runtime helper, which the generated validator imports
    a.groups.find((g: { actions: { masks?: { fill: string }[] } }) => g.actions.masks?.length).actions.masks[0].fill =
      '';
    a.graph.extra = true;
    writeFileSync(art, JSON.stringify(a));
    const r = tmesc('run', '--artifact', art, '--out-dir', dir, '--no-progress');
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${art}: not a valid tmesc artifact`);
    expect(r.err).toMatch(/\/graph must NOT have additional properties/);
    expect(r.err).toMatch(/\/fill must NOT have fewer than 1 characters/);
  });
});
