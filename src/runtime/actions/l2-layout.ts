import { ETHERTYPE } from '../../fields/ethertype.js';
import { ABSENT, LINKTYPE } from '../../fields/fields.js';
import { ARPHRD, BSD_AF } from '../../fields/link-headers.js';
import { be16 } from '../decode/bytes.js';
import { isChdlcAddress } from '../decode/chdlc.js';
import { pppToEtherType, readPppHeader } from '../decode/ppp-header.js';
import { isVlanTpid } from '../decode/vlan.js';

/** A deeper stack of tags than the decoder accepts (15 VLAN tags) is not a network. */
const MAX_TAGS = 16;
const MAX_LABELS = 15;
/** Type fields up to this are 802.3 lengths, not ethertypes. */
const ETHERNET_MAX_LENGTH = 1535;

/** Tag kinds, as strip targets name them. */
export const enum TagKind {
  Vlan = 0,
  VnTag = 1,
  ETag = 2,
}

/**
 * Where the layer-2 parts of a frame lie, up to its network layer: the
 * addresses, the tags after them (802.1Q/802.1ad, VN-Tag, E-Tag), a PPPoE
 * session with its PPP header, an MPLS label stack. The runtime's decoder
 * fills the packet's fields; this records the byte ranges a stage needs to
 * take a frame apart and put it back together. Offsets index the frame.
 */
export class L2Layout {
  /** The 12 address bytes, or -1 when the link has none. */
  macs = -1;
  /** A 6-byte link-layer source address (Linux cooked captures), or -1. */
  srcMac = -1;
  /** Per tag: TPID, offset of what follows the TPID, its length, TagKind. */
  readonly tags = new Int32Array(4 * MAX_TAGS);
  tagCount = 0;
  /** Offset of the type field after the tags (-1 on links without one). */
  typeAt = -1;
  /** The ethertype after the tags: what the link says follows. */
  type = -1;
  pppoe = -1;
  /** The PPP header inside PPPoE: offset, length, protocol, and whether the protocol is compressed to one byte. */
  ppp = -1;
  pppLen = 0;
  pppProto = -1;
  pppShort = false;
  mpls = -1;
  mplsEnd = -1;
  /** The ethertype that introduced the label stack (unicast or multicast MPLS). */
  mplsType = -1;
  /** Where the network layer starts, and the ethertype that names it (-1 when none does: PPP control, pseudowires). */
  net = -1;
  netType = -1;

  reset(): void {
    this.macs = -1;
    this.srcMac = -1;
    this.tagCount = 0;
    this.typeAt = -1;
    this.type = -1;
    this.pppoe = -1;
    this.ppp = -1;
    this.pppLen = 0;
    this.pppProto = -1;
    this.pppShort = false;
    this.mpls = -1;
    this.mplsEnd = -1;
    this.mplsType = -1;
    this.net = -1;
    this.netType = -1;
  }

  tagTpid(i: number): number {
    return this.tags[4 * i];
  }
  tagBody(i: number): number {
    return this.tags[4 * i + 1];
  }
  tagLength(i: number): number {
    return this.tags[4 * i + 2];
  }
  tagKind(i: number): number {
    return this.tags[4 * i + 3];
  }
}

/** The ethertype of an IP packet by its version nibble, or -1. */
export function ipEtherType(d: Uint8Array, at: number, end: number): number {
  if (at >= end) return -1;
  const v = d[at] >> 4;
  return v === 4 ? ETHERTYPE.IPV4 : v === 6 ? ETHERTYPE.IPV6 : -1;
}

/**
 * Reads the layer-2 parts of the frame d[start, end) of this link type into
 * `l`. False when the link type is not one the runtime decodes or a header
 * is cut short.
 */
export function readL2(l: L2Layout, d: Uint8Array, start: number, end: number, linkType: number): boolean {
  l.reset();
  const n = end - start;
  switch (linkType & 0xffff) {
    case LINKTYPE.ETHERNET:
      if (n < 14) return false;
      l.macs = start;
      return typeChain(l, d, be16(d, start + 12), start + 12, start + 14, end);
    case LINKTYPE.LINUX_SLL:
      if (n < 16) return false;
      if (be16(d, start + 2) === ARPHRD.ETHER && be16(d, start + 4) === 6) l.srcMac = start + 6;
      return cooked(l, typeChain(l, d, be16(d, start + 14), start + 14, start + 16, end));
    case LINKTYPE.LINUX_SLL2:
      if (n < 20) return false;
      if (be16(d, start + 8) === ARPHRD.ETHER && d[start + 11] === 6) l.srcMac = start + 12;
      // the protocol is the first field, the payload (and any tag's TCI) starts at 20
      return cooked(l, typeChain(l, d, be16(d, start), start, start + 20, end));
    case LINKTYPE.NULL:
    case LINKTYPE.LOOP: {
      if (n < 4) return false;
      let family = ((d[start] << 24) | (d[start + 1] << 16) | (d[start + 2] << 8) | d[start + 3]) >>> 0;
      if (family & 0xffff0000) family = d[start] | (d[start + 1] << 8) | (d[start + 2] << 16) | (d[start + 3] << 24);
      l.net = start + 4;
      l.netType =
        family === BSD_AF.INET
          ? ETHERTYPE.IPV4
          : family === BSD_AF.INET6_BSD || family === BSD_AF.INET6_FREEBSD || family === BSD_AF.INET6_DARWIN
            ? ETHERTYPE.IPV6
            : -1;
      return true;
    }
    case LINKTYPE.PPP_HDLC:
      if (n > 0 && isChdlcAddress(d[start])) return chdlc(l, d, start, end);
      return pppLink(l, d, start, end);
    case LINKTYPE.PPP:
      return pppLink(l, d, start, end);
    case LINKTYPE.C_HDLC:
      return chdlc(l, d, start, end);
    case LINKTYPE.RAW:
    case LINKTYPE.RAW_DLT12:
    case LINKTYPE.RAW_DLT14:
      l.net = start;
      l.netType = ipEtherType(d, start, end);
      return true;
    case LINKTYPE.IPV4:
      l.net = start;
      l.netType = ETHERTYPE.IPV4;
      return true;
    case LINKTYPE.IPV6:
      l.net = start;
      l.netType = ETHERTYPE.IPV6;
      return true;
    default:
      return false;
  }
}

