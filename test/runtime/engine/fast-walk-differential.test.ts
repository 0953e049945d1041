/**
 * The chunk loop's fast walk (codegen/spine.ts fastEthernetWalk) checked from
 * outside: Ethernet frames built from header fields drawn at and around the
 * fast walk's edges (tags and what follows them, 802.3 lengths, IPv4 header
 * and total lengths, fragment fields, TCP data offsets, UDP, IPv6 payload
 * lengths and next headers, ICMP, ARP; records cut at 14/15/33/34 bytes and
 * others; wire lengths up to near 2^32), read by `tmesc run`'s assembly with
 * the chunk loop and without it (decoder path: the oracle). Outputs byte for
 * byte and every statistic must be the same, for filters the fast walk's
 * local graph answers. Small read buffers put records across chunk edges.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { Artifact } from '../../../src/artifact/types.js';
import { generatePacketPath } from '../../../src/codegen/classifier.js';
import { _ } from '../../../src/codegen/code.js';
import { WALK_STATE, fastEthernetWalk } from '../../../src/codegen/spine.js';
import type { PacketPathChoice } from '../../../src/runtime/engine/packet-path-choice.js';
import { CORPUS_DIR, CORPUS_NOTE, HAVE_CORPUS, corpusManifest } from '../../support/corpus.js';
import { artifactFor } from '../support/artifact.js';
import { singleThreadRun } from '../support/single-thread-run.js';

const dir = mkdtempSync(join(tmpdir(), 'tmesc-fast-walk-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Rec {
  data: Uint8Array;
  wireLen: number;
}

const PCAP_MAGIC = 0xa1b2c3d4;
const LINKTYPE_ETHERNET = 1;
let files = 0;

/** A little-endian microsecond pcap file of `recs`, written by hand so that each record is exactly as drawn. */
function pcapFile(recs: readonly Rec[]): string {
  const head = Buffer.alloc(24);
  head.writeUInt32LE(PCAP_MAGIC, 0);
  head.writeUInt16LE(2, 4);
  head.writeUInt16LE(4, 6);
  head.writeUInt32LE(262144, 16);
  head.writeUInt32LE(LINKTYPE_ETHERNET, 20);
  const parts = [head];
  recs.forEach((r, i) => {
    const h = Buffer.alloc(16);
    h.writeUInt32LE(1_700_000_000 + Math.floor(i / 1000), 0);
    h.writeUInt32LE((i % 1000) * 1000, 4);
    h.writeUInt32LE(r.data.length, 8);
    h.writeUInt32LE(r.wireLen, 12);
    parts.push(h, Buffer.from(r.data));
  });
  const p = join(dir, `in${files++}.pcap`);
  writeFileSync(p, Buffer.concat(parts));
  return p;
}

/** The run's single-thread assembly over one file: outputs, statistics, and records the chunk loop took. */
const run = (a: Artifact, file: string, path: PacketPathChoice, loop: boolean, bufferSize: number) =>
  singleThreadRun(dir, a, [[file]], path, loop, bufferSize);

/** Each output's records as hex, one a line (pcap records after the 24-byte file header). */
function records(b: Buffer): string[] {
  const out: string[] = [];
  for (let at = 24; at + 16 <= b.length;) {
    const n = b.readUInt32LE(at + 8);
    out.push(b.subarray(at + 16, at + 16 + n).toString('hex'));
    at += 16 + n;
  }
  return out;
}

/** Differences between the loop's run (the fast walk) and the decoder's, naming the records that differ. */
async function compare(a: Artifact, recs: readonly Rec[], bufferSize: number) {
  return compareFile(a, pcapFile(recs), bufferSize);
}

