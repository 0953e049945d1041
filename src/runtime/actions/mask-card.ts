import { type MaskScanner, type MaskTarget, type Report, type SegmentText, pooledScanOnce } from './mask-scanner.js';
import { CARD_MIN_DIGITS, C_DIGIT, C_SEP, findCard, load, markClass } from './mask-wasm.js';

/**
 * `mask card-number`: payment card numbers, found as a clerk would write
 * them, Luhn-checked so that other numbers survive.
 *
 * Digits form groups; groups joined by one space or one dash form a run. A
 * card number is
 * - a group of 13 to 19 digits, or
 * - 2 to 6 consecutive groups of a run joined by the same separator, the
 *   first of 4 to 6 digits, the others of at least 3, 13 to 19 digits in all
 *   (4-4-4-4, 4-6-5 as Amex prints it, 4-4-4-4-3, 6-13, ...),
 * whose digits pass the Luhn check. Every such window is masked, separators
 * inside it too. A group of more than 19 digits is no card number and no
 * part of one (a long order id survives even if some of its digits would
 * pass), and so are numbers with fewer than 13 digits (phone numbers). A
 * card number written next to other numbers ("12 4111 1111 1111 1111 12/25")
 * is found: every window of the run is tried.
 *
 * A window is certain once the byte after its last group is seen, so the
 * scanner holds back at most one card number's length (the groups that a
 * later group could still join).
 */

/** The finder's run test has this length built in (mask-wasm.ts). */
const MIN_DIGITS = CARD_MIN_DIGITS;
const MAX_DIGITS = 19;
const MAX_GROUPS = 6;
const MIN_FIRST = 4;
const MAX_FIRST = 6;
const MIN_OTHER = 3;
/** Digits of a card number that may be shown: the issuer identification number. */
const BIN_DIGITS = 6;

const SPACE = 0x20;
const DASH = 0x2d;
const ZERO = 0x30;
const NINE = 0x39;

const DIGIT = new Uint8Array(256);
DIGIT.fill(1, ZERO, NINE + 1);

/** A card number's digit, and the separators that may stand between its digits (one at a time): mask.ts's carry past a gap reads the same bytes. */
export const isCardDigit = (x: number): boolean => x >= ZERO && x <= NINE;
export const isCardSeparator = (x: number): boolean => x === SPACE || x === DASH;

/**
 * Outside a run, over a long stretch, the next digit worth stepping from is
 * found by the next-trigger finder (mask-wasm.ts: WebAssembly SIMD over the
 * segment copied into its memory, about two instructions a byte, where the
 * loop below costs 4-17): the first digit that MIN_DIGITS digits or
 * separators follow (itself among them), or that only such bytes follow to
 * the segment's end. Every window starts at a digit and spans at least that
 * many such bytes, so none starts before it; a run the loop would step
 * through before it ends with no report and leaves the state OUT (the byte
 * that ends it is neither, or a second separator), as jumping over it does.
 * Where it stops the loop steps from a run's first group (a byte before it
 * that is a digit would stop it first), so the windows and what is held back
 * are the loop's.
 */
markClass(C_DIGIT, [0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39]);
markClass(C_SEP, [SPACE, DASH]);
/** From how many bytes the finder is used (a call and the copy cost a few hundred instructions). */
const NATIVE_FROM = 64;
/** A write's delta before the segment is in the finder's memory. */
const NOT_LOADED = -(2 ** 30);

const OUT = 0;
const IN_DIGITS = 1;
const AFTER_SEP = 2;

