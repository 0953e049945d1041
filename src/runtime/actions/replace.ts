import type { ArtifactGroup } from '../../artifact/types.js';
import { UNFOLLOWED_UDP_PORTS_TEXT, unfollowedUdpPort } from '../../fields/encapsulation-ports.js';
import { ABSENT, TUNNEL } from '../../fields/fields.js';
import { IPPROTO } from '../../fields/ip-proto.js';
import { TCP_FLAG } from '../../fields/tcp-flags.js';
import { compilePattern } from '../../patterns/pattern.js';
import { MAXIMUM_SNAPLEN } from '../capture/magic.js';
import type { PacketView } from '../decode/view.js';
import { type ActionCounters, type ActionModule, Verdict } from './action.js';
import { L2Layout, readL2 } from './l2-layout.js';
import { EditList } from './replace-edits.js';
import { renumberTcp, rewritePayload, sackRightEdges, type TcpNumbers, tcpWindow } from './replace-packet.js';
import { type Session, SessionTable } from './replace-sessions.js';
import { RewriteShared, RewriteStream, type Substitution } from './replace-stream.js';
import { Replica, Scratch } from './replica.js';
import { linkKey } from './tcp-stream.js';

export interface ReplaceConfig {
  /** The group's replacements in the order written: pattern source and flags, and the text. */
  subs: { source: string; flags: string; text: string }[];
}

/**
 * Bounds on what a group holds back while a match may still span the next
 * segment (docs/language.md, "replace"). A session whose held packets pass
 * any of them is decided at once, as at an end of stream.
 */
export const REPLACE_LIMITS = Object.freeze({
  /** Packet time a segment may wait for its stream to decide. */
  holdSeconds: 1,
  /** Packets held per session. */
  holdPackets: 256,
  /** Undecided bytes per direction (a match under way longer than this is cut). */
  undecidedBytes: 65536,
  /** Bytes of held packets over the group; the session holding the oldest is decided first. */
  heldBytes: 32 << 20,
  /** Sessions remembered; the least recently seen is forgotten first. */
  sessions: 1 << 18,
  /** A session not seen for this long (packet time) is forgotten. */
  idleSeconds: 600,
  /** Edits kept per direction and replacement once acknowledged (for retransmissions) ... */
  keepAcked: 64,
  /** ... and at most, acknowledged or not. */
  maxEdits: 65536,
  /** Skipped ranges remembered per direction, to tell data that arrives late into one. */
  gaps: 8,
});

/** An IP packet longer than Ethernet's MTU after growing from within it: counted, since a tool's port may refuse it. */
const ETHERNET_MTU = 1500;
const IP_MAX = 65535;

/** One direction of a TCP session. */
class Side {
  known = false;
  /** The sequence number of stream offset 0 (the first data byte: ISN + 1 when the SYN was seen). */
  base = 0;
  stream: RewriteStream | undefined = undefined;
  /** The acknowledgement number of the last segment this side delivered, or -1. */
  lastAckOut = -1;
  /** The acknowledgement number, as captured, of the last segment this side delivered, or -1. */
  lastAckIn = -1;
  /** The window, as captured, of the last segment this side delivered (not dropped). */
  lastWindowIn = 0;
  /** Offsets skipped (never searched), pairs [from, to), the newest last. */
  readonly gaps: number[] = [];

  begin(shared: RewriteShared, base: number, atStart: boolean): void {
    this.known = true;
    this.base = base;
    this.stream = new RewriteStream(shared, 0, atStart);
  }

  /** The stream offset of a sequence number, taken as the one nearest the stream's end (streams may pass 4 GiB). */
  rel(seq: number): number {
    const fed = this.stream!.fed;
    return fed + ((seq - ((this.base + fed) >>> 0)) | 0);
  }

  /** The output's sequence number for stream offset x. */
  out(x: number): number {
    return (this.base + this.stream!.map(x)) >>> 0;
  }

