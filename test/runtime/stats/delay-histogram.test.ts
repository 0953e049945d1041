import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DelayHistogram,
  addSparse,
  bucketHigh,
  bucketLow,
  bucketOf,
  quantile,
} from '../../../src/runtime/stats/delay-histogram.js';

describe('delay histogram', () => {
  it('puts every value in the bucket whose bounds hold it, within 1/16 of the value above 32 ns', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 2 ** 52 })), (v) => {
        const b = bucketOf(v);
        expect(bucketLow(b)).toBeLessThanOrEqual(v);
        expect(bucketHigh(b)).toBeGreaterThanOrEqual(v);
        if (v < 32) expect(bucketLow(b)).toBe(v);
        else expect(bucketHigh(b) - bucketLow(b) + 1).toBeLessThanOrEqual(v / 16 + 1);
        expect(bucketOf(bucketLow(b))).toBe(b);
        expect(bucketOf(bucketHigh(b))).toBe(b);
      }),
      { seed: 3, numRuns: 2000 },
    );
    // the edges of powers of two, where log2 rounds
    for (let e = 5; e < 53; e++)
      for (const v of [2 ** e - 1, 2 ** e, 2 ** e + 1]) {
        const b = bucketOf(v);
        expect(bucketLow(b) <= v && v <= bucketHigh(b), `${v}`).toBe(true);
      }
  });

  it('reads quantiles within 1/16 of the exact ones, never above the maximum', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1e10 }), { minLength: 1, maxLength: 500 }), (xs) => {
        const h = new DelayHistogram();
        for (const x of xs) h.add(x);
        const sorted = [...xs].sort((a, b) => a - b);
        const max = sorted[sorted.length - 1];
        for (const p of [0.5, 0.9, 0.99, 1]) {
          const exact = sorted[Math.max(1, Math.ceil(p * xs.length)) - 1];
          const got = quantile(h.sparse(), p, max);
          expect(got).toBeGreaterThanOrEqual(exact);
          expect(got).toBeLessThanOrEqual(Math.min(max, exact + exact / 16 + 1));
        }
      }),
      { seed: 5, numRuns: 300 },
    );
  });

  it('adds two histograms bucket by bucket', () => {
    const a = new DelayHistogram();
    const b = new DelayHistogram();
    const both = new DelayHistogram();
    [0, 0, 5, 1000, 1e6].forEach((x) => (a.add(x), both.add(x)));
    [5, 7, 1e6, 3e9].forEach((x) => (b.add(x), both.add(x)));
    expect(addSparse(a.sparse(), b.sparse())).toEqual(both.sparse());
    expect(both.sparse()[0]).toEqual([0, 2]);
  });
});
