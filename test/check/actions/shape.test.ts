import { describe, expect, it } from 'vitest';
import { shape } from '../../../src/check/actions/shape.js';
import { group } from './support.js';

describe('shape', () => {
  it('is given once', () => expect(shape.repeat).toBe('once'));
  it('takes a burst size', () => expect(group('shape burst 64 KiB').actions.shape).toEqual({ burstBytes: 65536 }));
  it('reports a burst below one frame or above 1 GB, and an unknown setting', () => {
    expect(group('shape burst 1 KB').codes).toEqual(['TMES0304 6:15']);
    expect(group('shape bursts 64 KB').codes).toEqual(['TMES0308 6:9']);
  });
});