async function compareFile(a: Artifact, file: string, bufferSize: number) {
  const fast = await run(a, file, 'generated', true, bufferSize);
  const oracle = await run(a, file, 'decoder', false, 1 << 18);
  const bad: string[] = [];
  if (fast.stats !== oracle.stats) bad.push(`stats: ${fast.stats}\n  vs decoder ${oracle.stats}`);
  fast.outputs.forEach((o, i) => {
    if (o.equals(oracle.outputs[i])) return;
    const x = new Set(records(o));
    const y = new Set(records(oracle.outputs[i]));
    const only = (p: Set<string>, q: Set<string>) => [...p].filter((r) => !q.has(r)).slice(0, 3);
    bad.push(`output ${i}: only fast ${JSON.stringify(only(x, y))} only decoder ${JSON.stringify(only(y, x))}`);
  });
  return { bad, taken: fast.taken };
}

// ---- frames at the fast walk's edges -------------------------------------------------------------

const be16 = (b: number[], at: number, v: number) => {
  b[at] = (v >> 8) & 0xff;
  b[at + 1] = v & 0xff;
};

/** `usual` nine times in ten, else `edge`: most frames whole and well formed, so the fast walk takes many. */
function usually<T>(usual: T, edge: fc.Arbitrary<T>): fc.Arbitrary<T> {
  return fc.oneof({ arbitrary: fc.constant(usual), weight: 9 }, { arbitrary: edge, weight: 1 });
}

const ETH_TYPES_AFTER_TAG = [
  0x0800, 0x86dd, 0x0806, 0x8035, 0x8100, 0x88a8, 0x9100, 0x8847, 0x8864, 0x05dc, 0x0600, 0x05ff, 0x0000,
];

const arbL4 = fc.record({
  sport: fc.constantFrom(80, 53, 1500, 40000, 4789, 2152),
  dport: fc.constantFrom(80, 53, 1024, 2000, 443),
  tcpOff: usually(5, fc.nat(15)),
  tcpFlags: fc.nat(255),
  udpLen: usually(-1, fc.oneof(fc.constantFrom(0, 1, 7, 8, 9, 0xffff), fc.nat(0xffff))),
  icmpType: fc.constantFrom(0, 3, 8, 128, 135),
  payload: fc.oneof(fc.constant(0), fc.nat(64), fc.constant(200)),
});

const arbIp4 = fc.record({
  ihl: usually(5, fc.oneof(fc.constant(6), fc.nat(15))),
  ver: usually(4, fc.nat(15)),
  /** -1: the true total length; -2: one more; -3: one less; else as drawn */
  tl: usually(-1, fc.oneof(fc.constantFrom(-2, -3, 0, 1, 19, 20, 21, 0xffff), fc.nat(0xffff))),
  ff: usually(0, fc.constantFrom(0x2000, 0x4000, 0x0001, 0x2001, 0x1fff, 0x3fff, 0x8000, 0x0100)),
  proto: fc.constantFrom(6, 17, 1, 58, 47, 4, 41, 132, 0, 2, 50, 103),
  ttl: fc.constantFrom(1, 63, 64, 255),
});

const arbIp6 = fc.record({
  ver: usually(6, fc.nat(15)),
  pl: usually(-1, fc.oneof(fc.constantFrom(-2, -3, 0, 1, 8, 0xffff), fc.nat(0xffff))),
  next: fc.constantFrom(6, 17, 58, 1, 0, 43, 44, 50, 51, 59, 60, 135, 47, 132, 41, 4),
});

