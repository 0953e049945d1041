import { ETHERTYPE } from '../../fields/ethertype.js';
import { ABSENT } from '../../fields/fields.js';
import { decodeIpv4 } from './ipv4.js';
import { decodeIpv6 } from './ipv6.js';
import { mark, reasonCode } from './malformed.js';
import { decodeMpls } from './mpls.js';
import { pppToEtherType, readPppHeader } from './ppp-header.js';
import type { PacketView } from './view.js';

const TRUNCATED = reasonCode('truncated-ppp');

/** LINKTYPE_PPP and the PPP side of LINKTYPE_PPP_HDLC: a PPP header, then its protocol. */
export function decodePppLink(v: PacketView, d: Uint8Array, off: number, end: number): void {
  if (off >= end) {
    mark(v, TRUNCATED);
    return;
  }
  v.l2Offset = off;
  const header = readPppHeader(d, off, end);
  if (header < 0) {
    mark(v, TRUNCATED);
    return;
  }
  decodePppPayload(v, d, off + (header >>> 16), end, header & 0xffff);
}

/** Network layer of a PPP frame (also PPPoE sessions). Unknown protocols (LCP, IPCP, ...) stop here. */
export function decodePppPayload(v: PacketView, d: Uint8Array, off: number, end: number, protocol: number): void {
  const type = pppToEtherType(protocol);
  if (type !== ABSENT) v.etherType = type;
  switch (type) {
    case ETHERTYPE.IPV4:
      decodeIpv4(v, d, off, end);
      return;
    case ETHERTYPE.IPV6:
      decodeIpv6(v, d, off, end);
      return;
    case ETHERTYPE.MPLS:
    case ETHERTYPE.MPLS_MULTICAST:
      decodeMpls(v, d, off, end);
      return;
    default:
      if (off < end) v.l3Offset = off;
  }
}
