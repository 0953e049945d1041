import { ABSENT } from '../../fields/fields.js';
import { IPPROTO } from '../../fields/ip-proto.js';
import type { PacketView } from '../decode/view.js';
import type { Walk } from '../walk/walk.js';

/**
 * TCP sessions for actions that work on byte streams rather than packets
 * (mask; replace can use the same table). This module knows sessions,
 * directions and where a segment's bytes lie in its direction's stream; what
 * to do with the bytes is the caller's.
 *
 * - A session is the two directions between two endpoints (address, port),
 *   within one tunnel (the outer tunnel kind and id: two VXLAN tenants may
 *   reuse inner addresses), on one link: the tap and the frame's VLAN ids
 *   (linkKey()). A receiver sees one link's packets: the same addresses and
 *   ports on two VLANs are two sessions (overlapping address spaces), and so
 *   are two copies of one session (both sides of a firewall that renumbers
 *   its sequence numbers, two taps), each searched as its own stream.
 * - Direction 0 is the client's: the sender of a SYN, the receiver of a
 *   SYN-ACK; without either, the side whose port is not below 1024 when the
 *   other's is, else the sender of the first packet seen.
 * - Stream offsets: a direction's offset 0 is the byte after its SYN, or,
 *   when the SYN was not seen, the first byte seen; sequence numbers are
 *   unwrapped around the highest offset seen, so offsets grow past 4 GiB.
 *   A SYN with another initial sequence number on a session that has one
 *   starts the session over (`restarted`): at once when the session ended
 *   (ended()), else when the other side answers it with a SYN-ACK (an open
 *   session's receiver answers it with a challenge ACK and reads on).
 * - A FIN ends a direction only at or past the highest byte seen, and only
 *   once the other side acknowledges it (closed()) when that side is seen:
 *   bytes of the direction in an unacknowledged FIN's place mean the
 *   receiver never took it, and the stream goes on (bytes only past it are
 *   none of the stream: no receiver reads past the FIN or its hole).
 * - The table is bounded: at most `maxSessions`, the least recently used
 *   going first, and sessions idle for `idleSeconds` of packet time are
 *   dropped (but those `keepIdle` keeps); `onEvict` is told either way,
 *   before the session is gone.
 */

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_ACK = 0x10;
/** Urgent data (RFC 9293 3.8.5): a receiver's socket may take its last byte out of the stream. */
export const TCP_URG = 0x20;

const TWO_32 = 4294967296;

/** TCP header: where the window field lies, the length of the fixed part, the window scale option's kind. */
const TCP_WINDOW_AT = 14;
const TCP_FIXED_HEADER = 20;
const TCPOPT_EOL = 0;
const TCPOPT_NOP = 1;
const TCPOPT_WINDOW_SCALE = 3;
const TCPOPT_WINDOW_SCALE_LENGTH = 3;
/** The largest window scale shift (RFC 7323 2.3: a larger one is taken as 14). */
const MAX_SHIFT = 14;
/** A shift not known: the SYN was not seen, or its options not read. */
const NO_SHIFT = -2;
/**
 * How far past the right edge of the window the receiver last advertised a
 * segment may start and still be taken as the stream's: the tap's view of
 * the window may lag the sender's (a window update in flight, two taps), so
 * one unscaled window more.
 */
const WINDOW_SLACK = 65536;
/**
 * With no window known (a SYN unseen: the scale is not, so a window could be
 * up to 1 GiB; or the receiver's side unseen), how far past the bytes seen a
 * segment may start and still be taken as the stream's: farther, it is taken
 * as one the receiver drops (an evader's, a stray), as past a known window,
 * until FAR_RUN segments that continue each other say the capture lost the
 * bytes between (a real jump: then a gap). 1 MiB: more than most windows
 * (Linux's default ceiling is 6 MiB, but a window is rarely opened that far
 * on the sessions a tap picks up mid-way), and a bound an evader cannot pass.
 */
const FAR_UNKNOWN = 1 << 20;
/** Segments far ahead that continue each other, with no window known, before the stream is taken to have jumped there. */
const FAR_RUN = 4;

/** The window scale option's shift among the TCP options d[from, to), or -1 without one. */
function windowShift(d: Uint8Array, from: number, to: number): number {
  if (to > d.length) to = d.length;
  let i = from;
  while (i < to) {
    const kind = d[i];
    if (kind === TCPOPT_EOL) break;
    if (kind === TCPOPT_NOP) {
      i++;
      continue;
    }
    if (i + 1 >= to) break;
    const len = d[i + 1];
    if (len < 2) break;
    if (kind === TCPOPT_WINDOW_SCALE && len === TCPOPT_WINDOW_SCALE_LENGTH && i + 2 < to)
      return d[i + 2] > MAX_SHIFT ? MAX_SHIFT : d[i + 2];
    i += len;
  }
  return -1;
}

/** One TCP segment as the caller needs it, read from the view of the packet that holds it. */
export class TcpSegment {
  seq = 0;
  ack = 0;
  flags = 0;
  /** Frame offset of the first payload byte. */
  payloadAt = 0;
  /** Payload bytes captured (a snap length may have cut the rest). */
  captured = 0;
  /** Payload bytes on the wire, from the IP length bounded by the frame's length on the wire; at least `captured`. */
  length = 0;
  /** The receive window field as sent (unscaled), or -1 when the frame's bytes were not given. */
  window = -1;
  /** A SYN's window scale option (its shift), -1 without one, NO_SHIFT when its options were not read. */
  shift = NO_SHIFT;
  /** The ports, as sent (a new session's client is told by them; mask's shared state reads them). */
  srcPort = 0;
  dstPort = 0;
}

