import type { Datagram as AnyDatagram } from './mask-fragments.js';
import type { RecentBytes } from './mask-recent.js';
import type { MaskScanner } from './mask-scanner.js';
import { SpanList } from './mask-spans.js';
import type { Replica } from './replica.js';

/** What a TCP packet is to its direction's stream. */
export const enum Seg {
  /** No payload (ACK, SYN, FIN, RST): nothing to mask, but it keeps its place in the session's order. */
  Control = 0,
  /** New bytes, fed to the scanners when it arrived. */
  Data = 1,
  /** Bytes seen before (all of them): masked like the first time, and searched on their own too. */
  Again = 2,
  /** Bytes beyond a gap: fed once the gap fills (or is given up). */
  Ahead = 3,
}

/** How a match under way at a gap is masked on after it (mask.ts, carryOn). */
export const enum Carry {
  None = 0,
  /** To the end of its line (the first CR or LF): a credential's value, a pattern's match. */
  Line = 1,
  /** To the end of its digit run (digits joined by single spaces or dashes): a card number. */
  Digits = 2,
}

/** A packet of a session, as mask tracks it until it leaves the step (held, or the one in hand). */
export class Held {
  /** The packet: the one in hand, or `copy` while held. */
  r!: Replica;
  /** The step's own replica and bytes for holding, kept with this Held for its next use. */
  copy: Replica | undefined = undefined;
  buf: Uint8Array = new Uint8Array(0);
  /** Its direction's state. */
  md!: MaskDirection;
  dir: 0 | 1 = 0;
  kind = Seg.Control;
  /** Stream offsets of its captured payload bytes, [start, end); `wireEnd` where its payload ends on the wire. */
  start = 0;
  end = 0;
  wireEnd = 0;
  /** Frame offset of its first payload byte. */
  payloadAt = 0;
  /**
   * Where the frame starts in the bytes searched: 0 in the packet's own
   * bytes; the walk's offset (w.o) for the packet in hand on the walk's way,
   * searched where the reader left it (no array of the frame's own).
   */
  base = 0;
  /** Whether its bytes went through the scanners (an Ahead packet waits for its gap). */
  fed = false;
  /** Packet time it arrived. */
  since = 0;
  /**
   * The other direction's offset its acknowledgement reaches (-Infinity: no ACK, or that direction unknown): its
   * bytes were sent after the other's up to there, and a scanner may read them as answers to those (mask.ts mustWait).
   */
  answersTo = -Infinity;
  /** Spans found in it alone (Again): frame offsets and target, three numbers each. */
  own: number[] | undefined = undefined;
  /** Bytes the hold costs. */
  size = 0;
  /** A reassembled IP datagram (r is its reassembled packet): its fragments are what leaves, written (mask-fragments.ts). */
  frags: MaskDatagram | undefined = undefined;
  /**
   * A place kept in the session's queue for `frags` while it is being
   * reassembled (its first fragment came): the session's later packets wait
   * behind it. Filled by the reassembled segment, or given up.
   */
  barrier = false;
  /** `frags` was given up: its fragments leave masked whole (mask.ts, maskFragments). */
  givenUp = false;
  /**
   * No part of its direction's stream (a SYN put off: mask.ts deferredSyn):
   * decided at once, written with its own spans only.
   */
  alone = false;
  /**
   * It carries TCP urgent data (URG): a receiver whose socket takes the urgent byte out of band (BSD and Linux by
   * default) reads the stream without it, which the scanners do not: what follows is carried as after a gap.
   */
  urgent = false;

  reset(): void {
    this.own = undefined;
    this.fed = false;
    this.frags = undefined;
    this.barrier = false;
    this.givenUp = false;
    this.alone = false;
  }
}

/** The empty queue sessions and directions start with, shared: most never hold anything. */
export const NO_HELD: readonly Held[] = Object.freeze([]) as readonly Held[];

/** The scanners of an ended direction (mask.ts endDirection): none, its stream is decided. */
export const NO_SCANNERS: MaskScanner[] = Object.freeze([]) as unknown as MaskScanner[];

