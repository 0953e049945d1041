import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseGenOptions, runGenerate } from '../../src/gen/cli.js';
import { GenOptionError } from '../../src/gen/options.js';
import { openCapture } from '../../src/runtime/capture/open.js';
import { tempDir } from '../support/tools.js';

const tmp = tempDir('tmesc-gen-cli-');
afterAll(tmp.cleanup);

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { stdout: (l: string) => out.push(l), stderr: (l: string) => err.push(l) } };
}

describe('runGenerate', () => {
  it('parses string options as a CLI parser hands them over', () => {
    const o = parseGenOptions({
      output: 'x.pcapng',
      packets: '500',
      seed: '7',
      ipv6: '0.5',
      mix: 'tcp=2, dns=1',
      encap: 'gre=0.5',
      nanosecond: true,
    });
    expect(o).toMatchObject({
      output: 'x.pcapng',
      format: 'pcapng',
      resolution: 'ns',
      packets: 500,
      seed: 7,
      ipv6Fraction: 0.5,
      mix: { tcp: 2, dns: 1 },
      encap: { gre: 0.5 },
    });
    expect(parseGenOptions({ output: 'x.cap' }).format).toBe('pcap');
  });

  it('rejects bad options with a message', () => {
    expect(() => parseGenOptions({})).toThrowError(/--output/);
    expect(() => parseGenOptions({ output: 'x', packets: 'many' })).toThrowError(GenOptionError);
    expect(() => parseGenOptions({ output: 'x', mix: 'tcp' })).toThrowError(/--mix/);
    expect(() => parseGenOptions({ output: 'x', encap: 'ipsec=0.1' })).toThrowError(/--encap/);
    expect(() => parseGenOptions({ output: 'x', format: 'erf' })).toThrowError(/--format/);
  });

  it('writes the capture and returns 0, or 2 with a message on stderr', () => {
    const ok = io();
    const path = join(tmp.dir, 'cli.pcapng');
    expect(runGenerate({ output: path, packets: 300, seed: 2 }, ok.io)).toBe(0);
    expect(ok.out.join('\n')).toMatch(/wrote 300 packets/);
    const src = openCapture(path);
    expect(src.format).toBe('pcapng');
    expect(src.readBatch(Infinity, () => {})).toBe(300);

    const bad = io();
    expect(runGenerate({ output: path, packets: '-3' }, bad.io)).toBe(2);
    expect(bad.err.join('\n')).toMatch(/^tmesc gen: packets/);
    const unwritable = io();
    expect(runGenerate({ output: join(tmp.dir, 'missing-dir', 'x.pcap'), packets: 1 }, unwritable.io)).toBe(2);
  });
});