/** The VLAN id's bits in a link key, and the tap's place above both ids (each id plus one: ABSENT is 0). */
const VLAN_KEY = 8192;
const TAP_KEY = VLAN_KEY * VLAN_KEY;

/**
 * A packet's link as one number, part of its session's key: its tap (the
 * capture it came from) and its frame's outer two VLAN ids (ABSENT: none).
 * Exact in a double (tap * 2^26 + ids).
 */
export function linkKey(tap: number, vlan0: number, vlan1: number): number {
  return (tap > 0 ? tap : 0) * TAP_KEY + (vlan0 + 1) * VLAN_KEY + (vlan1 + 1);
}

/** IPv6's fixed header, which its payload length does not count. */
const IPV6_HEADER = 40;

/**
 * Reads the TCP segment the view decoded, or returns false (not TCP, a later
 * fragment, a header cut short). `data`: the frame the view's offsets index,
 * for the window and a SYN's window scale (not read without it).
 */
export function readTcpSegment(v: PacketView, out: TcpSegment, data?: Uint8Array): boolean {
  if (v.ipProto !== IPPROTO.TCP || v.tcpHdrLen === ABSENT || v.payloadOffset === ABSENT || v.fragment === 2)
    return false;
  out.seq = v.tcpSeq;
  out.ack = v.tcpAck;
  out.flags = v.tcpFlags;
  out.payloadAt = v.payloadOffset;
  out.captured = v.payloadLength;
  // bytes past the capture only where the frame was longer on the wire (a snap cut: the record's original length says
  // so); an IP length that runs past the frame's wire end lies, and no receiver reads bytes that are not there
  // (RFC 1122 3.2.1.2), so they are no gap in the stream
  const ipEnd = v.ipTotalLen !== ABSENT ? v.ipHdrOffset + v.ipTotalLen : 0;
  const onWire = (ipEnd < v.wireEnd ? ipEnd : v.wireEnd) - v.payloadOffset;
  out.length = onWire > out.captured ? onWire : out.captured;
  out.srcPort = v.srcPort;
  out.dstPort = v.dstPort;
  out.window = -1;
  out.shift = NO_SHIFT;
  const t = v.payloadOffset - v.tcpHdrLen;
  if (data !== undefined && t >= 0 && t + TCP_FIXED_HEADER <= data.length) {
    out.window = (data[t + TCP_WINDOW_AT] << 8) | data[t + TCP_WINDOW_AT + 1];
    if ((out.flags & TCP_SYN) !== 0) out.shift = windowShift(data, t + TCP_FIXED_HEADER, v.payloadOffset);
  }
  return true;
}

/**
 * Whether the walked packet is a plain TCP segment whose tuple and segment
 * fillWalked() reads from the walk's offsets, as the decoder would read
 * them from its view: IPv4 or IPv6 with its TCP header whole, on any link
 * type the walk knows, the frame's own headers well formed (`bad`), no
 * tunnel candidate (the decoder's view of it has no inner packet, so the
 * outer packet is the one searched), not a fragment. Every other packet
 * takes the view (find()).
 */
export function plainWalkedTcp(w: Walk): boolean {
  return w.tcp !== ABSENT && w.bad === 0 && w.cand === 0 && w.frag === 0 && w.proto === IPPROTO.TCP;
}

/** A big-endian 32-bit word of d at i, unsigned (as the decoder's views hold addresses and sequence numbers). */
function be32(d: Uint8Array, i: number): number {
  return ((d[i] << 24) | (d[i + 1] << 16) | (d[i + 2] << 8) | d[i + 3]) >>> 0;
}

/**
 * readTcpSegment() from the walk of a plainWalkedTcp() packet: the same
 * numbers, read at the walk's offsets (w.tcp, the IP header at w.ip, the
 * transport bytes' end w.l4end), frame offsets counted from the frame's
 * start (w.o).
 */
function readWalkedSegment(w: Walk, out: TcpSegment): void {
  const d = w.d;
  const t = w.tcp;
  out.srcPort = (d[t] << 8) | d[t + 1];
  out.dstPort = (d[t + 2] << 8) | d[t + 3];
  out.seq = be32(d, t + 4);
  out.ack = be32(d, t + 8);
  out.flags = d[t + 13];
  // plainWalkedTcp: the walk found the header's length at least 20 and all of it before l4end
  const payload = t + ((d[t + 12] >> 4) << 2);
  out.payloadAt = payload - w.o;
  out.window = (d[t + TCP_WINDOW_AT] << 8) | d[t + TCP_WINDOW_AT + 1];
  out.shift = (out.flags & TCP_SYN) !== 0 ? windowShift(d, t + TCP_FIXED_HEADER, payload) : NO_SHIFT;
  const captured = w.l4end - payload;
  out.captured = captured;
  // the IP length as the decoder's ipTotalLen has it (an IPv4 length of 0, or an IPv6 one: no longer than captured)
  const ip = w.ip;
  const total = w.ipv === 4 ? (d[ip + 2] << 8) | d[ip + 3] : IPV6_HEADER + ((d[ip + 4] << 8) | d[ip + 5]);
  // bounded by the frame's wire end as readTcpSegment's (plainWalkedTcp: the walk found no IP length past it)
  const ipEnd = ip + total;
  const onWire = (ipEnd < w.wireEnd ? ipEnd : w.wireEnd) - payload;
  out.length = onWire > captured ? onWire : captured;
}

