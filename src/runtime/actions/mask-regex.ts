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
 * report wrapped with it: one wrapper a target, shared by its scanners. mask
 * passes the same report to every write, so the wrapper is made once, not a
 * closure (and its context) a direction kept with each session.
 */
class Trim {
  private wrappedFor: Report | undefined = undefined;
  private wrapped: Report | undefined = undefined;

  constructor(
    readonly start: number,
    readonly end: number,
  ) {}

  wrap(report: Report): Report {
    if (this.start === 0 && this.end === 0) return report;
    if (this.wrappedFor !== report) {
      const ts = this.start;
      const te = this.end;
      this.wrappedFor = report;
      this.wrapped = (s, e) => {
        if (e - te > s + ts) report(s + ts, e - te);
      };
    }
    return this.wrapped!;
  }
}

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
    scanOnce(bytes, from, to, report) {
      pattern.findAll(bytes, from, to, (s, e) => {
        if (e - trimEnd > s + trimStart) report(s + trimStart, e - trimEnd);
      });
    },
  };
}
