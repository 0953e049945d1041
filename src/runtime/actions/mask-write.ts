import { IPPROTO } from '../../fields/ip-proto.js';
import { decodeEncapsulated } from '../decode/decode.js';
import { INNER_KIND, PacketView } from '../decode/view.js';
import { pastAh } from './mask-ah.js';
import { decodePseudowire, pseudowireAt } from './mask-pseudowire.js';
import { fold, get16, put16, sumBytesAligned, updateChecksum, updateL4Checksum } from './checksum.js';
import { sctpChecksumOk, fixSctpChecksum } from './sctp-checksum.js';

/**
 * Overwrites ranges of a packet's payload with fill bytes and keeps every
 * checksum that covers them right: the innermost TCP, UDP, ICMP or ICMPv6
 * checksum, SCTP's CRC32c, and, inside tunnels the group did not strip, the
 * UDP checksums of VXLAN, Geneve, GTP-U, L2TP and Teredo and a GRE
 * checksum around it. Internet checksums are updated (RFC 1624), so one
 * that was wrong stays wrong the same way; SCTP's is recomputed only when it
 * was right. Lengths and headers never change, so IP header checksums stay.
 */

const GRE_CHECKSUM_PRESENT = 0x8000;
const MAX_LEVELS = 8;

interface Cover {
  /** Frame offset of the checksum field. */
  at: number;
  /** Frame offset where the checksummed segment starts (its parity decides the byte order of a sum). */
  segment: number;
  /** IPPROTO of the field (UDP, TCP, ICMP, ICMPV6), or -1 for a plain Internet checksum (GRE). */
  proto: number;
  v6: boolean;
}

export class MaskWriter {
  private readonly covers: Cover[] = [];
  private nCovers = 0;
  private readonly level = new PacketView(false);
  /** SCTP packet around the payload: [start, end) frame offsets, or start -1. */
  private sctpStart = -1;
  private sctpEnd = 0;
  private sctpWasOk = false;
  /** Whether the last cover is the innermost transport checksum (not a tunnel's). */
  private transport = false;
  /**
   * For the next apply() only: where the transport checksum is, as the view
   * cannot tell in an IP fragment (mask-fragments.ts): -1 none, else its
   * frame offset, with the frame offset its segment starts at (for the
   * byte order; it may lie in another fragment) and its protocol.
   */
  private fixedAt = -2;
  private fixedSegment = 0;
  private fixedProto = 0;
  private fixedV6 = false;
  /**
   * Writes of the packet in hand: frame offsets and fill bytes, the first
   * `n` entries (a count, not the arrays' length: setting an array's length
   * is a runtime call, and reset() runs for every packet).
   */
  private readonly from: number[] = [];
  private readonly to: number[] = [];
  private readonly fills: number[] = [];
  private n = 0;

  /** Starts a packet: no writes yet. */
  reset(): void {
    this.n = 0;
  }

  /** Queues d[from, to) to be filled; later calls win where ranges overlap. */
  add(from: number, to: number, fill: number): void {
    if (to <= from) return;
    const i = this.n++;
    if (i < this.from.length) {
      this.from[i] = from;
      this.to[i] = to;
      this.fills[i] = fill;
    } else {
      this.from.push(from);
      this.to.push(to);
      this.fills.push(fill);
    }
  }

  get pending(): number {
    return this.n;
  }

  /**
   * Writes the queued fills into `d` (the packet, `view` its decode: the
   * outer view, whose `inner` holds the payload when tunnelled) and fixes
   * the checksums. Returns how many bytes changed value. `extraOld` and
   * `extraNew`: sums (in the byte order of frame offset 0) of bytes changed
   * elsewhere that the innermost transport checksum covers and the tunnel
   * checksums do not: a first IP fragment's, for what was masked in the
   * later fragments of its datagram (mask-fragments.ts).
   */
  apply(d: Uint8Array, length: number, view: PacketView, extraOld = 0, extraNew = 0): number {
    const n = this.n;
    const extra = extraOld !== extraNew;
    if (n === 0 && !extra) {
      this.fixedAt = -2;
      return 0;
    }
    let lo = Infinity;
    let hi = 0;
    for (let i = 0; i < n; i++) {
      if (this.from[i] < lo) lo = this.from[i];
      if (this.to[i] > hi) hi = this.to[i];
    }
    if (hi > length) hi = length;
    if (lo >= hi) {
      if (!extra) {
        this.fixedAt = -2;
        return 0;
      }
      lo = hi = 0;
    }
    this.findCovers(d, length, view);
    this.fixedAt = -2;
    const before = sumBytesAligned(d, lo, hi - lo, 0);
    let changed = 0;
    for (let i = 0; i < n; i++) {
      const f = this.fills[i];
      const e = Math.min(this.to[i], length);
      for (let j = this.from[i]; j < e; j++)
        if (d[j] !== f) {
          d[j] = f;
          changed++;
        }
    }
    if (changed === 0 && !extra) return 0;
    let after = sumBytesAligned(d, lo, hi - lo, 0);
    let oldSum = before;
    // inner checksums first: each one's new value is a change the checksums around it cover too
    if (this.sctpStart >= 0 && this.sctpWasOk) {
      const at = this.sctpStart + 8;
      oldSum += sumBytesAligned(d, at, 4, 0);
      fixSctpChecksum(d, this.sctpStart, this.sctpEnd);
      after += sumBytesAligned(d, at, 4, 0);
    }
    for (let i = this.nCovers - 1; i >= 0; i--) {
      const c = this.covers[i];
      const odd = (c.segment & 1) === 1;
      // the innermost transport checksum (pushed last) covers the datagram's other fragments too
      const inner = i === this.nCovers - 1 && this.transport;
      const os = inner ? oldSum + extraOld : oldSum;
      const as = inner ? after + extraNew : after;
      const o = odd ? swap(fold(os)) : os;
      const a = odd ? swap(fold(as)) : as;
      oldSum += sumBytesAligned(d, c.at, 2, 0);
      if (c.proto < 0) put16(d, c.at, updateChecksum(get16(d, c.at), o, a));
      else updateL4Checksum(d, c.at, c.proto, c.v6, o, a);
      after += sumBytesAligned(d, c.at, 2, 0);
    }
    return changed;
  }

