import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ENCAP_KINDS, MIX_KINDS, parseGenOptions } from '../../src/cli/gen.js';
import { GEN_ENCAP_KINDS, GEN_MIX_KINDS } from '../../src/cli/main.js';
import { GenOptionError, resolveOptions } from '../../src/gen/options.js';
import { openCapture } from '../../src/runtime/capture/open.js';
import { tempDir } from '../support/tools.js';
import { runCli } from './helpers.js';

const tmp = tempDir('tmesc-gen-cli-');
afterAll(tmp.cleanup);

describe('tmesc gen: options', () => {
  it('parses string options as commander hands them over', () => {
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
    expect(() => parseGenOptions({ output: 'x', mix: ',' })).toThrowError(/--mix names no flow kind/);
    expect(() => parseGenOptions({ output: 'x', mix: 'tcp=1,tcp=2' })).toThrowError(/tcp is given twice/);
    expect(() => parseGenOptions({ output: 'x', encap: 'ipsec=0.1' })).toThrowError(/--encap/);
    expect(() => parseGenOptions({ output: 'x', format: 'erf' })).toThrowError(/--format/);
  });

  it('a mix names the kinds to generate: the others get no weight', () => {
    const r = resolveOptions({ ...parseGenOptions({ output: 'x', mix: 'tcp=1' }), packets: 1 });
    expect(r.mix).toEqual({ tcp: 1, dns: 0, udp: 0, icmp: 0, arp: 0, multicast: 0, broadcast: 0 });
    // without a mix, the default one
    expect(resolveOptions({ packets: 1 }).mix.dns).toBeGreaterThan(0);
  });

  it("the help lists the generator's own kinds (main.ts declares them without loading the generator)", () => {
    expect(GEN_MIX_KINDS).toEqual(MIX_KINDS);
    expect(GEN_ENCAP_KINDS).toEqual(ENCAP_KINDS);
  });

  it('writes the capture and exits 0, or 2 with a message on stderr', async () => {
    const path = join(tmp.dir, 'cli.pcapng');
    const ok = await runCli(['gen', '-o', path, '-n', '300', '--seed', '2']);
    expect(ok.code, ok.err).toBe(0);
    expect(ok.out).toMatch(/^wrote 300 packets/);
    const src = openCapture(path);
    expect(src.format).toBe('pcapng');
    expect(src.readBatch(Infinity, () => {})).toBe(300);

    const bad = await runCli(['gen', '-o', path, '-n', '-3']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/^tmesc gen: packets/);
    const unwritable = await runCli(['gen', '-o', join(tmp.dir, 'missing-dir', 'x.pcap'), '-n', '1']);
    expect(unwritable.code).toBe(2);
  });

  it('says which flows it started, and only those', async () => {
    const r = await runCli(['gen', '-o', join(tmp.dir, 'tcp.pcap'), '-n', '200', '--mix', 'tcp=1']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/flows: tcp \d+\n$/);
  });
});