/** Linux cooked headers put Linux protocol numbers below 0x600 (802.2, 802.3) where an ethertype goes: no ethertype names them. */
function cooked(l: L2Layout, ok: boolean): boolean {
  if (l.netType >= 0 && l.netType <= ETHERNET_MAX_LENGTH) l.netType = -1;
  return ok;
}

function pppLink(l: L2Layout, d: Uint8Array, start: number, end: number): boolean {
  const h = readPppHeader(d, start, end);
  if (h < 0) return false;
  const p = start + (h >>> 16);
  const type = pppToEtherType(h & 0xffff);
  if (type === ABSENT) {
    l.net = p;
    return true;
  }
  return network(l, d, type, p, end);
}

function chdlc(l: L2Layout, d: Uint8Array, start: number, end: number): boolean {
  if (end - start < 4) return false;
  const type = be16(d, start + 2);
  // Cisco reuses the RARP ethertype for SLARP, which is no RARP
  if (type === ETHERTYPE.RARP) {
    l.net = start + 4;
    return true;
  }
  return network(l, d, type, start + 4, end);
}

/**
 * Tags, then the network layer. `type` is the type field read at `typeAt`;
 * `p` is where what it names begins (for a tag, its TCI).
 */
function typeChain(l: L2Layout, d: Uint8Array, type: number, typeAt: number, p: number, end: number): boolean {
  for (;;) {
    const kind = isVlanTpid(type)
      ? TagKind.Vlan
      : type === ETHERTYPE.VNTAG
        ? TagKind.VnTag
        : type === ETHERTYPE.ETAG
          ? TagKind.ETag
          : -1;
    if (kind < 0) break;
    const body = kind === TagKind.Vlan ? 2 : kind === TagKind.VnTag ? 4 : 6;
    if (end - p < body + 2 || l.tagCount === MAX_TAGS) return false;
    const t = 4 * l.tagCount++;
    l.tags[t] = type;
    l.tags[t + 1] = p;
    l.tags[t + 2] = body;
    l.tags[t + 3] = kind;
    typeAt = p + body;
    type = be16(d, typeAt);
    p = typeAt + 2;
  }
  l.typeAt = typeAt;
  l.type = type;
  return network(l, d, type, p, end);
}

function network(l: L2Layout, d: Uint8Array, type: number, p: number, end: number): boolean {
  if (type === ETHERTYPE.PPPOE_SESSION) {
    if (end - p < 6) return false;
    l.pppoe = p;
    const h = readPppHeader(d, p + 6, end);
    if (h < 0) return false;
    l.ppp = p + 6;
    l.pppLen = h >>> 16;
    l.pppProto = h & 0xffff;
    l.pppShort = l.pppLen === 1 || l.pppLen === 3;
    p = l.ppp + l.pppLen;
    type = pppToEtherType(l.pppProto);
    if (type === ABSENT) {
      l.net = p;
      return true;
    }
  }
  if (type === ETHERTYPE.MPLS || type === ETHERTYPE.MPLS_MULTICAST) {
    l.mpls = p;
    l.mplsType = type;
    for (let labels = 1; ; labels++) {
      if (end - p < 4 || labels > MAX_LABELS) return false;
      const bottom = d[p + 2] & 1;
      p += 4;
      if (bottom) break;
    }
    l.mplsEnd = p;
    l.net = p;
    l.netType = ipEtherType(d, p, end);
    return true;
  }
  l.net = p;
  l.netType = type;
  return true;
}

/** Whether readL2 (and the decoder) read frames of this link type. */
export function isDecodedLink(linkType: number): boolean {
  switch (linkType & 0xffff) {
    case LINKTYPE.ETHERNET:
    case LINKTYPE.NULL:
    case LINKTYPE.LOOP:
    case LINKTYPE.PPP:
    case LINKTYPE.PPP_HDLC:
    case LINKTYPE.C_HDLC:
    case LINKTYPE.RAW:
    case LINKTYPE.RAW_DLT12:
    case LINKTYPE.RAW_DLT14:
    case LINKTYPE.IPV4:
    case LINKTYPE.IPV6:
    case LINKTYPE.LINUX_SLL:
    case LINKTYPE.LINUX_SLL2:
      return true;
    default:
      return false;
  }
}