/** One direction of a session: where its stream starts, how far it has gone, whether it ended. */
export class TcpDirection {
  /** Whether offset 0 is known (a SYN or a first segment was seen). */
  known = false;
  /** Whether offset 0 is the byte after a SYN: the stream's real start. */
  fromSyn = false;
  /** The sequence number of offset 0. */
  isn = 0;
  /** One past the highest offset seen so far; the reference for unwrapping. */
  high = 0;
  /** Offset at which a FIN ends the stream, or -1. */
  finAt = -1;
  /** Whether the other side acknowledged the FIN at `finAt` (its ACK past it): the receiver took it. */
  finAcked = false;
  /** Its SYN's window scale shift (-1: its SYN had none), NO_SHIFT while its SYN is unseen. */
  shift = NO_SHIFT;
  /**
   * The right edge of the receive window the other side last advertised for
   * this direction's bytes (the furthest seen), as an offset; -1 while none.
   */
  limit = -1;
  /** A RST was seen from this side at the next byte expected (one that resets: RFC 5961 3.2). */
  reset = false;
  /**
   * Segments taken as outside with no window known (FAR_UNKNOWN): where the last one ended, and how many in a row
   * continued each other (FAR_RUN of them: the stream jumped there).
   */
  farEnd = -1;
  farRun = 0;

  /**
   * The stream offset of sequence number `seq`: the one nearest `high` of
   * those that share its low 32 bits (a segment more than 2 GiB away from
   * the highest seen is taken to be behind it).
   */
  offsetOf(seq: number): number {
    const rel = (seq - this.isn) >>> 0;
    const highLow = this.high % TWO_32;
    const base = this.high - highLow;
    let off = base + rel;
    const d = rel - highLow;
    if (d > 2147483647) off -= TWO_32;
    else if (d < -2147483648) off += TWO_32;
    return off;
  }

  /** Takes the segment's start as offset 0 (a SYN: the byte after it). */
  begin(seq: number, syn: boolean): void {
    this.known = true;
    this.fromSyn = syn;
    this.isn = syn ? (seq + 1) >>> 0 : seq >>> 0;
    this.high = 0;
    this.finAt = -1;
    this.finAcked = false;
    this.reset = false;
    this.shift = NO_SHIFT;
    this.limit = -1;
    this.farEnd = -1;
    this.farRun = 0;
  }

  /**
   * Whether the direction ended with a FIN the receiver took: acknowledged,
   * or with the receiver's side unseen (`other`: a one-way capture, where
   * nothing can say so).
   */
  closed(other: TcpDirection): boolean {
    return this.finAt >= 0 && (this.finAcked || !other.known);
  }

  /**
   * The shift of this side's advertised windows, `other` the side whose bytes
   * they are for: its SYN's when both SYNs carried the option (RFC 7323 2.2),
   * none when a SYN had none; -1 when either SYN is unseen (the window could
   * be up to 1 GiB: no bound worth keeping, and offsets that large would be
   * heap numbers, an allocation an acknowledgment).
   */
  windowShift(other: TcpDirection): number {
    if (this.shift === NO_SHIFT || other.shift === NO_SHIFT) return -1;
    return this.shift < 0 || other.shift < 0 ? 0 : this.shift;
  }

  /** Notes that bytes up to `end` were seen. */
  saw(end: number): void {
    if (end > this.high) this.high = end;
  }
}

export class TcpSession<T> {
  readonly dirs: [TcpDirection, TcpDirection] = [new TcpDirection(), new TcpDirection()];
  /** Packet time (seconds) of the last packet. */
  lastSeen = 0;
  /** When the session was last moved to the back of the table's order. */
  touched = 0;
  data!: T;

  /**
   * Its addresses, ports, tunnel and link (linkKey()) as numbers (the lower
   * endpoint first), and its hash chain: what find() looks up.
   */
  readonly tuple = new Float64Array(TUPLE);
  /**
   * A plain IPv4 session's key (no tunnel) as small integers in the session
   * itself, what findWalked() compares (setKey()): the lower address's high 24
   * bits, then its low 8 with the lower port, the same for the higher
   * endpoint, and the link while it is a small integer (BIG_LINK: compared in
   * the tuple). The tuple's numbers lie in a store of their own, two loads
   * past the session: a cache miss or two a packet over many sessions. k0 is
   * -1 for every other session, which no IPv4 key matches.
   */
  k0 = -1;
  k1 = 0;
  k2 = 0;
  k3 = 0;
  kLink = BIG_LINK;
  hash = 0;
  chain: TcpSession<T> | undefined = undefined;
  /** Whether direction 0 is sent by the lower endpoint of `tuple`. */
  clientLow = true;
  /** Whether the session is inside a tunnel (tuple[0] and [1] name it). */
  tunnelled = false;
  /**
   * A SYN with another initial sequence number seen while the session was
   * open (its sequence number, or -1), and its sender's direction: the
   * session starts over only once the other side answers it with a SYN-ACK.
   */
  pendingSyn = -1;
  pendingDir = 0;

