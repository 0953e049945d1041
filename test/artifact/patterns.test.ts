import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ArtifactError, validateArtifact } from '../../src/artifact/validate.js';
import type { Artifact } from '../../src/artifact/types.js';
import { STEP_ORDER, type StepName } from '../../src/artifact/steps.js';
import { built, spawnTmesc } from '../cli/built.js';
import { entryArtifact, entryText, parseEntry } from '../cli/cache-entry.js';
import { writeTcpCapture } from '../patterns/support/capture.js';
import { artifactFor } from '../runtime/support/artifact.js';

// Issue 19: what the runtime loads (`run --artifact`, a cache entry) has its
// patterns compiled as the checker compiles them, and one the checker refuses
// refuses the artifact, with the pattern named; none reaches a backtracking engine.

const TMP = mkdtempSync(join(tmpdir(), 'tmesc-art-pat-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

const BODY = `tap t { source pcap "in.pcap" }
group g { tool w { output pcap "g.pcap" } }
rule r from t match tcp and payload matches /zz/ to g`;

/** A valid artifact whose one payload test's pattern is then replaced by `source` (as an edit would). */
function edited(source: string, flags = ''): Artifact {
  const art = JSON.parse(JSON.stringify(artifactFor(TMP, BODY))) as Artifact;
  const pred = art.graph.preds.find((p) => p.kind === 'regex')!;
  expect(pred).toBeDefined();
  Object.assign(pred, { source, flags });
  return art;
}

function refusal(art: unknown): string {
  try {
    validateArtifact(art);
  } catch (e) {
    expect(e).toBeInstanceOf(ArtifactError);
    return (e as Error).message;
  }
  throw new Error('the artifact was accepted');
}

describe('artifact patterns are checked on load', () => {
  it('accepts what the checker accepts, (a+)+$ included (it runs in linear time)', () => {
    expect(validateArtifact(edited('(a+)+$')).graph.preds.some((p) => p.kind === 'regex')).toBe(true);
  });

  it('refuses, naming the pattern and the reason, what the checker refuses', () => {
    expect(refusal(edited('(a)\\1'))).toMatch(
      /payload test 0 of the graph: pattern \/\(a\)\\1\/ is refused \(TMES0601\)/,
    );
    expect(refusal(edited('a(b'))).toMatch(
      /pattern \/a\(b\/ is refused \(TMES0600\): invalid pattern: Unterminated group/,
    );
    expect(refusal(edited('a', 'g'))).toMatch(/pattern \/a\/g is refused \(TMES0600\)/);
    expect(refusal(edited('x*'))).toMatch(/\(TMES0602\)/);
    expect(refusal(edited('a{0,30000}a{0,30000}!'))).toMatch(/\(TMES0604\)/);
    // a 50,000-character pattern: named, shortened
    const long = refusal(edited('a'.repeat(50_000)));
    expect(long).toMatch(/pattern \/a{60}\.\.\.\/ is refused \(TMES0603\): pattern is 50000 characters long/);
    expect(long.length).toBeLessThan(400);
  });

  it("checks groups' mask and replace patterns too", () => {
    const art = JSON.parse(JSON.stringify(artifactFor(TMP, BODY))) as Artifact;
    art.groups[0].actions.masks.push({ kind: 'regex', source: 'a(?=b)', flags: '', fill: '*' });
    withStep(art, 'mask');
    expect(refusal(art)).toMatch(/group g, mask: pattern \/a\(\?=b\)\/ is refused \(TMES0601\)/);
    const art2 = JSON.parse(JSON.stringify(artifactFor(TMP, BODY))) as Artifact;
    art2.groups[0].actions.replaces.push({ source: '[é]', flags: '', text: 'x' });
    withStep(art2, 'replace');
    expect(refusal(art2)).toMatch(/group g, replace: pattern \/\[é\]\/ is refused \(TMES0605\)/);
  });
});

/** The group's step list with `step` in its place, as the compiler writes it for the action just added. */
function withStep(art: Artifact, step: StepName): void {
  const g = art.groups[0];
  const steps = [...(g.steps ?? []), step];
  g.steps = STEP_ORDER.filter((s) => steps.includes(s));
}

describe.skipIf(!built)('tmesc run --artifact and the policy cache: patterns', () => {
  const dir = mkdtempSync(join(TMP, 'run-'));
  // one packet that stalls a backtracking engine on (a+)+$ for minutes, one that matches, one that does not
  writeTcpCapture(join(dir, 'in.pcap'), [
    Buffer.from('a'.repeat(5000) + 'b'),
    Buffer.from('xaaaa'),
    Buffer.from('no match here'),
  ]);
  const policy = join(dir, 'p.tmes');
  writeFileSync(policy, `policy "pat"\n${BODY}\n`);

  function runArtifact(art: Artifact) {
    const file = join(dir, `a${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(file, JSON.stringify(art));
    const out = mkdtempSync(join(dir, 'out-'));
    return spawnTmesc(
      [
        'run',
        '--artifact',
        file,
        '--input',
        `t=${join(dir, 'in.pcap')}`,
        '--out-dir',
        out,
        '--stats',
        'json',
        '--no-progress',
      ],
      { cwd: dir },
    );
  }

  it('an edited artifact with (a+)+$ runs through a packet of 5000 a, and delivers what matches', () => {
    const r = runArtifact(edited('(a+)+$'));
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const s = JSON.parse(r.out);
    expect(s.packetsRead).toBe(3);
    expect(s.groups[0].delivered).toBe(1);
  });

  it('an edited artifact with an invalid or refused pattern is a usage error naming it, not an internal error', () => {
    for (const [source, code] of [
      ['a(b', 'TMES0600'],
      ['(a)\\1', 'TMES0601'],
    ]) {
      const r = runArtifact(edited(source));
      expect(r.code).toBe(2);
      expect(r.err).not.toMatch(/internal error/i);
      expect(r.err).toContain(`pattern /${source}/ is refused (${code})`);
    }
  });

  it('a cache entry edited to carry a refused pattern is a miss: the policy is compiled again', () => {
    const cache = mkdtempSync(join(dir, 'cache-'));
    const run = (debug = false) =>
      spawnTmesc(['run', policy, '--out-dir', mkdtempSync(join(dir, 'out-')), '--stats', 'json', '--no-progress'], {
        cwd: dir,
        cacheDir: cache,
        env: debug ? { TMESC_CACHE_DEBUG: '1' } : {},
      });
    expect(run().code).toBe(0);
    const [name] = readdirSync(cache).filter((f) => f.endsWith('.json'));
    const file = join(cache, name);
    const entry = parseEntry(readFileSync(file, 'utf8'));
    const art = entryArtifact(entry);
    art.graph.preds.find((p: { kind: string }) => p.kind === 'regex').source = '(a)\\1';
    // edited in place, its hash left as it was: the artifact does not read back as the compile wrote it
    writeFileSync(file, entryText({ ...entry, artifact: JSON.stringify(art) }), { mode: 0o600 });
    const r = run(true);
    expect(r.code).toBe(0);
    expect(r.err).toContain('cache: miss (the artifact is not as it was written)');
    expect(JSON.parse(r.out).groups[0].delivered).toBe(0);
    expect(run(true).err).toMatch(/cache: hit/);
  });
});
