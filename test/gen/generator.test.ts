import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generate } from '../../src/gen/generate.js';
import { PacketGenerator } from '../../src/gen/generator.js';
import { GenOptionError, resolveOptions } from '../../src/gen/options.js';
import { openCapture } from '../../src/runtime/capture/open.js';
import { tempDir } from '../support/tools.js';

const tmp = tempDir('tmesc-gen-');
afterAll(tmp.cleanup);

describe('generate', () => {
  it('gives identical bytes for the same seed and different bytes for another', () => {
    const opts = {
      packets: 5000,
      flows: 64,
      encap: { vlan: 0.2, qinq: 0.1, mpls: 0.1, gre: 0.1, vxlan: 0.1, gtpu: 0.1 },
    };
    const a = generate({ ...opts, seed: 42, output: join(tmp.dir, 'a.pcap') });
    const b = generate({ ...opts, seed: 42, output: join(tmp.dir, 'b.pcap') });
    const c = generate({ ...opts, seed: 43, output: join(tmp.dir, 'c.pcap') });
    expect(a.packets).toBe(5000);
    expect(readFileSync(a.path).equals(readFileSync(b.path))).toBe(true);
    expect(readFileSync(a.path).equals(readFileSync(c.path))).toBe(false);
    expect(a.flowsStarted).toEqual(b.flowsStarted);
  });

  it('is deterministic in pcapng too, and the file reads back with increasing timestamps', () => {
    const out = [1, 2].map((i) =>
      generate({ packets: 2000, seed: 9, format: 'pcapng', resolution: 'ns', output: join(tmp.dir, `n${i}.pcapng`) }),
    );
    expect(readFileSync(out[0].path).equals(readFileSync(out[1].path))).toBe(true);
    const src = openCapture(out[0].path);
    let last = 0;
    let n = 0;
    src.readBatch(Infinity, (r) => {
      const t = r.tsSec * 1e9 + r.tsNsec;
      expect(t).toBeGreaterThanOrEqual(last);
      expect(r.linkType).toBe(1);
      expect(r.capLen).toBe(r.wireLen);
      last = t;
      n++;
    });
    expect(n).toBe(2000);
  });

  it('starts every kind of flow in proportion to the mix', () => {
    const gen = new PacketGenerator({
      packets: 50_000,
      seed: 3,
      mix: { tcp: 1, dns: 1, udp: 1, icmp: 1, arp: 1, multicast: 1, broadcast: 1 },
    });
    while (gen.next());
    const counts = Object.values(gen.flowsStarted);
    expect(Math.min(...counts)).toBeGreaterThan(0);
    const only = new PacketGenerator({
      packets: 1000,
      seed: 3,
      mix: { tcp: 0, dns: 1, udp: 0, icmp: 0, arp: 0, multicast: 0, broadcast: 0 },
    });
    while (only.next());
    expect(only.flowsStarted.dns).toBeGreaterThan(0);
    expect(only.flowsStarted.tcp + only.flowsStarted.arp).toBe(0);
  });

  // how fast is for `npm run bench`; a test checks behaviour only (no timed assertion on a shared machine)
  it('produces a million packets with flat memory', () => {
    const gen = new PacketGenerator({ packets: 1_000_000, seed: 1 });
    let bytes = 0;
    const heapBefore = process.memoryUsage().heapUsed;
    let heapPeak = heapBefore;
    for (let p = gen.next(), i = 0; p !== null; p = gen.next(), i++) {
      bytes += p.data.length;
      if ((i & 0xffff) === 0) heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
    }
    expect(gen.produced).toBe(1_000_000);
    expect(bytes / 1e6).toBeGreaterThan(100);
    expect(heapPeak - heapBefore).toBeLessThan(128 * 1024 * 1024);
  });

  it('validates its options', () => {
    expect(() => resolveOptions({ packets: -1 })).toThrowError(GenOptionError);
    expect(() => resolveOptions({ packets: 10, ipv6Fraction: 2 })).toThrowError(/ipv6Fraction/);
    expect(() => resolveOptions({ packets: 10, encap: { gre: 0.6, vxlan: 0.6 } })).toThrowError(/tunnel/);
    expect(() =>
      resolveOptions({ packets: 10, mix: { tcp: 0, dns: 0, udp: 0, icmp: 0, arp: 0, multicast: 0, broadcast: 0 } }),
    ).toThrowError(/mix/);
    expect(resolveOptions({ packets: 10 }).flows).toBe(256);
  });

  it('writes nothing under the final name when generation fails', () => {
    const path = join(tmp.dir, 'never.pcap');
    expect(() => generate({ packets: 10, flows: 0, output: path })).toThrowError(GenOptionError);
    expect(() => readFileSync(path)).toThrow();
  });
});