  skip(from: number, to: number): void {
    this.stream!.skipTo(to);
    this.gaps.push(from, to);
    if (this.gaps.length > 2 * REPLACE_LIMITS.gaps) this.gaps.splice(0, 2);
  }

  /** Whether [a, b) holds bytes the stream never searched. */
  unsearched(a: number, b: number): boolean {
    if (a < this.stream!.start) return true;
    const g = this.gaps;
    for (let i = 0; i < g.length; i += 2) if (a < g[i + 1] && b > g[i]) return true;
    return false;
  }
}

/** A segment as ingested: where its data lies in its direction's stream, and what it needs decided to go out. */
class Segment {
  side = 0;
  /** Stream offset of the sequence number field (the SYN's own number is offset -1). */
  seqRel = 0;
  /** The data, [a, b) in stream offsets (empty for none). */
  a = 0;
  b = 0;
  flags = 0;
  ack = 0;
  /** The largest SACK right edge (sequence number), or -1. */
  sackMax = -1;
  /** Its window field. */
  window = 0;
  /** The capture holds only part of the payload. */
  cut = false;
  /** Some of its data was never searched (before the stream's start, or in a range given up). */
  unsearched = false;
  /** Released by a forced decision. */
  forced = false;
  /** Packet time it was held. */
  since = 0;
  /** Renumbered only, counted under this reason. */
  only: Reason | undefined = undefined;
  /** The copy, when held. */
  r: Replica | undefined = undefined;

  copyFrom(s: Segment): void {
    this.side = s.side;
    this.seqRel = s.seqRel;
    this.a = s.a;
    this.b = s.b;
    this.flags = s.flags;
    this.ack = s.ack;
    this.sackMax = s.sackMax;
    this.window = s.window;
    this.cut = s.cut;
    this.unsearched = s.unsearched;
    this.only = s.only;
    this.forced = false;
  }
}

/** A session's state: both sides and the segments held, in arrival order. */
class State {
  readonly sides: [Side, Side] = [new Side(), new Side()];
  readonly queue: Segment[] = [];
  /** Packet time the oldest held segment came in. */
  heldSince = 0;
  heldBytes = 0;
}

const REASONS = [
  'replaced',
  'renumbered',
  'unchanged',
  'replaced-away',
  'not-tcp-udp',
  'over-mtu',
  'released-early',
  'unsearched',
  'cut',
  'fragment',
  'tunneled',
  'encapsulated',
  'too-long',
  'malformed',
] as const;
type Reason = (typeof REASONS)[number];

/**
 * replace: substitutes TEXT for every match of each pattern, in the order
 * written, each over the previous one's output (chained JavaScript
 * `replace(/re/g, text)`). UDP: per datagram. TCP: per session and
 * direction, over the stream, so a match split across segments is found
 * and replaced; segments wait (bounded: REPLACE_LIMITS) until their bytes
 * are decided. Where the length changes, the sequence numbers of that
 * direction and the acknowledgement numbers (and SACK edges) of the other
 * shift for every later segment of the session, in this group's replicas
 * only; a retransmission comes out as the original did, since the edits
 * recorded, not the segment's cut, decide what a range becomes
 * (replace-edits.ts). Lengths and checksums follow (replace-packet.ts).
 * docs/language.md says what happens at the edges (segments emptied, cut
 * captures, sessions seen mid-stream, growth past the MTU).
 */
