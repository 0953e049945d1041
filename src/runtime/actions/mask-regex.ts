import { compilePattern, type Pattern, type PatternStream } from '../../patterns/pattern.js';
import type { MaskScanner, MaskTarget, Report } from './mask-scanner.js';

/**
 * A pattern's matches (`mask /re/`, `mask NAME`): the automaton of
 * src/patterns/, whose streams find matches across segments and say from
 * where bytes may still be matched (holdFrom). `trimStart`/`trimEnd` bytes
 * of each match are left as they are (the built-ins use patterns whose
 * first and last bytes are context, not secret).
 */
/**
 * A target's trim of its matches (bytes left unmasked at each end) and the
 * reports wrapped with it: one wrapper a report a target, shared by its
 * scanners. mask passes a few reports, each the same every time (a
 * direction's spans, a one-shot payload's, a segment searched alone), so
 * each wrapper is made once, not a closure (and its context) a write: with
 * one kept, a UDP payload between two TCP segments made two a packet
 * (session 13: a third of what the mask row allocated).
 */
class Trim {
  /** The reports wrapped so far, with their wrappers at the same index: at most TRIM_WRAPPERS, the oldest replaced. */
  private readonly wrappedFor: Report[] = [];
  private readonly wrapped: Report[] = [];
  private next = 0;

  constructor(
    readonly start: number,
    readonly end: number,
  ) {}

  wrap(report: Report): Report {
    if (this.start === 0 && this.end === 0) return report;
    const w = this.wrappedFor;
    for (let i = 0; i < w.length; i++) if (w[i] === report) return this.wrapped[i];
    const ts = this.start;
    const te = this.end;
    const wrapped: Report = (s, e) => {
      if (e - te > s + ts) report(s + ts, e - te);
    };
    const i = w.length < TRIM_WRAPPERS ? w.length : this.next;
    this.next = (i + 1) % TRIM_WRAPPERS;
    w[i] = report;
    this.wrapped[i] = wrapped;
    return wrapped;
  }
}

/** How many reports a Trim keeps wrappers for (mask passes three that stay the same: MaskStep's report, onceSpan, ownSpan). */
const TRIM_WRAPPERS = 4;

class RegexScanner implements MaskScanner {
  private stream: PatternStream;

  constructor(
    private readonly pattern: Pattern,
    offset: number,
    atStart: boolean,
    private readonly trim: Trim,
  ) {
    this.stream = pattern.stream(offset, atStart);
  }

  private wrap(report: Report): Report {
    return this.trim.wrap(report);
  }

  write(bytes: Uint8Array, from: number, to: number, report: Report): void {
    this.stream.write(bytes, this.wrap(report), from, to);
  }

  undecidedFrom(): number {
    // a match starting at holdFrom masks nothing of its first trimStart bytes
    const u = this.stream.holdFrom() + this.trim.start;
    const pos = this.stream.offset;
    return u < pos ? u : pos;
  }

  end(report: Report): void {
    this.stream.end(this.wrap(report));
  }

  restart(offset: number, atStart: boolean): void {
    this.stream.restart(offset, atStart);
  }

  decide(offset: number, report: Report): void {
    if (offset === this.stream.offset) this.stream.decide(this.wrap(report));
    else {
      // bytes were lost: what was under way ends here, and the search starts over after the gap
      this.stream.end(this.wrap(report));
      this.stream.restart(offset, false);
    }
  }
}

export function regexTarget(
  name: string,
  source: string,
  flags: string,
  fill: number,
  trimStart = 0,
  trimEnd = 0,
): MaskTarget {
  const pattern = compilePattern(source, flags);
  const trim = new Trim(trimStart, trimEnd);
  return {
    name,
    fill,
    scanner: (offset, atStart) => new RegexScanner(pattern, offset, atStart, trim),
    // the trim's wrapper of the report (made once a report), not a closure a payload
    scanOnce: (bytes, from, to, report) => pattern.findAll(bytes, from, to, trim.wrap(report)),
  };
}
