import { describe, expect, it } from 'vitest';
import { ABSENT, FIELDS } from '../../../src/fields/fields.js';
import { MALFORMED_REASONS, reasonCode, reasonName } from '../../../src/runtime/decode/malformed.js';
import { PacketView } from '../../../src/runtime/decode/view.js';

describe('PacketView', () => {
  it('has one numeric property per FIELDS entry, in FIELDS order, all ABSENT when new', () => {
    const v = new PacketView();
    const keys = Object.keys(v);
    expect(keys.slice(0, FIELDS.length)).toEqual(FIELDS.map((f) => f.name));
    const rec = v as unknown as Record<string, unknown>;
    for (const f of FIELDS) expect(rec[f.name]).toBe(ABSENT);
  });

  it('reset() returns every property to its initial value', () => {
    const fresh = new PacketView();
    const v = new PacketView();
    const rec = v as unknown as Record<string, unknown>;
    for (const k of Object.keys(v)) if (k !== 'inner') rec[k] = 12345;
    v.reset();
    const strip = (x: PacketView) => Object.fromEntries(Object.entries(x).filter(([k]) => k !== 'inner'));
    expect(strip(v)).toEqual(strip(fresh));
  });

  it('has a distinct inner view, allocated once, whose own inner is itself', () => {
    const v = new PacketView();
    expect(v.inner).not.toBe(v);
    expect(v.inner.inner).toBe(v.inner);
    expect(Object.keys(v.inner)).toEqual(Object.keys(v));
  });
});

describe('malformed reasons', () => {
  it('are unique names with code 0 meaning none', () => {
    expect(new Set(MALFORMED_REASONS).size).toBe(MALFORMED_REASONS.length);
    expect(reasonCode('none')).toBe(0);
    expect(reasonName(reasonCode('truncated-ipv4'))).toBe('truncated-ipv4');
    expect(reasonName(999)).toBeUndefined();
  });
});
