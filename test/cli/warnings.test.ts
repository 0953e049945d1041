import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { built, ROOT, spawnTmesc } from './built.js';
import { runCli } from './helpers.js';

// compile and run print the policy's warnings on standard error, as validate reports them (the
// graph-based ones too), and leave standard output as scripts read it; a cache hit prints them too.

const TMP = mkdtempSync(join(tmpdir(), 'tmesc-warn-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

const SAMPLE = join(ROOT, 'samples', 'sample.pcap');
function policyFile(): string {
  const dir = mkdtempSync(join(TMP, 'p-'));
  const file = join(dir, 'p.tmes');
  writeFileSync(
    file,
    `policy "warned"
define ports UNUSED = 8080
tap t { source pcap "${SAMPLE}" }
group g { tool w { output pcap "out/w.pcap" } }
rule web from t match tcp dst port 80 to g
rule no-ssh from t match tcp dst port 22 drop g
`,
  );
  return file;
}

const UNUSED = /p\.tmes:2:14: warning TMES0500: .*UNUSED/;
const DEAD_DROP = /p\.tmes:6:6: warning TMES0702: /;

describe('compile and run print the warnings validate reports', () => {
  it('validate reports them (the reference)', async () => {
    const r = await runCli(['validate', policyFile()]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(UNUSED);
    expect(r.out).toMatch(DEAD_DROP);
  });

  it('compile: on standard error; the artifact and listing on standard output are unchanged', async () => {
    const file = policyFile();
    const art = await runCli(['compile', file]);
    expect(art.code).toBe(0);
    expect(art.err).toMatch(UNUSED);
    expect(art.err).toMatch(DEAD_DROP);
    expect(art.err).toMatch(/2 warnings in 1 file\n$/);
    expect(JSON.parse(art.out).format).toBe('tmesc-artifact');
    const listing = await runCli(['compile', file, '--emit', 'listing']);
    expect(listing.out).not.toMatch(/warning/);
  });

  it('run: on standard error; the statistics on standard output are unchanged', async () => {
    const file = policyFile();
    const out = join(TMP, 'out-run');
    const r = await runCli(['run', file, '--out-dir', out, '--stats', 'json', '--no-progress']);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(UNUSED);
    expect(r.err).toMatch(DEAD_DROP);
    expect(JSON.parse(r.out).rules.map((x: { name: string }) => x.name)).toEqual(['web', 'no-ssh']);
  });

  it.skipIf(!built)('run through the built CLI: a cache hit prints what the miss printed', () => {
    const file = policyFile();
    const cacheDir = join(TMP, 'cache');
    const args = (o: string) => ['run', file, '--out-dir', join(TMP, o), '--stats', 'json', '--no-progress'];
    const miss = spawnTmesc(args('a'), { cacheDir, env: { TMESC_CACHE_DEBUG: '1' } });
    const hit = spawnTmesc(args('b'), { cacheDir, env: { TMESC_CACHE_DEBUG: '1' } });
    expect(miss.code, miss.err).toBe(0);
    expect(hit.code, hit.err).toBe(0);
    expect(miss.err).toMatch(/cache: miss/);
    expect(hit.err).toMatch(/cache: hit/);
    const warnings = (s: string) => s.replace(/^tmesc: cache: .*\n/gm, '');
    expect(warnings(miss.err)).toMatch(DEAD_DROP);
    expect(warnings(hit.err)).toBe(warnings(miss.err));
  });
});
