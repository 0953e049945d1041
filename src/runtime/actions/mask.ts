import type { ArtifactGroup } from '../../artifact/types.js';
import { IPPROTO } from '../../fields/ip-proto.js';
import { PatternError } from '../../patterns/problem.js';
import { decodeFrame } from '../decode/decode.js';
import { PacketView } from '../decode/view.js';
import { type ActionContext, ActionConfigError, type ActionModule, type ActionStep, Verdict } from './action.js';
import {
  HOLD_BYTES_PER_SESSION,
  HOLD_BYTES_TOTAL,
  HOLD_PACKETS_PER_SESSION,
  HOLD_PACKETS_TOTAL,
  CARRY_LINES_EVICTED,
  HOLD_TIMEOUT,
  IDLE_SECONDS,
  MAX_SESSIONS,
  OPEN_EVICTED,
  RECENT_BYTES,
  RECENT_RINGS,
  SCANNER_POOL,
  SPANS_PER_DIRECTION,
} from './mask-bounds.js';
import { cardNumberTarget, isCardDigit, isCardSeparator } from './mask-card.js';
import { credentialsTarget } from './mask-credentials.js';
import { type Fragment, FragmentTable, type GiveUp, fragmentView } from './mask-fragments.js';
import { SCTP_CHECKSUM, fixSctpChecksum, sctpChecksumOk } from './sctp-checksum.js';
import {
  Carry,
  Held,
  HoldHeap,
  type MaskDatagram,
  type MaskDirection,
  MaskSession,
  NO_HELD,
  NO_SCANNERS,
  Seg,
} from './mask-held.js';
import { RecentBytes } from './mask-recent.js';
import { regexTarget } from './mask-regex.js';
import { type MaskScanner, type MaskTarget, SegmentText } from './mask-scanner.js';
import { MaskWriter } from './mask-write.js';
import { decodePseudowire, pseudowireAt } from './mask-pseudowire.js';
import { pastAh } from './mask-ah.js';
import { Replica, Scratch, copyBytes } from './replica.js';
import { sumBytesAligned } from './checksum.js';
import {
  linkKey,
  plainWalkedTcp,
  TCP_ACK,
  TCP_FIN,
  TCP_RST,
  TCP_URG,
  type TcpDirection,
  type TcpHit,
  type TcpSegment,
  type TcpSession,
  TcpSessionTable,
} from './tcp-stream.js';

/** One target of the group's mask lines, as the artifact has it, with its fill as a byte. */
export interface MaskTargetConfig {
  kind: 'card-number' | 'credentials' | 'regex';
  source?: string;
  flags?: string;
  fill: number;
}

export interface MaskConfig {
  targets: MaskTargetConfig[];
}

/** The fill byte of a fill string: one character of code 0-255 (\xHH, or ASCII). */
export function fillByte(fill: string): number | undefined {
  return fill.length === 1 && fill.charCodeAt(0) <= 0xff ? fill.charCodeAt(0) : undefined;
}

const CR = 0x0d;
const LF = 0x0a;

/** IP protocols whose payload is searched packet by packet (TCP's is searched as a stream). */
const PER_PACKET = new Set<number>([IPPROTO.UDP, IPPROTO.ICMP, IPPROTO.ICMPV6, IPPROTO.SCTP, IPPROTO.TCP]);

const REASONS = [
  'masked',
  'masked-undecided',
  'undecided-fragment',
  'clean',
  'no-payload',
  'not-scanned',
  'not-ip',
  'not-ip-mpls',
  'malformed',
] as const;
type Reason = (typeof REASONS)[number];

const TOTALS = [
  'bytes-masked',
  'bytes-masked-undecided',
  'packets-held',
  'released-by-timeout',
  'released-by-bound',
  'tcp-sessions',
  'tcp-sessions-evicted',
  'tcp-gaps',
  'tcp-again',
] as const;

/**
 * mask: overwrites what the group's targets match with their fill bytes,
 * length unchanged, checksums kept (mask-write.ts). TCP payloads are
 * searched as streams, per session and direction (tcp-stream.ts), so a
 * secret split across segments is found and masked in each; a packet whose
 * bytes a match may still cover is held until that is decided, within the
 * bounds of mask-bounds.ts. Other payloads are searched packet by packet.
 * docs/design/mask.md has the design, docs/language.md what users see.
 */
export const mask: ActionModule<MaskConfig> = {
  name: 'mask',
  reasons: REASONS,
  warnings: {
    'masked-undecided':
      'had bytes masked that no match was certain to cover: a hold bound, a timeout or a gap in the capture released them before the search could decide, and the bytes a match was under way in were masked rather than delivered',
    'undecided-fragment':
      'were IP fragments whose datagram could not be reassembled (a bound, the hold timeout, a fragment missing, overlapping or cut by the capture) or carries a tunnel (a fragmented VXLAN or GRE packet): each went on with its whole transport payload masked',
    'not-ip-mpls':
      'were delivered unsearched: MPLS frames carrying neither IP nor an Ethernet pseudowire with its control word (a pseudowire without one, another payload), whose secrets were not searched for',
    malformed:
      'were delivered unsearched: a header cut short or contradicting its lengths left no payload to search, so what they carry was not masked',
  },
  totals: TOTALS,
  stateful: true,
  init(g: ArtifactGroup): MaskConfig {
    const targets = g.actions.masks.map((m, i): MaskTargetConfig => {
      const fill = fillByte(m.fill);
      if (fill === undefined)
        throw new ActionConfigError(
          `group '${g.name}': mask fill "${m.fill}" is not one byte (an ASCII character or \\xHH): masking keeps lengths`,
        );
      if (m.kind === 'regex') {
        try {
          compileTarget({ kind: 'regex', source: m.source, flags: m.flags, fill }, i);
        } catch (e) {
          if (e instanceof PatternError)
            throw new ActionConfigError(`group '${g.name}': mask /${m.source}/: ${e.problem.message}`);
          throw e;
        }
      }
      return { kind: m.kind, source: m.source, flags: m.flags, fill };
    });
    return { targets };
  },
  contextInit: (config, ctx) => new MaskStep(config, ctx),
};

function compileTarget(t: MaskTargetConfig, i: number): MaskTarget {
  switch (t.kind) {
    case 'card-number':
      return cardNumberTarget(t.fill);
    case 'credentials':
      return credentialsTarget(t.fill);
    default:
      return regexTarget(`/${t.source ?? ''}/${t.flags ?? ''}#${i}`, t.source ?? '', t.flags ?? '', t.fill);
  }
}

/** The view whose payload is searched: the innermost packet of a tunnel, else the packet. */
function payloadView(v: PacketView): PacketView | undefined {
  const inner = v.inner;
  if (inner !== v && inner.ipVersion !== 0 && inner.payloadOffset >= 0) return inner;
  if (v.ipVersion !== 0 && v.payloadOffset >= 0) return v;
  return undefined;
}

class MaskStep implements ActionStep {
  private readonly targets: MaskTarget[];
  private readonly fills: number[];
  /** How each target's match under way at a gap goes on after it. */
  private readonly carries: Carry[];
  private readonly c: Record<Reason, number>;
  private readonly totals: Record<(typeof TOTALS)[number], number>;
  private readonly table: TcpSessionTable<MaskSession>;
  private readonly writer = new MaskWriter();
  /** The packet in an Ethernet pseudowire (pseudowire()): the decoder does not read past MPLS labels into one. */
  private readonly pw = new PacketView(false);
  /** The packet behind an IPv4 AH header (mask-ah.ts): the decoder leaves IPv4's protocol at AH. */
  private readonly ah = new PacketView(false);
  /** The segment in hand as a string, made once for all the scanners that search one. */
  private readonly text = new SegmentText();
  private readonly heap = new HoldHeap();
  private heldPackets = 0;
  private heldBytes = 0;
  private now = 0;
  /** Scratch for held replicas' later steps (they are resumed one at a time), made on the first hold. */
  private scratch: Scratch | undefined;
  private readonly spare: Held[] = [];
  /** Recent-byte rings: how many directions have one, and those given back by closed sessions. */
  private rings = 0;
  private readonly spareRings: RecentBytes[] = [];
  /** Per target, scanners of ended directions, for the next directions to start (startDirection). */
  private readonly pools: MaskScanner[][];
  /** Per target, what ended sessions' directions shared (MaskTarget.restartShared), for the next sessions. */
  private readonly sharedPools: unknown[][];
  /** The ports handed to the targets' shared() (which keep none of them): one array, not one a session. */
  private readonly ports = [0, 0];
  /** IP datagrams being reassembled (made with the first fragment). */
  private frags: FragmentTable<Held, MaskSession> | undefined;
  /** The decode of a reassembled datagram that carries a tunnel, to its innermost packet (maskTunnel). */
  private tunnelView: PacketView | undefined;
  /** Where carryEnd() stopped looking: b if the match may go on past the bytes. */
  private carryStop = 0;
  /** lineRuns()'s runs: data offsets, two numbers each. */
  private readonly runs: number[] = [];
  /**
   * Sessions that left the table with context open (directionOpen), by their tuple's hash (another tuple of the same
   * hash only masks more): which directions were open, by sender (MaskSession.lostOpen); the oldest go first.
   */
  private readonly lostOpen = new Map<number, number>();
  /** The packet in hand, as a Held that is not (yet) held. */
  private readonly cur = new Held();
  // what report() writes into
  private dirNow!: MaskDirection;
  private targetNow = 0;
  private readonly report = (s: number, e: number, undecided?: boolean) =>
    this.dirNow.spans.add(s, e, this.targetNow, undecided === true);
  // what out() gives the spans' forEach (one callback for all packets, no closure a packet)
  private outAt = 0;
  private outForced = false;
  private readonly outSpan = (s: number, x: number, t: number, f: boolean) => {
    this.writer.add(this.outAt + s, this.outAt + x, this.fills[t]);
    if (f) this.outForced = true;
  };

