import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LINKTYPE } from '../../../src/fields/fields.js';
import { IPPROTO } from '../../../src/fields/ip-proto.js';
import { linkKey, plainWalkedTcp, TcpSessionTable, TCP_ACK, TCP_SYN } from '../../../src/runtime/actions/tcp-stream.js';
import { PacketView } from '../../../src/runtime/decode/view.js';
import { Walk } from '../../../src/runtime/walk/walk.js';

/**
 * The session lookup against a model: the tuple hash computed here (a loop
 * over the 13 numbers, 7 for IPv4), sessions keyed by their canonical tuple. Random
 * tuples, IPv4/IPv6, tunnelled or not, both directions, hash collisions
 * forced, eviction by size. Written to check a rewritten lookup against the
 * current one (the rewrite saved nothing measurable and was not kept).
 */
const A = -1;
type Ep = { a: number[]; port: number };
type Flow = { v: 4 | 6; tunnel: number; tunnelId: number; x: Ep; y: Ep };

/** The table's hash, on the tuple layout (tunnel kind, id, version, lower endpoint, higher). */
function refHash(t: number[]): number {
  let h = 0x811c9dc5;
  // IPv4 leaves out the address words that are always 0 (the second to fourth of each endpoint)
  const at = t[2] === 4 ? [0, 1, 2, 3, 7, 8, 12] : [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
  for (const i of at) h = Math.imul(h ^ (t[i]! | 0), 0x01000193) ^ (h >>> 15);
  return h & 0x3fffffff;
}

function words(e: Ep, v: 4 | 6): number[] {
  return v === 4 ? [e.a[0]!, 0, 0, 0, e.port] : [...e.a.slice(0, 4), e.port];
}
function less(p: number[], q: number[]): number {
  for (let i = 0; i < 5; i++) if (p[i] !== q[i]) return p[i]! - q[i]!;
  return 0;
}
function tupleOf(f: Flow): number[] {
  const x = words(f.x, f.v);
  const y = words(f.y, f.v);
  const [lo, hi] = less(x, y) <= 0 ? [x, y] : [y, x];
  // the link (tap, VLANs) last: 0 here, compared but not hashed (tcp-stream.test.ts has sessions on two links)
  return [f.tunnel, f.tunnelId, f.v, ...lo, ...hi, 0];
}

const inner = new PacketView();
const outer = new PacketView();
function load(f: Flow, fromX: boolean, flags: number, seq: number): [PacketView, PacketView] {
  const s = fromX ? f.x : f.y;
  const d = fromX ? f.y : f.x;
  const v = inner;
  v.ipProto = IPPROTO.TCP;
  v.tcpHdrLen = 20;
  v.payloadOffset = 54;
  v.payloadLength = 0;
  v.fragment = 0;
  v.ipTotalLen = A;
  v.tcpSeq = seq;
  v.tcpAck = 0;
  v.tcpFlags = flags;
  v.ipVersion = f.v;
  v.ip4Src = f.v === 4 ? s.a[0]! : A;
  v.ip4Dst = f.v === 4 ? d.a[0]! : A;
  [v.ip6Src0, v.ip6Src1, v.ip6Src2, v.ip6Src3] = f.v === 6 ? s.a : [A, A, A, A];
  [v.ip6Dst0, v.ip6Dst1, v.ip6Dst2, v.ip6Dst3] = f.v === 6 ? d.a : [A, A, A, A];
  v.srcPort = s.port;
  v.dstPort = d.port;
  outer.tunnel = f.tunnel;
  outer.tunnelId = f.tunnelId;
  return [v, f.tunnel === A ? v : outer];
}

/**
 * The same packet as load() as an Ethernet frame, walked (for findWalked: a
 * flow outside tunnels), at offset `at` of a larger buffer as a read chunk
 * holds it.
 */
const walk = new Walk();
function walked(f: Flow, fromX: boolean, flags: number, seq: number, at: number): Walk {
  const s = fromX ? f.x : f.y;
  const d = fromX ? f.y : f.x;
  const ip = f.v === 4 ? 20 : 40;
  const n = 14 + ip + 20;
  // the chunk's other bytes are not zero: offsets counted from the chunk's start, not the frame's, read them
  const b = new Uint8Array(at + n + 7).fill(0xee).fill(0, at, at + n);
  const v = new DataView(b.buffer);
  v.setUint16(at + 12, f.v === 4 ? 0x0800 : 0x86dd);
  const i = at + 14;
  if (f.v === 4) {
    v.setUint8(i, 0x45);
    v.setUint16(i + 2, 40);
    v.setUint8(i + 8, 64);
    v.setUint8(i + 9, IPPROTO.TCP);
    v.setUint32(i + 12, s.a[0]!);
    v.setUint32(i + 16, d.a[0]!);
  } else {
    v.setUint32(i, 0x60000000);
    v.setUint16(i + 4, 20);
    v.setUint8(i + 6, IPPROTO.TCP);
    v.setUint8(i + 7, 64);
    for (let k = 0; k < 4; k++) {
      v.setUint32(i + 8 + 4 * k, s.a[k]!);
      v.setUint32(i + 24 + 4 * k, d.a[k]!);
    }
  }
  const t = i + ip;
  v.setUint16(t, s.port);
  v.setUint16(t + 2, d.port);
  v.setUint32(t + 4, seq >>> 0);
  v.setUint8(t + 12, 0x50);
  v.setUint8(t + 13, flags);
  walk.start(b, at, n, n, LINKTYPE.ETHERNET, 0);
  expect(plainWalkedTcp(walk)).toBe(true);
  return walk;
}

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const small = fc.constantFrom(0, 1, 2, 0xffffffff, 0x80000000);
const word = fc.oneof(u32, small);
const ep = fc.record({
  a: fc.array(word, { minLength: 4, maxLength: 4 }),
  port: fc.oneof(fc.integer({ min: 0, max: 65535 }), fc.constantFrom(0, 80, 1023, 1024)),
});
const flowArb: fc.Arbitrary<Flow> = fc
  .record({
    v: fc.constantFrom(4 as const, 6 as const),
    tunnelled: fc.boolean(),
    tunnel: fc.integer({ min: 1, max: 5 }),
    tunnelId: fc.oneof(u32, small),
    x: ep,
    y: fc.oneof(
      ep,
      ep.map((e) => e),
    ),
  })
  .map(({ v, tunnelled, tunnel, tunnelId, x, y }) => ({
    v,
    tunnel: tunnelled ? tunnel : A,
    tunnelId: tunnelled ? tunnelId : A,
    x,
    y,
  }));

/** Pairs of distinct flows with the same hash, found by search (30 bits: a birthday search of ~100k flows). */
function collisions(n: number, arb: fc.Arbitrary<Flow> = flowArb): Flow[] {
  const seen = new Map<number, { f: Flow; k: string }>();
  const out: Flow[] = [];
  const rng = fc.sample(arb, { numRuns: 200_000, seed: 7 });
  for (const f of rng) {
    const t = tupleOf(f);
    const h = refHash(t);
    const k = t.join(',');
    const o = seen.get(h);
    if (o !== undefined && o.k !== k) {
      out.push(o.f, f);
      if (out.length >= 2 * n) break;
    } else seen.set(h, { f, k });
  }
  return out;
}

/** The first change(k), k = 1, 2, ..., whose tuple's hash has f's low four bits (the bucket of a 16-bucket table). */
function mate(f: Flow, change: (k: number) => Flow): Flow {
  const bucket = refHash(tupleOf(f)) & 15;
  for (let k = 1; k < 256; k++) {
    const g = change(k);
    if ((refHash(tupleOf(g)) & 15) === bucket) return g;
  }
  return change(1);
}

describe('TCP session lookup', () => {
  // pairs differing anywhere, then pairs differing only in IPv4 addresses, in the lowest IPv6 words, in the tunnel id
  const fixed = (a: number[], port: number): Ep => ({ a, port });
  const colliding = [
    ...collisions(8),
    ...collisions(
      4,
      fc.tuple(u32, u32).map(([p, q]) => ({
        v: 4 as const,
        tunnel: A,
        tunnelId: A,
        x: fixed([p, 0, 0, 0], 1234),
        y: fixed([q, 0, 0, 0], 80),
      })),
    ),
    ...collisions(
      4,
      fc.tuple(u32, u32).map(([p, q]) => ({
        v: 6 as const,
        tunnel: A,
        tunnelId: A,
        x: fixed([p, 7, 7, 7], 443),
        y: fixed([q, 7, 7, 9], 443),
      })),
    ),
    ...collisions(
      4,
      fc.tuple(u32, u32).map(([p, q]) => ({
        v: 4 as const,
        tunnel: 2,
        tunnelId: p,
        x: fixed([1, 0, 0, 0], 1234),
        y: fixed([q, 0, 0, 0], 80),
      })),
    ),
    // pairs differing only in the IPv6 words past the first, and only in the tunnel id: every word is compared
    ...collisions(
      4,
      fc.tuple(u32, u32).map(([p, q]) => ({
        v: 6 as const,
        tunnel: A,
        tunnelId: A,
        x: fixed([7, p, 7, 7], 443),
        y: fixed([9, 7, 7, q], 443),
      })),
    ),
    ...collisions(
      4,
      u32.map((p) => ({
        v: 4 as const,
        tunnel: 2,
        tunnelId: p,
        x: fixed([1, 0, 0, 0], 1234),
        y: fixed([5, 0, 0, 0], 80),
      })),
    ),
  ];

  it('finds colliding flows for the property below', () => {
    expect(colliding.length).toBeGreaterThanOrEqual(40);
    for (let i = 0; i < colliding.length; i += 2)
      expect(refHash(tupleOf(colliding[i]!))).toBe(refHash(tupleOf(colliding[i + 1]!)));
  });

  it('keeps the other sessions of a bucket when one of them leaves (restarted first or last)', () => {
    for (let i = 0; i < colliding.length; i += 2) {
      for (const restartFirst of [false, true]) {
        const t = new TcpSessionTable<null>({
          maxSessions: 16,
          idleSeconds: 300,
          create: () => null,
          onEvict: () => undefined,
        });
        const a = colliding[i]!;
        const b = colliding[i + 1]!;
        const sa = t.find(...load(a, true, TCP_SYN, 1), 0, 0)!.session;
        const sb = t.find(...load(b, true, TCP_SYN, 1), 0, 0)!.session;
        // a SYN with another initial sequence number: the session leaves the table, a new one takes its place
        const gone = restartFirst ? a : b;
        const fresh = t.find(...load(gone, true, TCP_SYN, 99), 0, 0)!;
        expect(fresh.fresh).toBe(true);
        const stay = restartFirst ? b : a;
        const hit = t.find(...load(stay, false, TCP_ACK, 2), 0, 0)!;
        expect(hit.fresh).toBe(false);
        expect(hit.session).toBe(restartFirst ? sb : sa);
        expect(t.find(...load(gone, false, TCP_ACK, 2), 0, 0)!.session).toBe(fresh.session);
        expect(t.size).toBe(2);
      }
    }
  });

  it('gives each packet the session of its tuple, the hash as before, both directions, through collisions and eviction', () => {
    fc.assert(
      fc.property(
        fc.array(flowArb, { minLength: 1, maxLength: 12 }),
        fc.array(
          fc.record({
            pick: fc.nat(),
            fromX: fc.boolean(),
            flags: fc.constantFrom(0, TCP_ACK, TCP_SYN, TCP_SYN | TCP_ACK),
            seq: u32,
            dt: fc.constantFrom(0, 0.5, 2, 400),
            // a flow outside tunnels looked up from the walk of its frame (findWalked) instead of the decoder's view,
            // at an offset in a read chunk: the same session, hash and direction either way, mixed in one table
            walked: fc.boolean(),
            at: fc.constantFrom(0, 3, 1500),
          }),
          { minLength: 1, maxLength: 80 },
        ),
        fc.integer({ min: 1, max: 8 }),
        (random, packets, max) => {
          // each random flow's neighbours: one number of it changed (the higher or lower address, either port) so
          // that they share its bucket in these tables (16 buckets): sessions alike in all but one number are compared
          const near = random.flatMap((f) => [
            mate(f, (k) => ({ ...f, y: { ...f.y, a: [(f.y.a[0]! ^ k) >>> 0, ...f.y.a.slice(1)] } })),
            mate(f, (k) => ({ ...f, x: { ...f.x, a: [(f.x.a[0]! ^ k) >>> 0, ...f.x.a.slice(1)] } })),
            mate(f, (k) => ({ ...f, y: { ...f.y, port: f.y.port ^ k } })),
            mate(f, (k) => ({ ...f, x: { ...f.x, port: f.x.port ^ k } })),
          ]);
          const local = [...random, ...near];
          const flows = [...local, ...colliding];
          const find = (
            f: Flow,
            p: { walked: boolean; at: number },
            fromX: boolean,
            flags: number,
            seq: number,
            now: number,
          ) =>
            p.walked && f.tunnel === A
              ? t.findWalked(walked(f, fromX, flags, seq, p.at), now, 0)
              : t.find(...load(f, fromX, flags, seq), now, 0)!;
          const evicted: string[] = [];
          const live = new Map<string, unknown>();
          const t = new TcpSessionTable<{ k: string }>({
            maxSessions: max,
            idleSeconds: 300,
            create: (s) => ({ k: s.key }),
            onEvict: (s, why) => {
              evicted.push(why);
              const k = Array.from(s.tuple).join(',');
              expect(live.get(k)).toBe(s);
              live.delete(k);
            },
          });
          let now = 0;
          for (const p of packets) {
            now += p.dt;
            // two picks in three among the random flows and their neighbours, so that neighbours meet in the table
            const pool = p.pick % 3 === 0 ? flows : local;
            const f = pool[Math.floor(p.pick / 3) % pool.length]!;
            const hit = find(f, p, p.fromX, p.flags, p.seq, now);
            const h = { session: hit.session, dir: hit.dir, fresh: hit.fresh };
            const tuple = tupleOf(f);
            const k = tuple.join(',');
            expect(Array.from(h.session.tuple)).toEqual(tuple);
            expect(h.session.hash).toBe(refHash(tuple));
            const before = live.get(k);
            if (before !== undefined && !h.fresh) expect(h.session).toBe(before);
            if (!h.fresh) expect(before).toBe(h.session);
            live.set(k, h.session);
            // the direction: the same sender, the same direction, for the session's life
            const other = { walked: !p.walked, at: p.at };
            const again = find(f, other, p.fromX, TCP_ACK, p.seq, now);
            expect(again.session).toBe(h.session);
            expect(again.dir).toBe(h.dir);
            const back = find(f, p, !p.fromX, TCP_ACK, p.seq, now);
            expect(back.session).toBe(h.session);
            expect(back.dir === h.dir).toBe(less(words(f.x, f.v), words(f.y, f.v)) === 0);
            expect(t.size).toBe(live.size);
            expect(t.size).toBeLessThanOrEqual(max);
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('keeps one session a link, found the same by the walk and the view, links past the small integers too', () => {
    // findWalked compares the link the session keeps as a small integer (TcpSession.kLink), and a tap of 16 or more
    // (a link key of 2^30 or more) in the tuple: each of these is a session of its own, found again both ways
    const links = [
      linkKey(0, -1, -1),
      linkKey(0, 7, -1),
      linkKey(15, 4094, 4094),
      linkKey(16, -1, -1),
      linkKey(16, 7, -1),
      linkKey(40, 7, 9),
    ];
    expect(links.filter((l) => l >= 2 ** 30)).toHaveLength(3);
    const flows: Flow[] = [
      {
        v: 4,
        tunnel: A,
        tunnelId: A,
        x: { a: [0xc0a80001, 0, 0, 0], port: 40000 },
        y: { a: [0x0a000002, 0, 0, 0], port: 80 },
      },
      // the same but for the low byte of an address, or a port: the parts of the key's numbers that share one
      {
        v: 4,
        tunnel: A,
        tunnelId: A,
        x: { a: [0xc0a80002, 0, 0, 0], port: 40000 },
        y: { a: [0x0a000002, 0, 0, 0], port: 80 },
      },
      {
        v: 4,
        tunnel: A,
        tunnelId: A,
        x: { a: [0xc0a80001, 0, 0, 0], port: 40001 },
        y: { a: [0x0a000002, 0, 0, 0], port: 80 },
      },
    ];
    for (const viewFirst of [true, false]) {
      const t = new TcpSessionTable<null>({
        maxSessions: 64,
        idleSeconds: 300,
        create: () => null,
        onEvict: () => undefined,
      });
      const made = new Map<string, unknown>();
      for (const f of flows)
        for (const l of links) {
          const hit = viewFirst
            ? t.find(...load(f, true, TCP_SYN, 1), 0, l)!
            : t.findWalked(walked(f, true, TCP_SYN, 1, 5), 0, l);
          expect(hit.fresh).toBe(true);
          made.set(`${flows.indexOf(f)} ${l}`, hit.session);
        }
      expect(t.size).toBe(flows.length * links.length);
      for (const f of flows)
        for (const l of links) {
          const want = made.get(`${flows.indexOf(f)} ${l}`);
          for (const fromX of [true, false]) {
            const w = t.findWalked(walked(f, fromX, TCP_ACK, 2, 3), 0, l);
            expect(w.fresh).toBe(false);
            expect(w.session).toBe(want);
            expect(t.find(...load(f, fromX, TCP_ACK, 2), 0, l)!.session).toBe(want);
          }
        }
    }
  });
});
