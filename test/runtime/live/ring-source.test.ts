import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ETHERTYPE } from '../../../src/fields/ethertype.js';
import { IPPROTO } from '../../../src/fields/ip-proto.js';
import { PACKET_BUFFER_BYTES, PacketPool } from '../../../src/runtime/engine/packet-pool.js';
import { type PacketOutput, Pipeline } from '../../../src/runtime/engine/pipeline.js';
import { Ring } from '../../../src/runtime/live/ring.js';
import { ringSource } from '../../../src/runtime/live/ring-source.js';
import { eth, ipv4, payload, udp } from '../actions/frames.js';
import { conversation } from '../actions/tcp-conversation.js';
import { artifactFor } from '../support/artifact.js';

/**
 * The live worker's per-packet path: frames copied out of a tap's ring into
 * pooled buffers, handed on as views the buffers keep. Once every frame size
 * has been seen, no packet makes a buffer or a view (the pool's counters),
 * and reusing the buffer never changes what a tool gets, also for steps that
 * hold replicas while later packets overwrite the buffer (shape, replace).
 */
const dir = mkdtempSync(join(tmpdir(), 'tmesc-ring-source-'));

/** UDP frames of `sizes` payload lengths, each with its index in its bytes. */
function frames(n: number, sizes: number[]): Buffer[] {
  return Array.from({ length: n }, (_, i) =>
    eth(ETHERTYPE.IPV4, ipv4(IPPROTO.UDP, udp(1000 + (i % 97), 53, payload(sizes[i % sizes.length], i)))),
  );
}

const collect = (path: string, into: Buffer[]): PacketOutput => ({
  path,
  write(data) {
    into.push(Buffer.from(data));
    return true;
  },
});

/**
 * A tap's ring feeding `pipeline` through a ring source, as the live worker
 * sets them up (`scratch`: the pool's buffer in the ring's scratch region,
 * frames copied natively; else a buffer of its own, copied a word at a time).
 */
function feeder(pipeline: Pipeline, scratch: boolean, bufferBytes = PACKET_BUFFER_BYTES, ringBytes = 1 << 16) {
  const ring = Ring.create(ringBytes, scratch ? bufferBytes : 0);
  const pool = new PacketPool(bufferBytes, ring.scratch);
  const source = ringSource(ring, 'tap a', pipeline, pool);
  /** Pushes `input` through the ring a few frames at a time; every frame sent. */
  const run = (input: Buffer[]) => {
    let i = 0;
    while (i < input.length) {
      while (i < input.length && ring.push(input[i], 0, input[i].length, 0, 100 + (i >> 10), i, input[i].length, 1))
        i++;
      while (source.poll(7, Infinity).more);
    }
    expect(ring.isEmpty()).toBe(true);
  };
  return { pool, run, ring };
}

const sorted = (x: Buffer[]) => x.map((b) => b.toString('hex')).sort();