  /**
   * The session as `address:port|address:port` (the lower string first), after
   * `tunnel.id/` inside a tunnel: for messages and tests. Made from the tuple
   * when asked (making it for every new session cost more than the lookup).
   */
  get key(): string {
    const a = endpointOf(this.tuple, 3);
    const b = endpointOf(this.tuple, 8);
    const link = this.tuple[LINK];
    const scope = (link !== 0 ? `link ${link}/` : '') + (this.tunnelled ? `${this.tuple[0]}.${this.tuple[1]}/` : '');
    return a < b ? scope + a + '|' + b : scope + b + '|' + a;
  }

  /** Endpoint of the side that sends direction 0, as in the key. */
  get client(): string {
    return endpointOf(this.tuple, this.clientLow ? 3 : 8);
  }
}

/**
 * Whether a SYN with a new initial sequence number may start the session
 * over at once: a RST at the next byte was seen, or each direction carried nothing or ended
 * with a FIN its receiver took (closed(): no stream's later bytes can follow in the old numbers).
 */
function ended<T>(s: TcpSession<T>): boolean {
  const [a, b] = s.dirs;
  if (a.reset || b.reset) return true;
  return (a.high === 0 || a.closed(b)) && (b.high === 0 || b.closed(a));
}

/** TcpSession.kLink of a link key past the small integers (a tap number of 16 or more): the tuple's is compared. */
const BIG_LINK = -2;
/** The link keys kept in kLink: those below 2^30 (small integers in V8, so the field holds no boxed number). */
const SMALL_LINKS = 2 ** 30;

/** A plain IPv4 session's key (TcpSession.k0...k3) from its tuple (made by readTuple or readWalkedTuple). */
function setKey<T>(s: TcpSession<T>): void {
  const t = s.tuple;
  if (t[2] !== 4 || t[0] !== ABSENT || t[1] !== ABSENT) return;
  s.k0 = t[3] >>> 8;
  s.k1 = ((t[3] & 0xff) << 16) | t[7];
  s.k2 = t[8] >>> 8;
  s.k3 = ((t[8] & 0xff) << 16) | t[12];
  s.kLink = t[LINK] < SMALL_LINKS ? t[LINK] : BIG_LINK;
}

/** Tuple layout: tunnel kind, tunnel id, IP version, then per endpoint four address words and the port. */
/** The tuple's numbers: tunnel kind and id, IP version, two endpoints (four address words, a port), the link. */
const TUPLE = 14;
/** Where the link key lies in a tuple (not hashed: one address and port pair on many links is rare; compared). */
const LINK = 13;
/** The tuple's numbers tupleHash() takes. */
const HASHED = 13;

export interface TcpTableOptions<T> {
  maxSessions: number;
  idleSeconds: number;
  create(s: TcpSession<T>): T;
  /**
   * Whether a session idle past idleSeconds is kept (its stream's context is open: TCP has no idle timeout, and what
   * comes after the pause means what it does only with what came before): it then goes only when the table is full.
   */
  keepIdle?(s: TcpSession<T>): boolean;
  /** Told before a session leaves the table (evicted, idle or restarted). */
  onEvict(s: TcpSession<T>, why: 'full' | 'idle' | 'restarted'): void;
}

/** What find() found: the session, the packet's direction, the segment. Reused: read it before the next call. */
export interface TcpHit<T> {
  session: TcpSession<T>;
  dir: 0 | 1;
  segment: TcpSegment;
  /** Stream offset of the segment's first payload byte (of its SYN-less sequence space). */
  start: number;
  /** Whether this packet made a new session (or restarted one). */
  fresh: boolean;
  /**
   * A segment starting past the bytes seen and past the receiver's window
   * (RFC 9293 3.10.7.4: the receiver drops it): no part of the stream (its
   * data is searched alone); it moves neither the highest offset nor the end.
   */
  outside: boolean;
  /**
   * Outside with no window known (FAR_UNKNOWN): it may as well be the stream of a connection on the same ports whose
   * SYN was not seen, picked up mid-way (the caller carries it as such).
   */
  far: boolean;
  /**
   * A SYN with another initial sequence number on a session that has not
   * ended, put off until its SYN-ACK: no part of the stream the receiver
   * reads, so `start` means nothing for it (its data is searched alone).
   */
  deferred: boolean;
}

/** The session table's bucket count: a power of two, at least maxSessions up to MAX_BUCKETS (longer chains past it). */
const MIN_BUCKETS = 16;
const MAX_BUCKETS = 1 << 16;

/** How often (seconds of packet time) an active session is moved to the back of the eviction order. */
const TOUCH_INTERVAL = 1;

/**
 * The sessions of one action step (one group, one thread). Order of the
 * set is the eviction order: sessions move to its back when used (at most
 * once a second each, so the cost stays one lookup a packet).
 */
