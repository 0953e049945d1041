import { ETHERTYPE } from '../../fields/ethertype.js';
import { ABSENT, TUNNEL } from '../../fields/fields.js';
import { IPPROTO } from '../../fields/ip-proto.js';
import { UDP_PORT } from '../../fields/ports.js';
import { INNER_KIND } from '../decode/view.js';
import type { Walk } from '../walk/walk.js';

/*
 * The one tunnel a walked frame carries, found from the walk's offsets and
 * the tunnel header's bytes, without the decoder's view (PeeledTunnel.ofWalk).
 * Each function reads a header as runtime/decode does (gre.ts, ipip.ts,
 * udp.ts, vxlan.ts, geneve.ts, gtp.ts) but only says yes for the plain
 * cases: a header the decoder reads whole, with no malformed mark, pointing
 * at the packet it carries. Anything else (PPTP, ERSPAN, GRE routing or MPLS,
 * L2TP, Teredo, a cut header, a G-PDU without an IP packet) is left to the
 * view: false is "not known here", never "no tunnel".
 */

/** GRE flags (RFC 2784/2890, RFC 1701). */
const GRE_CHECKSUM = 0x8000;
const GRE_ROUTING = 0x4000;
const GRE_KEY = 0x2000;
const GRE_SEQUENCE = 0x1000;
const GRE_VERSION = 0x0007;
/** UDP header, VXLAN header, Geneve's fixed header, GTP-U's mandatory header. */
const UDP_HEADER = 8;
const VXLAN_HEADER = 8;
const GENEVE_HEADER = 8;
export const GTP_HEADER = 8;
/** GTP-U's optional word (sequence, N-PDU number, next extension type) when any of E, S, PN is set. */
const GTP_OPTIONAL = 4;
const GTP_VERSION_1 = 1;
const GTP_PROTOCOL_TYPE = 0x10;
const GTP_OPTIONAL_FLAGS = 0x07;
/** GTP-U's message type carrying a user packet. */
const G_PDU = 255;

/** Where the walked frame's tunnel (found by findTunnel) puts the packet it carries. */
export class TunnelAt {
  /** The TUNNEL kind. */
  tunnel = 0;
  /** The INNER_KIND of the carried packet. */
  kind = 0;
  /** Its offset in the walk's buffer (w.d). */
  inner = 0;
}

/**
 * Finds the tunnel of a walked IP packet (w.cand set, w.l4 its transport
 * header, w.l4end the IP payload's end) into `at`; false when the decoder
 * would find none, mark it malformed, or it is a kind not read here.
 */
export function findTunnel(w: Pick<Walk, 'd' | 'l4' | 'l4end' | 'proto' | 'ipv'>, at: TunnelAt): boolean {
  const p = w.l4;
  if (p === ABSENT) return false;
  const d = w.d;
  const end = w.l4end;
  switch (w.proto) {
    case IPPROTO.GRE:
      return gre(d, p, end, at);
    case IPPROTO.IPIP:
    case IPPROTO.IPV6:
      at.tunnel =
        w.proto === IPPROTO.IPV6 && w.ipv === 4 ? (is6to4(d, p, end) ? TUNNEL['6to4'] : TUNNEL['6in4']) : TUNNEL.ipip;
      at.kind = INNER_KIND.ip;
      at.inner = p;
      return true;
    case IPPROTO.UDP: {
      if (end - p < UDP_HEADER) return false;
      // as decodeUdp: the destination port first, then the source when the destination's tunnel did not take it
      const r = udpTunnel(d, p + UDP_HEADER, end, (d[p + 2] << 8) | d[p + 3], at);
      return r === 0 ? udpTunnel(d, p + UDP_HEADER, end, (d[p] << 8) | d[p + 1], at) === 1 : r === 1;
    }
    default:
      return false;
  }
}

