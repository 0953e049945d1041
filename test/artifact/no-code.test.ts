import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildArtifact } from '../../src/artifact/build.js';
import { ARTIFACT_FORMAT_VERSION } from '../../src/artifact/types.js';
import { validateArtifact } from '../../src/artifact/validate.js';
import { checkPolicyFile } from '../../src/check/check.js';
import { compilePolicy } from '../../src/ir/compile.js';
import { runCli } from '../cli/helpers.js';

/**
 * An artifact is data: whoever can edit one in a deploy pipeline must not get
 * to run code in the broker. Format 1 carried the generated classifier as
 * JavaScript, which the runtime evaluated; format 2 carries none, and the
 * code a format 1 artifact holds is discarded unread.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const QUICKSTART = join(ROOT, 'rules', 'examples', 'quickstart.tmes');
const SAMPLE = join(ROOT, 'samples', 'sample.pcap');
const FLAG = '__tmescArtifactTampered';

/** Code an attacker would put in an artifact: set a global, leave a file behind, and send every packet nowhere. */
function tamperedJs(marker: string): string {
  return (
    `globalThis.${FLAG} = 1;` +
    `try { process.getBuiltinModule('node:fs').writeFileSync(${JSON.stringify(marker)}, 'ran'); } catch {}` +
    'return function classify() { return 0; };'
  );
}

function quickstartArtifact() {
  const { policy } = checkPolicyFile(QUICKSTART);
  if (!policy) throw new Error('quickstart does not check');
  return JSON.parse(JSON.stringify(buildArtifact(policy, compilePolicy(policy), 'test')));
}

afterEach(() => {
  delete (globalThis as Record<string, unknown>)[FLAG];
});

describe('artifact format 2: data only', () => {
  it('holds no code', () => {
    const art = quickstartArtifact();
    expect(art.formatVersion).toBe(ARTIFACT_FORMAT_VERSION);
    expect(ARTIFACT_FORMAT_VERSION).toBe(2);
    expect(art).not.toHaveProperty('classifier');
    expect(() => validateArtifact(art)).not.toThrow();
  });

  it('refuses an artifact with code in it, and says why', () => {
    const art = { ...quickstartArtifact(), classifier: { js: tamperedJs('/nonexistent/x') } };
    expect(() => validateArtifact(art)).toThrow(
      /not a valid tmesc artifact: \/ must NOT have additional properties \(classifier: format 2 artifacts carry no code/,
    );
    expect(FLAG in globalThis).toBe(false);
  });

  it('refuses a newer format by name', () => {
    expect(() => validateArtifact({ ...quickstartArtifact(), formatVersion: 3 })).toThrow(
      /artifact format 3 is newer than this tmesc reads \(1 and 2\)/,
    );
  });
});

describe('artifact format 1: loads without its code', () => {
  it('comes back as format 2 without the code, and the argument is left as it was', () => {
    const v1 = { ...quickstartArtifact(), formatVersion: 1, classifier: { js: tamperedJs('/nonexistent/x') } };
    const before = JSON.stringify(v1);
    const art = validateArtifact(v1);
    expect(art.formatVersion).toBe(2);
    expect(art).not.toHaveProperty('classifier');
    expect(art.graph).toBe(v1.graph);
    expect(JSON.stringify(v1)).toBe(before);
    // without code at all, as format 1 had for graphs interpreted from tables
    const { classifier: _, ...bare } = v1;
    expect(validateArtifact(bare)).not.toHaveProperty('classifier');
    expect(FLAG in globalThis).toBe(false);
  });

  it('still refuses what format 1 refused in its code member', () => {
    for (const classifier of [{ js: 1 }, { js: 'x', more: 1 }, 'return 1', null, []]) {
      expect(
        () => validateArtifact({ ...quickstartArtifact(), formatVersion: 1, classifier }),
        JSON.stringify(classifier),
      ).toThrow(/not a valid tmesc artifact: \/classifier/);
    }
  });

  it('tmesc run --artifact never runs tampered code and classifies as the policy does', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tmesc-no-code-'));
    const marker = join(dir, 'code-ran');
    const good = join(dir, 'good.json');
    const bad = join(dir, 'tampered-v1.json');
    const art = quickstartArtifact();
    writeFileSync(good, JSON.stringify(art));
    writeFileSync(bad, JSON.stringify({ ...art, formatVersion: 1, classifier: { js: tamperedJs(marker) } }));
    const notes: Record<string, string> = {};
    const run = async (what: string[], out: string) => {
      const r = await runCli([
        'run',
        ...what,
        '--input',
        `sample=${SAMPLE}`,
        '--out-dir',
        join(dir, out),
        '--stats',
        'json',
        '--no-progress',
        '--workers',
        '0',
      ]);
      expect(r.code, r.err).toBe(0);
      notes[out] = r.err;
      const stats = JSON.parse(r.out);
      return {
        ...stats,
        seconds: 0,
        groups: stats.groups.map((g: { tools: { output: string }[] }) => ({
          ...g,
          tools: g.tools.map((t) => ({ ...t, output: '' })),
        })),
      };
    };
    const fromPolicy = await run([QUICKSTART], 'policy');
    const fromGood = await run(['--artifact', good], 'good');
    const fromBad = await run(['--artifact', bad], 'bad');
    expect(existsSync(marker)).toBe(false);
    // the deployer hears that the stored code was not what ran; a format 2 artifact gets no such note
    expect(notes.bad).toMatch(/tampered-v1\.json is a format 1 artifact: the classifier code stored in it was ignored/);
    expect(notes.good).not.toMatch(/format 1/);
    expect(FLAG in globalThis).toBe(false);
    expect(fromPolicy.groups[0].delivered).toBeGreaterThan(0);
    expect(fromBad).toEqual(fromPolicy);
    expect(fromGood).toEqual(fromPolicy);
    const output = (d: string) => readFileSync(join(dir, d, 'quickstart.pcap'));
    expect(output('bad').equals(output('policy'))).toBe(true);
  });
});