  // what scanOwn() gives the targets' scanOnce (one callback, not a closure a segment searched alone: a pattern's
  // trim keeps a wrapper a report, mask-regex.ts)
  private ownList: number[] | undefined = undefined;
  private ownBase = 0;
  private ownTarget = 0;
  private readonly ownSpan = (s: number, x: number) =>
    (this.ownList ??= []).push(s - this.ownBase, x - this.ownBase, this.ownTarget);

  // what once() gives the targets' scanOnce (one callback, not a closure a target a payload)
  private onceFill = 0;
  private readonly onceSpan = (s: number, e: number) => this.writer.add(s, e, this.onceFill);

  constructor(
    config: MaskConfig,
    private readonly ctx: ActionContext,
  ) {
    this.targets = config.targets.map((t, i) => compileTarget(t, i));
    this.pools = this.targets.map(() => []);
    this.sharedPools = this.targets.map(() => []);
    // a target's fill, then again for its spans carried past a gap (target + targets.length: written first, so
    // that where a real match of another target overlaps one, the real match's fill wins)
    this.fills = this.targets.map((t) => t.fill);
    this.fills.push(...this.fills);
    this.carries = config.targets.map((t) => (t.kind === 'card-number' ? Carry.Digits : Carry.Line));
    this.c = ctx.counters as Record<Reason, number>;
    this.totals = ctx.totals as Record<(typeof TOTALS)[number], number>;
    this.table = new TcpSessionTable<MaskSession>({
      maxSessions: MAX_SESSIONS,
      idleSeconds: IDLE_SECONDS,
      create: () => new MaskSession(SPANS_PER_DIRECTION),
      keepIdle: (s) => this.contextOpen(s.data),
      onEvict: (s, why) => {
        this.totals['tcp-sessions-evicted']++;
        if (why !== 'restarted') this.rememberOpen(s);
        // the datagrams it keeps places for are given up with it: at the table's bound, idle, or a new session
        this.closeSession(s, false, why === 'full' ? 'bound' : why === 'idle' ? 'timeout' : 'session');
      },
    });
  }

  apply(r: Replica): Verdict {
    this.now = r.tsSec + r.tsNsec / 1e9;
    this.expire();
    if (this.frags !== undefined && this.frags.size > 0) this.dueFragments();
    // a plain TCP segment the walk read (the generated path): its session from the walk's offsets, no decode; the view
    // is made only if the packet is written (out(): writeInto)
    const w = r.walked();
    if (w !== undefined && plainWalkedTcp(w))
      return this.tcp(r, this.table.findWalked(w, this.now, linkKey(r.tap, w.v0, w.v1)), w.d, w.o);
    const v = r.view();
    // the packet's own bytes, made now if the chain started without them (Replica.bytes)
    const data = r.bytes();
    // an IP fragment: held until its datagram is whole, which is searched (mask-fragments.ts)
    const q = fragmentView(v);
    if (q !== undefined && this.fragment(r, v, q)) return Verdict.Hold;
    let p = payloadView(v);
    if (p === undefined && v.mplsCount > 0) p = this.pseudowire(r, v, data);
    if (p === undefined) {
      // delivered as captured, counted by why: a secret in a frame no header leads to is not searched for
      // named increments, not one with a computed name: that access is megamorphic (a stub-cache lookup a packet)
      if (v.malformed) this.c.malformed++;
      else if (v.mplsCount > 0 && v.ipVersion === 0) this.c['not-ip-mpls']++;
      else if (v.ipVersion === 0) this.c['not-ip']++;
      else this.c['no-payload']++;
      return Verdict.Pass;
    }
    // IPv4 AH (transport mode): the packet behind it, as its receiver reads it (mask-ah.ts)
    if (p.ipProto === IPPROTO.AH) p = pastAh(this.ah, p, data) ?? p;
    // an IP fragment inside a pseudowire (not reassembled): searched on its own
    if (p === this.pw && p.fragment !== 0) return this.once(r, v, p);
    if (p.ipProto === IPPROTO.TCP && p.fragment !== 2) {
      const hit = this.table.find(p, v, this.now, linkKey(r.tap, v.vlan0, v.vlan1), data);
      if (hit !== undefined) return this.tcp(r, hit, data, 0);
    }
    return this.once(r, v, p);
  }

  /** Live runs: the clock moved with no packet of the group; sessions held past the timeout are released. */
  tick(tsSec: number, tsNsec: number): void {
    const now = tsSec + tsNsec / 1e9;
    if (now > this.now) this.now = now;
    this.expire();
    if (this.frags !== undefined && this.frags.size > 0) this.dueFragments();
  }

  finish(): void {
    if (this.frags !== undefined) for (const g of this.frags.takeAll()) this.giveUp(g);
    for (const s of this.table.sessions()) this.closeSession(s, true, 'end');
  }

  /**
   * The IP packet in the Ethernet pseudowire an MPLS frame `v` carries
   * (mask-pseudowire.ts), decoded into `pw`, or undefined (no pseudowire,
   * or no IP packet with a payload in it).
   */
  private pseudowire(r: Replica, v: PacketView, data: Uint8Array): PacketView | undefined {
    const at = pseudowireAt(v, data, r.length);
    if (at < 0) return undefined;
    decodePseudowire(this.pw, v, data, at, r.length);
    return payloadView(this.pw);
  }

  // ---- IP fragments

  /**
   * Holds fragment r (q its IP view) for its datagram and returns true, or
   * false for a fragment of a protocol that is not reassembled (a tunnel's
   * outer packet, ESP...: it goes on as before). A datagram now whole is
   * searched, one that cannot be is given up.
   */
  private fragment(r: Replica, v: PacketView, q: PacketView): boolean {
    const ft = (this.frags ??= new FragmentTable<Held, MaskSession>((this.scratch ??= new Scratch())));
    if (!FragmentTable.wanted(r.data, r.length, q)) return false;
    this.totals['packets-held']++;
    const g = ft.add(r, v, q, this.now);
    if (g === undefined) this.keepPlace(v, q, linkKey(r.tap, v.vlan0, v.vlan1));
    else {
      this.countRelease(g.broken);
      if (g.broken !== undefined) this.giveUp(g);
      else this.assembled(g);
    }
    this.dueFragments();
    return true;
  }

  /**
   * A first fragment of a TCP segment still incomplete, of a session already
   * followed: a place is kept for its datagram in the session's queue, so
   * that the session's packets after it wait behind it (the order held
   * packets keep) until it is reassembled or given up.
   */
  private keepPlace(v: PacketView, q: PacketView, link: number): void {
    if (q.fragment !== 1 || q.ipProto !== IPPROTO.TCP) return;
    const g = this.frags!.last;
    if (g === undefined || g.barrier !== undefined) return;
    const t = this.table.peek(q, q !== v ? v : q, link);
    if (t === undefined) return;
    const s = t.data;
    const b = this.spare.pop() ?? new Held();
    b.reset();
    b.kind = Seg.Control;
    b.frags = g;
    b.barrier = true;
    // nothing of it is fed to the scanners (flushHeld must not wait on it)
    b.fed = true;
    b.md = s.dirs[0];
    b.dir = 0;
    b.since = this.now;
    b.size = 0;
    if (s.queue.length === 0) {
      s.version++;
      this.heap.push(b.since, s);
    }
    if (s.queue === NO_HELD) s.queue = [];
    s.queue.push(b);
    this.heldPackets++;
    g.barrier = b;
    g.barrierSession = s;
  }

  /** Gives up the datagrams a bound or the timeout reaches. */
  private dueFragments(): void {
    const ft = this.frags!;
    for (let g = ft.due(this.now); g !== undefined; g = ft.due(this.now)) {
      this.countRelease(g.broken);
      this.giveUp(g);
    }
  }

