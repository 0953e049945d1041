import { be16 } from './bytes.js';
import { mark, reasonCode } from './malformed.js';
import { decodePppPayload } from './ppp.js';
import type { PacketView } from './view.js';

const TRUNCATED = reasonCode('truncated-pppoe');

/**
 * PPPoE session stage (ethertype 0x8864): 6-byte header then a PPP protocol.
 * etherType becomes the carried network protocol when we know it, and stays
 * 0x8864 for LCP/IPCP and the like.
 */
export function decodePppoeSession(v: PacketView, d: Uint8Array, off: number, end: number): void {
  const n = end - off;
  if (n < 4) {
    mark(v, TRUNCATED);
    return;
  }
  v.pppoeSession = be16(d, off + 2);
  if (n < 8) {
    mark(v, TRUNCATED);
    return;
  }
  decodePppPayload(v, d, off + 8, end, be16(d, off + 6));
}
