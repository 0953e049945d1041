import { describe, expect, it } from 'vitest';
import { truncate } from '../../../src/check/actions/truncate.js';
import { group } from './support.js';

describe('truncate', () => {
  it('is given once, and twice is a conflict', () => expect(truncate.repeat).toBe('once-conflict'));
  it('takes bytes, with B as the default unit', () => {
    expect(group('truncate payload 64').actions.truncate).toEqual({ what: 'payload', bytes: 64 });
    expect(group('truncate frame 1 KiB').actions.truncate).toEqual({ what: 'frame', bytes: 1024 });
  });
  it('reports a frame shorter than an Ethernet header, and an unknown target', () => {
    expect(group('truncate frame 10').codes).toEqual(['TMES0304 6:18']);
    expect(group('truncate packet 64').codes).toEqual(['TMES0308 6:12']);
  });
});