  /** A datagram given up at a bound or the timeout is a release like a session's: counted, however it was reached. */
  private countRelease(why: GiveUp | undefined): void {
    if (why === 'bound') this.totals['released-by-bound']++;
    else if (why === 'timeout') this.totals['released-by-timeout']++;
  }

  /** A whole datagram: a TCP segment goes into its stream, anything else is searched alone. */
  private assembled(g: MaskDatagram): void {
    const p = g.view;
    if (g.tunnel) {
      // what the tunnel carries cannot be searched here: masked whole (its header kept), checksums right
      this.dropPlace(g);
      this.writer.reset();
      this.writer.add(p.payloadOffset, g.length, this.fills[0]);
      this.maskTunnel(g);
      return;
    }
    if (p.ipProto === IPPROTO.TCP) {
      const hit = this.table.find(p, g.tunnelled ? g.outer : p, this.now, g.link, g.replica!.bytes());
      // given up by its session leaving the table in this lookup (evicted): its fragments have left, masked
      if (g.broken !== undefined) return;
      // its place kept in a session that is no longer its own (restarted, evicted): given back
      if (g.barrierSession !== undefined && (hit === undefined || hit.session.data !== g.barrierSession))
        this.dropPlace(g);
      if (hit !== undefined) {
        this.tcp(g.replica!, hit, g.replica!.bytes(), 0, g);
        return;
      }
    }
    this.dropPlace(g);
    const w = this.writer;
    w.reset();
    if (PER_PACKET.has(p.ipProto) && p.payloadLength > 0) {
      const from = p.payloadOffset;
      const to = from + p.payloadLength;
      for (let t = this.targets.length - 1; t >= 0; t--) {
        const fill = this.fills[t];
        this.targets[t].scanOnce(g.buf, from, to, (s, e) => w.add(s, e, fill));
      }
    }
    this.writeBack(g, false);
  }

  /**
   * A reassembled datagram that carries a tunnel (VXLAN, GTP-U, GRE... in a
   * fragmented outer packet): what it carries is not searched here (the
   * inner TCP stream, checksums on two levels), so the innermost packet's
   * payload is masked whole, with the first target's fill, its headers kept
   * (tools still read the tunnel and the inner stream's numbering; that
   * stream sees a gap there). The checksums are fixed in the reassembled
   * packet (the inner one, each tunnel's, the datagram's own: mask-write.ts
   * over a whole packet), then every changed byte goes into its fragment.
   */
  private maskTunnel(g: MaskDatagram): void {
    const v = (this.tunnelView ??= new PacketView(true));
    v.tap = g.replica!.tap;
    decodeFrame(v, g.buf, g.length, g.length, g.replica!.linkType);
    const i = payloadView(v);
    const w = this.writer;
    w.reset();
    // the innermost payload; a tunnel that leads to no payload the decoder reads: all the tunnel carries
    if (i !== undefined && i !== v && v.malformed === 0)
      w.add(i.payloadOffset, i.payloadOffset + i.payloadLength, this.fills[0]);
    else w.add(g.view.payloadOffset, g.length, this.fills[0]);
    const n = w.apply(g.buf, g.length, v);
    this.totals['bytes-masked'] += n;
    this.totals['bytes-masked-undecided'] += n;
    for (const x of g.frags) {
      const r = x.r;
      this.changedRuns(g, x);
      if (w.pending > 0) {
        // the bytes alone (checksums among them), and the checksums of a tunnel around the fragment
        w.transportAt(-1, 0, 0, false);
        w.apply(r.data, r.length, r.view());
        r.changed = true;
      }
      this.c['undecided-fragment']++;
      this.ctx.resume(r);
    }
    this.frags!.recycle(g);
  }

  /** Queues in the writer (reset) the runs of fragment x's data that differ in its datagram's reassembled bytes. */
  private changedRuns(g: MaskDatagram, x: Fragment): void {
    const w = this.writer;
    const b = g.buf;
    const d = x.r.data;
    const at = g.frags[g.first].dataAt + x.offset;
    w.reset();
    for (let j = 0; j < x.length;) {
      const f = b[at + j];
      if (d[x.dataAt + j] === f) {
        j++;
        continue;
      }
      let k = j + 1;
      while (k < x.length && b[at + k] === f && d[x.dataAt + k] !== f) k++;
      w.add(x.dataAt + j, x.dataAt + k, f);
      j = k;
    }
  }

  /**
   * Writes the writer's spans (offsets in the reassembled packet) into each
   * fragment, fixes their checksums (the transport checksum, in the first
   * fragment, for the changes in all of them; a tunnel's around each) and
   * hands them on in the order they came.
   */
  private writeBack(g: MaskDatagram, forced: boolean): void {
    const w = this.writer;
    const b = g.buf;
    const head = g.frags[g.first].dataAt;
    const p = g.view;
    // the fragment holding the transport checksum: the sums of what changes in the others, in its byte order
    const owner = g.owner >= 0 ? g.frags[g.owner] : undefined;
    const from = owner !== undefined ? head + owner.offset : 0;
    const to = owner !== undefined ? from + owner.length : 0;
    const shift = owner !== undefined ? owner.dataAt - from : 0;
    let extraOld = 0;
    let extraNew = 0;
    // SCTP's CRC32c is no Internet checksum that the others' sums could update: recomputed over the reassembled
    // packet (where it was right, as mask-write.ts does for a whole one), its bytes then written into the fragment
    // that carries them like a mask's (the tunnel checksums around that fragment follow them)
    const crcAt = p.ipProto === IPPROTO.SCTP && p.l4Offset >= 0 ? p.l4Offset + SCTP_CHECKSUM : -1;
    let crc = false;
    if (w.pending > 0) {
      if (owner !== undefined)
        extraOld = sumBytesAligned(b, head, from - head, -shift) + sumBytesAligned(b, to, g.length - to, -shift);
      crc = crcAt >= 0 && crcAt + 4 <= g.length && sctpChecksumOk(b, p.l4Offset, g.length);
      w.fill(b, g.length);
      if (crc) fixSctpChecksum(b, p.l4Offset, g.length);
      if (owner !== undefined)
        extraNew = sumBytesAligned(b, head, from - head, -shift) + sumBytesAligned(b, to, g.length - to, -shift);
    }
    for (const x of g.frags) {
      const r = x.r;
      const d = r.data;
      const at = head + x.offset;
      w.reset();
      this.changedRuns(g, x);
      const isFirst = x === owner;
      // the CRC's bytes this fragment carries that change: written, not counted masked
      let crcBytes = 0;
      if (crc && crcAt >= at && crcAt + 4 <= at + x.length)
        for (let k = 0; k < 4; k++) if (d[x.dataAt + crcAt - at + k] !== b[crcAt + k]) crcBytes++;
      let n = 0;
      if (w.pending > 0 || (isFirst && extraOld !== extraNew)) {
        if (isFirst) w.transportAt(g.checksumAt + shift, p.l4Offset + shift, p.ipProto, p.ipVersion === 6);
        else w.transportAt(-1, 0, 0, false);
        n = w.apply(d, r.length, r.view(), isFirst ? extraOld : 0, isFirst ? extraNew : 0) - crcBytes;
      }
      if (w.pending > 0) {
        r.changed = true;
        this.totals['bytes-masked'] += n;
        if (forced) {
          this.totals['bytes-masked-undecided'] += n;
          this.c['masked-undecided']++;
        } else this.c.masked++;
      } else if (isFirst && extraOld !== extraNew) {
        r.changed = true;
        this.c.masked++;
      } else if (x.length === 0) this.c['no-payload']++;
      else this.c.clean++;
      this.ctx.resume(r);
    }
    this.frags!.recycle(g);
  }

  /**
   * A datagram that cannot be reassembled: each fragment goes on, in the
   * order they came, with its whole transport payload (a first fragment's
   * after its transport header, a later one's all) masked with the first
   * target's fill: what it carries cannot be searched, and is never
   * delivered in clear.
   */
  private giveUp(g: MaskDatagram): void {
    const b = g.barrier;
    if (b !== undefined) {
      // its fragments leave from the place kept for them, behind what the session held before them
      g.barrier = undefined;
      b.barrier = false;
      b.givenUp = true;
      this.release(g.barrierSession!);
      return;
    }
    this.maskFragments(g);
  }

  /** The place kept for g in a session's queue, taken out (the session released behind it). */
  private dropPlace(g: MaskDatagram): void {
    const b = g.barrier;
    const s = g.barrierSession;
    g.barrier = undefined;
    g.barrierSession = undefined;
    if (b === undefined || s === undefined) return;
    const i = s.queue.indexOf(b);
    if (i < 0) return;
    s.queue.splice(i, 1);
    this.heldPackets--;
    s.version++;
    if (s.queue.length > 0) this.heap.push(s.queue[0].since, s);
    b.reset();
    this.spare.push(b);
    this.release(s);
  }

