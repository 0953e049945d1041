import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { combine, combinei, mix32, mix32i } from '../../../src/runtime/balance/hash.js';

/** The hash as it was written with uint32 results: the per-packet int32 forms must give the same bits. */
function mix32Ref(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
const combineRef = (h: number, v: number) => mix32Ref((h ^ Math.imul(v | 0, 0x9e3779b1)) + 0x7f4a7c15);

describe('hash: int32 forms (no heap number per packet) give the same values', () => {
  it('mix32, combine and their int32 forms agree with the uint32 formulas, for signed and unsigned inputs', () => {
    const word = fc.oneof(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.integer({ min: 0, max: 2 ** 32 - 1 }));
    fc.assert(
      fc.property(word, word, (h, v) => {
        expect(mix32(h)).toBe(mix32Ref(h));
        expect(mix32i(h) >>> 0).toBe(mix32Ref(h));
        expect(mix32i(h) | 0).toBe(mix32i(h));
        expect(combine(h, v)).toBe(combineRef(h, v));
        expect(combinei(h, v) >>> 0).toBe(combineRef(h, v));
        expect(combinei(h | 0, v) >>> 0).toBe(combineRef(h, v));
      }),
      { numRuns: 2000 },
    );
  });
});