export class TcpSessionTable<T> {
  /** The sessions in eviction order (a Set keeps its insertion order). */
  private readonly order = new Set<TcpSession<T>>();
  /**
   * The same sessions by the hash of their tuple, in buckets (the hash's low
   * bits; a bucket's sessions chained): a packet's session is found without
   * making its key string, which only a new session needs, and by an array
   * index rather than a Map's lookup of the hash.
   */
  private readonly buckets: (TcpSession<T> | undefined)[];
  private readonly bucketMask: number;
  /** The packet's tuple, which endpoint of it sent the packet (readTuple's return), whether in a tunnel: lookup()'s input. */
  private readonly tuple = new Float64Array(TUPLE);
  private sender = 0;
  private tunnelled = false;
  private readonly hit: TcpHit<T> = {
    session: undefined as unknown as TcpSession<T>,
    dir: 0,
    segment: new TcpSegment(),
    start: 0,
    fresh: false,
    deferred: false,
    outside: false,
    far: false,
  };
  /** Sessions made, and dropped by reason: for the step's totals. */
  made = 0;
  evictedFull = 0;
  evictedIdle = 0;

  constructor(private readonly opts: TcpTableOptions<T>) {
    let n = MIN_BUCKETS;
    while (n < opts.maxSessions && n < MAX_BUCKETS) n *= 2;
    this.buckets = new Array<TcpSession<T> | undefined>(n).fill(undefined);
    this.bucketMask = n - 1;
  }

  get size(): number {
    return this.order.size;
  }

  sessions(): IterableIterator<TcpSession<T>> {
    return this.order.values();
  }

  /**
   * The session of the TCP packet `v` decodes (the innermost packet of a
   * tunnel: pass its view, and the outer view as `outer`) on `link`
   * (linkKey()), made if new. undefined when the view holds no TCP segment.
   */
  find(v: PacketView, outer: PacketView, now: number, link: number, data?: Uint8Array): TcpHit<T> | undefined {
    if (!readTcpSegment(v, this.hit.segment, data)) return undefined;
    this.sender = readTuple(v, outer, this.tuple);
    this.tuple[LINK] = link;
    this.tunnelled = outer !== v;
    const hash = tupleHash(this.tuple);
    return this.lookup(now, this.search(hash), hash, undefined);
  }

  /**
   * find() for a packet the walk read, with no view: its tuple and segment
   * from the walk's offsets. Only for plainWalkedTcp() packets (no tunnel:
   * the packet's own addresses and ports are the session's), on `link`.
   */
  findWalked(w: Walk, now: number, link: number): TcpHit<T> {
    const seg = this.hit.segment;
    readWalkedSegment(w, seg);
    this.tunnelled = false;
    this.tuple[LINK] = link;
    if (w.ipv !== 4) {
      this.sender = readWalkedTuple(w, seg.srcPort, seg.dstPort, this.tuple);
      const h = tupleHash(this.tuple);
      return this.lookup(now, this.search(h), h, undefined);
    }
    // IPv4 (most sessions): the tuple's four numbers straight from the walk, hashed and compared as they are; copied
    // into `tuple` only for a new session (lookup's `walk`). The same hash and order as readTuple's and tupleHash's:
    // a session found by find() (the decoder path, auto's windows) is the one found here
    const d = w.d;
    const ip = w.ip;
    const sa = be32(d, ip + 12);
    const da = be32(d, ip + 16);
    const sp = seg.srcPort;
    const dp = seg.dstPort;
    const c = sa !== da ? sa - da : sp - dp;
    const order = c < 0 ? 1 : c > 0 ? -1 : 0;
    this.sender = order;
    const la = order >= 0 ? sa : da;
    const lp = order >= 0 ? sp : dp;
    const ha = order >= 0 ? da : sa;
    const hp = order >= 0 ? dp : sp;
    const hash = ipv4Hash(la, lp, ha, hp);
    // compared as the session keeps them (setKey): no load of its tuple but for a link past the small integers
    const k0 = la >>> 8;
    const k1 = ((la & 0xff) << 16) | lp;
    const k2 = ha >>> 8;
    const k3 = ((ha & 0xff) << 16) | hp;
    let s = this.buckets[hash & this.bucketMask];
    while (s !== undefined) {
      if (
        s.k3 === k3 &&
        s.k1 === k1 &&
        s.k2 === k2 &&
        s.k0 === k0 &&
        (s.kLink === link || (s.kLink === BIG_LINK && s.tuple[LINK] === link))
      )
        break;
      s = s.chain;
    }
    return this.lookup(now, s, hash, w);
  }

  /** The session of `tuple` (hashed `hash`) in the table, or undefined. */
  private search(hash: number): TcpSession<T> | undefined {
    let s = this.buckets[hash & this.bucketMask];
    while (s !== undefined && !sameTuple(s.tuple, this.tuple)) s = s.chain;
    return s;
  }

