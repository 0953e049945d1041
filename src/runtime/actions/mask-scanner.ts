/**
 * What mask asks of each of its targets (a built-in or a pattern): a search
 * over one byte stream (a TCP direction) fed in pieces, or over one payload.
 * Offsets are absolute stream offsets (a payload's start for one payload).
 */

/** A span to mask: bytes [start, end). */
export type Report = (start: number, end: number) => void;

/** Buffer's latin1Slice applied to any Uint8Array: one byte a character, no decoding. */
export const latin1Slice = (
  Buffer.prototype as unknown as { latin1Slice: (this: Uint8Array, a: number, b: number) => string }
).latin1Slice;

/**
 * One segment's bytes as a Latin-1 string (a character a byte), made when a
 * scanner first asks and then shared by the others the segment goes to (the
 * string costs about 1,900 instructions). mask sets it before each write.
 */
export class SegmentText {
  private bytes: Uint8Array = new Uint8Array(0);
  private from = 0;
  private to = 0;
  private text: string | undefined = undefined;

  /** Takes the next segment, bytes[from, to): its string is made again when asked. */
  set(bytes: Uint8Array, from: number, to: number): void {
    this.bytes = bytes;
    this.from = from;
    this.to = to;
    this.text = undefined;
  }

  /** The segment as a string, text.charCodeAt(i - from) === bytes[i]. */
  get(): string {
    if (this.text === undefined) this.text = latin1Slice.call(this.bytes, this.from, this.to);
    return this.text;
  }
}

export interface MaskScanner {
  /**
   * Feeds bytes[from, to), the stream's next bytes; reports spans as soon as
   * they are certain. `text`, when given, holds those same bytes (set to
   * bytes, from, to): scanners that search a string take it from there.
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
  /** The stream ended: everything under way is decided (a pattern's $ matches here). */
  end(report: Report): void;
  /**
   * Decides now, as at an end of stream, and goes on from `offset` (equal to
   * the next offset, or beyond it after a gap: bytes lost to the capture).
   */
  decide(offset: number, report: Report): void;
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
  /**
   * A scanner for one direction, starting at `offset`; `atStart` when that
   * is the stream's first byte (after a SYN). `shared` is what shared()
   * made for the session.
   */
  scanner(offset: number, atStart: boolean, dir: 0 | 1, shared: unknown): MaskScanner;
  /** Every span in one payload bytes[from, to), offsets into bytes (non-TCP payloads, retransmissions). */
  scanOnce(bytes: Uint8Array, from: number, to: number, report: Report): void;
}

/** scanOnce through a fresh scanner: what targets without a faster one-shot search use. */
export function scanOnceWith(t: MaskTarget, bytes: Uint8Array, from: number, to: number, report: Report): void {
  const s = t.scanner(from, true, 0, t.shared?.());
  s.write(bytes, from, to, report);
  s.end(report);
}
