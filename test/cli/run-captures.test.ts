import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../../src/gen/generate.js';
import { built, spawnTmesc } from './built.js';

/** What `tmesc run` says and returns for a capture whose length lies, and for one cut short (issue 19). */

const dir = mkdtempSync(join(tmpdir(), 'tmesc-run-captures-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let whole: Uint8Array;
const policy = join(dir, 'p.tmes');
beforeAll(() => {
  generate({ output: join(dir, 'g.pcap'), packets: 30, seed: 11 });
  whole = readFileSync(join(dir, 'g.pcap'));
  writeFileSync(
    policy,
    `policy "p"\ntap t { source pcap "g.pcap" }\ngroup g {\n  tool a { output pcap "out/a.pcap" }\n}\nrule all from any match ip or ip6 or arp to g\n`,
  );
});

describe.skipIf(!built)('tmesc run over damaged captures', () => {
  it('a lying length: exit 2, the file, packet and byte offset on stderr, no output written', () => {
    const lie = Uint8Array.from(whole);
    new DataView(lie.buffer).setUint32(24 + 8, 200_000, true);
    const path = join(dir, 'lie.pcap');
    writeFileSync(path, lie);
    const r = spawnTmesc(['run', '--no-progress', policy, '--input', `t=${path}`, '--out-dir', join(dir, 'out1')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      new RegExp(
        `^tmesc: ${path}: record claims 200000 captured bytes, .*29 well-formed records .*\\(packet 1, byte offset 24\\)\\n$`,
      ),
    );
    expect(existsSync(join(dir, 'out1', 'a.pcap'))).toBe(false);
  });

  it('a file cut short: exit 0, the packets before the cut delivered, a warning naming the cut record', () => {
    const path = join(dir, 'cut.pcap');
    writeFileSync(path, whole.subarray(0, whole.length - 20));
    const r = spawnTmesc(['run', '--no-progress', policy, '--input', `t=${path}`, '--out-dir', join(dir, 'out2')]);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(
      new RegExp(
        `^tmesc: warning: ${path}: packet 30 \\(byte offset \\d+\\): the file ends inside a record: \\d+ of its \\d+ bytes present \\(the file was cut short\\)\\n$`,
      ),
    );
    expect(r.out).toContain('tap t: 29 packets');
    expect(r.out).toContain('1 truncated record at end of file');
  });
});
