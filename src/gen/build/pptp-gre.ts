import { ETHERTYPE } from '../../fields/ethertype.js';
import type { Frame } from '../frame.js';

const KEY_PRESENT = 0x2000;
const SEQUENCE_PRESENT = 0x1000;
const VERSION_1 = 1;

/**
 * PPTP's enhanced GRE (RFC 2637, GRE version 1) over the PPP frame already in
 * the frame: the key field is the payload length and the call id.
 */
export function prependPptpGre(f: Frame, callId: number, sequence: number): void {
  const len = f.length;
  const p = f.prepend(12);
  f.dv.setUint16(p, KEY_PRESENT | SEQUENCE_PRESENT | VERSION_1);
  f.dv.setUint16(p + 2, ETHERTYPE.PPP);
  f.dv.setUint16(p + 4, len);
  f.dv.setUint16(p + 6, callId);
  f.dv.setUint32(p + 8, sequence >>> 0);
}
