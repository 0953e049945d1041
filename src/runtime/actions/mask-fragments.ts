import { IPPROTO } from '../../fields/ip-proto.js';
import { decodeIpv4 } from '../decode/ipv4.js';
import { decodeIpv6 } from '../decode/ipv6.js';
import { INNER_KIND, PacketView } from '../decode/view.js';
import { HOLD_TIMEOUT } from './mask-bounds.js';
import { transportChecksumAt } from './mask-write.js';
import { Replica, type Scratch, copyBytes } from './replica.js';
import { linkKey } from './tcp-stream.js';

/**
 * IP fragments for mask (issue 12.4): a TCP segment or a UDP datagram
 * carried in fragments is reassembled, per datagram, before it is searched,
 * so a secret split across fragments, or in a later fragment whose
 * transport header is in the first, is found. The fragments are held (the
 * step's own copies) until their datagram is whole; mask then searches the
 * reassembled packet (its TCP stream, or alone) and writes what it masks
 * back into each fragment's bytes (writeBack in mask.ts), the transport
 * checksum in the first. A datagram that cannot be reassembled (a bound, the
 * hold timeout, no first fragment, fragments that overlap or are cut by the
 * capture, a transport header not whole in the first fragment) is given up:
 * its fragments go on with their whole transport payload masked.
 * docs/design/mask.md, "IP fragments".
 */

/** Fragments one datagram may have; one more and it is given up. */
export const FRAGMENTS_PER_DATAGRAM = 64;
/** Datagrams being reassembled at once; past it the oldest is given up. */
export const DATAGRAMS_IN_FLIGHT = 1024;
/** Bytes (frames) held for reassembly in all; past it the oldest datagram is given up. */
export const FRAGMENT_BYTES_TOTAL = 8 * 1024 * 1024;
/** An IP datagram's payload can be no longer (IPv4's total length, IPv6's payload length, less their headers). */
const MAX_DATAGRAM = 65535;

const IPV4_MORE = 0x2000;
const IPV4_OFFSET = 0x1fff;
const IPV4_DF = 0x4000;
const IPV6_HEADER = 40;
const IPV6_FRAGMENT_HEADER = 8;
const IPV6_MORE = 0x0001;
const IPV6_OFFSET = 0xfff8;

/**
 * Protocols whose fragments are reassembled: those mask searches, the
 * tunnels the decoder follows (GRE, IP in IP, L2TPv3; UDP ones too: a
 * tunnel in a fragmented outer packet is masked whole once reassembled,
 * `tunnel`), and the IPv6 extension headers that may come between a
 * fragment header and one. Others (ESP, OSPF...) go as before (not searched).
 */
const REASSEMBLED = new Set<number>([
  IPPROTO.TCP,
  IPPROTO.UDP,
  IPPROTO.ICMP,
  IPPROTO.ICMPV6,
  IPPROTO.SCTP,
  IPPROTO.GRE,
  IPPROTO.IPIP,
  IPPROTO.IPV6,
  IPPROTO.L2TP,
  IPPROTO.DSTOPTS,
  IPPROTO.ROUTING,
  IPPROTO.AH,
]);

/**
 * Why a datagram was given up (for tests and design notes; all are counted
 * `undecided-fragment`, and 'bound' and 'timeout' `released-by-*` too).
 * 'session': the session it kept a place in left the table (a new one on
 * the same ports).
 */
export type GiveUp = 'overlap' | 'bound' | 'timeout' | 'no-first' | 'cut' | 'header' | 'invalid' | 'end' | 'session';

/** One fragment, held: the step's copy of its replica and where its data lies. */
export class Fragment {
  readonly r: Replica;
  buf: Uint8Array = new Uint8Array(0);
  /** Byte offset of its data in the datagram's fragmentable part. */
  offset = 0;
  /** Data bytes it carries (captured). */
  length = 0;
  /** Frame offset of its first data byte. */
  dataAt = 0;
  /** Frame offset from which it is masked when its datagram is given up: its transport payload. */
  maskFrom = 0;

  constructor(scratch: Scratch) {
    this.r = new Replica(scratch);
  }
}

