import { describe, expect, it } from 'vitest';
import { cardNumber, isLuhnValid, luhnCheckDigit } from '../../src/gen/payload/luhn.js';
import { Prng } from '../../src/gen/prng.js';

describe('Luhn card numbers', () => {
  it('knows the classic test numbers', () => {
    expect(isLuhnValid('4111111111111111')).toBe(true);
    expect(isLuhnValid('79927398713')).toBe(true);
    expect(isLuhnValid('4111111111111112')).toBe(false);
    expect(luhnCheckDigit('7992739871')).toBe(3);
  });

  it('generates 16-digit numbers that pass the check', () => {
    const rng = new Prng(5);
    for (let i = 0; i < 500; i++) {
      const n = cardNumber(rng);
      expect(n).toMatch(/^4\d{15}$/);
      expect(isLuhnValid(n)).toBe(true);
    }
  });
});

describe('Prng', () => {
  it('repeats its stream for a seed', () => {
    const a = new Prng(123);
    const b = new Prng(123);
    const c = new Prng(124);
    const xs = Array.from({ length: 8 }, () => a.u32());
    expect(Array.from({ length: 8 }, () => b.u32())).toEqual(xs);
    expect(Array.from({ length: 8 }, () => c.u32())).not.toEqual(xs);
    for (const x of xs) expect(x).toBe(x >>> 0);
  });
});
