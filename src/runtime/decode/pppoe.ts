import { be16 } from './bytes.js';
import { mark, reasonCode } from './malformed.js';
import { decodePppPayload } from './ppp.js';
import { readPppHeader } from './ppp-header.js';
import type { PacketView } from './view.js';

const TRUNCATED = reasonCode('truncated-pppoe');
const TRUNCATED_PPP = reasonCode('truncated-ppp');

/**
 * PPPoE session stage (ethertype 0x8864): 6-byte header then a PPP frame,
 * whose protocol field may be compressed to one byte (seen in the wild
 * despite RFC 2516). etherType becomes the carried network protocol when we
 * know it, and stays 0x8864 for LCP/IPCP and the like.
 */
export function decodePppoeSession(v: PacketView, d: Uint8Array, off: number, end: number): void {
  if (end - off < 4) {
    mark(v, TRUNCATED);
    return;
  }
  v.pppoeSession = be16(d, off + 2);
  if (end - off < 6) {
    mark(v, TRUNCATED);
    return;
  }
  const header = readPppHeader(d, off + 6, end);
  if (header < 0) {
    mark(v, TRUNCATED_PPP);
    return;
  }
  decodePppPayload(v, d, off + 6 + (header >>> 16), end, header & 0xffff);
}