const arbFrame = fc.record({
  tags: fc.oneof(
    { arbitrary: fc.constant<number[]>([]), weight: 2 },
    { arbitrary: fc.constantFrom<number[]>([0x8100], [0x88a8], [0x9100], [0x8100, 0x8100]), weight: 1 },
  ),
  vid: fc.constantFrom(100, 0, 4095, 7),
  type: fc.oneof(
    { arbitrary: fc.constantFrom(0x0800, 0x86dd), weight: 6 },
    { arbitrary: fc.constantFrom(0x0806, 0x8035), weight: 1 },
    { arbitrary: fc.constantFrom(0x8847, 0x8864, 0x05dc, 0x0600, 0x05ff, 0x002e), weight: 2 },
  ),
  afterTag: usually(0x0800, fc.constantFrom(...ETH_TYPES_AFTER_TAG)),
  ip4: arbIp4,
  ip6: arbIp6,
  l4: arbL4,
  arp: fc.record({
    htype: fc.constantFrom(1, 6),
    ptype: fc.constantFrom(0x0800, 0x86dd),
    hl: fc.constantFrom(6, 0, 255, 8),
    pl: fc.constantFrom(4, 0, 16, 255),
  }),
  /** -1: whole; else the record cut to this many bytes */
  cut: usually(
    -1,
    fc.oneof(fc.constantFrom(13, 14, 15, 18, 19, 33, 34, 35, 37, 38, 41, 42, 53, 54, 55, 57, 58, 61, 62), fc.nat(120)),
  ),
  /** bytes on the wire past the whole frame: none, a few, many, near 2^32; or a wire length short of the record (lying) or 0 */
  wireExtra: usually(0, fc.constantFrom(1, 4, 60, 1000, 0x7fffff00, 0xfffff000, -1, -30, -100000)),
  trailer: fc.constantFrom(0, 0, 4, 20),
  mutate: usually([] as [number, number][], fc.array(fc.tuple(fc.nat(70), fc.nat(255)), { maxLength: 2 })),
});

type Frame = typeof arbFrame extends fc.Arbitrary<infer T> ? T : never;

function l4Bytes(proto: number, f: Frame): number[] {
  const p = f.l4;
  const body = new Array<number>(p.payload).fill(0).map((_, i) => 'GET / HTTP/1.1\r\nHost: x\r\n'.charCodeAt(i % 24));
  if (proto === 6) {
    const opts = Math.max(0, p.tcpOff * 4 - 20);
    const h = new Array<number>(20 + opts).fill(0);
    be16(h, 0, p.sport);
    be16(h, 2, p.dport);
    h[12] = p.tcpOff << 4;
    h[13] = p.tcpFlags;
    return [...h, ...body];
  }
  if (proto === 17) {
    const h = new Array<number>(8).fill(0);
    be16(h, 0, p.sport);
    be16(h, 2, p.dport);
    be16(h, 4, p.udpLen === -1 ? 8 + body.length : p.udpLen);
    return [...h, ...body];
  }
  if (proto === 1 || proto === 58) return [p.icmpType, 0, 0, 0, 0, 1, 0, 1, ...body.slice(0, 8)];
  return body;
}

function ip4Bytes(f: Frame): number[] {
  const o = f.ip4;
  const payload = l4Bytes(o.proto, f);
  const h = new Array<number>(Math.max(20, o.ihl * 4)).fill(0);
  h[0] = (o.ver << 4) | o.ihl;
  const len = h.length + payload.length;
  be16(h, 2, o.tl === -1 ? len : o.tl === -2 ? len + 1 : o.tl === -3 ? len - 1 : o.tl);
  be16(h, 6, o.ff);
  h[8] = o.ttl;
  h[9] = o.proto;
  h.splice(12, 8, 10, 0, 0, 1, 192, 168, 0, 2);
  return [...h, ...payload];
}

function ip6Bytes(f: Frame): number[] {
  const o = f.ip6;
  let payload = l4Bytes(o.next, f);
  // an extension header drawn as next header: give it a plausible body leading to TCP
  if ([0, 43, 60].includes(o.next)) payload = [6, 0, 0, 0, 0, 0, 0, 0, ...l4Bytes(6, f)];
  if (o.next === 44) payload = [6, 0, 0, 1, 0, 0, 0, 1, ...l4Bytes(6, f)];
  const h = new Array<number>(40).fill(0);
  h[0] = o.ver << 4;
  const len = payload.length;
  be16(h, 4, o.pl === -1 ? len : o.pl === -2 ? len + 1 : o.pl === -3 ? len - 1 : o.pl);
  h[6] = o.next;
  h[7] = 64;
  h[8] = 0x20;
  h[9] = 0x01;
  h[10] = 0x0d;
  h[11] = 0xb8;
  h[39] = 1;
  return [...h, ...payload];
}

