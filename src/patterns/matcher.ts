import { AT_START, EOF, assertHolds } from './closure.js';
import { DEAD, LazyDfa, MATCHED, UNKNOWN } from './dfa.js';
import { ASSERT, BYTE, JUMP, MATCH, SPLIT, type Program } from './program.js';
import { nextCandidate } from './skip.js';
import { NO_NUMBERS, newMatchState, type MatchState } from './stream.js';

export type OnMatch = (start: number, end: number) => void;

/**
 * Finds every match, leftmost-first and non-overlapping (the matches
 * JavaScript's String.prototype.replace with /g, RE2 and Perl find), in one
 * forward pass that never reads a byte twice, so it can be fed a stream
 * segment by segment.
 *
 * Two engines share the work. While no match is under way, the lazy DFA
 * scans (one table load per byte). When it sees that a match ends ahead, or
 * the input ends with a search under way, the Pike VM takes over from the
 * last position where the DFA had nothing under way: it tracks each
 * search's start and priority, which the DFA cannot. Once the Pike VM has
 * nothing under way again, the DFA goes on.
 *
 * The Pike VM: threads run in priority order (earlier start first, then the
 * preferred branch), at most one per instruction (the first to reach it: a
 * later one could only find what the first finds, or less). A thread that
 * reaches MATCH records a match for its level and cuts every thread after
 * it. To find the next match in the same pass, searches keep starting after
 * a recorded match, in the next level; if a thread of an earlier level
 * matches later, its match grows and every later level is dropped (they
 * overlapped it). A level's match is final when the level has no thread
 * left; matches are reported level by level, in order. The cost per byte is
 * O(program size); what waits (levels whose match is final but behind an
 * undecided one) is bounded by the bytes since the first undecided start.
 */
export class Matcher {
  readonly dfa: LazyDfa;
  private readonly mark: Uint32Array;
  private gen = 0;
  private readonly stack: Int32Array;
  /** Threads after the closure: (instruction, start, level) triples at BYTE instructions. */
  private readonly clist: Float64Array;
  private nc = 0;
  private matchedCut = false;
  /** Set whenever a match is recorded (for testFrom). */
  private recorded = false;

  constructor(readonly p: Program) {
    this.dfa = new LazyDfa(p);
    this.mark = new Uint32Array(p.size);
    this.stack = new Int32Array(2 * p.size + 2);
    this.clist = new Float64Array(3 * p.size);
  }

  /** Feeds bytes[from, to) at the state's position; reports the matches that become final. */
  write(st: MatchState, bytes: Uint8Array, from: number, to: number, onMatch: OnMatch, last = false): void {
    const dfa = this.dfa;
    const cls = this.p.classOf;
    const nc = dfa.classes;
    let i = from;
    while (i < to) {
      if (st.nThreads === 0 && st.nLevels === 0) {
        // nothing under way: the DFA scans (jumping where it can, skip.ts) until a match ends ahead,
        // then the Pike VM takes over from the last quiet position `q`; or the bytes run out
        const sk = dfa.skip;
        let s = dfa.start(st.flags);
        let trans = dfa.trans;
        let quiet = dfa.quiet;
        let q = i;
        let j = i;
        let handover = false;
        while (j < to) {
          if (sk !== undefined && quiet[s]) {
            let k = nextCandidate(sk, bytes, j, to);
            if (k !== j) {
              // at the end of the input, no match can start where it would not fit
              if (last && k + sk.k > to) k = to;
              q = j = k;
              s = dfa.start(this.p.flagAfter[cls[bytes[j - 1]]]);
              trans = dfa.trans;
              quiet = dfa.quiet;
              if (j === to) break;
            }
          }
          const c = cls[bytes[j]];
          let t = trans[s * nc + c];
          if (t <= 0) {
            if (t === UNKNOWN) {
              dfa.thrashing = false;
              t = dfa.step(s, c, dfa.scanned + j + 1 - i);
              // a DFA that keeps emptying its cache costs more than the Pike VM: hand over to it
              if (dfa.thrashing) {
                handover = true;
                break;
              }
            }
            trans = dfa.trans;
            quiet = dfa.quiet;
            if (t === MATCHED) {
              handover = true;
              break;
            }
            if (t === DEAD) {
              // anchored at the start and past it: nothing can match any more
              st.pos += to - i;
              st.flags = dfa.flagsOf(s) & ~AT_START;
              dfa.work += to - i;
              dfa.scanned += to - i;
              return;
            }
          }
          s = t;
          j++;
          if (quiet[s]) q = j;
        }
        dfa.work += j - i;
        dfa.scanned += j - i;
        if (!handover && (quiet[s] || (last && !dfa.matchesAtEnd(s)))) {
          // quiet at the end, or at the end of the input with no match possible there
          st.pos += to - i;
          st.flags = dfa.flagsOf(s);
          return;
        }
        if (q > i) {
          st.pos += q - i;
          st.flags = this.p.flagAfter[cls[bytes[q - 1]]];
          i = q;
        }
      }
      while (i < to) {
        this.pikeByte(st, cls[bytes[i]], onMatch);
        i++;
        if (st.nThreads === 0 && st.nLevels === 0) break;
      }
    }
  }