/** GRE version 0 carrying IPv4, IPv6 or an Ethernet frame, without routing (decodeGre). */
function gre(d: Uint8Array, off: number, end: number, at: TunnelAt): boolean {
  if (end - off < 4) return false;
  const flags = (d[off] << 8) | d[off + 1];
  if ((flags & (GRE_VERSION | GRE_ROUTING)) !== 0) return false;
  const proto = (d[off + 2] << 8) | d[off + 3];
  let p = off + 4;
  if (flags & GRE_CHECKSUM) p += 4;
  if (flags & GRE_KEY) p += 4;
  if (flags & GRE_SEQUENCE) p += 4;
  if (p >= end) return false;
  if (proto === ETHERTYPE.IPV4 || proto === ETHERTYPE.IPV6) at.kind = INNER_KIND.ip;
  else if (proto === ETHERTYPE.TEB) at.kind = INNER_KIND.ether;
  else return false;
  at.tunnel = TUNNEL.gre;
  at.inner = p;
  return true;
}

/**
 * The UDP tunnel of `port` over the UDP payload [off, end): 1 found (into
 * `at`), 0 the port's tunnel did not take the payload (the decoder tries the
 * other port), -1 not known here.
 */
function udpTunnel(d: Uint8Array, off: number, end: number, port: number, at: TunnelAt): number {
  switch (port) {
    case UDP_PORT.VXLAN:
      if (end - off <= VXLAN_HEADER) return -1;
      at.tunnel = TUNNEL.vxlan;
      at.kind = INNER_KIND.ether;
      at.inner = off + VXLAN_HEADER;
      return 1;
    case UDP_PORT.GENEVE: {
      if (off < end && d[off] >> 6 !== 0) return 0;
      if (end - off < GENEVE_HEADER) return -1;
      const p = off + GENEVE_HEADER + ((d[off] & 0x3f) << 2);
      if (p >= end) return -1;
      const proto = (d[off + 2] << 8) | d[off + 3];
      if (proto === ETHERTYPE.TEB) at.kind = INNER_KIND.ether;
      else if (proto === ETHERTYPE.IPV4 || proto === ETHERTYPE.IPV6) at.kind = INNER_KIND.ip;
      else return -1;
      at.tunnel = TUNNEL.geneve;
      at.inner = p;
      return 1;
    }
    case UDP_PORT.GTP_U:
      return gtpU(d, off, end, at);
    case UDP_PORT.L2TP:
    case UDP_PORT.TEREDO:
      return -1;
    default:
      return 0;
  }
}

/** A GTP-U G-PDU carrying an IP packet (decodeGtpU): 1, 0 or -1 as udpTunnel. */
function gtpU(d: Uint8Array, off: number, end: number, at: TunnelAt): number {
  if (off >= end) return -1;
  const flags = d[off];
  if (flags >> 5 !== GTP_VERSION_1 || !(flags & GTP_PROTOCOL_TYPE)) return 0;
  if (end - off < GTP_HEADER || d[off + 1] !== G_PDU) return -1;
  let p = off + GTP_HEADER;
  if (flags & GTP_OPTIONAL_FLAGS) {
    if (end - p < GTP_OPTIONAL) return -1;
    let next = d[p + 3];
    p += GTP_OPTIONAL;
    while (next !== 0) {
      if (p >= end) return -1;
      const len = d[p] << 2;
      if (len === 0 || end - p < len) return -1;
      next = d[p + len - 1];
      p += len;
    }
  }
  if (p >= end) return -1;
  const version = d[p] >> 4;
  if (version !== 4 && version !== 6) return -1;
  at.tunnel = TUNNEL.gtp;
  at.kind = INNER_KIND.ip;
  at.inner = p;
  return 1;
}

/** 6in4 whose IPv6 source or destination is in 2002::/16 (ipip.ts). */
function is6to4(d: Uint8Array, off: number, end: number): boolean {
  const n = end - off;
  return (
    (n >= 10 && d[off + 8] === 0x20 && d[off + 9] === 0x02) || (n >= 26 && d[off + 24] === 0x20 && d[off + 25] === 0x02)
  );
}
