import { ETHERTYPE } from '../../fields/ethertype.js';
import { ABSENT } from '../../fields/fields.js';
import { PPP_PROTO } from '../../fields/ppp.js';
import { be16 } from './bytes.js';
import { mark, reasonCode } from './malformed.js';
import { INNER_KIND } from './view.js';
import type { PacketView } from './view.js';
import { setInner } from './tunnel.js';

const TRUNCATED = reasonCode('truncated-ppp');

/**
 * Reads a PPP header at `off`: optional address/control (absent with
 * ACFC), then a one-byte (PFC: odd first byte) or two-byte protocol.
 * A leading 0xff can only be the all-stations address, so it takes the next
 * byte as control whatever its value, as tcpdump does.
 * Returns (header length << 16) | protocol, or -1 when cut short.
 */
export function readPppHeader(d: Uint8Array, off: number, end: number): number {
  let p = off;
  if (p < end && d[p] === 0xff) p += 2;
  if (p >= end) return -1;
  let protocol = d[p];
  if (protocol & 1) {
    p += 1;
  } else {
    if (end - p < 2) return -1;
    protocol = be16(d, p);
    p += 2;
  }
  return ((p - off) << 16) | protocol;
}

/** The ethertype equivalent of the PPP protocols we decode further, else ABSENT. */
export function pppToEtherType(protocol: number): number {
  switch (protocol) {
    case PPP_PROTO.IPV4:
      return ETHERTYPE.IPV4;
    case PPP_PROTO.IPV6:
      return ETHERTYPE.IPV6;
    case PPP_PROTO.MPLS:
      return ETHERTYPE.MPLS;
    case PPP_PROTO.MPLS_MULTICAST:
      return ETHERTYPE.MPLS_MULTICAST;
    default:
      return ABSENT;
  }
}

/** For tunnels carrying PPP (PPTP, L2TPv2): the inner packet is the IP datagram in it, if any. */
export function setInnerAfterPpp(v: PacketView, d: Uint8Array, off: number, end: number): void {
  const header = readPppHeader(d, off, end);
  if (header < 0) {
    mark(v, TRUNCATED);
    return;
  }
  const protocol = header & 0xffff;
  if (protocol === PPP_PROTO.IPV4 || protocol === PPP_PROTO.IPV6)
    setInner(v, off + (header >>> 16), end, INNER_KIND.ip);
}
