import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { splitTimestamp, tsConverter } from '../../../src/runtime/capture/pcapng-timestamp.js';

/** Reference: exact BigInt arithmetic, fraction rounded down. */
function reference(base: 2 | 10, exp: number, hi: number, lo: number): [number, number] {
  const units = (BigInt(hi) << 32n) | BigInt(lo);
  const per = BigInt(base) ** BigInt(exp);
  return [Number(units / per), Number(((units % per) * 1_000_000_000n) / per)];
}

const u32 = fc.integer({ min: 0, max: 0xffffffff });

describe('pcapng timestamp conversion', () => {
  it('matches exact arithmetic for every resolution, including 64-bit nanosecond counts', () => {
    const resol = fc.oneof(
      fc.integer({ min: 0, max: 19 }).map((e) => [10, e] as const),
      fc.integer({ min: 0, max: 63 }).map((e) => [2, e] as const),
    );
    fc.assert(
      fc.property(resol, u32, u32, ([base, exp], hi, lo) => {
        const out = { tsSec: 0, tsNsec: 0 };
        tsConverter(base, exp, 0).convert(hi, lo, out);
        const [sec, nsec] = reference(base, exp, hi, lo);
        // Seconds beyond 2^53 cannot be exact as numbers; no real capture gets there.
        if (sec < 2 ** 53) expect([out.tsSec, out.tsNsec]).toEqual([sec, nsec]);
      }),
      { numRuns: 5000 },
    );
  });

  it('splits seconds and fractions into exact 32-bit halves', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 34 - 1 }), fc.constantFrom(1e6, 1e9), fc.nat(), (sec, per, f) => {
        const frac = f % per;
        const out = { hi: 0, lo: 0 };
        splitTimestamp(sec, frac, per, out);
        expect((BigInt(out.hi) << 32n) | BigInt(out.lo)).toBe(BigInt(sec) * BigInt(per) + BigInt(frac));
        expect(out.lo).toBeLessThan(2 ** 32);
      }),
      { numRuns: 5000 },
    );
  });
});
