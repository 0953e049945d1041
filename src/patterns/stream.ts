/**
 * Where one search stands in one byte stream (one TCP direction, or one
 * payload), between two calls: a few numbers and two typed arrays, empty
 * while no match is under way. The Pattern that made it does the work
 * (matcher.ts); this only holds the state, so one can be kept per session
 * and direction at little cost.
 *
 * - `threads`: the searches under way, in priority order, as triples
 *   (instruction, absolute start offset, level), `nThreads` of them.
 * - `levels`: one (start, end) pair per level, the match found so far at that
 *   level (start -1 when none yet), from index `levelOff`; level ids are
 *   absolute, `levelBase` being the id of the first. Level k+1 holds the
 *   searches that begin after level k's match: the match that follows it if
 *   it stays as it is (matcher.ts explains).
 */
export interface MatchState {
  /** Absolute offset of the next byte. */
  pos: number;
  /** AT_START and PREV_WORD (closure.ts) for the next byte. */
  flags: number;
  threads: Float64Array;
  nThreads: number;
  levels: Float64Array;
  levelOff: number;
  levelBase: number;
  nLevels: number;
}

export const NO_NUMBERS = new Float64Array(0);

export function newMatchState(offset: number, atStart: boolean): MatchState {
  return {
    pos: offset,
    flags: atStart ? 1 : 0,
    threads: NO_NUMBERS,
    nThreads: 0,
    levels: NO_NUMBERS,
    levelOff: 0,
    levelBase: 0,
    nLevels: 0,
  };
}

/** Numbers held: what keeping this state costs (8 bytes each, plus the object). */
export function stateNumbers(s: MatchState): number {
  return 8 + s.threads.length + s.levels.length;
}
