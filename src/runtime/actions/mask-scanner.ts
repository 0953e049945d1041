/**
 * What mask asks of each of its targets (a built-in or a pattern): a search
 * over one byte stream (a TCP direction) fed in pieces, or over one payload.
 * Offsets are absolute stream offsets (a payload's start for one payload).
 */

import { load, loaded } from './mask-wasm.js';

/** SegmentText's delta before the segment is copied (a real one is a small integer). */
const NOT_LOADED = -(2 ** 30);

/** A span to mask: bytes [start, end); `undecided`: masked on less than a match (counted as masked-undecided). */
export type Report = (start: number, end: number, undecided?: boolean) => void;

/**
 * One segment, copied into the next-trigger finder's memory (mask-wasm.ts)
 * when a scanner first asks and then shared by the others the segment goes
 * to (one copy a segment, not one a scanner). mask sets it before each write.
 */
export class SegmentText {
  private bytes: Uint8Array = new Uint8Array(0);
  private from = 0;
  private to = 0;
  private delta = NOT_LOADED;

  /** Takes the next segment, bytes[from, to): it is copied again when asked. */
  set(bytes: Uint8Array, from: number, to: number): void {
    this.bytes = bytes;
    this.from = from;
    this.to = to;
    this.delta = NOT_LOADED;
  }

  /**
   * The segment in the finder's memory (copied when first asked, and again
   * if another copy went there since): load()'s delta, address = index + delta.
   */
  wasm(): number {
    if (this.delta === NOT_LOADED || !loaded(this)) this.delta = load(this.bytes, this.from, this.to, this);
    return this.delta;
  }
}

export interface MaskScanner {
  /**
   * Feeds bytes[from, to), the stream's next bytes; reports spans as soon as
   * they are certain. `text`, when given, holds those same bytes (set to
   * bytes, from, to): scanners that use the next-trigger finder take the
   * segment's copy in its memory from there.
   */
  write(bytes: Uint8Array, from: number, to: number, report: Report, text?: SegmentText): void;
  /**
   * The earliest offset whose fate is still open: a span reported later may
   * cover it, but never a byte before it. The next offset when nothing is
   * under way. Bytes before it may be delivered.
   */
  undecidedFrom(): number;
  /**
   * Where the undecided bytes start that must be masked if they have to go
   * before they are decided (a bound, a timeout, a gap): undecidedFrom()
   * unless some of them cannot give a secret away on their own. Default:
   * undecidedFrom().
   */
  suspiciousFrom?(): number;
  /**
   * Whether this direction's bytes are read by what the other direction sent
   * before them (a Telnet answer by its prompt): mask holds a segment that
   * acknowledges bytes of the other direction not read yet until they are
   * (the two directions from two taps, reordered). Default: no.
   */
  answers?(): boolean;
  /**
   * The other direction's bytes before `upTo` (its offset), which the next
   * bytes answer, will not be read first (they did not come before a bound
   * or the timeout, or were lost): the next bytes are read as answering
   * whatever could have been asked there.
   */
  unanswered?(upTo: number): void;
  /**
   * Whether nothing read reaches past the current line but what
   * undecidedFrom() holds: the bytes of a later line mean what they would in
   * a stream picked up there (no SASL exchange, IMAP literal, form part,
   * Telnet prompt or echo pending). mask forgets an idle session only then
   * (its next packets start a stream whose first line is carried). Default: yes.
   */
  resting?(): boolean;
  /**
   * The client's bytes before `upTo` (its offset) were sent while no packet
   * of the server's had been seen (a one-way tap, the other tap's packets
   * late): what they answer will never be read first. Called before they
   * are fed.
   */
  unseen?(upTo: number): void;
  /**
   * Whether the session's receivers read TCP urgent data inline, where it lies (Telnet: its daemons and clients set
   * SO_OOBINLINE, and its Synch is an urgent IAC DM): mask then takes the stream as it lies only. Default: no (a BSD
   * or Linux socket takes the urgent byte out of band, and mask masks as after a gap: mask.ts urgentCarry).
   */
  urgentInline?(): boolean;
  /** The stream ended: everything under way is decided (a pattern's $ matches here). */
  end(report: Report): void;
  /**
   * Decides now, as at an end of stream, and goes on from `offset` (equal to
   * the next offset, or beyond it after a gap: bytes lost to the capture).
   */
  decide(offset: number, report: Report): void;
  /**
   * Makes this scanner what its target's scanner(offset, atStart, dir,
   * shared) would make: mask hands an ended direction's scanners to the next
   * direction it starts (no scanner state left to the GC a direction).
   * Scanners without it are made anew.
   */
  restart?(offset: number, atStart: boolean, dir: 0 | 1, shared: unknown): void;
}

/** One target of a mask step, compiled once per thread. */
export interface MaskTarget {
  /** How the target is named in counters and docs: card-number, credentials, /source/flags. */
  readonly name: string;
  /** The fill byte. */
  readonly fill: number;
  /**
   * State both directions of a session share (credentials: what the other
   * side last asked), if any; `ports` are the session's (Telnet is known by
   * its port).
   */
  shared?(ports?: readonly number[]): unknown;
  /** Makes `old` (what shared() made for an ended session) what shared(ports) would make: mask reuses it. */
  restartShared?(old: unknown, ports?: readonly number[]): void;
  /**
   * A scanner for one direction, starting at `offset`; `atStart` when that
   * is the stream's first byte (after a SYN). `shared` is what shared()
   * made for the session.
   */
  scanner(offset: number, atStart: boolean, dir: 0 | 1, shared: unknown): MaskScanner;
  /**
   * Every span in one payload bytes[from, to), offsets into bytes (non-TCP payloads, retransmissions). `text`,
   * when given, holds those bytes (as write's): the targets searching one payload copy it to the finder once.
   */
  scanOnce(bytes: Uint8Array, from: number, to: number, report: Report, text?: SegmentText): void;
}

/** scanOnce through a fresh scanner: what targets without a faster one-shot search use. */
export function scanOnceWith(t: MaskTarget, bytes: Uint8Array, from: number, to: number, report: Report): void {
  const s = t.scanner(from, true, 0, t.shared?.());
  s.write(bytes, from, to, report);
  s.end(report);
}

/**
 * A target's scanOnce as scanOnceWith's, through one scanner (and one shared
 * state) kept for it and restarted for each payload: a UDP datagram, a
 * retransmission searched alone. Made new each time, they were most of what
 * a masked run allocated (a scanner, its session state and its pattern
 * stream a payload: ~340 bytes a DNS packet, session 12). A scanner without
 * restart(), or shared state without restartShared(), is made new as before.
 * Not reentrant: a report must not search another payload of the same target
 * (mask's reports only record spans).
 */
export function pooledScanOnce(t: MaskTarget): MaskTarget['scanOnce'] {
  let kept: MaskScanner | undefined;
  let shared: unknown;
  return (bytes, from, to, report, text) => {
    let s = kept;
    if (s === undefined || s.restart === undefined || (shared !== undefined && t.restartShared === undefined)) {
      shared = t.shared?.();
      s = kept = t.scanner(from, true, 0, shared);
    } else {
      if (shared !== undefined) t.restartShared!(shared);
      s.restart(from, true, 0, shared);
    }
    s.write(bytes, from, to, report, text);
    s.end(report);
  };
}
