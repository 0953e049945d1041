import { ETHERTYPE } from '../../fields/ethertype.js';

/**
 * The VLAN id of a frame's outermost 802.1Q tag, or -1 without one: on the
 * host link the code that says what a frame carries (its tap, its group),
 * so that what the return link loses is counted per code.
 */
export function tagCode(frame: Uint8Array, from = 0, len = frame.length - from): number {
  if (len < 16 || ((frame[from + 12] << 8) | frame[from + 13]) !== ETHERTYPE.VLAN) return -1;
  return ((frame[from + 14] << 8) | frame[from + 15]) & 0xfff;
}

/** Adds n to a code's count. */
export function countCode(m: Map<number, number>, code: number, n = 1): void {
  if (n) m.set(code, (m.get(code) ?? 0) + n);
}
