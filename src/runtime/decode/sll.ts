import { ARPHRD } from '../../fields/link-headers.js';
import { be16 } from './bytes.js';
import { decodeEtherPayload } from './ethertype.js';
import { mark, reasonCode } from './malformed.js';
import type { PacketView } from './view.js';

const TRUNCATED = reasonCode('truncated-sll');

/**
 * Linux cooked capture v1 (16 bytes; packet type first, protocol last). The
 * protocol field is the ethertype, so it is both outerEtherType and, after
 * any VLAN tags, etherType. The link-layer address is the sender's, so for
 * Ethernet devices it is ethSrc; there is no destination. The packet type
 * says whether the host sent or received the packet (inbound, outbound).
 */
export function decodeSll(v: PacketView, d: Uint8Array, off: number, end: number): void {
  if (off >= end) {
    mark(v, TRUNCATED);
    return;
  }
  v.l2Offset = off;
  if (end - off < 16) {
    mark(v, TRUNCATED);
    return;
  }
  v.pktType = be16(d, off);
  if (be16(d, off + 2) === ARPHRD.ETHER && be16(d, off + 4) === 6)
    v.ethSrc =
      ((d[off + 6] << 8) | d[off + 6 + 1]) * 0x1_0000_0000 +
      (((d[off + 6 + 2] << 24) | (d[off + 6 + 3] << 16) | (d[off + 6 + 4] << 8) | d[off + 6 + 5]) >>> 0);
  const proto = be16(d, off + 14);
  v.outerEtherType = proto;
  decodeEtherPayload(v, d, off + 16, end, proto);
}

/**
 * Linux cooked capture v2 (20 bytes; protocol first, then interface index,
 * ARPHRD type, packet type, address length and address).
 */
export function decodeSll2(v: PacketView, d: Uint8Array, off: number, end: number): void {
  if (off >= end) {
    mark(v, TRUNCATED);
    return;
  }
  v.l2Offset = off;
  if (end - off < 20) {
    mark(v, TRUNCATED);
    return;
  }
  v.ifIndex = ((d[off + 4] << 24) | (d[off + 5] << 16) | (d[off + 6] << 8) | d[off + 7]) >>> 0;
  v.pktType = d[off + 10];
  if (be16(d, off + 8) === ARPHRD.ETHER && d[off + 11] === 6)
    v.ethSrc =
      ((d[off + 12] << 8) | d[off + 12 + 1]) * 0x1_0000_0000 +
      (((d[off + 12 + 2] << 24) | (d[off + 12 + 3] << 16) | (d[off + 12 + 4] << 8) | d[off + 12 + 5]) >>> 0);
  const proto = be16(d, off);
  v.outerEtherType = proto;
  decodeEtherPayload(v, d, off + 20, end, proto);
}
