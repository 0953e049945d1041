import { be16 } from './bytes.js';
import { decodeEtherPayload } from './ethertype.js';
import { mark, reasonCode } from './malformed.js';
import type { PacketView } from './view.js';

const TRUNCATED = reasonCode('truncated-ethernet');

/** Ethernet II / 802.3 header; what follows is dispatched on the type (or length) field. */
export function decodeEthernet(v: PacketView, d: Uint8Array, off: number, end: number): void {
  const n = end - off;
  if (n <= 0) {
    mark(v, TRUNCATED);
    return;
  }
  v.l2Offset = off;
  if (n < 14) {
    if (n >= 6) {
      v.ethDst =
        ((d[off] << 8) | d[off + 1]) * 0x1_0000_0000 +
        (((d[off + 2] << 24) | (d[off + 3] << 16) | (d[off + 4] << 8) | d[off + 5]) >>> 0);
      v.ethMulticast = d[off] & 1;
    }
    if (n >= 12)
      v.ethSrc =
        ((d[off + 6] << 8) | d[off + 6 + 1]) * 0x1_0000_0000 +
        (((d[off + 6 + 2] << 24) | (d[off + 6 + 3] << 16) | (d[off + 6 + 4] << 8) | d[off + 6 + 5]) >>> 0);
    mark(v, TRUNCATED);
    return;
  }
  v.ethDst =
    ((d[off] << 8) | d[off + 1]) * 0x1_0000_0000 +
    (((d[off + 2] << 24) | (d[off + 3] << 16) | (d[off + 4] << 8) | d[off + 5]) >>> 0);
  // The I/G bit: first bit on the wire, lowest bit of the first byte.
  v.ethMulticast = d[off] & 1;
  v.ethSrc =
    ((d[off + 6] << 8) | d[off + 6 + 1]) * 0x1_0000_0000 +
    (((d[off + 6 + 2] << 24) | (d[off + 6 + 3] << 16) | (d[off + 6 + 4] << 8) | d[off + 6 + 5]) >>> 0);
  const type = be16(d, off + 12);
  v.outerEtherType = type;
  decodeEtherPayload(v, d, off + 14, end, type);
}