export const replace: ActionModule<ReplaceConfig> = {
  name: 'replace',
  reasons: REASONS,
  stateful: true,
  // sessions: both directions of a TCP session reach one live worker (sharded by the symmetric session hash)
  perSession: true,
  dropReason: 'replaced-away',
  warnings: {
    'over-mtu': `grew past ${ETHERNET_MTU} bytes of IP packet (Ethernet's MTU) when rewritten: a tool behind a ${ETHERNET_MTU}-byte port may not receive them`,
    'released-early': `were released before their stream decided (held ${REPLACE_LIMITS.holdSeconds} s, ${REPLACE_LIMITS.holdPackets} packets or ${REPLACE_LIMITS.undecidedBytes / 1024} KiB undecided at most): a match spanning them may be cut short or missed`,
    unsearched:
      'were renumbered but not searched: their data came after the searches had given it up (out of order past a gap, before the first segment seen, or rewritten too long ago to redo)',
    cut: 'were renumbered but not searched: the capture holds only part of their payload',
    fragment:
      "were not searched: IP fragments are not reassembled (a TCP first fragment still takes its session's numbers)",
    tunneled: 'were delivered as captured: they carry a tunnel the group does not strip (strip it to replace inside)',
    encapsulated: `were delivered as captured: UDP to or from the port of an encapsulation tmesc does not decode (${UNFOLLOWED_UDP_PORTS_TEXT}), whose packet inside a rewrite would break`,
    'too-long': `were renumbered but not rewritten: rewritten they would exceed ${IP_MAX} bytes of IP packet or ${MAXIMUM_SNAPLEN} bytes of frame`,
    malformed: "were not searched: their headers are malformed (TCP segments still take their session's numbers)",
  },
  init: (g: ArtifactGroup) => ({ subs: g.actions.replaces.map((r) => ({ ...r })) }),
  contextInit(config, ctx) {
    const subs: Substitution[] = config.subs.map((s) => ({
      pattern: compilePattern(s.source, s.flags),
      text: new Uint8Array(Buffer.from(s.text, 'utf8')),
    }));
    return new ReplaceStep(subs, ctx.counters, ctx.resume, ctx.drop);
  },
};

/** Whether a[0, n) equals b[from, from + n) (a replacement that rewrote bytes as they were). */
function sameBytes(a: Uint8Array, b: Uint8Array, from: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (a[i] !== b[from + i]) return false;
  return true;
}

/** The step on one thread: the session table, the held segments, the counters. */
class ReplaceStep {
  private readonly shared: RewriteShared;
  private readonly sessions: SessionTable<State>;
  /** Sessions holding segments, the one holding the oldest first (a Set keeps insertion order). */
  private readonly holding = new Set<Session<State>>();
  private heldBytes = 0;
  private readonly seg = new Segment();
  private readonly l2 = new L2Layout();
  private readonly scratch = new Scratch();
  private readonly pool: Replica[] = [];
  private readonly udpEdits: EditList[];
  private readonly udpFound: ((s: number, e: number) => void)[];
  private now = 0;
  /** Reused for every segment: no allocation per packet. */
  private readonly numbers: TcpNumbers = { seq: 0, ack: 0, sack: undefined };
  private sackSide: Side | undefined = undefined;
  private readonly sackMap = (x: number): number => this.sackSide!.out(this.sackSide!.rel(x));

  constructor(
    private readonly subs: readonly Substitution[],
    private readonly c: ActionCounters,
    private readonly resume: (r: Replica) => void,
    private readonly dropHeld: () => void,
  ) {
    this.shared = new RewriteShared(subs);
    this.udpEdits = subs.map((s) => new EditList(s.text));
    this.udpFound = this.udpEdits.map((e) => (s: number, end: number) => e.add(s, end));
    this.sessions = new SessionTable<State>({
      max: REPLACE_LIMITS.sessions,
      idleSeconds: REPLACE_LIMITS.idleSeconds,
      make: () => new State(),
      onEvict: (s) => this.flush(s, false),
    });
  }

  apply(r: Replica): Verdict {
    const now = r.tsSec + r.tsNsec / 1e9;
    if (now > this.now) this.now = now;
    this.expire();
    const v = r.view();
    const reason = this.screen(v);
    if (reason === undefined) return v.ipProto === IPPROTO.UDP ? this.udp(r, v) : this.tcp(r, v, undefined);
    // a TCP segment not searched still takes its session's numbers, or the session would not add up
    if (v.ipProto === IPPROTO.TCP && (reason === 'malformed' || reason === 'fragment') && this.renumberable(v))
      return this.tcp(r, v, reason);
    this.c[reason]++;
    return Verdict.Pass;
  }