  /**
   * The rest of find() and findWalked(), with the session their search found
   * (`found`, undefined if none) by the tuple's `hash`, for the segment they
   * filled (the hit's), `sender` and `tunnelled`: `tuple` too, unless `walk`
   * is given, an IPv4 packet's walk whose tuple is read into it only if a
   * session is made.
   */
  private lookup(now: number, found: TcpSession<T> | undefined, hash: number, walk: Walk | undefined): TcpHit<T> {
    const seg = this.hit.segment;
    // 1: the source is the lower endpoint, -1: the destination, 0: both are the same
    const order = this.sender;
    let s = found;
    const syn = (seg.flags & TCP_SYN) !== 0;
    const ackFlag = (seg.flags & TCP_ACK) !== 0;
    let fresh = false;
    // a SYN on an open session, put off; the sequence number of an accepted one (its SYN-ACK seen), or -1
    let deferred = false;
    let restartSyn = -1;
    if (s !== undefined) {
      const dir = order === 0 || order > 0 === s.clientLow ? 0 : 1;
      const d = s.dirs[dir];
      // a new connection on the same ports: another initial sequence number
      if (syn && !ackFlag && d.known && (seg.seq + 1) >>> 0 !== d.isn) {
        if (ended(s)) {
          this.opts.onEvict(s, 'restarted');
          this.drop(s);
          s = undefined;
        } else {
          // an open session: a receiver answers such a SYN with a challenge ACK (RFC 5961 4) and reads on in the
          // old numbers, so the stream goes on until the other side accepts the SYN with a SYN-ACK (below)
          s.pendingSyn = seg.seq >>> 0;
          s.pendingDir = dir;
          deferred = true;
        }
      } else if (syn && ackFlag && s.pendingSyn >= 0 && dir !== s.pendingDir && seg.ack === (s.pendingSyn + 1) >>> 0) {
        // the SYN put off above, accepted: the new connection starts, its client the SYN's sender
        restartSyn = s.pendingSyn;
        this.opts.onEvict(s, 'restarted');
        this.drop(s);
        s = undefined;
      }
    }
    if (s === undefined) {
      this.sweep(now);
      if (this.order.size >= this.opts.maxSessions) this.evictOldest();
      // the client: a SYN's sender, a SYN-ACK's receiver, else the high port facing a low one, else the sender
      let clientIsSrc = true;
      if (syn) clientIsSrc = !ackFlag;
      else if (seg.srcPort < 1024 && seg.dstPort >= 1024) clientIsSrc = false;
      s = new TcpSession<T>();
      // (the link is in `tuple` already: findWalked put it there)
      if (walk !== undefined) readWalkedTuple(walk, seg.srcPort, seg.dstPort, this.tuple);
      s.tuple.set(this.tuple);
      setKey(s);
      s.tunnelled = this.tunnelled;
      s.clientLow = clientIsSrc === order >= 0;
      s.hash = hash;
      s.chain = this.buckets[hash & this.bucketMask];
      this.buckets[hash & this.bucketMask] = s;
      s.touched = now;
      s.data = this.opts.create(s);
      this.order.add(s);
      this.made++;
      fresh = true;
    } else if (now - s.touched >= TOUCH_INTERVAL) {
      this.order.delete(s);
      this.order.add(s);
      s.touched = now;
    }
    s.lastSeen = now;
    const dir: 0 | 1 = order === 0 || order > 0 === s.clientLow ? 0 : 1;
    const d = s.dirs[dir];
    // offsets, once given, stay: a SYN seen after data of its direction (taps merged late) changes nothing
    if (!d.known) d.begin(seg.seq, syn);
    if (restartSyn >= 0) s.dirs[dir === 0 ? 1 : 0].begin(restartSyn, true);
    const h = this.hit;
    h.session = s;
    h.dir = dir;
    h.fresh = fresh;
    h.deferred = deferred;
    h.outside = false;
    h.far = false;
    // a SYN's data (TCP Fast Open) starts after the SYN's own sequence number
    h.start = d.offsetOf(syn ? (seg.seq + 1) >>> 0 : seg.seq);
    // a SYN put off is no part of the old stream: it moves neither its highest offset nor its end
    if (deferred) return h;
    const finAt = h.start + seg.length;
    const high = d.high;
    const o = s.dirs[dir === 0 ? 1 : 0];
    // past the bytes seen and past the receiver's window (a stray of an older connection on the same ports, an
    // evader's): the receiver drops it, so it is none of the stream (searched alone by the caller), and moves nothing
    if (!syn && h.start > high) {
      if (d.limit >= 0) {
        if (h.start >= d.limit + WINDOW_SLACK) {
          h.outside = true;
          return h;
        }
      } else if (h.start >= high + FAR_UNKNOWN && seg.length > 0) {
        // no window known: far ahead is outside too, unless segments there go on continuing each other (the capture
        // lost the bytes between: a run of FAR_RUN is taken as the stream, a gap before it). An evader's stray is one
        // segment, or a few: the stream's real bytes, behind it, are read in the stream meanwhile
        d.farRun = h.start === d.farEnd ? d.farRun + 1 : 1;
        d.farEnd = h.start + seg.length;
        if (d.farRun < FAR_RUN) {
          h.outside = true;
          h.far = true;
          return h;
        }
      }
    }
    if (syn && seg.shift !== NO_SHIFT) d.shift = seg.shift;
    // the window this side advertises for the other's bytes: from its acknowledgment on (a SYN's is never scaled)
    if ((seg.flags & TCP_ACK) !== 0 && o.known && seg.window >= 0) {
      const shift = syn ? 0 : d.windowShift(o);
      if (shift >= 0) {
        const right = o.offsetOf(seg.ack) + seg.window * (1 << shift);
        if (right > o.limit) o.limit = right;
      }
    }
    // the other side's acknowledgment of this side's FIN: the receiver got it, and the direction is over
    if (o.finAt >= 0 && !o.finAcked && (seg.flags & TCP_ACK) !== 0 && o.offsetOf(seg.ack) > o.finAt) o.finAcked = true;
    // an RST's sequence number moves nothing: the receiver either ends the connection at it or drops it
    if ((seg.flags & TCP_RST) !== 0) {
      // it resets only at exactly the next byte the receiver expects (RFC 5961 3.2): one elsewhere, in the window
      // or out of it, is dropped or answered with a challenge ACK, and the connection goes on in its old numbers (a
      // SYN anew after it waits for its SYN-ACK). The next byte: the highest seen
      if (h.start === high) d.reset = true;
      return h;
    }
    if ((seg.flags & TCP_FIN) !== 0) {
      // a FIN ends the stream only at or past the highest byte seen (or again where it did): one long behind lies
      // outside the receiver's window, which drops it and reads on (RFC 9293 3.10.7.4)
      if (finAt >= d.high || finAt === d.finAt) d.finAt = finAt;
      d.saw(finAt + 1);
      return h;
    }
    // bytes in a FIN's place (its sequence number): the receiver never took the FIN (its TTL ran out after the tap,
    // its checksum was wrong), as it reads one or the other there, so the stream goes on; acknowledged too, as the
    // acknowledgment may be forged (from the receiver's address, by the sender past the tap): a receiver that took the
    // FIN ignores the bytes (RFC 9293 3.10.7.4, CLOSE-WAIT), so reading them as the stream's hides nothing either way.
    // Bytes only past that place leave it a hole no receiver reads past: the FIN stays
    if (d.finAt >= 0 && h.start <= d.finAt && finAt > d.finAt) {
      d.finAt = -1;
      d.finAcked = false;
    }
    d.saw(finAt);
    return h;
  }