  /**
   * A session released by a bound, its timeout or its end gives up the
   * datagrams it keeps places for: their fragments leave masked from there
   * (else the place would block the release). Each is counted released by
   * what released the session, as dueFragments counts one given up alone.
   */
  private unblock(s: MaskSession, why: GiveUp): void {
    for (const h of s.queue)
      if (h.barrier) {
        const g = h.frags!;
        this.frags!.forget(g);
        g.broken = why;
        this.countRelease(why);
        g.barrier = undefined;
        h.barrier = false;
        h.givenUp = true;
      }
  }

  private maskFragments(g: MaskDatagram): void {
    const w = this.writer;
    const fill = this.fills[0];
    for (const x of g.frags) {
      const r = x.r;
      w.reset();
      w.add(x.maskFrom, x.dataAt + x.length, fill);
      // a first fragment's transport checksum follows its own bytes if its header is whole (the payload found)
      if (x.maskFrom === x.dataAt) w.transportAt(-1, 0, 0, false);
      const n = w.apply(r.data, r.length, r.view());
      if (n > 0) r.changed = true;
      this.totals['bytes-masked'] += n;
      this.totals['bytes-masked-undecided'] += n;
      this.c['undecided-fragment']++;
      this.ctx.resume(r);
    }
    this.frags!.recycle(g);
  }

  // ---- packets searched on their own

  private once(r: Replica, v: PacketView, p: PacketView): Verdict {
    if (p.payloadLength <= 0) {
      this.c['no-payload']++;
      return Verdict.Pass;
    }
    if (!PER_PACKET.has(p.ipProto)) {
      this.c['not-scanned']++;
      return Verdict.Pass;
    }
    const w = this.writer;
    w.reset();
    const from = p.payloadOffset;
    const to = from + p.payloadLength;
    // the last target first: where matches overlap, the first target's fill is written last; the payload is copied
    // to the finder's memory once for all of them
    this.text.set(r.data, from, to);
    for (let t = this.targets.length - 1; t >= 0; t--) {
      this.onceFill = this.fills[t];
      this.targets[t].scanOnce(r.data, from, to, this.onceSpan, this.text);
    }
    if (w.pending === 0) {
      this.c.clean++;
      return Verdict.Pass;
    }
    const n = this.writeInto(r, v);
    this.totals['bytes-masked'] += n;
    this.c.masked++;
    return Verdict.Pass;
  }

  /** Writes the writer's spans into the replica (a copy of the captured frame first: other groups share it). */
  private writeInto(r: Replica, v: PacketView): number {
    const t = r.target(r.length);
    copyBytes(t, 0, r.bytes(), 0, r.length);
    const n = this.writer.apply(t, r.length, v);
    r.commit(r.length);
    return n;
  }

  // ---- TCP

  /**
   * A TCP segment of a session: searched in `data`, where its frame starts
   * at `base` (the walk's buffer on the walk's way: the replica's own bytes
   * are made only if it is held or written). `frags`: a reassembled
   * datagram's (r its reassembled packet), whose fragments are what leaves.
   */
  private tcp(r: Replica, hit: TcpHit<MaskSession>, data: Uint8Array, base: number, frags?: MaskDatagram): Verdict {
    const tcpSession = hit.session;
    const s = tcpSession.data;
    const seg = hit.segment;
    if (seg.length === 0 && !hit.fresh && s.queue.length === 0 && frags === undefined)
      return this.bare(s, tcpSession, seg.flags);
    if (hit.fresh) {
      this.totals['tcp-sessions']++;
      if (this.lostOpen.size > 0) this.recallOpen(tcpSession);
    }
    const dir = hit.dir;
    const md = s.dirs[dir];
    const e = this.cur;
    e.reset();
    e.r = r;
    e.frags = frags;
    e.md = md;
    e.dir = dir;
    e.since = this.now;
    e.payloadAt = seg.payloadAt;
    e.base = base;
    e.start = hit.start;
    e.end = hit.start + seg.captured;
    e.wireEnd = hit.start + seg.length;
    e.answersTo = this.answersTo(tcpSession.dirs[1 - dir], seg.ack, seg.flags);
    e.urgent = (seg.flags & TCP_URG) !== 0;
    // the receiver acknowledges the bytes that decided the other direction's waiting ones: it kept those (insertion)
    if (e.answersTo >= md.other.waitTo) md.other.waitFrom = Infinity;
    // an outside segment (past a known window, or far ahead with none known) is masked as lost context at both ends
    if (hit.deferred || hit.outside) return this.apart(s, e, data, !hit.deferred);
    // new bytes in the place of a FIN that ended the direction (tcp-stream took the FIN back: its acknowledgment was
    // forged, or the receiver never got it): the stream goes on, picked up again where it ended, carried (reopen)
    if (md.ended && seg.length > 0 && tcpSession.dirs[dir].finAt < 0 && e.wireEnd > md.next)
      this.reopen(s, tcpSession, dir, seg);
    if (md.scanners === undefined && seg.length > 0) this.startDirection(s, tcpSession, dir, hit.start, seg);
    // the spans of the packet in hand stay until it leaves, however many its bytes make (SpanList.keepFrom)
    if (e.start < md.spans.keepFrom) md.spans.keepFrom = e.start;
    if (seg.length === 0) {
      e.kind = Seg.Control;
      e.fed = true;
    } else if (pastFin(tcpSession.dirs[dir], e.start)) {
      // none of the stream's bytes (pastFin): its own spans are all it gets, with no stream decision to wait for
      e.kind = Seg.Again;
      e.fed = true;
      e.alone = true;
      this.totals['tcp-again']++;
      this.scanOwn(e, data);
    } else if (md.ended || e.wireEnd <= md.next) {
      e.kind = Seg.Again;
      e.fed = true;
      this.totals['tcp-again']++;
      this.searchAlone(e, data);
    } else if (e.start <= md.next && !(md.ahead.length > 0 && md.ahead[0].start <= md.next) && !this.mustWait(md, e)) {
      e.kind = Seg.Data;
      e.fed = true;
      this.feed(md, data, e);
      this.feedAhead(md);
      // packets of the other direction that waited for these bytes (mustWait), and so on back and forth
      for (let d = md.other; d.ahead.length > 0 && this.feedAhead(d); d = d.other);
    } else {
      // beyond a gap, or waiting for the other direction's bytes (its own, or behind one that does)
      e.kind = Seg.Ahead;
    }
    this.checkEnd(s, tcpSession, (seg.flags & TCP_RST) !== 0);
    this.release(s);
    const place = frags?.barrier;
    if (place !== undefined) {
      // a reassembled segment takes the place kept for it in the queue
      frags!.barrier = undefined;
      frags!.barrierSession = undefined;
      this.hold(s, e, place);
      this.release(s);
      return Verdict.Hold;
    }
    if (s.queue.length === 0 && this.releasable(s, e)) {
      this.out(e, false);
      // nothing held: no span is needed but for retransmissions
      md.spans.keepFrom = Infinity;
      return Verdict.Pass;
    }
    this.hold(s, e);
    return Verdict.Hold;
  }

  /**
   * A segment without payload (a bare ACK: half a web capture's packets) of a
   * known session holding nothing: nothing to search, hold or write, so it
   * goes on at once, as tcp() would have it. What the stream needs from it
   * the lookup did (its sequence number as the highest seen, its FIN's offset,
   * its RST); what it may still end here is a direction whose FIN was seen
   * before (the scanners may have reached a FIN since, by a forced release),
   * and checkEnd() only ends one then; its own RST releases what is held.
   */
  private bare(s: MaskSession, t: TcpSession<MaskSession>, flags: number): Verdict {
    const d0 = t.dirs[0];
    const d1 = t.dirs[1];
    if ((flags & (TCP_FIN | TCP_RST)) !== 0 || d0.finAt >= 0 || d1.finAt >= 0)
      this.checkEnd(s, t, (flags & TCP_RST) !== 0);
    this.c['no-payload']++;
    return Verdict.Pass;
  }

  /**
   * A direction ended at a FIN that the stream then took back (bytes in its place: the FIN's acknowledgment was forged,
   * or the receiver never took it): its scanners start again where it ended, as a stream picked up without its SYN
   * (carried from the first byte: what the end decided before cannot be undone, but nothing was under way there,
   * checkEnd). Its ring goes on as it was.
   */
  private reopen(s: MaskSession, t: TcpSession<MaskSession>, dir: 0 | 1, seg: TcpSegment): void {
    const md = s.dirs[dir];
    md.ended = false;
    md.scanners = undefined;
    this.startDirection(s, t, dir, md.next, seg, true);
  }