  /**
   * Whether a match ends in bytes[from, to) or at `to`, for a search whose
   * threads are at the instructions `core` (one level, starts unknown) with
   * position flags `flags`: the rest of a test the DFA gave up on.
   */
  testFrom(core: Int32Array, flags: number, bytes: Uint8Array, from: number, to: number): boolean {
    const st = newMatchState(from, false);
    st.flags = flags;
    st.threads = new Float64Array(3 * core.length);
    core.forEach((pc, k) => {
      st.threads[3 * k] = pc;
      st.threads[3 * k + 1] = from - 1;
    });
    st.nThreads = core.length;
    this.pushLevel(st);
    this.recorded = false;
    const cls = this.p.classOf;
    const none: OnMatch = () => {};
    for (let i = from; i < to && !this.recorded; i++) this.pikeByte(st, cls[bytes[i]], none);
    if (!this.recorded) this.end(st, none);
    return this.recorded;
  }

  /** The end of the input: $ holds here; every match still open is decided and reported. */
  end(st: MatchState, onMatch: OnMatch): void {
    // nothing under way: a match ending here would be empty, and patterns that match empty are refused
    if (st.nThreads === 0 && st.nLevels === 0) return;
    this.closurePass(st, EOF);
    st.nThreads = 0;
    this.reportAll(st, onMatch);
  }

  /**
   * Decides now: the matches under way end as they would if the stream
   * ended here ($ and \b see an end), are final and reported; searches that
   * began after the last of them go on.
   */
  decide(st: MatchState, onMatch: OnMatch): void {
    if (st.nThreads === 0 && st.nLevels === 0) return;
    const saved = st.threads.slice(0, 3 * st.nThreads);
    this.closurePass(st, EOF);
    let lastFound = -1;
    let lastEnd = -1;
    for (let k = 0; k < st.nLevels; k++) {
      if (st.levels[2 * (st.levelOff + k)] < 0) continue;
      lastFound = st.levelBase + k;
      lastEnd = st.levels[2 * (st.levelOff + k) + 1];
    }
    this.reportAll(st, onMatch);
    // the searches that began after the last match (in the level after it, the only one without a match) go on
    let w = 0;
    for (let k = 0; k < saved.length; k += 3) {
      if (saved[k + 2] <= lastFound || saved[k + 1] < lastEnd) continue;
      st.threads[3 * w] = saved[k];
      st.threads[3 * w + 1] = saved[k + 1];
      st.threads[3 * w + 2] = st.levelBase;
      w++;
    }
    st.nThreads = w;
    if (w > 0) this.pushLevel(st);
  }

  private reportAll(st: MatchState, onMatch: OnMatch): void {
    const lv = st.levels;
    for (let k = 0; k < st.nLevels; k++) {
      const s = lv[2 * (st.levelOff + k)];
      if (s >= 0) onMatch(s, lv[2 * (st.levelOff + k) + 1]);
    }
    st.levelBase += st.nLevels;
    st.nLevels = 0;
    st.levelOff = 0;
  }

  /** One byte of class `c` through the Pike VM. */
  private pikeByte(st: MatchState, c: number, onMatch: OnMatch): void {
    this.closurePass(st, c);
    // step: the threads whose byte set holds c move on, at most one per instruction
    const p = this.p;
    const setHas = p.setHas;
    const arg = p.arg;
    const next = p.next;
    const classes = p.classes;
    const g = ++this.gen;
    const mark = this.mark;
    const cl = this.clist;
    const nc = this.nc;
    let out = st.threads;
    let n = 0;
    for (let k = 0; k < nc; k++) {
      const pc = cl[3 * k];
      if (!setHas[arg[pc] * classes + c]) continue;
      const t = next[pc];
      if (mark[t] === g) continue;
      mark[t] = g;
      if (3 * n + 3 > out.length) {
        const grown = new Float64Array(Math.max(12, 2 * out.length, 3 * n + 3));
        grown.set(out.subarray(0, 3 * n));
        out = grown;
      }
      out[3 * n] = t;
      out[3 * n + 1] = cl[3 * k + 1];
      out[3 * n + 2] = cl[3 * k + 2];
      n++;
    }
    st.threads = n === 0 && out.length > 48 ? NO_NUMBERS : out;
    st.nThreads = n;
    st.pos++;
    st.flags = p.flagAfter[c];
    this.settle(st, onMatch);
  }