function arpBytes(f: Frame): number[] {
  const a = f.arp;
  const h = new Array<number>(8 + 2 * (a.hl + a.pl)).fill(0);
  be16(h, 0, a.htype);
  be16(h, 2, a.ptype);
  h[4] = a.hl;
  h[5] = a.pl;
  be16(h, 6, 1);
  return h.slice(0, 60);
}

function bodyOf(type: number, f: Frame): number[] {
  if (type === 0x0800) return ip4Bytes(f);
  if (type === 0x86dd) return ip6Bytes(f);
  if (type === 0x0806 || type === 0x8035) return arpBytes(f);
  if (type === 0x8100 || type === 0x88a8) return [0x00, 0x07, 0x08, 0x00, ...ip4Bytes(f)];
  if (type === 0x8847) return [0x00, 0x01, 0x01, 0x40, ...ip4Bytes(f)];
  if (type === 0x8864) return [0x11, 0, 0, 1, 0, 42, 0x00, 0x21, ...ip4Bytes(f)];
  // 802.3 length / LLC
  return [0x42, 0x42, 0x03, ...new Array<number>(40).fill(0)];
}

function frameBytes(f: Frame): Rec {
  const b = [0x02, 0, 0, 0, 0, 0x0a, 0x02, 0, 0, 0, 0, 0x0b];
  for (const t of f.tags) b.push(t >> 8, t & 0xff, f.vid >> 8, f.vid & 0xff);
  const type = f.tags.length > 0 && f.type === 0x0800 ? f.afterTag : f.type;
  b.push(type >> 8, type & 0xff, ...bodyOf(type, f), ...new Array<number>(f.trailer).fill(0));
  for (const [at, v] of f.mutate) if (at < b.length) b[at] = v;
  const cut = f.cut < 0 ? b.length : Math.min(b.length, f.cut);
  return { data: Uint8Array.from(b.slice(0, cut)), wireLen: Math.max(0, Math.min(0xffffffff, b.length + f.wireExtra)) };
}

// ---- the property --------------------------------------------------------------------------------

/** Filters over what the fast walk hands the local graph: ports, flags, addresses, tags, fragments, lengths, ICMP, ARP. */
const FILTERS = [
  'tcp port 80',
  'udp port 53',
  'tcp dst portrange 1000-2000',
  'host 10.0.0.1',
  'ip6 and dst net 2001:db8::/32',
  'vlan 100',
  'vlan and udp',
  'arp',
  'icmp type echo-request',
  'icmp6',
  'tcp flags syn',
  'fragment',
  'ip proto 47 or ip6 proto 59',
  'ip and not tcp and not udp',
  'ether broadcast or ether multicast',
  'ether proto 0x8100 or ether proto 0x88a8',
  'vlan 100 and vlan 7',
  'icmp code 0 or icmp6 and src net 10.0.0.0/8',
  'ether src 02:00:00:00:00:0a and ip6',
  'mpls or pppoes',
  'udp and not port 53',
  'rarp or arp and not ether broadcast',
];

/** Whether the fast walk takes a record (reaches its tail) or leaves it to the general walk. */
const fastTakes = new Function(
  'd',
  'o',
  'capLen',
  'wire',
  `const v = new DataView(d.buffer, d.byteOffset, d.byteLength); f: ${fastEthernetWalk(new Set(WALK_STATE), _`return true;`).text} return false;`,
) as (d: Uint8Array, o: number, capLen: number, wire: number) => boolean;