  /**
   * A direction's scanners start with its first packet: at offset 0 after a SYN, else at its first byte;
   * `again`: at `dataStart`, carried, its ring kept (reopen).
   */
  private startDirection(
    s: MaskSession,
    t: TcpSession<MaskSession>,
    dir: 0 | 1,
    dataStart: number,
    seg: TcpSegment,
    again = false,
  ): void {
    const md = s.dirs[dir];
    const d = t.dirs[dir];
    // what the targets share across the session's directions, made with its first payload: sessions without one
    // (scans, refused connections, bare ACKs of a stream picked up late) keep none
    // (loops rather than map(): no closure a direction)
    const targets = this.targets;
    const n = targets.length;
    let shared = s.shared;
    if (shared === undefined) {
      const ports = this.ports;
      ports[0] = seg.srcPort;
      ports[1] = seg.dstPort;
      shared = s.shared = new Array<unknown>(n);
      for (let i = 0; i < n; i++) {
        const x = targets[i];
        // an ended session's if there is one (restartShared(): as new), else a new one
        const old = x.restartShared !== undefined ? this.sharedPools[i].pop() : undefined;
        if (old === undefined) shared[i] = x.shared?.(ports);
        else {
          x.restartShared!(old, ports);
          shared[i] = old;
        }
      }
    }
    const fromSyn = d.fromSyn && !again;
    const at = fromSyn ? 0 : dataStart;
    md.next = at;
    md.first = at;
    md.fromStart = fromSyn;
    // a stream picked up without its SYN (a capture begun mid-session; a session forgotten idle or pushed out of the
    // table, then seen again; a segment in a tunnel the rest of the stream is not in): its past is lost as the bytes
    // of a gap are, so a secret may have begun there, with its context: each target carries on from the first byte
    // (carryOn), to the end of what it could have under way (a line, a digit run)
    if (!fromSyn) {
      md.carry = this.carries.slice();
      md.carryDigit = false;
      // pushed out of the table with this direction's context open (a SASL exchange): its lines go on past the first
      if ((s.lostOpen & ((dir === 0) === t.clientLow ? 1 : 2)) !== 0) {
        md.carryLines = CARRY_LINES_EVICTED;
        md.carryBetween = false;
      }
    }
    const scanners = new Array<MaskScanner>(n);
    for (let i = 0; i < n; i++) {
      // an ended direction's scanner if there is one (restart(): as new), else a new one
      const old = this.pools[i].pop();
      if (old === undefined) scanners[i] = targets[i].scanner(at, fromSyn, dir, shared[i]);
      else {
        old.restart!(at, fromSyn, dir, shared[i]);
        scanners[i] = old;
      }
    }
    md.scanners = scanners;
    if (again && md.recent !== undefined) return;
    let ring = this.spareRings.pop();
    if (ring === undefined && this.rings < RECENT_RINGS) {
      ring = new RecentBytes(RECENT_BYTES);
      this.rings++;
    }
    ring?.restart(at);
    md.recent = ring;
  }

  /** Feeds a packet's new bytes (those from md.next on) to the direction's scanners. */
  private feed(md: MaskDirection, data: Uint8Array, e: Held): void {
    const from = md.next - e.start;
    // an overlap: its bytes before `next` are masked as recorded, if they are the bytes searched
    if (from > 0) this.checkSeen(e, data, md.next);
    if (from < e.end - e.start) {
      const a = e.payloadAt + e.base + from;
      const b = e.payloadAt + e.base + (e.end - e.start);
      const sc = md.scanners!;
      // the client's bytes, sent while no packet of the server's was seen (answersTo: a one-way tap, the server's
      // packets late or under another tunnel id): what they answer will not be read before them (MaskScanner.unseen)
      if (e.answersTo === -Infinity && e.dir === 0) for (let t = 0; t < sc.length; t++) sc[t].unseen?.(e.end);
      // bytes before these whose fate these decide (a match's start, a card's first digits): a first copy the
      // receiver never keeps (an insertion) could decide them as none, and its real copy, with other bytes, come
      // after they left; they wait for the receiver's acknowledgment of these (with its side seen: answersTo)
      if (e.answersTo !== -Infinity) this.waitFor(md, e);
      this.dirNow = md;
      this.text.set(data, a, b);
      for (let t = 0; t < sc.length; t++) {
        this.targetNow = t;
        sc[t].write(data, a, b, this.report, this.text);
      }
      md.next = e.end;
      md.recent?.push(data, a, b);
      if (e.urgent) this.urgentCarry(md);
      if (md.carry !== undefined) this.carryOn(md, data, a, b, e.start + from);
    }
    // a capture cut short: the bytes past the cut are a gap
    if (e.wireEnd > md.next) this.gap(md, e.wireEnd);
    e.fed = true;
  }

  /**
   * Before e's new bytes (from md.next) are fed: the bytes each scanner has undecided before them are decided by
   * them, so they wait until the receiver acknowledges e (waitFrom, releasable), and are masked if a copy of e with
   * other bytes comes meanwhile (differs).
   */
  private waitFor(md: MaskDirection, e: Held): void {
    const sc = md.scanners!;
    const next = md.next;
    let min = Infinity;
    for (let t = 0; t < sc.length; t++) {
      const u = sc[t].undecidedFrom();
      if (u < min) min = u;
    }
    if (min >= next) return;
    const us = (md.waitUs ??= []);
    if (md.waitFrom === Infinity) {
      md.waitAt = next;
      md.waitTo = e.end;
      for (let t = 0; t < sc.length; t++) us[t] = Infinity;
    }
    for (let t = 0; t < sc.length; t++) {
      const u = sc[t].undecidedFrom();
      if (u < next && u < us[t]) us[t] = u;
    }
    if (min < md.waitFrom) md.waitFrom = min;
    if (e.end > md.waitTo) md.waitTo = e.end;
  }

  /**
   * A copy of bytes whose first copy decided bytes before them still waiting (waitFor) carries other bytes: the
   * receiver may read these, so what waited was decided by bytes it never read: masked (forced) from each target's
   * first undecided byte.
   */
  private differs(e: Held): void {
    const md = e.md;
    if (md.waitFrom === Infinity || e.start >= md.waitTo || e.end <= md.waitAt) return;
    const us = md.waitUs!;
    for (let t = 0; t < us.length; t++) if (us[t] < e.start) md.spans.add(us[t], e.start, t, true);
  }

  /**
   * A segment with urgent data: the scanners read its bytes inline (as Wireshark does), a receiver that takes the
   * urgent byte out of band reads the stream without it (`pass` `X` `word=...` is a password field to it). Its bytes
   * from the first fed, and what follows them, are masked as after a gap, to the end of what each target could have
   * under way (a line, a digit run: carryOn), counted masked-undecided; a reading without the byte that runs across
   * lines is not followed. Not on Telnet, whose receivers read urgent data inline (MaskScanner.urgentInline).
   */
  private urgentCarry(md: MaskDirection): void {
    const sc = md.scanners!;
    for (let t = 0; t < sc.length; t++) if (sc[t].urgentInline?.() === true) return;
    md.carry = this.carries.slice();
    md.carryDigit = false;
  }

  /** The other direction's offset (`od` in the session table) that a segment's acknowledgement reaches. */
  private answersTo(od: TcpDirection, ack: number, flags: number): number {
    if ((flags & TCP_ACK) === 0 || !od.known) return -Infinity;
    const n = od.offsetOf(ack);
    // a FIN takes a sequence number but is no byte
    return od.finAt >= 0 && n > od.finAt ? od.finAt : n;
  }

  /**
   * Whether a packet of `md` must wait for the other direction before its
   * bytes are fed: it acknowledges bytes there the scanners have not read
   * (the other tap's packets come later, or never), and a scanner reads this
   * direction's bytes by what came before them (a Telnet answer by its
   * prompt: MaskScanner.answers). It is held as a packet ahead is, and fed
   * once the other direction's scanners reach those bytes (feedAhead), or
   * when that is given up (a bound, the timeout, the end: flushHeld). In
   * order, a segment never acknowledges bytes its tap has not passed on: a
   * comparison a segment.
   */
  private mustWait(md: MaskDirection, h: Held): boolean {
    const n = h.answersTo;
    if (n <= md.other.next || n <= md.gaveUpTo) return false;
    // the other direction waits itself, for bytes of this one not read yet (these, as a segment whose
    // acknowledgement runs ahead of what was sent claims: the checker's overlap copies): the two would wait for
    // each other until a bound; this one goes first
    const o = md.other;
    if (o.ahead.length > 0 && o.ahead[0].start <= o.next && o.ahead[0].answersTo > md.next) return false;
    const sc = md.scanners!;
    for (let t = 0; t < sc.length; t++) if (sc[t].answers?.() === true) return true;
    return false;
  }

