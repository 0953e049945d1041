import { ETHERTYPE } from '../../fields/ethertype.js';
import { BSD_AF } from '../../fields/link-headers.js';
import { decodeIpv4 } from './ipv4.js';
import { decodeIpv6 } from './ipv6.js';
import { mark, reasonCode } from './malformed.js';
import type { PacketView } from './view.js';

const TRUNCATED = reasonCode('truncated-null');

/**
 * BSD loopback: a 4-byte address family, in the capturing host's byte order
 * for LINKTYPE_NULL and in network order for LINKTYPE_LOOP. Families are
 * below 256, so a value with high bits set was written little-endian. IPv6
 * is any of the BSD values (24 NetBSD/OpenBSD/Npcap, 28 FreeBSD, 30 Darwin),
 * the same set libpcap's "ip6" accepts.
 */
export function decodeNull(v: PacketView, d: Uint8Array, off: number, end: number): void {
  if (off >= end) {
    mark(v, TRUNCATED);
    return;
  }
  v.l2Offset = off;
  if (end - off < 4) {
    mark(v, TRUNCATED);
    return;
  }
  let family = ((d[off] << 24) | (d[off + 1] << 16) | (d[off + 2] << 8) | d[off + 3]) >>> 0;
  if (family & 0xffff0000) family = d[off] | (d[off + 1] << 8) | (d[off + 2] << 16) | (d[off + 3] << 24);
  const p = off + 4;
  switch (family) {
    case BSD_AF.INET:
      v.etherType = ETHERTYPE.IPV4;
      decodeIpv4(v, d, p, end);
      return;
    case BSD_AF.INET6_BSD:
    case BSD_AF.INET6_FREEBSD:
    case BSD_AF.INET6_DARWIN:
      v.etherType = ETHERTYPE.IPV6;
      decodeIpv6(v, d, p, end);
      return;
    default:
      if (p < end) v.l3Offset = p;
  }
}
