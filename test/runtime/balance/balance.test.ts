import { describe, expect, it } from 'vitest';
import { Rendezvous, weightsOf } from '../../../src/runtime/balance/rendezvous.js';
import { sessionHash } from '../../../src/runtime/balance/session-hash.js';
import { PacketView } from '../../../src/runtime/decode/view.js';

/** Deterministic pseudo-random flows. */
function* flows(n: number, seed = 1): Generator<{ a: number; b: number; sp: number; dp: number; proto: number }> {
  let s = seed;
  const r = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0), s);
  for (let i = 0; i < n; i++) yield { a: r(), b: r(), sp: r() & 0xffff, dp: r() & 0xffff, proto: r() & 1 ? 6 : 17 };
}

function view(f: { a: number; b: number; sp: number; dp: number; proto: number }, reverse: boolean): PacketView {
  const v = new PacketView();
  v.ipVersion = 4;
  v.etherType = 0x800;
  v.ipProto = f.proto;
  v.ip4Src = reverse ? f.b : f.a;
  v.ip4Dst = reverse ? f.a : f.b;
  v.srcPort = reverse ? f.dp : f.sp;
  v.dstPort = reverse ? f.sp : f.dp;
  return v;
}

describe('session balancing', () => {
  it('is symmetric: both directions of a session hash alike (and reach one tool)', () => {
    const rv = new Rendezvous([
      { name: 'a', weight: 1 },
      { name: 'b', weight: 1 },
      { name: 'c', weight: 1 },
    ]);
    for (const f of flows(20000)) {
      const h1 = sessionHash(view(f, false), false);
      const h2 = sessionHash(view(f, true), false);
      expect(h1).toBe(h2);
      expect(rv.pick(h1)).toBe(rv.pick(h2));
    }
  });

  it('GTP-U sessions are balanced by the inner flow', () => {
    const outer = view({ a: 1, b: 2, sp: 2152, dp: 2152, proto: 17 }, false);
    outer.tunnel = 4;
    const hashes = new Set<number>();
    for (const f of flows(100, 7)) {
      const inner = outer.inner;
      Object.assign(inner, {
        ipVersion: 4,
        etherType: 0x800,
        ipProto: f.proto,
        ip4Src: f.a,
        ip4Dst: f.b,
        srcPort: f.sp,
        dstPort: f.dp,
      });
      hashes.add(sessionHash(outer, false));
    }
    // one outer tunnel, a hundred inner sessions: a hundred different hashes
    expect(hashes.size).toBe(100);
  });

  it('shares follow the rates within 2% over 30,000 sessions', () => {
    const tools = [
      { name: 'ids-1', weight: 2e9 },
      { name: 'ids-2', weight: 2e9 },
      { name: 'ids-3', weight: 4e9 },
    ];
    const rv = new Rendezvous(tools);
    const counts = [0, 0, 0];
    for (const f of flows(30000, 3)) counts[rv.pick(sessionHash(view(f, false), false))]++;
    const shares = counts.map((c) => c / 30000);
    expect(Math.abs(shares[0] - 0.25)).toBeLessThan(0.02);
    expect(Math.abs(shares[1] - 0.25)).toBeLessThan(0.02);
    expect(Math.abs(shares[2] - 0.5)).toBeLessThan(0.02);
  });

  it('adding a tool moves only the sessions the new tool takes, about its share', () => {
    const before = new Rendezvous([
      { name: 'a', weight: 1 },
      { name: 'b', weight: 1 },
      { name: 'c', weight: 1 },
    ]);
    const after = new Rendezvous([
      { name: 'a', weight: 1 },
      { name: 'b', weight: 1 },
      { name: 'c', weight: 1 },
      { name: 'd', weight: 1 },
    ]);
    let moved = 0;
    let n = 0;
    for (const f of flows(20000, 5)) {
      const h = sessionHash(view(f, false), false);
      const x = before.pick(h);
      const y = after.pick(h);
      n++;
      if (x !== y) {
        moved++;
        expect(y).toBe(3); // a session only ever moves to the new tool
      }
    }
    expect(Math.abs(moved / n - 0.25)).toBeLessThan(0.02);
  });

  it('tools without a rate get the average weight', () => {
    expect(weightsOf([2, undefined, 4])).toEqual([2, 3, 4]);
    expect(weightsOf([undefined, undefined])).toEqual([1, 1]);
  });
});