describe('fast walk against the decoder (mutated headers at its edges)', () => {
  it('the frames drawn reach both sides of the fast walk', () => {
    const recs = fc.sample(arbFrame, { numRuns: 4000, seed: 815 }).map(frameBytes);
    const taken = recs.filter((r) => fastTakes(r.data, 0, r.data.length, r.wireLen)).length;
    expect(taken).toBeGreaterThan(recs.length * 0.2);
    expect(taken).toBeLessThan(recs.length * 0.8);
  });

  it('filters that keep the fast walk in the loop', () => {
    for (const f of FILTERS) {
      const a = artifactFor(
        dir,
        `tap t { source pcap "x.pcap" }\ngroup g { tool a { output pcap "a.pcap" } }\nrule r from any match ${f} to g`,
      );
      const js = generatePacketPath(a.graph, undefined, []).js;
      expect(js, f).toMatch(/break f;/);
    }
  });

  it('every frame drawn is delivered and counted as the decoder does, across chunk edges', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(arbFrame, { minLength: 100, maxLength: 400 }),
        fc.shuffledSubarray([...FILTERS.keys()], { minLength: 3, maxLength: 6 }),
        fc.constantFrom(97, 1517, 65536),
        async (frames, rules, bufferSize) => {
          const body = ['tap t { source pcap "x.pcap" }'];
          body.push(
            'group g0 {\n  tool a0 { output pcap "a0.pcap" }\n}',
            'group g1 {\n  tool a1 { output pcap "a1.pcap" }\n}',
          );
          rules.forEach((f, i) => body.push(`rule r${i} from any match ${FILTERS[f]} to g${i % 2}`));
          const a = artifactFor(dir, body.join('\n'));
          const r = await compare(a, frames.map(frameBytes), bufferSize);
          expect(r.bad).toEqual([]);
          expect(r.taken).toBeGreaterThan(0);
        },
      ),
      {
        numRuns: Number(process.env.FASTWALK_RUNS ?? 25),
        seed: Number(process.env.FASTWALK_SEED ?? 814),
        endOnFailure: true,
      },
    );
  });
});

describe('fast walk against the decoder, every filter at once', () => {
  it('rules counted in tables (many rules over two groups), records across chunk edges', async () => {
    const body = ['tap t { source pcap "x.pcap" }', 'group g0 {\n  tool a0 { output pcap "a0.pcap" }\n}'];
    body.push('group g1 {\n  tool a1 { output pcap "a1.pcap" }\n}');
    FILTERS.forEach((f, i) => body.push(`rule r${i} from any match ${f} to g${i % 2}`));
    const a = artifactFor(dir, body.join('\n'));
    expect(a.graph.counting?.length).toBeGreaterThan(0);
    expect(generatePacketPath(a.graph, undefined, []).js).toMatch(/break f;/);
    const recs = fc.sample(arbFrame, { numRuns: 3000, seed: 816 }).map(frameBytes);
    for (const size of [97, 1517, 1 << 16]) {
      const r = await compare(a, recs, size);
      expect(r.bad).toEqual([]);
      expect(r.taken).toBeGreaterThan(size < 1000 ? 0 : recs.length * 0.2);
    }
  });
});

describe.skipIf(!HAVE_CORPUS)(`fast walk against the decoder on the corpus${CORPUS_NOTE}`, () => {
  it('every Ethernet capture under filters the fast walk answers, at small and large read buffers', async () => {
    const ether = corpusManifest().filter((e) => e.linkType === 'ether');
    expect(ether.length).toBeGreaterThan(0);
    // the filters in a few policies (two groups each), each policy keeping the fast walk
    const sets = [FILTERS.slice(0, 6), FILTERS.slice(6, 11), FILTERS.slice(11, 17), FILTERS.slice(17)];
    for (const set of sets) {
      const body = ['tap t { source pcap "x.pcap" }', 'group g0 {\n  tool a0 { output pcap "a0.pcap" }\n}'];
      body.push('group g1 {\n  tool a1 { output pcap "a1.pcap" }\n}');
      set.forEach((f, i) => body.push(`rule r${i} from any match ${f} to g${i % 2}`));
      const a = artifactFor(dir, body.join('\n'));
      expect(generatePacketPath(a.graph, undefined, []).js).toMatch(/break f;/);
      for (const e of ether)
        for (const size of [97, 1 << 16]) {
          const r = await compareFile(a, join(CORPUS_DIR, e.file), size);
          expect(r.bad, `${e.file} at ${size}: ${set.join('; ')}`).toEqual([]);
        }
    }
  }, 600_000);
});