/** One direction of a session: its scanners, where they are, what they masked. */
export class MaskDirection {
  scanners: MaskScanner[] | undefined = undefined;
  /** The next offset the scanners expect. */
  next = 0;
  /** Where the scanners started: bytes before it were never searched in the stream. */
  first = 0;
  /** Whether `first` is the stream's real start (the byte after its SYN): nothing came before it. */
  fromStart = false;
  /** Bytes before this were released whatever the scanners still had open (forced): their undecided part was masked. */
  forcedTo = -Infinity;
  /** The stream ended (FIN reached, RST, end of input): everything is decided. */
  ended = false;
  readonly spans: SpanList;
  /** Packets beyond a gap, by start (NO_HELD, shared, until there is one). */
  ahead: Held[] = NO_HELD as Held[];
  /**
   * After a gap: per target, how a match under way at the gap goes on being
   * masked in the bytes after it (Carry), until its natural end; undefined
   * when none does (the common case: one test a segment).
   */
  carry: Carry[] | undefined = undefined;
  /** The last byte a digit run's carry went over was a digit (mask.ts carryOn): a separator after it joins the run. */
  carryDigit = false;
  /**
   * Lines a line's carry goes on over after the one it is in (a session picked up again after it was pushed out with
   * its context open: mask.ts lineRuns), and whether the last byte it went over ended a line.
   */
  carryLines = 0;
  carryBetween = false;
  /**
   * Bytes decided by bytes the receiver has not acknowledged yet (mask.ts feed): their packets wait, held, until
   * the other side acknowledges `waitTo` (a bound or the timeout release them too), as a copy of [waitAt, waitTo)
   * with other bytes (an insertion the receiver never kept) would have decided them otherwise. `waitFrom` the
   * earliest such byte (Infinity: none), `waitUs` each target's.
   */
  waitFrom = Infinity;
  waitAt = 0;
  waitTo = 0;
  waitUs: number[] | undefined = undefined;
  /** The last bytes fed, to tell a retransmission's bytes from the first copy's (undefined: none kept). */
  recent: RecentBytes | undefined = undefined;
  /** The session's other direction. */
  other!: MaskDirection;
  /** Up to where the other direction's bytes were waited for in vain (Held.answersTo): not waited for again. */
  gaveUpTo = -Infinity;

  constructor(maxSpans: number) {
    this.spans = new SpanList(maxSpans);
  }

  /** The earliest offset whose fate is open: packets whose bytes end before it may go. */
  undecided(): number {
    const sc = this.scanners;
    if (this.ended || sc === undefined) return Infinity;
    let u = Infinity;
    for (let t = 0; t < sc.length; t++) {
      let x = sc[t].undecidedFrom();
      if (x < this.forcedTo) x = this.forcedTo;
      if (x < u) u = x;
    }
    return u;
  }
}

/** A session's mask state: both directions, the packets it holds in their arrival order. */
export class MaskSession {
  readonly dirs: [MaskDirection, MaskDirection];
  queue: Held[] = NO_HELD as Held[];
  heldBytes = 0;
  /** Bumped whenever the head of the queue changes: older entries of the timeout heap are stale. */
  version = 0;
  /**
   * Picked up again after it left the table with context open (mask.ts OPEN_EVICTED): which of its directions was
   * open, by sender (bit 0: the lower endpoint of its tuple's, bit 1: the other's); 0 for most.
   */
  lostOpen = 0;
  /**
   * What each target's scanners share across the two directions: made with
   * the session's first payload, gone once both directions ended.
   */
  shared: unknown[] | undefined = undefined;

  constructor(maxSpans: number) {
    this.dirs = [new MaskDirection(maxSpans), new MaskDirection(maxSpans)];
    this.dirs[0].other = this.dirs[1];
    this.dirs[1].other = this.dirs[0];
  }
}

/** Sessions holding packets, by the arrival time of their oldest: what a timeout or a bound releases first. */
export class HoldHeap {
  private readonly time: number[] = [];
  private readonly sess: MaskSession[] = [];
  private readonly ver: number[] = [];

  get size(): number {
    return this.time.length;
  }

  push(t: number, s: MaskSession): void {
    const time = this.time;
    let i = time.length;
    time.push(t);
    this.sess.push(s);
    this.ver.push(s.version);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (time[p] <= time[i]) break;
      this.swap(i, p);
      i = p;
    }
  }

  /** The session holding the oldest packet and since when (stale entries skipped), or undefined. */
  peek(): MaskSession | undefined {
    while (this.time.length > 0) {
      const s = this.sess[0];
      if (this.ver[0] === s.version && s.queue.length > 0) return s;
      this.pop();
    }
    return undefined;
  }

  get peekTime(): number {
    return this.time[0];
  }

  pop(): void {
    const n = this.time.length - 1;
    this.swap(0, n);
    this.time.pop();
    this.sess.pop();
    this.ver.pop();
    let i = 0;
    const time = this.time;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && time[l] < time[m]) m = l;
      if (r < n && time[r] < time[m]) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }

  private swap(a: number, b: number): void {
    const t = this.time[a];
    this.time[a] = this.time[b];
    this.time[b] = t;
    const s = this.sess[a];
    this.sess[a] = this.sess[b];
    this.sess[b] = s;
    const v = this.ver[a];
    this.ver[a] = this.ver[b];
    this.ver[b] = v;
  }
}

/** A datagram being reassembled (mask-fragments.ts), with its place in a session's queue and that session. */
export type MaskDatagram = AnyDatagram<Held, MaskSession>;
