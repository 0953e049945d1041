import { describe, expect, it } from 'vitest';
import { timestamp } from '../../../src/check/actions/timestamp.js';
import { group } from './support.js';

describe('timestamp', () => {
  it('is given once, and twice is a conflict', () => expect(timestamp.repeat).toBe('once-conflict'));
  it('stamps IPv6 and packets without IP with a trailer unless told', () => {
    expect(group('timestamp ip-option').actions.timestamp).toEqual({
      ipv4: 'ip-option',
      ipv6: 'trailer',
      other: 'trailer',
    });
    expect(group('timestamp ip-option ipv6 hop-by-hop other skip').actions.timestamp).toEqual({
      ipv4: 'ip-option',
      ipv6: 'hop-by-hop',
      other: 'skip',
    });
    expect(group('timestamp trailer').actions.timestamp).toEqual({
      ipv4: 'trailer',
      ipv6: 'trailer',
      other: 'trailer',
    });
  });
  it('reports words out of place (TMES0321) and unknown methods (TMES0308)', () => {
    expect(group('timestamp ip-option hop-by-hop').codes).toEqual(['TMES0321 6:23']);
    expect(group('timestamp ip-option ipv6 hop-by-hop extra').codes).toEqual(['TMES0321 6:39']);
    expect(group('timestamp ip-option ipv6 skip ipv6 trailer').codes).toEqual(['TMES0321 6:33']);
    expect(group('timestamp trailer ipv6 skip').codes).toEqual(['TMES0321 6:21']);
    expect(group('timestamp ip-option ipv6 hop').codes).toEqual(['TMES0308 6:28']);
    expect(group('timestamp header').codes).toEqual(['TMES0308 6:13']);
  });
});