  /**
   * Packets beyond a gap that the gap's filling reached, and those waiting for the other direction's bytes that
   * it has reached (mustWait). Whether any was fed.
   */
  private feedAhead(md: MaskDirection): boolean {
    const a = md.ahead;
    let any = false;
    while (a.length > 0 && a[0].start <= md.next) {
      if (this.mustWait(md, a[0])) break;
      any = true;
      const h = a.shift()!;
      if (h.wireEnd > md.next) this.feed(md, h.r.data, h);
      else {
        h.fed = true;
        h.kind = Seg.Again;
        this.searchAlone(h, h.r.data);
      }
    }
    return any;
  }

  /**
   * Bytes up to `offset` will never be seen (lost to the capture, cut by its
   * snap length): what the scanners had under way is masked (it may have
   * gone on in the lost bytes), decided, and the search goes on after.
   */
  private gap(md: MaskDirection, offset: number): void {
    const sc = md.scanners!;
    // every target carries on past the gap: a match may have been under way before it, or begun in the lost bytes
    md.carry = this.carries.slice();
    md.carryDigit = false;
    // all that is undecided: a card's first digits too, as the number may go on past the gap
    this.forceUndecided(md, true);
    this.dirNow = md;
    for (let t = 0; t < sc.length; t++) {
      this.targetNow = t;
      sc[t].decide(offset, this.report);
    }
    md.next = offset;
    md.recent?.restart(offset);
    this.totals['tcp-gaps']++;
  }

  /**
   * After a gap: the match each target had under way goes on in these bytes
   * (data[a, b), stream offset `at` on) to its natural end, masked (forced:
   * no match was certain): a credential's or a pattern's to its line's end,
   * a card number's to the end of its digit run. The scanners, restarted
   * after the gap, cannot see it: the match's start and context are before
   * the gap or in it.
   */
  private carryOn(md: MaskDirection, data: Uint8Array, a: number, b: number, at: number): void {
    const carry = md.carry!;
    let open = false;
    // several lines carried (lineRuns): the same runs for every target carried by the line
    const lines = md.carryLines > 0 || md.carryBetween ? this.lineRuns(md, data, a, b) : undefined;
    for (let t = 0; t < carry.length; t++) {
      const c = carry[t];
      if (c === Carry.None) continue;
      if (c === Carry.Line && lines !== undefined) {
        const r = this.runs;
        for (let i = 0; i < r.length; i += 2)
          md.spans.add(at + (r[i] - a), at + (r[i + 1] - a), t + carry.length, true);
        if (lines) open = true;
        else carry[t] = Carry.None;
        continue;
      }
      const end = this.carryEnd(c, data, a, b, md.carryDigit);
      const i = this.carryStop;
      if (end > a) md.spans.add(at, at + (end - a), t + carry.length, true);
      if (c === Carry.Digits) md.carryDigit = i === b && isCardDigit(data[b - 1]);
      if (i < b) carry[t] = Carry.None;
      else open = true;
    }
    if (!open) md.carry = undefined;
  }

  /**
   * The lines a line's carry covers of data[a, b) when it goes on past its line (md.carryLines: a session picked up
   * again that left the table with its context open), into `runs` (the line breaks between them are not masked);
   * whether the carry goes on past b.
   */
  private lineRuns(md: MaskDirection, data: Uint8Array, a: number, b: number): boolean {
    const r = this.runs;
    r.length = 0;
    let i = a;
    if (md.carryBetween) {
      while (i < b && (data[i] === CR || data[i] === LF)) i++;
      if (i >= b) return true;
      md.carryBetween = false;
    }
    for (;;) {
      let j = i;
      while (j < b && data[j] !== CR && data[j] !== LF) j++;
      if (j > i) r.push(i, j);
      if (j >= b) return true;
      if (md.carryLines === 0) return false;
      md.carryLines--;
      i = j;
      while (i < b && (data[i] === CR || data[i] === LF)) i++;
      if (i >= b) {
        md.carryBetween = true;
        return true;
      }
    }
  }

  /**
   * The end of what a match carried in `c`'s way (a line, a digit run) covers of data[a, b), from `a`;
   * `digitBefore`: the byte before `a` was a carried digit. Sets carryStop.
   */
  private carryEnd(c: Carry, data: Uint8Array, a: number, b: number, digitBefore: boolean): number {
    let i = a;
    let end = a;
    if (c === Carry.Line) {
      while (i < b && data[i] !== CR && data[i] !== LF) i++;
      end = i;
    } else {
      // digits, and a single space or dash between two digits
      for (; i < b; i++) {
        const x = data[i];
        // a separator at an edge of the segment is masked too (its neighbour in the run is in another segment),
        // but one alone in it is only passed over: nothing in the segment says it joins digits
        if (isCardDigit(x)) end = i + 1;
        else if (!isCardSeparator(x)) break;
        else {
          // the byte before the segment, if carried: a digit there joins a separator at its start (typed a byte
          // a segment, the separator is alone in its segment, and would keep the card's fill from the run)
          const before = i === a ? (digitBefore ? 1 : 0) : isCardDigit(data[i - 1]) ? 1 : -1;
          const after = i + 1 === b ? 0 : isCardDigit(data[i + 1]) ? 1 : -1;
          if (before < 0 || after < 0) break;
          if (before + after > 0) end = i + 1;
        }
      }
    }
    this.carryStop = i;
    return end;
  }

  /**
   * Marks the bytes each scanner has not decided, up to md.next, as masked
   * (forced); `all`: every undecided byte, even those harmless on their own
   * (a card's first digits), because the match goes on in bytes to come
   * whose start would then be delivered (at an RST).
   */
  private forceUndecided(md: MaskDirection, all = false): void {
    const sc = md.scanners;
    if (sc === undefined || md.ended) return;
    for (let t = 0; t < sc.length; t++) {
      const x = sc[t];
      let u = !all && x.suspiciousFrom !== undefined ? x.suspiciousFrom() : x.undecidedFrom();
      if (u < md.forcedTo) u = md.forcedTo;
      if (u < md.next) md.spans.add(u, md.next, t, true);
    }
    md.forcedTo = md.next;
  }

  /**
   * A packet whose bytes were all seen before is masked as they were. It is
   * searched on its own too where that record is missing (bytes from before
   * the stream was picked up, spans forgotten, new bytes after the end) or
   * does not fit: bytes other than those searched (a retransmission that
   * carries other bytes, as a hostile sender may: a receiver keeps one copy,
   * a tool behind the tap may read the other), or bytes no longer kept to
   * compare (RecentBytes). The spans of both are masked.
   */
  private searchAlone(e: Held, data: Uint8Array): void {
    const md = e.md;
    if (
      md.scanners !== undefined &&
      e.start >= md.first &&
      e.start >= md.spans.forgotten &&
      e.end <= md.next &&
      md.recent !== undefined &&
      md.recent.same(data, e.payloadAt + e.base, e.start, e.end)
    )
      return;
    this.differs(e);
    this.scanOwn(e, data);
  }

  /** A segment overlapping bytes searched: searched on its own too unless those bytes are the ones searched. */
  private checkSeen(e: Held, data: Uint8Array, next: number): void {
    const to = e.end < next ? e.end : next;
    const rec = e.md.recent;
    if (e.own === undefined && (rec === undefined || !rec.same(data, e.payloadAt + e.base, e.start, to))) {
      this.differs(e);
      this.scanOwn(e, data);
    }
  }

  /**
   * A SYN put off (tcp-stream: another ISN on a session that has not ended),
   * or a segment outside the receiver's window (tcp-stream `outside`: a
   * stray of an older connection on the same ports, an evader's): the
   * receiver reads on in the old numbers, or drops the segment, so it neither
   * starts scanners nor moves the stream (its offset means nothing: taken as
   * a gap, every later segment of the stream would be searched alone). Its
   * data, if any, is searched on its own (`outside`: as lost context at both
   * ends); it keeps its place in the session's order.
   */
  private apart(s: MaskSession, e: Held, data: Uint8Array, outside: boolean): Verdict {
    e.kind = Seg.Again;
    e.fed = true;
    e.alone = true;
    // a SYN's data begins the new connection's stream: nothing before it to carry. An outside segment (past a known
    // window, or far ahead with none known) may be the stream's after all (the tap lost a burst with the receiver's
    // ACKs, so the window it knows is stale; a connection on the same ports picked up mid-way): what could
    // be under way at either end is masked, as at a gap (a card number crossing two such segments, each half alone
    // no card)
    if (outside) this.scanOwn(e, data, true, true);
    else this.scanOwn(e, data, false);
    this.release(s);
    if (s.queue.length === 0) {
      this.out(e, false);
      return Verdict.Pass;
    }
    this.hold(s, e);
    return Verdict.Hold;
  }

