import { describe, expect, it } from 'vitest';
import { timestamp } from '../../../src/check/actions/timestamp.js';
import { group } from './support.js';

describe('timestamp', () => {
  it('is given once, and twice is a conflict', () => expect(timestamp.repeat).toBe('once-conflict'));
  it('skips IPv6 unless told', () => {
    expect(group('timestamp ip-option').actions.timestamp).toEqual({ ipv4: 'ip-option', ipv6: 'skip' });
    expect(group('timestamp ip-option ipv6 hop-by-hop').actions.timestamp).toEqual({
      ipv4: 'ip-option',
      ipv6: 'hop-by-hop',
    });
  });
  it('reports words out of place (TMES0321) and unknown methods (TMES0308)', () => {
    expect(group('timestamp ip-option hop-by-hop').codes).toEqual(['TMES0321 6:23']);
    expect(group('timestamp ip-option ipv6 hop-by-hop extra').codes).toEqual(['TMES0321 6:23']);
    expect(group('timestamp ip-option ipv6 hop').codes).toEqual(['TMES0308 6:28']);
    expect(group('timestamp header').codes).toEqual(['TMES0308 6:13']);
  });
});
