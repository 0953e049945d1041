import { describe, expect, it } from 'vitest';
import { balance } from '../../../src/check/actions/balance.js';
import { group } from './support.js';

describe('balance', () => {
  it('is given once', () => expect(balance.repeat).toBe('once'));
  it('defaults to symmetric, outer headers', () => {
    expect(group().balance).toEqual({ symmetric: true, inner: false });
  });
  it('reads its options', () => {
    expect(group('balance session asymmetric inner').balance).toEqual({ symmetric: false, inner: true });
  });
  it('reports an unknown mode or option with the accepted words', () => {
    expect(group('balance flow').codes).toEqual(['TMES0308 6:11']);
    expect(group('balance session symetric').codes).toEqual(['TMES0308 6:19']);
  });
});