describe('live ring source: pooled packet buffers', () => {
  it.each([
    ["in the ring's scratch region", true],
    ['of its own', false],
  ])(
    'allocates no buffer or view per packet once warm, and every tool gets the bytes sent (buffer %s)',
    (_, scratch) => {
      const a = artifactFor(
        dir,
        `tap a { source pcap "${dir}/none.pcap" }
group g { tool t1 { output pcap "${dir}/t1.pcap" } tool t2 { output pcap "${dir}/t2.pcap" } }
group h { tool u { output pcap "${dir}/u.pcap" } truncate frame 100 }
rule r from a match udp to g, h`,
      );
      const t1: Buffer[] = [];
      const t2: Buffer[] = [];
      const u: Buffer[] = [];
      const p = new Pipeline(a, [[collect('t1', t1), collect('t2', t2)], [collect('u', u)]], [[]]);
      const { pool, run } = feeder(p, scratch);
      const sizes = [0, 18, 64, 200, 333, 512, 1000, 1458, 777, 91];
      const warm = frames(2_000, sizes);
      run(warm);
      expect(pool.buffersCreated).toBe(scratch ? 0 : 1);
      const views = pool.viewsCreated;
      expect(views).toBe(sizes.length);
      // 30,000 more packets of the same sizes: nothing more made
      const more = frames(30_000, sizes);
      run(more);
      expect(pool.buffersCreated).toBe(scratch ? 0 : 1);
      expect(pool.viewsCreated).toBe(views);
      expect(pool.grown).toBe(0);
      const all = [...warm, ...more];
      expect(p.stats.groups[0].delivered).toBe(all.length);
      expect(sorted([...t1, ...t2])).toEqual(sorted(all));
      expect(t1.length).toBeGreaterThan(0);
      expect(t2.length).toBeGreaterThan(0);
      expect(sorted(u)).toEqual(sorted(all.map((f) => f.subarray(0, 100))));
    },
  );

  it('grows a buffer for a frame longer than it holds, once', () => {
    const a = artifactFor(
      dir,
      `tap a { source pcap "${dir}/none.pcap" }
group g { tool t { output pcap "${dir}/big.pcap" } }
rule r from a match any to g`,
    );
    const out: Buffer[] = [];
    const p = new Pipeline(a, [[collect('t', out)]], [[]]);
    const { pool, run } = feeder(p, true, 1024);
    const input = frames(6, [100, 5000, 100, 5000, 9000, 100]);
    run(input);
    expect(out.map((b) => b.toString('hex'))).toEqual(input.map((b) => b.toString('hex')));
    // the scratch region's buffer grew out of it, twice, and copies a word at a time since
    expect(pool.buffersCreated).toBe(0);
    expect(pool.grown).toBe(2);
  });

  it('shape holds replicas while later packets overwrite the pooled buffer: each leaves with its own bytes', () => {
    const a = artifactFor(
      dir,
      `tap a { source pcap "${dir}/none.pcap" }
group g { tool t { output pcap "${dir}/s.pcap"; rate 1 Mbps } shape burst 64 KB }
rule r from a match any to g`,
    );
    const out: Buffer[] = [];
    const p = new Pipeline(a, [[collect('t', out)]], [[]]);
    const { pool, run } = feeder(p, true);
    // 200 frames stamped within one second at 1 Mbit/s: most wait in the shaper
    const input = frames(200, [300, 40, 900]);
    run(input);
    const shaped = p.stats.groups[0].tools[0].shape!;
    expect(shaped.delayed).toBeGreaterThan(40);
    expect(out.length).toBeLessThan(input.length);
    p.finish();
    expect(shaped.dropped).toBe(0);
    expect(out.map((b) => b.toString('hex'))).toEqual(input.map((b) => b.toString('hex')));
    expect(pool.buffersCreated).toBe(0);
  });

  it('replace holds a segment while later packets overwrite the pooled buffer: it leaves rewritten, whole', () => {
    const a = artifactFor(
      dir,
      `tap a { source pcap "${dir}/none.pcap" }
group g { tool t { output pcap "${dir}/r.pcap" } replace /Server: [^\\r\\n]*/ with "Server: x" }
rule r from a match any to g`,
    );
    const out: Buffer[] = [];
    const p = new Pipeline(a, [[collect('t', out)]], [[]]);
    const { pool, run } = feeder(p, true);
    const { frames: conv } = conversation([
      { from: 's', data: 'HTTP/1.1 200 OK\r\nServer: Apa' },
      { from: 's', data: 'che/2.4\r\nX: 1\r\n\r\n' },
    ]);
    // between the two segments, other traffic through the same buffer
    const noise = frames(50, [1400]);
    run([...conv.slice(0, -1), ...noise, conv[conv.length - 1]]);
    p.finish();
    const text = Buffer.concat(out.filter((b) => b.includes('HTTP') || b.includes('X: 1'))).toString('latin1');
    expect(text).toContain('Server: x');
    expect(text).not.toContain('Apa');
    expect(out.length).toBe(conv.length + noise.length);
    expect(pool.buffersCreated).toBe(0);
  });
});