/** Luhn: from the right, every second digit doubled (less 9 when above 9); valid when the sum ends in 0. */
export function luhnValid(digits: ArrayLike<number>, from: number, to: number): boolean {
  let sum = 0;
  let double = false;
  for (let i = to - 1; i >= from; i--) {
    let d = digits[i];
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** The groups of a run a window may still use: lent to a scanner while it is in a run (most streams are not). */
class Run {
  readonly gStart = new Float64Array(MAX_GROUPS + 1);
  readonly gEnd = new Float64Array(MAX_GROUPS + 1);
  readonly gSep = new Uint8Array(MAX_GROUPS + 1);
  readonly gFirst = new Uint8Array(MAX_GROUPS + 1);
  readonly gLen = new Uint8Array(MAX_GROUPS + 1);
  /** The digits of the kept groups, in order; group i's at gFirst[i]. */
  readonly digits = new Uint8Array((MAX_GROUPS + 1) * (MAX_DIGITS + 1));
}
const spareRuns: Run[] = [];

export class CardScanner implements MaskScanner {
  private pos: number;
  private state = OUT;
  /** Groups of the current run that a window may still use; the last one is the current group when IN_DIGITS. */
  private n = 0;
  private run: Run | undefined = undefined;
  /** The current group ran past MAX_DIGITS: no window can use it. */
  private overlong = false;
  /** The separator seen after the last group (AFTER_SEP). */
  private sep = 0;
  /** The last span reported in this run: bytes in it are decided. */
  private maskedTo = -1;
  private maskedFrom = -1;

  /** From how many bytes a stretch outside a run is searched natively (the test varies it). */
  protected readonly nativeFrom: number = NATIVE_FROM;

  constructor(offset: number) {
    this.pos = offset;
  }

  /** Makes this scanner what `new CardScanner(offset)` makes (mask reuses an ended direction's scanners). */
  restart(offset: number): void {
    this.pos = offset;
    this.state = OUT;
    this.n = 0;
    if (this.run !== undefined) spareRuns.push(this.run);
    this.run = undefined;
    this.overlong = false;
    this.sep = 0;
    this.maskedTo = -1;
    this.maskedFrom = -1;
  }

  write(bytes: Uint8Array, from: number, to: number, report: Report, shared?: SegmentText): void {
    let pos = this.pos - from;
    let delta = NOT_LOADED;
    for (let i = from; i < to; i++) {
      if (this.state === OUT) {
        // nothing starts but at a digit, and a group of fewer than MIN_DIGITS that no separator
        // follows is a run that can hold no card number: gone over as endRun() would decide it
        const digit = DIGIT;
        if (to - i >= this.nativeFrom) {
          // a long stretch: the next-trigger finder (WebAssembly, over the segment copied into its memory
          // once a write) finds the next digit a window may start at (see markClass above)
          if (delta === NOT_LOADED) delta = shared !== undefined ? shared.wasm() : load(bytes, from, to);
          i = findCard(i, to, delta);
        } else
          for (;;) {
            // four bytes a test where none is a digit (V8 runs a loop at ~20 instructions a turn)
            while (
              i + 3 < to &&
              (digit[bytes[i]] | digit[bytes[i + 1]] | digit[bytes[i + 2]] | digit[bytes[i + 3]]) === 0
            )
              i += 4;
            while (i < to && digit[bytes[i]] === 0) i++;
            let j = i;
            while (j < to && digit[bytes[j]] === 1) j++;
            if (j === to || j - i >= MIN_DIGITS || bytes[j] === SPACE || bytes[j] === DASH) break;
            i = j + 1;
          }
        if (i >= to) break;
      }
      const b = bytes[i];
      const at = pos + i;
      if (b >= ZERO && b <= NINE) this.digit(b - ZERO, at);
      else if (this.state === OUT) continue;
      else if ((b === SPACE || b === DASH) && this.state === IN_DIGITS) {
        this.endGroup(report);
        this.state = AFTER_SEP;
        this.sep = b;
      } else this.endRun(report);
    }
    pos += to;
    this.pos = pos;
  }

  private digit(d: number, at: number): void {
    if (this.state === IN_DIGITS) {
      if (this.overlong) return;
      const g = this.n - 1;
      if (this.run!.gLen[g] === MAX_DIGITS) {
        // no card number: this group, and the groups before it, are out of every window
        this.overlong = true;
        this.n = 0;
        return;
      }
      this.run!.digits[this.run!.gFirst[g] + this.run!.gLen[g]] = d;
      this.run!.gLen[g]++;
      this.run!.gEnd[g] = at + 1;
      return;
    }
    if (this.state === OUT) {
      this.n = 0;
      this.maskedFrom = this.maskedTo = -1;
      this.run ??= spareRuns.pop() ?? new Run();
    }
    if (this.n === MAX_GROUPS + 1) this.dropFirst();
    const g = this.n++;
    this.run!.gStart[g] = at;
    this.run!.gEnd[g] = at + 1;
    this.run!.gSep[g] = this.state === AFTER_SEP ? this.sep : 0;
    this.run!.gFirst[g] = g === 0 ? 0 : this.run!.gFirst[g - 1] + this.run!.gLen[g - 1];
    if (this.run!.gFirst[g] + MAX_DIGITS > this.run!.digits.length) this.compact();
    this.run!.digits[this.run!.gFirst[this.n - 1]] = d;
    this.run!.gLen[this.n - 1] = 1;
    this.overlong = false;
    this.state = IN_DIGITS;
  }

  /** The current group ended: report every card number ending with it, keep the groups a later one may join. */
  private endGroup(report: Report): void {
    if (this.overlong) {
      this.n = 0;
      this.overlong = false;
      return;
    }
    const last = this.n - 1;
    let total = 0;
    for (let i = last; i >= 0; i--) {
      total += this.run!.gLen[i];
      if (total > MAX_DIGITS || last - i + 1 > MAX_GROUPS) break;
      if (total < MIN_DIGITS) continue;
      if (!this.window(i, last)) continue;
      if (!luhnValid(this.run!.digits, this.run!.gFirst[i], this.run!.gFirst[last] + this.run!.gLen[last])) continue;
      const s = this.run!.gStart[i];
      const e = this.run!.gEnd[last];
      report(s, e);
      if (this.maskedTo < 0 || s > this.maskedTo) this.maskedFrom = s;
      else if (s < this.maskedFrom) this.maskedFrom = s;
      this.maskedTo = e;
    }
    // groups a later group (of at least MIN_OTHER digits) could still join
    let keepFrom = last + 1;
    total = 0;
    for (let i = last; i >= 0; i--) {
      total += this.run!.gLen[i];
      if (total + MIN_OTHER > MAX_DIGITS || last - i + 2 > MAX_GROUPS) break;
      keepFrom = i;
    }
    while (keepFrom-- > 0) this.dropFirst();
  }

  /** Whether groups first..last (more than one, or one unbroken) are written as a card number is. */
  private window(first: number, last: number): boolean {
    if (first === last) return true;
    const len = this.run!.gLen[first];
    if (len < MIN_FIRST || len > MAX_FIRST) return false;
    const sep = this.run!.gSep[first + 1];
    for (let i = first + 1; i <= last; i++)
      if (this.run!.gLen[i] < MIN_OTHER || this.run!.gSep[i] !== sep) return false;
    return true;
  }

  private endRun(report: Report): void {
    if (this.state === IN_DIGITS) this.endGroup(report);
    this.state = OUT;
    this.n = 0;
    if (this.run !== undefined) {
      spareRuns.push(this.run);
      this.run = undefined;
    }
  }

  private dropFirst(): void {
    const n = this.n;
    for (let i = 1; i < n; i++) {
      this.run!.gStart[i - 1] = this.run!.gStart[i];
      this.run!.gEnd[i - 1] = this.run!.gEnd[i];
      this.run!.gSep[i - 1] = this.run!.gSep[i];
      this.run!.gFirst[i - 1] = this.run!.gFirst[i];
      this.run!.gLen[i - 1] = this.run!.gLen[i];
    }
    this.n = n - 1;
    if (this.n === 0) return;
    this.compact();
  }

  /** Moves the kept groups' digits to the front. */
  private compact(): void {
    const shift = this.run!.gFirst[0];
    if (shift === 0) return;
    const n = this.n;
    const used = this.run!.gFirst[n - 1] + this.run!.gLen[n - 1] - shift;
    this.run!.digits.copyWithin(0, shift, shift + used);
    for (let i = 0; i < n; i++) this.run!.gFirst[i] -= shift;
  }

  undecidedFrom(): number {
    if (this.state === OUT || this.n === 0) return this.pos;
    // a later window starts at a kept group and reaches the current position
    let from = this.run!.gStart[0];
    if (this.maskedFrom >= 0 && from >= this.maskedFrom && from < this.maskedTo) from = this.maskedTo;
    return from < this.pos ? from : this.pos;
  }

  /**
   * The undecided digits, if there are more than BIN_DIGITS of them: a card
   * number's first six digits (its issuer) may be shown (PCI DSS 3.4), so
   * fewer need not be masked when a bound releases them, and a digit at the
   * end of a binary segment is left alone.
   */
  suspiciousFrom(): number {
    const from = this.undecidedFrom();
    if (from === this.pos) return from;
    let digits = 0;
    for (let i = 0; i < this.n; i++) if (this.run!.gStart[i] >= from) digits += this.run!.gLen[i];
    return digits > BIN_DIGITS ? from : this.pos;
  }

  end(report: Report): void {
    this.endRun(report);
  }

  decide(offset: number, report: Report): void {
    this.endRun(report);
    this.pos = offset;
  }
}

export function cardNumberTarget(fill: number): MaskTarget {
  const t: MaskTarget = {
    name: 'card-number',
    fill,
    scanner: (offset) => new CardScanner(offset),
    scanOnce: (bytes, from, to, report, text) => once(bytes, from, to, report, text),
  };
  const once = pooledScanOnce(t);
  return t;
}