/** A datagram being reassembled, then (complete) reassembled into `buf`, decoded in `view`. */
/** P, S: the masking step's place in a session's queue and that session (mask-held.ts), kept opaque here. */
export class Datagram<P = unknown, S = unknown> {
  readonly frags: Fragment[] = [];
  /** Length of the fragmentable part, once the last fragment (no "more") is seen; -1 before. */
  total = -1;
  /** Data bytes the fragments carry. */
  have = 0;
  /** Frame bytes held. */
  size = 0;
  /** Index in frags of the fragment at offset 0, or -1. */
  first = -1;
  /** Set once the datagram cannot be reassembled. */
  broken: GiveUp | undefined = undefined;
  /** The reassembled packet: the first fragment's frame up to its data, then all the data. */
  buf: Uint8Array = new Uint8Array(0);
  length = 0;
  /** The reassembled IP packet's decode (no tunnel inside it is followed: its payload is searched as it is). */
  readonly view = new PacketView(false);
  /** The tunnel around it (tunnel and tunnelId, as the TCP session table reads an outer view), or the view itself. */
  readonly outer = new PacketView(false);
  tunnelled = false;
  /**
   * Set when the reassembled packet carries a tunnel (VXLAN, GRE...): what is
   * inside is not followed (its TCP stream, two levels of checksums), so its
   * payload is masked whole, as a datagram given up is (mask.ts).
   */
  tunnel = false;
  /** The link its fragments came on (tcp-stream.ts linkKey(): the tap, the VLAN ids): part of its key and its session's. */
  link = 0;
  /** Offset in buf of the transport checksum (-1: none), and the index in frags of the fragment holding it. */
  checksumAt = -1;
  owner = -1;
  /** The place kept for it in its TCP session's queue (mask.ts), and that session, while it is being reassembled. */
  barrier: P | undefined = undefined;
  barrierSession: S | undefined = undefined;
  /** The reassembled packet as a replica, for the TCP path (its bytes in buf). */
  replica: Replica | undefined = undefined;

  constructor(
    readonly key: string,
    readonly since: number,
  ) {}
}

/**
 * The IP view of a packet that is a fragment mask reassembles, or undefined:
 * the outer packet's first (a tunnel in a fragment is whole only once that is
 * reassembled: the decoder follows one into a first fragment as if it were),
 * else the tunnel's inner packet's.
 */
export function fragmentView(v: PacketView): PacketView | undefined {
  if (v.ipVersion !== 0 && v.fragment > 0 && v.ipHdrOffset >= 0) return v;
  const i = v.inner;
  if (i === v || i.ipVersion === 0 || i.fragment <= 0 || i.ipHdrOffset < 0) return undefined;
  return i;
}

/** What readFragment() reads of a fragment's IP header. */
interface FragmentInfo {
  /** The fragment header's next header (IPv6) or the protocol (IPv4). */
  proto: number;
  id: number;
  offset: number;
  more: boolean;
  /** Frame offsets: where its data starts, where its data ends as captured and on the wire. */
  dataAt: number;
  dataEnd: number;
  wireEnd: number;
}

const info: FragmentInfo = { proto: 0, id: 0, offset: 0, more: false, dataAt: 0, dataEnd: 0, wireEnd: 0 };

const be16 = (d: Uint8Array, at: number) => (d[at] << 8) | d[at + 1];
const be32 = (d: Uint8Array, at: number) => ((d[at] << 24) | (d[at + 1] << 16) | (d[at + 2] << 8) | d[at + 3]) >>> 0;

/** Reads the fragment fields of q's IP header in d (length bytes captured), or returns undefined. */
function readFragment(d: Uint8Array, length: number, q: PacketView): FragmentInfo | undefined {
  const ip = q.ipHdrOffset;
  const wireEnd = ip + q.ipTotalLen;
  if (q.ipVersion === 4) {
    const hl = (d[ip] & 0x0f) * 4;
    const f = be16(d, ip + 6);
    info.proto = d[ip + 9];
    info.id = be16(d, ip + 4);
    info.offset = (f & IPV4_OFFSET) * 8;
    info.more = (f & IPV4_MORE) !== 0;
    info.dataAt = ip + hl;
  } else {
    // the extension headers before the fragment header are the unfragmentable part
    let next = d[ip + 6];
    let p = ip + IPV6_HEADER;
    for (;;) {
      if (p + IPV6_FRAGMENT_HEADER > length) return undefined;
      if (next === IPPROTO.FRAGMENT) break;
      if (next === IPPROTO.HOPOPTS || next === IPPROTO.ROUTING || next === IPPROTO.DSTOPTS) {
        next = d[p];
        p += (d[p + 1] + 1) << 3;
      } else return undefined;
    }
    const f = be16(d, p + 2);
    info.proto = d[p];
    info.id = be32(d, p + 4);
    info.offset = f & IPV6_OFFSET;
    info.more = (f & IPV6_MORE) !== 0;
    info.dataAt = p + IPV6_FRAGMENT_HEADER;
  }
  info.wireEnd = wireEnd;
  info.dataEnd = wireEnd < length ? wireEnd : length;
  if (info.dataEnd < info.dataAt) return undefined;
  return info;
}