  /** The next apply()'s transport checksum: at `at` (or none, -1), whatever the view says. */
  transportAt(at: number, segment: number, proto: number, v6: boolean): void {
    this.fixedAt = at;
    this.fixedSegment = segment;
    this.fixedProto = proto;
    this.fixedV6 = v6;
  }

  /** Writes the queued fills into `d` and nothing else (no checksum): a reassembled datagram's bytes. */
  fill(d: Uint8Array, length: number): void {
    for (let i = 0; i < this.n; i++) {
      const f = this.fills[i];
      const e = Math.min(this.to[i], length);
      for (let j = this.from[i]; j < e; j++) d[j] = f;
    }
  }

  /** The checksums over the payload, from the outermost tunnel in. */
  private findCovers(d: Uint8Array, length: number, view: PacketView): void {
    this.nCovers = 0;
    this.sctpStart = -1;
    let v = view;
    // not into a fragment's tunnel (a first fragment's: the decoder follows it): its checksum covers the whole
    // datagram, the transport checksum that level's (fixedAt, or found below), and what is inside is cut short
    for (let depth = 0; depth < MAX_LEVELS && v.innerKind !== INNER_KIND.none && !(v.fragment > 0); depth++) {
      this.tunnelCover(d, v);
      const end = v.payloadOffset + v.payloadLength;
      decodeEncapsulated(this.level, d, v.innerOffset, Math.min(end, length), v.innerKind, v.wireEnd);
      v = this.level;
    }
    // an Ethernet pseudowire after MPLS labels: the checksums are its frame's (mask-pseudowire.ts)
    if (v.mplsCount > 0 && v.ipVersion === 0) {
      const at = pseudowireAt(v, d, length);
      if (at >= 0) {
        decodePseudowire(this.level, v, d, at, length);
        v = this.level;
      }
    }
    // IPv4 AH: the checksum is the transport's behind it (mask-ah.ts)
    if (v.ipProto === IPPROTO.AH) v = pastAh(this.level, v, d) ?? v;
    if (this.fixedAt !== -2) {
      this.transport = this.fixedAt >= 0;
      if (this.transport) this.push(this.fixedAt, this.fixedSegment, this.fixedProto, this.fixedV6);
      return;
    }
    const at = transportChecksumAt(v);
    this.transport = at >= 0;
    if (at >= 0) this.push(at, v.l4Offset, v.ipProto, v.ipVersion === 6);
    else if (v.ipProto === IPPROTO.SCTP && v.l4Offset >= 0) {
      const end = v.ipHdrOffset + v.ipTotalLen;
      if (end <= length) {
        this.sctpStart = v.l4Offset;
        this.sctpEnd = end;
        this.sctpWasOk = sctpChecksumOk(d, v.l4Offset, end);
      }
    }
  }

  private tunnelCover(d: Uint8Array, v: PacketView): void {
    if (v.l4Offset < 0 || v.fragment === 2) return;
    if (v.ipProto === IPPROTO.UDP) this.push(v.l4Offset + 6, v.l4Offset, IPPROTO.UDP, v.ipVersion === 6);
    else if (v.ipProto === IPPROTO.GRE && (get16(d, v.l4Offset) & GRE_CHECKSUM_PRESENT) !== 0)
      this.push(v.l4Offset + 4, v.l4Offset, -1, false);
  }

  private push(at: number, segment: number, proto: number, v6: boolean): void {
    const c = (this.covers[this.nCovers++] ??= { at: 0, segment: 0, proto: 0, v6: false });
    c.at = at;
    c.segment = segment;
    c.proto = proto;
    c.v6 = v6;
  }
}

/** Frame offset of the innermost transport checksum that covers the payload, or -1 (a later fragment has none here). */
export function transportChecksumAt(v: PacketView): number {
  if (v.l4Offset < 0 || v.fragment === 2) return -1;
  switch (v.ipProto) {
    case IPPROTO.TCP:
      return v.l4Offset + 16;
    case IPPROTO.UDP:
      return v.l4Offset + 6;
    case IPPROTO.ICMP:
    case IPPROTO.ICMPV6:
      return v.l4Offset + 2;
    default:
      return -1;
  }
}

const swap = (x: number) => ((x & 0xff) << 8) | (x >>> 8);
