import { describe, expect, it } from 'vitest';
import { didYouMean, editDistance } from '../../src/diagnostics/suggest.js';

describe('suggestions', () => {
  it('counts a swapped pair of letters as one edit', () => {
    expect(editDistance('wbe', 'web')).toBe(1);
    expect(editDistance('campsu', 'campus')).toBe(1);
    expect(editDistance('ab', 'ba')).toBe(1);
    expect(editDistance('abc', 'abc')).toBe(0);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });

  it('caps the work: anything past the cap is cap + 1', () => {
    expect(editDistance('a', 'abcdefghijklmnop', 3)).toBe(4);
    expect(editDistance('abcdefgh', 'zyxwvuts', 2)).toBe(3);
  });

  it('suggests a short name with its letters swapped, as for longer ones', () => {
    expect(didYouMean('WBE', ['WEB', 'DNS', 'ssh'])).toBe('WEB');
    expect(didYouMean('campsu', ['campus', 'dc'])).toBe('campus');
    expect(didYouMean('balanse', ['balance', 'shape', 'strip'])).toBe('balance');
  });

  it('suggests nothing far away', () => {
    expect(didYouMean('xyz', ['WEB', 'DNS'])).toBeUndefined();
    expect(didYouMean('ab', ['cd'])).toBeUndefined();
  });
});
