import { describe, expect, it } from 'vitest';
import { dedup } from '../../../src/check/actions/dedup.js';
import { group } from './support.js';

describe('dedup', () => {
  it('is given once', () => expect(dedup.repeat).toBe('once'));
  it('has a 10 ms window by default', () => expect(group('dedup').actions.dedup).toEqual({ windowNs: 10e6 }));
  it('takes a window with a duration unit', () => {
    expect(group('dedup window 250 us').actions.dedup).toEqual({ windowNs: 250e3 });
  });
  it('reports a window out of 1 us .. 10 s, a missing or unknown unit', () => {
    expect(group('dedup window 20 s').codes).toEqual(['TMES0304 6:16']);
    expect(group('dedup window 5').codes).toEqual(['TMES0304 6:16']);
    expect(group('dedup window 5 min').codes).toEqual(['TMES0308 6:18']);
    expect(group('dedup windw 5 ms').codes).toEqual(['TMES0308 6:9']);
  });
});
