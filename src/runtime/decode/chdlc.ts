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
  decodeNetwork(v, d, off + 4, end, be16(d, off + 2));
}

/** Cisco HDLC's address byte (unicast or broadcast), which also shows up on PPP_HDLC links. */
export function isChdlcAddress(byte: number): boolean {
  return byte === 0x0f || byte === 0x8f;
}