  /**
   * Every target's spans in the packet's payload alone (frame offsets), kept with it for out(). `carry`: the
   * stream's bytes before it are not what was searched with these (a segment searched on its own: its first copy held
   * other bytes, its first copy was never seen, or what was found in it is forgotten), so a match may have begun
   * before it, its context there: each target carries on from its first byte as after a gap (carryOn), the spans
   * forced (target + targets).
   */
  private scanOwn(e: Held, data: Uint8Array, carry = true, tail = false): void {
    const base = e.base;
    const from = e.payloadAt + base;
    const to = from + (e.end - e.start);
    if (to <= from) return;
    const n = this.targets.length;
    this.ownList = undefined;
    this.ownBase = base;
    for (let t = 0; t < n; t++) {
      this.ownTarget = t;
      this.targets[t].scanOnce(data, from, to, this.ownSpan);
    }
    // (filled by ownSpan during the searches above: not undefined as the flow analysis takes it)
    let own = this.ownList as number[] | undefined;
    this.ownList = undefined;
    if (carry) {
      // the stream's byte before it, where known, may say that no match can be under way there: the stream's start
      // (after its SYN), a line break (a line's match), a byte no card number holds (a digit run's)
      const md = e.md;
      const prev =
        e.start === 0 && md.fromStart
          ? LF
          : e.start > md.first && md.recent !== undefined
            ? md.recent.at(e.start - 1)
            : -1;
      for (let t = 0; t < n; t++) {
        const c = this.carries[t];
        if (prev >= 0 && (c === Carry.Line ? prev === CR || prev === LF : !isCardDigit(prev) && !isCardSeparator(prev)))
          continue;
        const end = this.carryEnd(c, data, from, to, prev >= 0 && isCardDigit(prev));
        if (end > from) (own ??= []).push(from - base, end - base, t + n);
      }
    }
    if (tail)
      for (let t = 0; t < n; t++) {
        const start = this.tailStart(this.carries[t], data, from, to);
        if (start < to) (own ??= []).push(start - base, to - base, t + n);
      }
    e.own = own;
  }

  /**
   * Where what a match could have under way at the end of data[a, b) begins (carryEnd() backwards, the bytes
   * before a gap): its last line, if no line break ends it; its last digit run (digits joined by a single space
   * or dash, one such separator last), if a digit or such a separator ends it. b when nothing could be.
   */
  private tailStart(c: Carry, data: Uint8Array, a: number, b: number): number {
    let i = b;
    if (c === Carry.Line) {
      while (i > a && data[i - 1] !== CR && data[i - 1] !== LF) i--;
      return i;
    }
    while (i > a) {
      const x = data[i - 1];
      // a separator joins the digit before it to the next byte's (one beyond the segment's end may be a digit)
      if (
        isCardDigit(x) ||
        (isCardSeparator(x) && i - 1 > a && isCardDigit(data[i - 2]) && (i === b || isCardDigit(data[i])))
      )
        i--;
      else break;
    }
    return i;
  }

  /**
   * FIN reached, and taken by its receiver (tcp-stream closed(): the other
   * side acknowledged it, or is unseen): the direction's stream is over,
   * every search decided. A FIN not yet acknowledged ends nothing: one the
   * receiver never got (its TTL ran out after the tap) is followed by the
   * rest of the stream, in sequence, which tcp-stream then takes as the
   * FIN's undoing. An
   * RST (this packet's) does not end a stream: a receiver ignores one out of
   * its window, and one forged to evade the tap is followed by the rest of
   * the secret, in sequence. So at an RST what each scanner has under way is
   * masked (forced, as at a release) and every held packet decided, but the
   * searches go on: data after the RST continues the same stream. The
   * session's state goes when the session does (idle, evicted, restarted by
   * a SYN, end of input).
   */
  private checkEnd(s: MaskSession, t: TcpSession<MaskSession>, rst: boolean): void {
    for (let dir = 0; dir < 2; dir++) {
      const md = s.dirs[dir];
      if (md.ended || md.scanners === undefined) continue;
      const d = t.dirs[dir];
      if (d.closed(t.dirs[1 - dir]) && md.next >= d.finAt && md.ahead.length === 0) {
        // the FIN's acknowledgment may be forged (the receiver never got the FIN, and reads the bytes the sender puts
        // in its place: tcp-stream then takes the FIN back): a direction with anything under way (a match, a SASL
        // exchange) is not ended, what is undecided masked as at a release (a card's first six digits go), so the
        // rest is masked in the stream if it comes; one at rest ends, and starts again carried if bytes come in the
        // FIN's place (reopen)
        if (this.directionOpen(md)) this.forceUndecided(md);
        else this.endDirection(s, md);
      } else if (rst) this.forceUndecided(md, true);
    }
  }

  private endDirection(s: MaskSession, md: MaskDirection): void {
    const sc = md.scanners;
    if (sc === undefined || md.ended) return;
    this.dirNow = md;
    for (let t = 0; t < sc.length; t++) {
      this.targetNow = t;
      sc[t].end(this.report);
    }
    md.ended = true;
    md.waitFrom = Infinity;
    // an ended direction's scanners are read no more (a later segment is searched alone: searchAlone), so they go
    // now rather than with the session (idle for IDLE_SECONDS, or evicted): a finished session keeps its spans,
    // ring and offsets, not its scanners' state
    for (let t = 0; t < sc.length; t++)
      if (sc[t].restart !== undefined && this.pools[t].length < SCANNER_POOL) this.pools[t].push(sc[t]);
    md.scanners = NO_SCANNERS;
    const o = s.dirs[0] === md ? s.dirs[1] : s.dirs[0];
    const shared = s.shared;
    if (o.ended && shared !== undefined) {
      for (let t = 0; t < shared.length; t++)
        if (shared[t] !== undefined && this.sharedPools[t].length < SCANNER_POOL) this.sharedPools[t].push(shared[t]);
      s.shared = undefined;
    }
  }

  private releasable(s: MaskSession, e: Held): boolean {
    if (e.barrier) return false;
    if (e.kind === Seg.Control || e.alone) return true;
    if (!e.fed) return false;
    const md = s.dirs[e.dir];
    // bytes decided by bytes not acknowledged yet (waitFor), in the stream or in a copy of them
    if (e.end > md.waitFrom && e.start < md.waitAt) return false;
    return e.end <= md.undecided();
  }

  /** Hands on the session's held packets from the head, as long as each is decided. */
  private release(s: MaskSession): void {
    const q = s.queue;
    let n = 0;
    while (n < q.length && this.releasable(s, q[n])) n++;
    if (n === 0) return;
    const out = q.splice(0, n);
    for (const h of out) {
      this.heldPackets--;
      this.heldBytes -= h.size;
      s.heldBytes -= h.size;
    }
    s.version++;
    if (q.length > 0) this.heap.push(q[0].since, s);
    // the spans the packets still held need (a packet in hand, if any, is in the queue or leaves before the next add)
    s.dirs[0].spans.keepFrom = s.dirs[1].spans.keepFrom = Infinity;
    for (const h of q) if (h.start < h.md.spans.keepFrom) h.md.spans.keepFrom = h.start;
    for (const h of out) {
      this.out(h, true);
      this.spare.push(h);
    }
  }

  /** The packet leaves the step: its spans written, counted, handed on (held ones through resume). */
  private out(e: Held, held: boolean): void {
    const r = e.r;
    const w = this.writer;
    w.reset();
    this.outForced = false;
    if (e.kind !== Seg.Control && e.end > e.start) {
      const md = e.md;
      this.outAt = e.payloadAt - e.start;
      if (!e.alone) md.spans.forEach(e.start, e.end, this.outSpan);
      const own = e.own;
      if (own !== undefined) {
        // carried spans (target + targets) first, then the last target's to the first's: the first target's fill wins
        const n = this.targets.length;
        for (let t = 2 * n - 1; t >= 0; t--)
          for (let i = 0; i < own.length; i += 3)
            if (own[i + 2] === t) {
              w.add(own[i], own[i + 1], this.fills[t]);
              if (t >= n) this.outForced = true;
            }
      }
    }
    const forced = this.outForced;
    if (e.frags !== undefined) {
      // a reassembled datagram: its fragments leave, written (or masked whole: given up)
      if (e.givenUp) this.maskFragments(e.frags);
      else this.writeBack(e.frags, forced);
      return;
    }
    if (w.pending > 0) {
      const n = held ? this.writeHeld(r) : this.writeInto(r, r.view());
      this.totals['bytes-masked'] += n;
      if (forced) {
        this.totals['bytes-masked-undecided'] += n;
        this.c['masked-undecided']++;
      } else this.c.masked++;
    } else if (e.kind === Seg.Control || e.end === e.start) this.c['no-payload']++;
    else this.c.clean++;
    if (held) {
      this.ctx.resume(r);
    }
  }

