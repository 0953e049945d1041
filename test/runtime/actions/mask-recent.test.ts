import { describe, expect, it } from 'vitest';
import { RecentBytes } from '../../../src/runtime/actions/mask-recent.js';

/**
 * A direction's recent bytes (mask-recent.ts): the ring starts small and
 * grows as the stream needs, and must hold exactly what a ring of its full
 * size would: the last `size` bytes, at their offsets (at(), same()), across
 * growth, wrap-around, restarts (a gap) and segments longer than the ring.
 */

/** A generator of the same bytes each run. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s;
  };
}

describe('RecentBytes', () => {
  it('holds the last size bytes of the stream, as a model of every byte does, while it grows', () => {
    for (const size of [8192, 3000, 1024, 100]) {
      const next = rng(size);
      const r = new RecentBytes(size);
      let stream: number[] = [];
      let base = 0;
      r.restart(0);
      let grew = false;
      for (let step = 0; step < 400; step++) {
        const pick = next() % 100;
        if (pick < 3) {
          // a gap: nothing before the new offset is held
          base = base + stream.length + (next() % 50);
          stream = [];
          r.restart(base);
          continue;
        }
        // mostly short segments, some longer than the ring
        const n = pick < 10 ? next() % (2 * size + 10) : next() % 700;
        const chunk = new Uint8Array(n + 7);
        for (let i = 0; i < chunk.length; i++) chunk[i] = next() & 0xff;
        const before = r.ring.length;
        r.push(chunk, 3, 3 + n);
        if (r.ring.length > before) grew = true;
        for (let i = 3; i < 3 + n; i++) stream.push(chunk[i]);
        const to = base + stream.length;
        const from = Math.max(base, to - size);
        expect([r.from, r.to]).toEqual([from, to]);
        // every byte held, and those just outside
        for (let o = from - 2; o < to + 2; o++) {
          const want = o >= from && o < to ? stream[o - base] : -1;
          if (r.at(o) !== want) expect([o, r.at(o)]).toEqual([o, want]);
        }
        if (to > from) {
          const a = from + (next() % (to - from));
          const b = a + (next() % (to - a + 1));
          const copy = Uint8Array.from(stream.slice(a - base, b - base));
          expect(r.same(copy, 0, a, b)).toBe(true);
          if (b > a) {
            copy[(b - a) >> 1] ^= 1;
            expect(r.same(copy, 0, a, b)).toBe(false);
          }
          // a range reaching before what is held is not known to be the same
          if (from > base)
            expect(r.same(Uint8Array.from(stream.slice(from - 1 - base, to - base)), 0, from - 1, to)).toBe(false);
        }
      }
      if (size > 1024) expect(grew).toBe(true);
      expect(r.ring.length).toBeLessThanOrEqual(size);
    }
  });

  it('starts small: a direction that carries a few hundred bytes never gets the full ring', () => {
    const r = new RecentBytes(8192);
    r.restart(0);
    r.push(new Uint8Array(600), 0, 600);
    expect(r.ring.length).toBeLessThan(8192);
  });
});
