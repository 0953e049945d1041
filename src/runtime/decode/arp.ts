import { ETHERTYPE } from '../../fields/ethertype.js';
import { ARPHRD } from '../../fields/link-headers.js';
import { be16 } from './bytes.js';
import { mark, reasonCode } from './malformed.js';
import type { PacketView } from './view.js';

const TRUNCATED = reasonCode('truncated-arp');

/**
 * ARP and RARP. Only Ethernet/IPv4 ARP has addresses the fields can hold:
 * ip4Src is the sender protocol address and ip4Dst the target's, which is
 * what "arp src host"/"arp dst host" test.
 */
export function decodeArp(v: PacketView, d: Uint8Array, off: number, end: number): void {
  if (off < end) v.l3Offset = off;
  if (end - off < 8) {
    mark(v, TRUNCATED);
    return;
  }
  const hlen = d[off + 4];
  const plen = d[off + 5];
  if (end - off < 8 + 2 * (hlen + plen)) {
    mark(v, TRUNCATED);
    return;
  }
  if (be16(d, off) === ARPHRD.ETHER && be16(d, off + 2) === ETHERTYPE.IPV4 && hlen === 6 && plen === 4) {
    v.ip4Src = ((d[off + 14] << 24) | (d[off + 14 + 1] << 16) | (d[off + 14 + 2] << 8) | d[off + 14 + 3]) >>> 0;
    v.ip4Dst = ((d[off + 24] << 24) | (d[off + 24 + 1] << 16) | (d[off + 24 + 2] << 8) | d[off + 24 + 3]) >>> 0;
  }
}
