import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rangeToPrefixes, ternaryCover } from '../../src/openflow/prefixes.js';

describe('rangeToPrefixes', () => {
  it('covers exactly the range, with disjoint prefixes, at most 2w-2 of them', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 10 })
          .chain((bits) =>
            fc.tuple(
              fc.constant(bits),
              fc.integer({ min: 0, max: 2 ** bits - 1 }),
              fc.integer({ min: 0, max: 2 ** bits - 1 }),
            ),
          ),
        ([bits, a, b]) => {
          const [lo, hi] = a <= b ? [a, b] : [b, a];
          const ps = rangeToPrefixes(BigInt(lo), BigInt(hi), bits);
          expect(ps.length).toBeLessThanOrEqual(Math.max(1, 2 * bits - 2));
          const covered = new Array<number>(2 ** bits).fill(0);
          for (const p of ps) {
            const [value, mask] = [Number(p.value), Number(p.mask)];
            for (let v = 0; v < 2 ** bits; v++) if ((v & mask) === value) covered[v]++;
          }
          const wrong = covered.findIndex((n, v) => n !== (v >= lo && v <= hi ? 1 : 0));
          expect(wrong, `value ${wrong} is covered ${covered[wrong]} times`).toBe(-1);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('writes the usual masks for the usual ranges', () => {
    expect(rangeToPrefixes(80n, 80n, 16)).toEqual([{ value: 80n, mask: 0xffffn }]);
    expect(rangeToPrefixes(8000n, 8999n, 16).length).toBe(6);
    expect(rangeToPrefixes(0n, 0xffffffffffffn, 48)).toEqual([{ value: 0n, mask: 0n }]);
    expect(rangeToPrefixes(0x0a000000n, 0x0affffffn, 32)).toEqual([{ value: 0x0a000000n, mask: 0xff000000n }]);
  });
});

describe('ternaryCover', () => {
  it('covers exactly the set of values', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 8 })
          .chain((bits) =>
            fc.tuple(fc.constant(bits), fc.uniqueArray(fc.integer({ min: 0, max: (1 << bits) - 1 }), { minLength: 1 })),
          ),
        ([bits, values]) => {
          const cover = ternaryCover(values, bits);
          for (let v = 0; v < 1 << bits; v++)
            expect(cover.some((p) => (BigInt(v) & p.mask) === p.value)).toBe(values.includes(v));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('covers exactly the set of values where it counts, any way where it does not (dontCare)', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 6 })
          .chain((bits) =>
            fc.tuple(
              fc.constant(bits),
              fc.uniqueArray(fc.integer({ min: 0, max: (1 << bits) - 1 }), { minLength: 1 }),
              fc.uniqueArray(fc.integer({ min: 0, max: (1 << bits) - 1 })),
            ),
          ),
        ([bits, values, dc]) => {
          const dontCare = dc.filter((v) => !values.includes(v));
          const cover = ternaryCover(values, bits, dontCare);
          for (let v = 0; v < 1 << bits; v++)
            if (!dontCare.includes(v))
              expect(cover.some((p) => (BigInt(v) & p.mask) === p.value)).toBe(values.includes(v));
        },
      ),
      { numRuns: 300 },
    );
    // taps 1 and 9 of 16 go one way: one pair, the fourth bit left out
    const others = [...Array(16).keys()].filter((t) => t !== 1 && t !== 9);
    expect(ternaryCover([1, 9], 4, [])).toEqual([{ value: 1n, mask: 7n }]);
    expect(
      ternaryCover(
        [1, 9, 3],
        4,
        [2, 5, 6, 7, 11, 15].filter((t) => others.includes(t)),
      ),
    ).toHaveLength(1);
  });

  it('finds a bit test in one value/mask', () => {
    const values = [...Array(256).keys()].filter((v) => v & 2);
    expect(rangeToPrefixes(2n, 3n, 8).length).toBe(1);
    expect(ternaryCover(values, 8)).toEqual([{ value: 2n, mask: 2n }]);
  });
});
