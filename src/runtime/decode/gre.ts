import { ETHERTYPE } from '../../fields/ethertype.js';
import { TUNNEL } from '../../fields/fields.js';
import { be16 } from './bytes.js';
import { decodeErspan2, decodeErspan3 } from './erspan.js';
import { mark, reasonCode } from './malformed.js';
import { setPayload } from './payload.js';
import { setInnerAfterPpp } from './ppp-header.js';
import { looksLikeIp, setInner } from './tunnel.js';
import { INNER_KIND } from './view.js';
import type { PacketView } from './view.js';

const TRUNCATED = reasonCode('truncated-gre');
const BAD_VERSION = reasonCode('bad-gre-version');
const BAD_PPTP = reasonCode('bad-pptp-gre-header');
const TRUNCATED_MPLS = reasonCode('truncated-mpls');

/** Label stack entries read inside GRE at most (as decodeMpls: the count is a 4-bit field). */
const MAX_LABELS = 15;
/** The bottom-of-stack bit of a label stack entry's third byte. */
const BOTTOM_OF_STACK = 0x01;

const CHECKSUM = 0x8000;
const ROUTING = 0x4000;
const KEY = 0x2000;
const SEQUENCE = 0x1000;
const PPTP_ACK = 0x0080;

/**
 * GRE (RFC 2784/2890, with RFC 1701 routing), PPTP's enhanced GRE (version
 * 1) and what GRE carries: IP, transparent Ethernet bridging, ERSPAN, WCCP
 * redirects, Cisco MetaData and MPLS (RFC 4023). The payload is what follows
 * the GRE header.
 */
export function decodeGre(v: PacketView, d: Uint8Array, off: number, end: number): void {
  if (end - off < 4) {
    mark(v, TRUNCATED);
    return;
  }
  const flags = be16(d, off);
  const proto = be16(d, off + 2);
  const version = flags & 7;
  if (version === 1) {
    decodePptpGre(v, d, off, end, flags, proto);
    return;
  }
  if (version !== 0) {
    mark(v, BAD_VERSION);
    return;
  }
  v.tunnel = TUNNEL.gre;
  let p = off + 4;
  // RFC 1701: checksum and offset are both there when either C or R is set.
  if (flags & (CHECKSUM | ROUTING)) p += 4;
  if (flags & KEY) {
    if (end - p < 4) {
      mark(v, TRUNCATED);
      return;
    }
    v.tunnelId = ((d[p] << 24) | (d[p + 1] << 16) | (d[p + 2] << 8) | d[p + 3]) >>> 0;
    p += 4;
  }
  if (flags & SEQUENCE) p += 4;
  if (flags & ROUTING) {
    // Source route entries up to a NULL one (address family 0, length 0).
    for (;;) {
      if (end - p < 4) {
        mark(v, TRUNCATED);
        return;
      }
      const family = be16(d, p);
      const length = d[p + 3];
      p += 4 + length;
      if (family === 0 && length === 0) break;
    }
  }
  if (p > end) {
    mark(v, TRUNCATED);
    return;
  }
  setPayload(v, p, end);
  switch (proto) {
    case ETHERTYPE.IPV4:
    case ETHERTYPE.IPV6:
      setInner(v, p, end, INNER_KIND.ip);
      return;
    case ETHERTYPE.TEB:
      setInner(v, p, end, INNER_KIND.ether);
      return;
    case ETHERTYPE.ERSPAN:
      decodeErspan2(v, d, p, end, (flags & SEQUENCE) !== 0);
      return;
    case ETHERTYPE.ERSPAN_III:
      decodeErspan3(v, d, p, end);
      return;
    case ETHERTYPE.WCCP:
      // WCCP: IPv4 directly (v1) or after a 4-byte redirect header (v2),
      // told apart by the version nibble as Wireshark does.
      setInner(v, p < end && d[p] >> 4 === 4 ? p : p + 4, end, INNER_KIND.ip);
      return;
    case ETHERTYPE.CISCO_METADATA:
      decodeCiscoMetadata(v, d, p, end);
      return;
    case ETHERTYPE.MPLS:
    case ETHERTYPE.MPLS_MULTICAST:
      setInnerUnderLabels(v, d, p, end);
      return;
    default:
  }
}

/**
 * MPLS in GRE (RFC 4023): the label stack is the tunnel's (its labels mean
 * something only between the tunnel's ends), so the inner packet is what lies
 * under the bottom of the stack, when its version nibble says IP (as libpcap's
 * "mpls and ip" decides). A pseudowire under the labels has no inner packet.
 */
function setInnerUnderLabels(v: PacketView, d: Uint8Array, off: number, end: number): void {
  let p = off;
  for (let count = 1; ; count++) {
    if (end - p < 4) {
      mark(v, TRUNCATED_MPLS);
      return;
    }
    const bottom = (d[p + 2] & BOTTOM_OF_STACK) !== 0;
    p += 4;
    if (bottom) break;
    if (count === MAX_LABELS) return;
  }
  if (looksLikeIp(d, p, end)) setInner(v, p, end, INNER_KIND.ip);
}

/** Cisco MetaData inside GRE: ethertype, version, length, option, SGT (8 bytes), then the packet. */
function decodeCiscoMetadata(v: PacketView, d: Uint8Array, off: number, end: number): void {
  if (end - off < 8) {
    mark(v, TRUNCATED);
    return;
  }
  const type = be16(d, off);
  if (type === ETHERTYPE.IPV4 || type === ETHERTYPE.IPV6) setInner(v, off + 8, end, INNER_KIND.ip);
}

/**
 * PPTP (RFC 2637): the key field is payload length and call id, an ack may
 * follow the sequence number, and the payload is a PPP frame. tunnelId is
 * the call id.
 */
function decodePptpGre(v: PacketView, d: Uint8Array, off: number, end: number, flags: number, proto: number): void {
  v.tunnel = TUNNEL.pptp;
  if (!(flags & KEY) || flags & (CHECKSUM | ROUTING)) {
    mark(v, BAD_PPTP);
    return;
  }
  if (end - off < 8) {
    mark(v, TRUNCATED);
    return;
  }
  const payloadLength = be16(d, off + 4);
  v.tunnelId = be16(d, off + 6);
  let p = off + 8;
  if (flags & SEQUENCE) p += 4;
  if (flags & PPTP_ACK) p += 4;
  if (p > end) {
    mark(v, TRUNCATED);
    return;
  }
  setPayload(v, p, end);
  // A bare acknowledgement carries no PPP frame.
  if (proto === ETHERTYPE.PPP && payloadLength !== 0) setInnerAfterPpp(v, d, p, end);
}