  /** Whether a TCP header is all there (in a first fragment too), with the payload after it. */
  private renumberable(v: PacketView): boolean {
    return v.tunnel <= TUNNEL.none && v.fragment !== 2 && v.l4Offset >= 0 && v.payloadOffset >= 0;
  }

  /** Live runs: the clock moved with no packet of the group; what has been held past the hold time goes out. */
  tick(sec: number, nsec: number): void {
    const now = sec + nsec / 1e9;
    if (now > this.now) this.now = now;
    this.expire();
  }

  /** End of input: every stream ends here, and what is held goes out, oldest session first. */
  finish(): void {
    for (const s of [...this.holding]) this.flush(s, true);
  }

  /** Why a packet is not searched (undefined: it is TCP or UDP and can be). */
  private screen(v: PacketView): Reason | undefined {
    if (v.ipVersion === 0) return 'not-tcp-udp';
    if (v.tunnel > TUNNEL.none) return 'tunneled';
    const proto = v.ipProto;
    if (proto !== IPPROTO.TCP && proto !== IPPROTO.UDP) return 'not-tcp-udp';
    // its payload is a packet with its own lengths and checksums, which a rewrite of the datagram would break
    if (proto === IPPROTO.UDP && (unfollowedUdpPort(v.dstPort) || unfollowedUdpPort(v.srcPort))) return 'encapsulated';
    if (v.fragment > 0) return 'fragment';
    if (v.malformed) return 'malformed';
    if (v.payloadOffset < 0 || v.l4Offset < 0) return 'cut';
    return undefined;
  }

  /** Payload bytes the IP header says the segment has (all of them when its length is unknown: TSO). */
  private declaredPayload(v: PacketView): number {
    if (v.ipTotalLen <= 0 || (v.ipVersion === 6 && v.ipTotalLen === 40)) return v.payloadLength;
    return v.ipHdrOffset + v.ipTotalLen - v.payloadOffset;
  }

  private pppoeOf(r: Replica, v: PacketView): number {
    return v.pppoeSession !== ABSENT && readL2(this.l2, r.data, 0, r.length, r.linkType) ? this.l2.pppoe : -1;
  }

  /** Whether growth keeps the packet within what an IP header and a capture can say. */
  private fits(r: Replica, v: PacketView, delta: number): boolean {
    if (r.length + delta > MAXIMUM_SNAPLEN) return false;
    const declared = v.ipVersion === 6 ? v.ipTotalLen - 40 : v.ipTotalLen;
    return declared <= 0 || declared + delta <= IP_MAX;
  }

  // ---- UDP: each datagram alone

  private udp(r: Replica, v: PacketView): Verdict {
    const n = v.payloadLength;
    if (n < this.declaredPayload(v)) {
      this.c.cut++;
      return Verdict.Pass;
    }
    let buf: Uint8Array = r.data;
    let from = v.payloadOffset;
    let len = n;
    let edited = false;
    for (let k = 0; k < this.subs.length; k++) {
      const edits = this.udpEdits[k];
      edits.clear();
      this.subs[k].pattern.findAll(buf, from, from + len, this.udpFound[k]);
      if (edits.size === 0) continue;
      edited = true;
      const out = this.shared.buffer(k, edits.map(from + len) - edits.map(from));
      len = edits.synth(buf, from, from, from + len, out, 0);
      buf = out;
      from = 0;
    }
    if (!edited) {
      this.c.unchanged++;
      return Verdict.Pass;
    }
    const delta = len - n;
    if (!this.fits(r, v, delta)) {
      this.c['too-long']++;
      return Verdict.Pass;
    }
    const grew = this.overMtu(v, delta);
    rewritePayload(r, v, buf.subarray(from), len, this.pppoeOf(r, v), undefined);
    this.c[grew ? 'over-mtu' : 'replaced']++;
    return Verdict.Pass;
  }

