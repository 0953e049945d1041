import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { built, spawnTmesc } from './built.js';

/**
 * A tap's capture file that cannot be read is said at the tap's declaration
 * (file:line:col, as validate says it), with what to do: correct the path or
 * give --input. A file given with --input is said as it is (no policy line
 * names it).
 */
const dir = mkdtempSync(join(tmpdir(), 'tmesc-tap-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function policy(source: string): string {
  const file = join(dir, `p${Math.random().toString(36).slice(2)}.tmes`);
  writeFileSync(
    file,
    `policy "p"\n\ntap edge {\n  source pcap "${source}"\n}\ngroup g { tool t { output pcap "${join(dir, 'out.pcap')}" } }\nrule r from any match any to g\n`,
  );
  return file;
}

describe.skipIf(!built)('run: a tap file that cannot be read', () => {
  it('a missing file: named at the tap, with the fix', () => {
    const file = policy('missing.pcap');
    const r = spawnTmesc(['run', '--no-progress', file], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${file.slice(dir.length + 1)}:3:5: tap 'edge': `);
    expect(r.err).toContain(join(dir, 'missing.pcap'));
    expect(r.err).toContain(
      "correct the path in tap 'edge' (relative to the policy's directory) or give --input edge=FILE",
    );
  });

  it('a file that is not a capture: named at the tap too', () => {
    writeFileSync(join(dir, 'text.pcap'), 'not a capture\n');
    const file = policy('text.pcap');
    const r = spawnTmesc(['run', '--no-progress', file], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/:3:5: tap 'edge': .*text\.pcap: not a pcap or pcapng file/);
  });

  it('an empty file: said empty, at the tap, that no packet was read', () => {
    writeFileSync(join(dir, 'empty.pcap'), '');
    const file = policy('empty.pcap');
    const r = spawnTmesc(['run', '--no-progress', file], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      /:3:5: tap 'edge': .*empty\.pcap: empty file \(0 bytes\): no packet was read \(byte offset 0\); check that what writes it has written it, or correct the path/,
    );
  });

  it('a missing --input file: said as it is', () => {
    const r = spawnTmesc(
      ['run', '--no-progress', '--input', `edge=${join(dir, 'other.pcap')}`, policy('missing.pcap')],
      {
        cwd: dir,
      },
    );
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${join(dir, 'other.pcap')}: cannot open`);
    expect(r.err).not.toContain("tap 'edge'");
  });
});
