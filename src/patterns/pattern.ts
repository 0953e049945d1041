import { AT_START, matchesEmpty } from './closure.js';
import { compileNode } from './compile.js';
import { Matcher, type OnMatch } from './matcher.js';
import { parsePattern } from './parse.js';
import { PatternError, type PatternProblem } from './problem.js';
import type { Program } from './program.js';
import { NO_NUMBERS, newMatchState, stateNumbers, type MatchState } from './stream.js';

export type { OnMatch } from './matcher.js';
export type { PatternProblem } from './problem.js';

/**
 * A user pattern compiled to an automaton (docs/design/patterns.md): every
 * operation runs in time linear in the bytes it is given, whatever the
 * pattern and the bytes. Matches are leftmost-first and non-overlapping, the
 * matches JavaScript's replace(/re/g) finds; offsets are byte offsets.
 *
 * One Pattern may serve any number of streams, one call at a time (the
 * scratch space is shared): keep one per thread.
 */
export class Pattern {
  private readonly m: Matcher;
  private readonly scratch: MatchState = newMatchState(0, true);

  constructor(
    readonly source: string,
    readonly flags: string,
    readonly program: Program,
  ) {
    this.m = new Matcher(program);
  }

  /** Whether bytes[start, end) holds a match; ^ and $ are start and end. */
  test(bytes: Uint8Array, start = 0, end = bytes.length): boolean {
    const dfa = this.m.dfa;
    const r = dfa.test(bytes, start, end);
    if (r >= 0) return r === 1;
    // the DFA thrashed (its states would not fit its cache): the Pike VM goes on from where it stopped
    return this.m.testFrom(dfa.coreOf(dfa.stoppedIn), dfa.flagsOf(dfa.stoppedIn), bytes, dfa.stoppedAt, end);
  }

  /** Reports every match in bytes[start, end), in order, as offsets into `bytes`; returns how many. */
  findAll(bytes: Uint8Array, start: number, end: number, onMatch: OnMatch): number {
    const st = this.reset(start);
    let n = 0;
    const count: OnMatch = (s, e) => {
      n++;
      onMatch(s, e);
    };
    this.m.write(st, bytes, start, end, count, true);
    this.m.end(st, count);
    return n;
  }

  /** The first match in bytes[start, end) as [start, end) offsets into `bytes`, or undefined. */
  find(bytes: Uint8Array, start = 0, end = bytes.length): [number, number] | undefined {
    if (!this.test(bytes, start, end)) return undefined;
    let first: [number, number] | undefined;
    this.findAll(bytes, start, end, (s, e) => (first ??= [s, e]));
    return first;
  }

  /**
   * A search over a stream fed in segments (one TCP direction): matches are
   * reported with absolute stream offsets, counted from `offset`, including
   * those that span segments. ^ is the stream's start (when `atStart`) and
   * $ its end.
   */
  stream(offset = 0, atStart = true): PatternStream {
    return new PatternStream(this.m, newMatchState(offset, atStart));
  }

  /** Work done so far (instructions visited and bytes scanned): what the linear-time tests count. */
  get work(): number {
    return this.m.dfa.work;
  }

  /** Times the lazy DFA emptied its cache. */
  get dfaResets(): number {
    return this.m.dfa.resets;
  }

  private reset(start: number): MatchState {
    const st = this.scratch;
    st.pos = start;
    st.flags = AT_START;
    st.nThreads = 0;
    st.nLevels = 0;
    st.levelOff = 0;
    st.levelBase = 0;
    return st;
  }
}

/**
 * One stream's search. Its state (`state`) is a handful of numbers and two
 * typed arrays that stay empty while no match is under way.
 */
export class PatternStream {
  constructor(
    private readonly m: Matcher,
    readonly state: MatchState,
  ) {}

  /** Absolute offset of the next byte. */
  get offset(): number {
    return this.state.pos;
  }

  /**
   * Makes this stream what `Pattern.stream(offset, atStart)` makes, in place
   * (its state object kept): mask restarts a direction's or a one-shot
   * search with no new state a session or a payload.
   */
  restart(offset: number, atStart: boolean): void {
    const st = this.state;
    st.pos = offset;
    st.flags = atStart ? AT_START : 0;
    st.threads = NO_NUMBERS;
    st.nThreads = 0;
    st.levels = NO_NUMBERS;
    st.levelOff = 0;
    st.levelBase = 0;
    st.nLevels = 0;
  }

  /** Feeds the next segment; reports each match once it is final (it may end in an earlier segment). */
  write(bytes: Uint8Array, onMatch: OnMatch, start = 0, end = bytes.length): void {
    const st = this.state;
    this.m.write(st, bytes, start, end, onMatch);
    // between segments an idle stream holds no arrays: what is kept per session stays a handful of numbers
    if (st.nThreads === 0 && st.nLevels === 0) st.threads = st.levels = NO_NUMBERS;
  }

  /** The stream has ended: $ matches here; every match still undecided is decided and reported. */
  end(onMatch: OnMatch): void {
    this.m.end(this.state, onMatch);
  }

  /**
   * Decides now without ending the stream (for a caller that cannot hold
   * bytes any longer): the matches under way end as they would if the
   * stream ended here ($ and \b see an end), are final and reported;
   * searches that began after the last of them go on.
   */
  decide(onMatch: OnMatch): void {
    this.m.decide(this.state, onMatch);
  }

  /**
   * The earliest absolute offset that a match not yet reported may still
   * cover: bytes before it are settled, and no later report touches them.
   * Equal to `offset` when nothing is under way.
   */
  holdFrom(): number {
    const st = this.state;
    let min = st.pos;
    for (let k = 0; k < st.nLevels; k++) {
      const s = st.levels[2 * (st.levelOff + k)];
      if (s >= 0 && s < min) min = s;
    }
    for (let k = 0; k < st.nThreads; k++) if (st.threads[3 * k + 1] < min) min = st.threads[3 * k + 1];
    return min;
  }

  /** Numbers this stream's state holds now. */
  get size(): number {
    return stateNumbers(this.state);
  }
}

/** Compiles a pattern as the checker and the runtime both do; throws PatternError with the reason it is refused. */
export function compilePattern(source: string, flags: string): Pattern {
  const program = compileNode(parsePattern(source, flags));
  if (matchesEmpty(program))
    throw new PatternError({
      code: 'TMES0602',
      message: 'pattern can match the empty string (it would match at every position); make it match at least one byte',
      offset: 0,
      length: source.length,
    });
  return new Pattern(source, flags, program);
}

/** Why the pattern is refused, or undefined when it compiles. */
export function checkPattern(source: string, flags: string): PatternProblem | undefined {
  try {
    compilePattern(source, flags);
    return undefined;
  } catch (e) {
    if (e instanceof PatternError) return e.problem;
    throw e;
  }
}