/**
 * The datagrams being reassembled, in the order their first fragment came
 * (a Map keeps it): the oldest is the first to time out or to go at a bound.
 */
export class FragmentTable<P = unknown, S = unknown> {
  private readonly open = new Map<string, Datagram<P, S>>();
  private bytes = 0;
  private readonly spare: Fragment[] = [];
  /** The datagram the last add() held its fragment in (still open). */
  last: Datagram<P, S> | undefined = undefined;

  constructor(private readonly scratch: Scratch) {}

  get size(): number {
    return this.open.size;
  }

  /** Whether q (a fragmentView) is one this table reassembles. */
  static wanted(d: Uint8Array, length: number, q: PacketView): boolean {
    const f = readFragment(d, length, q);
    return f !== undefined && REASSEMBLED.has(f.proto);
  }

  /**
   * Holds a copy of fragment r (q: its IP view, v: the frame's) in its
   * datagram, and returns the datagram if that is now whole or broken
   * (taken out of the table: the caller writes and hands on its fragments).
   */
  add(r: Replica, v: PacketView, q: PacketView, now: number): Datagram<P, S> | undefined {
    const f = readFragment(r.data, r.length, q)!;
    const tunnelled = q !== v;
    // one datagram is one link's: the same addresses and IP id on two VLANs (or taps) are two datagrams
    const link = linkKey(r.tap, v.vlan0, v.vlan1);
    const key = `${link}|${tunnelled ? `${v.tunnel}/${v.tunnelId}` : ''}|${q.ipVersion}|${
      q.ipVersion === 4
        ? `${q.ip4Src}>${q.ip4Dst}`
        : `${q.ip6Src0},${q.ip6Src1},${q.ip6Src2},${q.ip6Src3}>${q.ip6Dst0},${q.ip6Dst1},${q.ip6Dst2},${q.ip6Dst3}`
    }|${f.proto}|${f.id}`;
    let g = this.open.get(key);
    if (g === undefined) {
      g = new Datagram<P, S>(key, now);
      this.open.set(key, g);
      if (tunnelled) {
        g.outer.tunnel = v.tunnel;
        g.outer.tunnelId = v.tunnelId;
      }
      g.tunnelled = tunnelled;
      g.link = link;
    }
    const x = this.spare.pop() ?? new Fragment(this.scratch);
    if (x.buf.length < r.length) x.buf = new Uint8Array(Math.max(r.length, 2 * x.buf.length));
    x.r.copyFrom(r, x.buf);
    x.offset = f.offset;
    x.length = f.dataEnd - f.dataAt;
    x.dataAt = f.dataAt;
    // a first fragment keeps its transport header (the ports, the sequence number) when given up
    x.maskFrom =
      f.offset === 0 && q.payloadOffset >= f.dataAt && q.payloadOffset <= f.dataEnd ? q.payloadOffset : f.dataAt;
    g.frags.push(x);
    g.size += r.length;
    this.bytes += r.length;
    if (g.broken === undefined) this.check(g, x, f.more, f.dataEnd < f.wireEnd);
    if (g.broken === undefined && g.total >= 0 && g.first >= 0 && g.have === g.total) {
      this.take(g);
      this.assemble(g);
      return g;
    }
    if (g.broken !== undefined) {
      this.take(g);
      return g;
    }
    this.last = g;
    return undefined;
  }

  /** Marks g broken if x cannot join it (RFC 5722 for IPv6, the same rule for IPv4: any overlap). */
  private check(g: Datagram<P, S>, x: Fragment, more: boolean, cut: boolean): void {
    const end = x.offset + x.length;
    if (cut) g.broken = 'cut';
    else if (g.frags.length > FRAGMENTS_PER_DATAGRAM) g.broken = 'bound';
    else if (end > MAX_DATAGRAM || (more && (x.length === 0 || (x.length & 7) !== 0))) g.broken = 'invalid';
    else if (!more && g.total >= 0 && g.total !== end) g.broken = 'invalid';
    else if (g.total >= 0 && end > g.total) g.broken = 'invalid';
    else {
      if (!more) {
        g.total = end;
        for (const y of g.frags) if (y.offset + y.length > end) g.broken = 'invalid';
      }
      for (const y of g.frags)
        if (y !== x && y.offset < end && x.offset < y.offset + y.length) {
          g.broken = 'overlap';
          break;
        }
      if (x.offset === 0) g.first = g.frags.length - 1;
      g.have += x.length;
    }
  }