  /**
   * The session of the TCP packet `v` decodes (outer as for find()) if there
   * is one, nothing made or recorded: for a first IP fragment, whose segment
   * is not whole yet (mask-fragments.ts). undefined without ports.
   */
  peek(v: PacketView, outer: PacketView, link: number): TcpSession<T> | undefined {
    if (v.ipProto !== IPPROTO.TCP || v.srcPort === ABSENT || v.dstPort === ABSENT) return undefined;
    readTuple(v, outer, this.tuple);
    this.tuple[LINK] = link;
    let s = this.buckets[tupleHash(this.tuple) & this.bucketMask];
    while (s !== undefined && !sameTuple(s.tuple, this.tuple)) s = s.chain;
    return s;
  }

  /** Drops a session now (the caller is done with it). */
  remove(s: TcpSession<T>): void {
    if (this.order.has(s)) this.drop(s);
  }

  /** Takes a session out of both indexes. */
  private drop(s: TcpSession<T>): void {
    this.order.delete(s);
    const at = s.hash & this.bucketMask;
    let p = this.buckets[at];
    if (p === s) this.buckets[at] = s.chain;
    else {
      while (p !== undefined && p.chain !== s) p = p.chain;
      if (p !== undefined) p.chain = s.chain;
    }
    s.chain = undefined;
  }

  /** Drops sessions idle for longer than idleSeconds, from the front of the order. */
  private sweep(now: number): void {
    const limit = now - this.opts.idleSeconds;
    for (const s of this.order) {
      if (s.touched > limit) return;
      if (s.lastSeen > limit) {
        // used since it last moved: move it now
        this.order.delete(s);
        this.order.add(s);
        s.touched = s.lastSeen;
        continue;
      }
      if (this.opts.keepIdle?.(s) === true) {
        // kept: to the back of the order, looked at again an idle bound later (or pushed out by a full table)
        this.order.delete(s);
        this.order.add(s);
        s.touched = now;
        continue;
      }
      this.opts.onEvict(s, 'idle');
      this.drop(s);
      this.evictedIdle++;
    }
  }

  private evictOldest(): void {
    const first = this.order.values().next();
    if (first.done) return;
    this.opts.onEvict(first.value, 'full');
    this.drop(first.value);
    this.evictedFull++;
  }
}

/**
 * The packet's tunnel, IP version and endpoints into `t`, the lower endpoint
 * (by address words, then port) first. Returns 1 if that is the source, -1
 * if it is the destination, 0 if the two are the same.
 */
function readTuple(v: PacketView, outer: PacketView, t: Float64Array): number {
  t[0] = outer !== v ? outer.tunnel : ABSENT;
  t[1] = outer !== v ? outer.tunnelId : ABSENT;
  t[2] = v.ipVersion;
  if (v.ipVersion === 4) return orderTuple(t, v.ip4Src, 0, 0, 0, v.ip4Dst, 0, 0, 0, v.srcPort, v.dstPort);
  return orderTuple(
    t,
    v.ip6Src0,
    v.ip6Src1,
    v.ip6Src2,
    v.ip6Src3,
    v.ip6Dst0,
    v.ip6Dst1,
    v.ip6Dst2,
    v.ip6Dst3,
    v.srcPort,
    v.dstPort,
  );
}