  private overMtu(v: PacketView, delta: number): boolean {
    const ipLen = v.payloadOffset + v.payloadLength - v.ipHdrOffset;
    return ipLen <= ETHERNET_MTU && ipLen + delta > ETHERNET_MTU;
  }

  // ---- TCP: per session and direction

  /** A TCP segment; `only`: renumbered only, counted under that reason (its data is not searched). */
  private tcp(r: Replica, v: PacketView, only: Reason | undefined): Verdict {
    const session = this.sessions.lookup(v, this.now, linkKey(r.tap, v.vlan0, v.vlan1));
    const side = this.sessions.side;
    let st = session.state;
    const flags = v.tcpFlags;
    const me0 = st.sides[side];
    // a new connection on the ports of an old one: start afresh
    if (flags & TCP_FLAG.SYN && !(flags & TCP_FLAG.ACK) && me0.known && (v.tcpSeq + 1) >>> 0 !== me0.base) {
      this.flush(session, true);
      st = session.state = new State();
    }
    const seg = this.seg;
    this.ingest(st, side, r, v, seg, only);
    this.releaseReady(session);
    if (st.queue.length === 0 && this.ready(st, seg)) return this.emit(r, v, st, seg);
    this.hold(session, r, seg);
    this.bound(session);
    return Verdict.Hold;
  }

  /** Feeds the segment's new data to its direction's stream and notes what it needs to go out. */
  private ingest(st: State, side: number, r: Replica, v: PacketView, seg: Segment, only: Reason | undefined): void {
    const me = st.sides[side];
    const peer = st.sides[1 - side];
    const flags = v.tcpFlags;
    const seq = v.tcpSeq;
    const syn = (flags & TCP_FLAG.SYN) !== 0;
    if (!me.known) me.begin(this.shared, syn ? (seq + 1) >>> 0 : seq, syn);
    const stream = me.stream!;
    const seqRel = me.rel(seq);
    const a = seqRel + (syn ? 1 : 0);
    // data not searched (malformed, a fragment) moves nothing: the stream goes on as if it were not there
    const full = only ? 0 : this.declaredPayload(v);
    const b = a + full;
    seg.side = side;
    seg.seqRel = seqRel;
    seg.a = a;
    seg.b = b;
    seg.flags = flags;
    seg.ack = v.tcpAck;
    seg.sackMax = v.tcpHdrLen > 20 ? sackRightEdges(r.data, v.l4Offset, v.tcpHdrLen) : -1;
    seg.window = tcpWindow(r.data, v.l4Offset);
    seg.cut = v.payloadLength < full;
    seg.unsearched = false;
    seg.forced = false;
    seg.only = only;
    seg.r = undefined;
    if (full > 0) {
      const fed = stream.fed;
      if (a < fed) seg.unsearched = me.unsearched(a, Math.min(b, fed));
      if (b > fed) {
        if (seg.cut) me.skip(Math.max(a, fed), b);
        else {
          if (a > fed) me.skip(fed, a);
          const from = Math.max(a, stream.fed);
          stream.write(r.data, v.payloadOffset + (from - a), v.payloadOffset + full);
        }
      }
    }
    if (flags & TCP_FLAG.FIN && b >= stream.fed) stream.end();
    if (flags & TCP_FLAG.RST) {
      stream.end();
      if (peer.known) peer.stream!.end();
    }
    if (flags & TCP_FLAG.ACK && peer.known && st.queue.length === 0) {
      // what the receiver acknowledged is only sent again by a spurious retransmission: its edits may go,
      // unless segments are held (the capture saw the acknowledgement, this group still holds what it covers)
      peer.stream!.forget(peer.rel(seg.ack), REPLACE_LIMITS.keepAcked, REPLACE_LIMITS.maxEdits);
    }
    if (stream.heldBytes > REPLACE_LIMITS.undecidedBytes) stream.force();
  }