  /** Takes g out of the table if it is still there (a session that gives it up). */
  forget(g: Datagram<P, S>): void {
    if (this.open.get(g.key) === g) this.take(g);
  }

  private take(g: Datagram<P, S>): void {
    this.open.delete(g.key);
    this.bytes -= g.size;
  }

  /** Fragments given back once handed on (their replicas were resumed). */
  recycle(g: Datagram<P, S>): void {
    for (const x of g.frags) this.spare.push(x);
    g.frags.length = 0;
  }

  /** The oldest datagram if a bound or the timeout gives it up now (taken out), else undefined. */
  due(now: number): Datagram<P, S> | undefined {
    const it = this.open.values().next();
    if (it.done === true) return undefined;
    const g = it.value;
    if (this.open.size > DATAGRAMS_IN_FLIGHT || this.bytes > FRAGMENT_BYTES_TOTAL) g.broken = 'bound';
    else if (g.since + HOLD_TIMEOUT <= now) g.broken = 'timeout';
    else return undefined;
    this.take(g);
    return g;
  }

  /** Every datagram still open (end of input), taken out. */
  takeAll(): Datagram<P, S>[] {
    const all = [...this.open.values()];
    for (const g of all) {
      g.broken = 'end';
      this.take(g);
    }
    return all;
  }

  /**
   * Builds the reassembled packet: the first fragment's frame up to its data
   * (the headers, a tunnel's too, so that frame offsets match the first
   * fragment's), then the data in order; its IP header made that of an
   * unfragmented packet of that length; decoded from the IP header.
   */
  private assemble(g: Datagram<P, S>): void {
    const first = g.frags[g.first];
    const head = first.dataAt;
    const length = head + g.total;
    if (g.buf.length < length) g.buf = new Uint8Array(length);
    const b = g.buf;
    copyBytes(b, 0, first.r.data, 0, head);
    for (const x of g.frags) copyBytes(b, head + x.offset, x.r.data, x.dataAt, x.length);
    g.length = length;
    const fv = first.r.view();
    const q = fragmentView(fv)!;
    const ip = q.ipHdrOffset;
    if (q.ipVersion === 4) {
      b[ip + 2] = (length - ip) >> 8;
      b[ip + 3] = (length - ip) & 0xff;
      const f = be16(b, ip + 6) & IPV4_DF;
      b[ip + 6] = f >> 8;
      b[ip + 7] = 0;
    } else {
      const n = length - ip - IPV6_HEADER;
      b[ip + 4] = n >> 8;
      b[ip + 5] = n & 0xff;
      // the fragment header stays, as an atomic fragment (offset 0, no more): frame offsets do not move
      b[head - IPV6_FRAGMENT_HEADER + 2] = 0;
      b[head - IPV6_FRAGMENT_HEADER + 3] = 0;
    }
    const v = g.view;
    v.reset();
    v.wireEnd = length;
    if (q.ipVersion === 4) decodeIpv4(v, b, ip, length);
    else decodeIpv6(v, b, ip, length);
    // a tunnel in the datagram (VXLAN in fragmented UDP, GRE) is not followed: its payload is masked whole
    g.tunnel = v.innerKind !== INNER_KIND.none;
    v.innerKind = INNER_KIND.none;
    if (v.malformed !== 0 || v.payloadOffset < 0) {
      g.broken = 'header';
      return;
    }
    // the transport checksum, and the fragment holding it: the first, unless a hostile sender cut the transport
    // header short (RFC 1858's tiny fragments), where it may be in a later one (never across two: offsets are in
    // 8-byte units, the field 2-byte aligned to the header's start)
    g.checksumAt = transportChecksumAt(v);
    g.owner = -1;
    if (g.checksumAt >= 0) {
      for (let i = 0; i < g.frags.length; i++) {
        const x = g.frags[i];
        const from = head + x.offset;
        if (g.checksumAt >= from && g.checksumAt + 2 <= from + x.length) g.owner = i;
      }
      if (g.owner < 0) {
        g.broken = 'header';
        return;
      }
    }
    // the packet mask's TCP path tracks (and holds a copy of): the bytes, the time and tap of its last fragment
    const r = (g.replica ??= new Replica(this.scratch));
    const last = g.frags[g.frags.length - 1].r;
    r.data = b;
    r.length = length;
    r.wireLen = length;
    r.linkType = last.linkType;
    r.tsSec = last.tsSec;
    r.tsNsec = last.tsNsec;
    r.tap = last.tap;
  }
}