/** readTuple() of a plainWalkedTcp() packet, its addresses read at the walk's IP header (no tunnel). */
function readWalkedTuple(w: Walk, sp: number, dp: number, t: Float64Array): number {
  t[0] = ABSENT;
  t[1] = ABSENT;
  const d = w.d;
  const ip = w.ip;
  if (w.ipv === 4) {
    t[2] = 4;
    return orderTuple(t, be32(d, ip + 12), 0, 0, 0, be32(d, ip + 16), 0, 0, 0, sp, dp);
  }
  t[2] = 6;
  return orderTuple(
    t,
    be32(d, ip + 8),
    be32(d, ip + 12),
    be32(d, ip + 16),
    be32(d, ip + 20),
    be32(d, ip + 24),
    be32(d, ip + 28),
    be32(d, ip + 32),
    be32(d, ip + 36),
    sp,
    dp,
  );
}

/** The endpoints into t[3..12], the lower (by address words, then port) first; readTuple's return. */
function orderTuple(
  t: Float64Array,
  s0: number,
  s1: number,
  s2: number,
  s3: number,
  d0: number,
  d1: number,
  d2: number,
  d3: number,
  sp: number,
  dp: number,
): number {
  let order = s0 !== d0 ? s0 - d0 : s1 !== d1 ? s1 - d1 : s2 !== d2 ? s2 - d2 : s3 !== d3 ? s3 - d3 : sp - dp;
  order = order < 0 ? 1 : order > 0 ? -1 : 0;
  const lo = order >= 0;
  t[3] = lo ? s0 : d0;
  t[4] = lo ? s1 : d1;
  t[5] = lo ? s2 : d2;
  t[6] = lo ? s3 : d3;
  t[7] = lo ? sp : dp;
  t[8] = lo ? d0 : s0;
  t[9] = lo ? d1 : s1;
  t[10] = lo ? d2 : s2;
  t[11] = lo ? d3 : s3;
  t[12] = lo ? dp : sp;
  return order;
}

function tupleHash(t: Float64Array): number {
  let h = 0x811c9dc5;
  if (t[2] === 4) {
    // IPv4: the address words past the first are always 0, so they are left out (seven words instead of 13)
    if (t[0] === ABSENT && t[1] === ABSENT) return ipv4Hash(t[3], t[7], t[8], t[12]);
    h = Math.imul(h ^ (t[0] | 0), 0x01000193) ^ (h >>> 15);
    h = Math.imul(h ^ (t[1] | 0), 0x01000193) ^ (h >>> 15);
    h = Math.imul(h ^ 4, 0x01000193) ^ (h >>> 15);
    h = Math.imul(h ^ (t[3] | 0), 0x01000193) ^ (h >>> 15);
    h = Math.imul(h ^ (t[7] | 0), 0x01000193) ^ (h >>> 15);
    h = Math.imul(h ^ (t[8] | 0), 0x01000193) ^ (h >>> 15);
    h = Math.imul(h ^ (t[12] | 0), 0x01000193) ^ (h >>> 15);
    return h & 0x3fffffff;
  }
  for (let i = 0; i < HASHED; i++) h = Math.imul(h ^ (t[i] | 0), 0x01000193) ^ (h >>> 15);
  // 30 bits: a small integer (Smi) in V8, so the Map lookup neither boxes nor hashes a heap number
  return h & 0x3fffffff;
}

/** tupleHash() of an IPv4 tuple outside tunnels: its lower address and port, then its higher ones. */
function ipv4Hash(la: number, lp: number, ha: number, hp: number): number {
  let h = 0x811c9dc5;
  // the tunnel kind and id (ABSENT, -1 each) and the version (4): what tupleHash's first three steps take
  h = Math.imul(h ^ ABSENT, 0x01000193) ^ (h >>> 15);
  h = Math.imul(h ^ ABSENT, 0x01000193) ^ (h >>> 15);
  h = Math.imul(h ^ 4, 0x01000193) ^ (h >>> 15);
  h = Math.imul(h ^ (la | 0), 0x01000193) ^ (h >>> 15);
  h = Math.imul(h ^ (lp | 0), 0x01000193) ^ (h >>> 15);
  h = Math.imul(h ^ (ha | 0), 0x01000193) ^ (h >>> 15);
  h = Math.imul(h ^ (hp | 0), 0x01000193) ^ (h >>> 15);
  return h & 0x3fffffff;
}

function sameTuple(a: Float64Array, b: Float64Array): boolean {
  // ports and first address words first: they tell most sessions apart
  if (a[12] !== b[12] || a[7] !== b[7] || a[8] !== b[8] || a[3] !== b[3] || a[2] !== b[2]) return false;
  if (a[0] !== b[0] || a[1] !== b[1] || a[LINK] !== b[LINK]) return false;
  // the same IP version: IPv4 tuples hold 0 in the other address words
  if (a[2] === 4) return true;
  return a[4] === b[4] && a[5] === b[5] && a[6] === b[6] && a[9] === b[9] && a[10] === b[10] && a[11] === b[11];
}

/** An endpoint as a key part: address and port of the tuple's endpoint at `at` (3: the lower, 8: the higher). */
function endpointOf(t: Float64Array, at: number): string {
  if (t[2] === 4) return `${t[at]}:${t[at + 4]}`;
  return `${t[at]}.${t[at + 1]}.${t[at + 2]}.${t[at + 3]}:${t[at + 4]}`;
}
