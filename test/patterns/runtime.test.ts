import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { built, spawnTmesc } from '../cli/built.js';
import { runCli } from '../cli/helpers.js';
import { writeTcpCapture } from './support/capture.js';

// Issue 19's policy: `payload matches` with a pattern V8's backtracking engine runs in exponential
// time (30 s on one 40-byte packet). The runtime and explain run it as an automaton.

const TMP = mkdtempSync(join(tmpdir(), 'tmesc-pat-run-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

const PATTERN = '/\\w*\\w*\\w*\\w*\\w*\\w*\\w*\\w*!/';
const policy = join(TMP, 'p.tmes');
writeFileSync(
  policy,
  `policy "redos"
tap t { source pcap "in.pcap" }
group g { tool w { output pcap "g.pcap" } }
rule r from t match tcp and payload matches ${PATTERN} to g
`,
);
writeTcpCapture(join(TMP, 'in.pcap'), [
  Buffer.from('a'.repeat(40)),
  Buffer.from('a'.repeat(4000)),
  Buffer.from('hello world!'),
  Buffer.from(Uint8Array.of(0xff, 0x21)), // a byte \w does not take, then !
]);

describe('payload matches runs as an automaton', () => {
  it.skipIf(!built)('tmesc run delivers exactly the packets whose payload matches', () => {
    const r = spawnTmesc(
      ['run', policy, '--out-dir', mkdtempSync(join(TMP, 'out-')), '--stats', 'json', '--no-progress'],
      {
        cwd: TMP,
      },
    );
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const s = JSON.parse(r.out);
    expect(s.packetsRead).toBe(4);
    expect(s.groups[0].delivered).toBe(2);
  });

  it('explain agrees, on the same bytes', async () => {
    const hit = await runCli(
      ['explain', policy, '--packet', `tcp 10.0.0.1:1 > 10.0.0.2:80 payload "${'a'.repeat(40)}!"`],
      TMP,
    );
    expect(hit.code, hit.err).toBe(0);
    expect(hit.out).toContain('matching rules: r (to g)');
    const miss = await runCli(
      ['explain', policy, '--packet', `tcp 10.0.0.1:1 > 10.0.0.2:80 payload "${'a'.repeat(40)}"`],
      TMP,
    );
    expect(miss.code, miss.err).toBe(0);
    expect(miss.out).toContain('matching rules: none');
  });
});
