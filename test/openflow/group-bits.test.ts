import { describe, expect, it } from 'vitest';
import { deliveredMatch, MAX_COMBINED_GROUPS, setGroupBits } from '../../src/openflow/group-bits.js';

/** The register bits an action list sets: reg -> bits. */
function bitsSet(actions: string[]): Map<string, bigint> {
  const out = new Map<string, bigint>();
  for (const a of actions) {
    const m = /^set_field:(0x[0-9a-f]+)\/(0x[0-9a-f]+)->(reg\d+)$/.exec(a);
    if (!m || m[1] !== m[2]) throw new Error(`unexpected action ${a}`);
    out.set(m[3], (out.get(m[3]) ?? 0n) | BigInt(m[1]));
  }
  return out;
}

describe('group bits', () => {
  it('gives every group of up to 80 its own to and drop bits, in registers the program leaves free', () => {
    expect(MAX_COMBINED_GROUPS).toBe(80);
    const seen = new Set<string>();
    for (let g = 0; g < MAX_COMBINED_GROUPS; g++) {
      const to = [...bitsSet(setGroupBits([g], []))];
      const drop = [...bitsSet(setGroupBits([], [g]))];
      expect(to.length).toBe(1);
      expect(drop.length).toBe(1);
      expect(to[0][0]).toBe(drop[0][0]);
      expect(['reg4', 'reg5', 'reg8', 'reg14', 'reg15']).toContain(to[0][0]);
      for (const [reg, bit] of [...to, ...drop]) {
        expect(seen.has(`${reg}:${bit}`)).toBe(false);
        seen.add(`${reg}:${bit}`);
      }
      // delivered: to set, drop clear
      const [reg, match] = deliveredMatch(g).split('=');
      const [value, mask] = match.split('/').map((x) => BigInt(x));
      expect(reg).toBe(to[0][0]);
      expect(value).toBe(to[0][1]);
      expect(mask).toBe(to[0][1] | drop[0][1]);
    }
  });

  it('sets a leaf bits in one action per register', () => {
    const a = setGroupBits([0, 1, 20], [1]);
    expect(a).toEqual(['set_field:0xd/0xd->reg4', 'set_field:0x100/0x100->reg5']);
  });
});