  /** A held copy is the step's own: written in place. */
  private writeHeld(r: Replica): number {
    const n = this.writer.apply(r.data, r.length, r.view());
    r.changed = true;
    return n;
  }

  /** Holds a copy of e in the session's queue: at its end, or in `place`, kept there for it (a datagram's). */
  private hold(s: MaskSession, e: Held, place?: Held): void {
    const h = place ?? this.spare.pop() ?? new Held();
    h.barrier = false;
    h.givenUp = false;
    const r = e.r;
    const copy = (h.copy ??= new Replica((this.scratch ??= new Scratch())));
    if (h.buf.length < r.length) h.buf = new Uint8Array(Math.max(r.length, 2 * h.buf.length));
    copy.copyFrom(r, h.buf);
    h.r = copy;
    h.md = e.md;
    h.dir = e.dir;
    h.kind = e.kind;
    h.start = e.start;
    h.end = e.end;
    h.wireEnd = e.wireEnd;
    h.payloadAt = e.payloadAt;
    // the copy is the frame alone
    h.base = 0;
    h.fed = e.fed;
    h.since = e.since;
    h.answersTo = e.answersTo;
    h.alone = e.alone;
    h.urgent = e.urgent;
    h.own = e.own;
    h.frags = e.frags;
    h.size = r.length;
    if (place === undefined) {
      if (s.queue.length === 0) {
        s.version++;
        this.heap.push(h.since, s);
      }
      if (s.queue === NO_HELD) s.queue = [];
      s.queue.push(h);
      this.heldPackets++;
    }
    if (h.start < h.md.spans.keepFrom) h.md.spans.keepFrom = h.start;
    s.heldBytes += h.size;
    this.heldBytes += h.size;
    this.totals['packets-held']++;
    if (h.kind === Seg.Ahead) insertByStart(s.dirs[h.dir], h);
    if (s.queue.length > HOLD_PACKETS_PER_SESSION || s.heldBytes > HOLD_BYTES_PER_SESSION) {
      this.totals['released-by-bound']++;
      this.force(s, 'bound');
    }
    while (this.heldPackets > HOLD_PACKETS_TOTAL || this.heldBytes > HOLD_BYTES_TOTAL) {
      const oldest = this.heap.peek();
      if (oldest === undefined) break;
      this.totals['released-by-bound']++;
      this.force(oldest, 'bound');
    }
  }

  /** Releases the sessions whose oldest held packet has waited HOLD_TIMEOUT. */
  private expire(): void {
    for (;;) {
      const s = this.heap.peek();
      if (s === undefined || this.heap.peekTime + HOLD_TIMEOUT > this.now) return;
      this.heap.pop();
      this.totals['released-by-timeout']++;
      this.force(s, 'timeout');
    }
  }

  /**
   * Feeds every packet the direction holds ahead: gaps are given up, and so
   * is a wait for the other direction's bytes (its scanners are told: they
   * read what follows as answering what could have been asked there).
   */
  private flushAhead(md: MaskDirection, until?: Held): void {
    while (md.ahead.length > 0 && (until === undefined || !until.fed)) {
      const h = md.ahead[0];
      if (h.start > md.next) this.gap(md, h.start);
      else if (this.mustWait(md, h)) {
        md.gaveUpTo = h.answersTo;
        const sc = md.scanners!;
        for (let t = 0; t < sc.length; t++) sc[t].unanswered?.(h.answersTo);
      }
      this.feedAhead(md);
    }
  }

  /**
   * Feeds every packet the session holds unfed, in the order they came: each
   * direction's gaps given up and its waits for the other's bytes too
   * (flushAhead) when a packet's turn comes, so that a packet waiting for
   * bytes that came before it reads them first (the other direction's packets
   * held beyond a gap), and one waiting for bytes that did not come is read
   * as answering whatever could have been asked there.
   */
  private flushHeld(s: MaskSession): void {
    const q = s.queue;
    for (let i = 0; i < q.length; i++) if (!q[i].fed && q[i].md.scanners !== undefined) this.flushAhead(q[i].md, q[i]);
  }

  /**
   * Releases everything the session holds now: gaps are given up (the
   * packets beyond them fed) and the bytes still undecided are masked. The
   * searches go on undecided: cutting a match short there (as if the stream
   * ended) would deliver the rest of it unmasked.
   */
  private force(s: MaskSession, why: 'bound' | 'timeout'): void {
    this.unblock(s, why);
    this.flushHeld(s);
    for (const md of s.dirs) {
      // what waits for an acknowledgment goes: the bound of that wait
      md.waitFrom = Infinity;
      if (md.scanners === undefined) continue;
      this.flushAhead(md);
      // a match under way is not cut: its bytes so far go masked, and it is masked on to its end, however long
      this.forceUndecided(md);
    }
    this.release(s);
  }

  /**
   * Whether a session's streams hold context a later line needs (a match under way, a SASL exchange, ...: a scanner
   * not resting): an idle session is forgotten only without (its next packets then start a stream whose first line is
   * carried, which loses nothing of a context that ends with its line).
   */
  private contextOpen(s: MaskSession): boolean {
    return this.directionOpen(s.dirs[0]) || this.directionOpen(s.dirs[1]);
  }

  /**
   * A session leaves the table (full, or idle): if a direction's context is open (possible only when the table is full:
   * keepIdle keeps the others), it is remembered, so that the next lines it sends, picked up again, are carried.
   */
  private rememberOpen(t: TcpSession<MaskSession>): void {
    const s = t.data;
    const open = (this.directionOpen(s.dirs[0]) ? 1 : 0) | (this.directionOpen(s.dirs[1]) ? 2 : 0);
    if (open === 0) return;
    // by sender: bit 0 the lower endpoint's direction (direction 0 when the client is the lower)
    const bits = t.clientLow ? open : ((open & 1) << 1) | (open >> 1);
    const m = this.lostOpen;
    m.delete(t.hash);
    m.set(t.hash, bits);
    if (m.size > OPEN_EVICTED) m.delete(m.keys().next().value!);
  }

  /** A new session that left the table with context open before: which directions carry several lines. */
  private recallOpen(t: TcpSession<MaskSession>): void {
    const bits = this.lostOpen.get(t.hash);
    if (bits === undefined) return;
    this.lostOpen.delete(t.hash);
    t.data.lostOpen = bits;
  }

  /** Whether a direction's scanners hold context its next bytes need (contextOpen). */
  private directionOpen(md: MaskDirection): boolean {
    const sc = md.scanners;
    if (sc === undefined || md.ended) return false;
    for (let t = 0; t < sc.length; t++) if (sc[t].undecidedFrom() < md.next || sc[t].resting?.() === false) return true;
    return false;
  }

  /**
   * The session leaves the table (evicted, idle, restarted) or the input ends: everything it holds goes. Its
   * stream may go on past an eviction (picked up again without its SYN, carried: startDirection), so what each
   * scanner has under way is masked whole, as at a gap (a card's first digits too).
   */
  private closeSession(t: TcpSession<MaskSession>, endOfInput: boolean, why: GiveUp): void {
    const s = t.data;
    this.unblock(s, why);
    this.flushHeld(s);
    for (let dir = 0; dir < 2; dir++) {
      const md = s.dirs[dir];
      if (md.scanners === undefined) continue;
      this.flushAhead(md);
      // a FIN beyond bytes never seen (a bare FIN is not held, so no gap was given up for it): those bytes are a gap,
      // not the stream's end (where a match under way would be decided as cut short, its start delivered)
      const fin = t.dirs[dir].finAt;
      if (fin > md.next && !md.ended) this.gap(md, fin);
      if (endOfInput) this.endDirection(s, md);
      else this.forceUndecided(md, true);
    }
    for (const md of s.dirs) {
      md.forcedTo = md.next;
      md.waitFrom = Infinity;
      // the session is gone: its ring goes to the next new direction
      if (md.recent !== undefined) this.spareRings.push(md.recent);
      md.recent = undefined;
    }
    this.release(s);
  }
}

/**
 * Whether a segment at `start` lies past its direction's FIN (tcp-stream
 * finAt, acknowledged or not yet): none of the stream's bytes, as no receiver
 * reads past a FIN it took, nor past the hole in the FIN's place if it did
 * not. Searched on its own, never held as beyond a gap.
 */
function pastFin(d: TcpDirection, start: number): boolean {
  return d.finAt >= 0 && start > d.finAt;
}

function insertByStart(md: MaskDirection, h: Held): void {
  if (md.ahead === NO_HELD) md.ahead = [];
  const a = md.ahead;
  let i = a.length;
  while (i > 0 && a[i - 1].start > h.start) i--;
  a.splice(i, 0, h);
}