  /** Whether everything the segment's numbers and bytes depend on is decided. */
  private ready(st: State, seg: Segment): boolean {
    const me = st.sides[seg.side];
    if (!me.stream!.decidedUpTo(seg.b)) return false;
    const peer = st.sides[1 - seg.side];
    if (!(seg.flags & TCP_FLAG.ACK) || !peer.known) return true;
    const ps = peer.stream!;
    if (!ps.decidedUpTo(peer.rel(seg.ack))) return false;
    return seg.sackMax < 0 || ps.decidedUpTo(peer.rel(seg.sackMax));
  }

  /** Rewrites a segment whose stream has decided its bytes; Pass, or Drop for one left with nothing to say. */
  private emit(r: Replica, v: PacketView, st: State, seg: Segment): Verdict {
    const me = st.sides[seg.side];
    const peer = st.sides[1 - seg.side];
    const stream = me.stream!;
    const flags = seg.flags;
    const peerMaps = peer.known && !peer.stream!.identity;
    const numbers = this.numbers;
    numbers.seq = me.out(seg.seqRel);
    numbers.ack = flags & TCP_FLAG.ACK && peerMaps ? peer.out(peer.rel(seg.ack)) : seg.ack;
    this.sackSide = peer;
    numbers.sack = peerMaps ? this.sackMap : undefined;
    let reason: Reason;
    const n = v.payloadLength;
    if (seg.only) reason = seg.only;
    else if (seg.cut) reason = 'cut';
    else if (seg.unsearched || stream.forgotten(seg.a, seg.b)) reason = 'unsearched';
    else if (n > 0 && stream.touches(seg.a, seg.b)) {
      const { buf, length } = stream.synth(r.data, v.payloadOffset, seg.a, seg.b);
      const delta = length - n;
      if (delta === 0 && sameBytes(buf, r.data, v.payloadOffset, n)) reason = 'unchanged';
      else if (!this.fits(r, v, delta)) reason = 'too-long';
      else if (
        length === 0 &&
        !(flags & (TCP_FLAG.SYN | TCP_FLAG.FIN | TCP_FLAG.RST)) &&
        numbers.ack === me.lastAckOut
      ) {
        // nothing left but an acknowledgement already sent: tools would see a duplicate ACK that never was (an
        // urgent pointer included: the urgent data is gone, and tshark's duplicate ACK does not look at URG)
        me.lastAckIn = seg.ack;
        this.c['replaced-away']++;
        return Verdict.Drop;
      } else {
        const grew = this.overMtu(v, delta);
        rewritePayload(r, v, buf, length, this.pppoeOf(r, v), numbers);
        me.lastAckOut = numbers.ack;
        me.lastAckIn = seg.ack;
        me.lastWindowIn = seg.window;
        this.count(seg, grew ? 'over-mtu' : 'replaced');
        return Verdict.Pass;
      }
    } else if (
      n === 0 &&
      seg.a === seg.b &&
      (flags & (TCP_FLAG.ACK | TCP_FLAG.SYN | TCP_FLAG.FIN | TCP_FLAG.RST | TCP_FLAG.URG)) === TCP_FLAG.ACK &&
      peerMaps &&
      me.lastAckOut >= 0 &&
      numbers.ack === me.lastAckOut &&
      seg.ack !== me.lastAckIn &&
      seg.window === me.lastWindowIn
    ) {
      // a bare acknowledgement of nothing but bytes the group removed, with the window of the last segment
      // delivered: it acknowledged new data in the capture, here it would be a duplicate ACK the receiver never
      // sent; as for an emptied segment its acknowledgement stands for the one already sent: a later ACK of the
      // same is a duplicate in both. One whose window moved is kept (renumbered, a window update there): a zero
      // window, a window opening or shrinking would be lost with it, and tshark's zero-window and window-full
      // analysis with them. SACK blocks alone do not keep it (the next ACK repeats them; kept, it would be a
      // duplicate ACK the capture does not have)
      me.lastAckIn = seg.ack;
      this.c['replaced-away']++;
      return Verdict.Drop;
    } else reason = 'unchanged';
    // a first fragment's checksum covers the whole datagram: the update keeps it right all the same
    const renumbered = renumberTcp(r, v, numbers);
    if (reason === 'unchanged' && renumbered) reason = 'renumbered';
    me.lastAckOut = numbers.ack;
    me.lastAckIn = seg.ack;
    me.lastWindowIn = seg.window;
    this.count(seg, reason);
    return Verdict.Pass;
  }

