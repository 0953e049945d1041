import { describe, expect, it } from 'vitest';
import { strip } from '../../../src/check/actions/strip.js';
import { group } from './support.js';

describe('strip', () => {
  it('adds up over lines', () => expect(strip.repeat).toBe('many'));
  it('collects targets once each, in order', () => {
    expect(group('strip vxlan, gre', 'strip gre, mpls').actions.strip).toEqual(['vxlan', 'gre', 'mpls']);
  });
  it('reports an unknown target with a suggestion', () => {
    expect(group('strip vxaln').codes).toEqual(['TMES0308 6:9']);
  });
});
