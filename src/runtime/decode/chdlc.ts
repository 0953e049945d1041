import { ETHERTYPE } from '../../fields/ethertype.js';
import { be16 } from './bytes.js';
import { decodeNetwork } from './ethertype.js';
import { mark, reasonCode } from './malformed.js';
import type { PacketView } from './view.js';

const TRUNCATED = reasonCode('truncated-chdlc');

/** Cisco HDLC: address, control, then an ethertype. */
export function decodeChdlc(v: PacketView, d: Uint8Array, off: number, end: number): void {
  if (off >= end) {
    mark(v, TRUNCATED);
    return;
  }
  v.l2Offset = off;
  if (end - off < 4) {
    mark(v, TRUNCATED);
    return;
  }
  const type = be16(d, off + 2);
  if (type === ETHERTYPE.RARP) {
    // Cisco reuses the RARP ethertype for SLARP, which is not ARP-shaped.
    v.etherType = type;
    if (off + 4 < end) v.l3Offset = off + 4;
    return;
  }
  decodeNetwork(v, d, off + 4, end, type);
}

/** Cisco HDLC's address byte (unicast or broadcast), which also shows up on PPP_HDLC links. */
export function isChdlcAddress(byte: number): boolean {
  return byte === 0x0f || byte === 0x8f;
}