  private count(seg: Segment, reason: Reason): void {
    this.c[seg.forced && reason !== 'too-long' ? 'released-early' : reason]++;
  }

  // ---- holding back

  private hold(session: Session<State>, r: Replica, seg: Segment): void {
    const st = session.state;
    const h = new Segment();
    h.copyFrom(seg);
    const copy = this.pool.pop() ?? new Replica(this.scratch);
    copy.copyFrom(r, new Uint8Array(r.length));
    h.r = copy;
    h.since = this.now;
    if (st.queue.length === 0) {
      st.heldSince = this.now;
      this.holding.add(session);
    }
    st.queue.push(h);
    st.heldBytes += r.length;
    this.heldBytes += r.length;
  }

  /**
   * Hands on the held segments at the head of the session's queue whose
   * bytes are decided (all of them with `all`), in order.
   */
  private releaseReady(session: Session<State>, all = false): void {
    const st = session.state;
    const q = st.queue;
    let i = 0;
    while (i < q.length && (all || this.ready(st, q[i]))) this.release(st, q[i++]);
    if (i === 0) return;
    q.splice(0, i);
    if (q.length === 0) {
      this.holding.delete(session);
      st.heldBytes = 0;
    } else st.heldSince = q[0].since;
    // a session keeps its place among the holding ones: expire() looks at them in that order, so a
    // session whose head moved on may wait up to one hold time more behind an older one
  }

  private release(st: State, h: Segment): void {
    const r = h.r!;
    st.heldBytes -= r.length;
    this.heldBytes -= r.length;
    const verdict = this.emit(r, r.view(), st, h);
    if (verdict === Verdict.Pass) this.resume(r);
    else this.dropHeld();
    h.r = undefined;
    this.pool.push(r);
  }

  /**
   * Decides both directions of a session now and hands on all it holds:
   * at the end of input or of the session (`ended`: $ matches there), or
   * when a bound or the hold time is up (the searches go on afterwards).
   */
  private flush(session: Session<State>, ended: boolean): void {
    const st = session.state;
    for (const side of st.sides)
      if (side.known) {
        if (ended) side.stream!.end();
        else side.stream!.force();
      }
    for (const h of st.queue) h.forced = !ended;
    // all decided now: everything goes
    this.releaseReady(session, true);
  }

  /** Sessions whose oldest held segment waited past the hold time are decided, oldest first. */
  private expire(): void {
    if (this.holding.size === 0) return;
    const limit = this.now - REPLACE_LIMITS.holdSeconds;
    for (const s of this.holding) {
      if (s.state.heldSince > limit) break;
      this.flush(s, false);
    }
  }

  /** Keeps what is held within the bounds: the session itself first, then the oldest ones of the group. */
  private bound(session: Session<State>): void {
    const st = session.state;
    if (st.queue.length > REPLACE_LIMITS.holdPackets) this.flush(session, false);
    while (this.heldBytes > REPLACE_LIMITS.heldBytes && this.holding.size > 0)
      this.flush(this.holding.values().next().value!, false);
  }
}