  /** Reports the levels at the front that have no thread left; drops an empty last level. */
  private settle(st: MatchState, onMatch: OnMatch): void {
    const th = st.threads;
    while (st.nLevels > 0 && (st.nThreads === 0 || th[2] !== st.levelBase)) {
      const s = st.levels[2 * st.levelOff];
      if (s >= 0) onMatch(s, st.levels[2 * st.levelOff + 1]);
      st.levelOff++;
      st.levelBase++;
      st.nLevels--;
    }
    while (st.nLevels > 0) {
      const lastId = st.levelBase + st.nLevels - 1;
      const open = st.levels[2 * (st.levelOff + st.nLevels - 1)] < 0;
      if (!open || (st.nThreads > 0 && th[3 * st.nThreads - 1] === lastId)) break;
      st.nLevels--;
    }
    if (st.nLevels === 0) {
      st.levelOff = 0;
      if (st.levels.length > 64) st.levels = NO_NUMBERS;
    }
  }

  /** Follows every thread's empty moves with `ahead` as the next class, into `clist`; records matches. */
  private closurePass(st: MatchState, ahead: number): void {
    this.nc = 0;
    this.matchedCut = false;
    const g = ++this.gen;
    const th = st.threads;
    for (let k = 0; k < st.nThreads && !this.matchedCut; k++)
      this.follow(st, th[3 * k], th[3 * k + 1], th[3 * k + 2], ahead, g);
    // a search may begin here: in the last level if it has no match yet, else in a new one
    if (st.nLevels === 0 || st.levels[2 * (st.levelOff + st.nLevels - 1)] >= 0) this.pushLevel(st);
    this.matchedCut = false;
    this.follow(st, 0, st.pos, st.levelBase + st.nLevels - 1, ahead, g);
  }

  private follow(st: MatchState, pc0: number, start: number, level: number, ahead: number, g: number): void {
    const p = this.p;
    const op = p.op;
    const next = p.next;
    const mark = this.mark;
    const stack = this.stack;
    // at most one entry per BYTE instruction (each is marked once a pass): clist never outgrows 3 x size
    const cl = this.clist;
    let n = this.nc;
    let visited = 0;
    let sp = 0;
    stack[sp++] = pc0;
    while (sp > 0) {
      const pc = stack[--sp];
      if (mark[pc] === g) continue;
      mark[pc] = g;
      visited++;
      switch (op[pc]) {
        case BYTE: {
          const k = 3 * n++;
          cl[k] = pc;
          cl[k + 1] = start;
          cl[k + 2] = level;
          break;
        }
        case MATCH:
          // the checker refuses patterns that match empty; an empty match here would be one of those
          if (start < st.pos) this.record(st, level, start);
          this.matchedCut = true;
          sp = 0;
          break;
        case JUMP:
          stack[sp++] = next[pc];
          break;
        case SPLIT:
          stack[sp++] = p.alt[pc];
          stack[sp++] = next[pc];
          break;
        case ASSERT:
          if (assertHolds(p, p.arg[pc], st.flags, ahead)) stack[sp++] = next[pc];
          break;
      }
    }
    this.nc = n;
    this.dfa.work += visited;
  }

  /** A thread of `level` matched [start, pos): the level's match (better than any it had), later levels dropped. */
  private record(st: MatchState, level: number, start: number): void {
    this.recorded = true;
    st.nLevels = level - st.levelBase + 1;
    const k = 2 * (st.levelOff + st.nLevels - 1);
    st.levels[k] = start;
    st.levels[k + 1] = st.pos;
  }

  private pushLevel(st: MatchState): void {
    let need = 2 * (st.levelOff + st.nLevels + 1);
    if (need > st.levels.length) {
      if (st.levelOff > 0) {
        st.levels.copyWithin(0, 2 * st.levelOff, 2 * (st.levelOff + st.nLevels));
        st.levelOff = 0;
        need = 2 * (st.nLevels + 1);
      }
      if (need > st.levels.length) {
        const grown = new Float64Array(Math.max(8, 2 * st.levels.length));
        grown.set(st.levels.subarray(0, 2 * st.nLevels));
        st.levels = grown;
      }
    }
    const k = 2 * (st.levelOff + st.nLevels);
    st.levels[k] = -1;
    st.levels[k + 1] = -1;
    st.nLevels++;
  }
}
