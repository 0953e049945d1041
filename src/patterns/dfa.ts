import { AT_START, EOF, assertHolds, deadAwayFromStart } from './closure.js';
import { DFA_MAX_SETS, DFA_MAX_STATES, DFA_MAX_TABLE } from './limits.js';
import { ASSERT, BYTE, JUMP, MATCH, SPLIT, type Program } from './program.js';
import { buildSkip, nextCandidate, type Skip } from './skip.js';

/** Transition table values below 1: not built yet, a match ends before this byte, nothing can match any more. */
export const UNKNOWN = 0;
export const MATCHED = -1;
export const DEAD = -2;

/**
 * A DFA built lazily from the program, one transition at a time, as input
 * asks for it (RE2's approach). A state is the set of instructions reached by
 * consuming at least one byte (its "core"), sorted, plus the position flags
 * (at start, previous byte a word character); the start instruction is added
 * at every position, so the DFA searches (unanchored). Zero-width tests are
 * decided when the byte ahead is known, that is when a transition is built.
 *
 * A transition costs O(program size) to build and one table load to take.
 * The cache is bounded: when it is full it is emptied and building starts
 * again from the current state, so a pattern whose DFA would be exponential
 * costs O(program size) per byte at worst, never more memory.
 */
export class LazyDfa {
  readonly classes: number;
  /** trans[state * classes + class]: next state (1-based), or UNKNOWN, MATCHED, DEAD. */
  trans: Int32Array;
  /** 1 when the state's core is empty: no search is under way, only the start can begin one. */
  quiet: Uint8Array;
  private cores: Int32Array[] = [];
  private flags: number[] = [];
  /** Per state: 0 not known, 1 no match at the end of input, 2 a match ends there. */
  private eof: Uint8Array;
  /** Hash of (core as a set, flags) -> states with that hash. */
  private ids = new Map<number, number | number[]>();
  /** Instructions held in all states' cores. */
  private setsHeld = 0;
  private readonly initial = new Int32Array(4);
  private readonly dead: boolean;
  /** Where the DFA, with nothing under way, may jump ahead (skip.ts); undefined when it cannot. */
  readonly skip: Skip | undefined;
  // scratch for closures
  private readonly mark: Uint32Array;
  private gen = 0;
  private readonly stack: Int32Array;
  private readonly found: Int32Array;
  /** Instructions visited and bytes scanned: the work the linear-time tests count. */
  work = 0;
  /** Bytes scanned by DFA loops, over all calls. */
  scanned = 0;
  /** Where test() stopped when the DFA thrashed: the next byte, and the state there. */
  stoppedAt = 0;
  stoppedIn = 0;
  /** How often the cache was emptied. */
  resets = 0;
  /** Bytes the DFA had scanned when the cache was last emptied (RE2's test for a DFA that thrashes). */
  private scannedAtReset = 0;
  /** Set when the cache was emptied too soon after the last time: the caller goes on with the Pike VM. */
  thrashing = false;

  constructor(private readonly p: Program) {
    this.classes = p.classes;
    this.dead = deadAwayFromStart(p);
    this.skip = buildSkip(p);
    this.mark = new Uint32Array(p.size);
    this.stack = new Int32Array(2 * p.size + 2);
    this.found = new Int32Array(p.size);
    this.trans = new Int32Array(0);
    this.quiet = new Uint8Array(0);
    this.eof = new Uint8Array(0);
    this.clear();
  }

  private clear(): void {
    const cap = Math.max(2, Math.min(16, Math.floor(DFA_MAX_TABLE / this.classes)));
    this.trans = new Int32Array(cap * this.classes);
    this.quiet = new Uint8Array(cap);
    this.eof = new Uint8Array(cap);
    this.cores = [new Int32Array(0)]; // state 0 is never used: 0 in the table means "not built"
    this.setsHeld = 0;
    this.flags = [0];
    this.ids.clear();
    this.initial.fill(0);
  }

  /** The state of a search with nothing under way, at a position with these flags. */
  start(flags: number): number {
    return this.initial[flags] || (this.initial[flags] = this.intern(new Int32Array(0), flags, 0, 0));
  }

  /**
   * The state for `core` (in any order; its members marked with generation
   * `g` in `mark`) and `flags`. Sets are hashed without sorting them: the
   * hash is a sum over members, and equality is checked through the marks.
   */
  private intern(core: Int32Array, flags: number, g: number, scanned: number): number {
    let h = flags + 0x5bd1e995 * core.length;
    for (let k = 0; k < core.length; k++) h = (h + Math.imul(core[k] + 1, 0x9e3779b1)) | 0;
    const hit = this.ids.get(h);
    if (hit !== undefined) {
      if (typeof hit === 'number') {
        if (this.same(hit, core, flags, g)) return hit;
      } else for (const id of hit) if (this.same(id, core, flags, g)) return id;
    }
    const n = this.cores.length;
    if (n >= DFA_MAX_STATES || (n + 1) * this.classes > DFA_MAX_TABLE || this.setsHeld + core.length > DFA_MAX_SETS) {
      this.resets++;
      // RE2's rule: a cache emptied again before it served 10 bytes per state is thrashing
      if (scanned - this.scannedAtReset < 10 * n) this.thrashing = true;
      this.scannedAtReset = scanned;
      this.clear();
      return this.intern(core, flags, g, scanned);
    }
    if (n * this.classes >= this.trans.length) {
      const cap = Math.min(2 * n, Math.floor(DFA_MAX_TABLE / this.classes));
      const t = new Int32Array(cap * this.classes);
      t.set(this.trans);
      this.trans = t;
      const q = new Uint8Array(cap);
      q.set(this.quiet);
      this.quiet = q;
      const e = new Uint8Array(cap);
      e.set(this.eof);
      this.eof = e;
    }
    this.cores.push(core);
    this.setsHeld += core.length;
    this.flags.push(flags);
    if (hit === undefined) this.ids.set(h, n);
    else if (typeof hit === 'number') this.ids.set(h, [hit, n]);
    else hit.push(n);
    if (core.length === 0) {
      this.quiet[n] = 1;
      if (this.dead && !(flags & AT_START)) this.trans.fill(DEAD, n * this.classes, (n + 1) * this.classes);
    }
    return n;
  }

  /**
   * The instructions that consume a byte, reached from the state's core and
   * the start with `ahead` as the next class; -1 when MATCH is reached.
   * Leaves them in `found`; returns how many.
   */
  private closure(state: number, ahead: number): number {
    const p = this.p;
    const core = this.cores[state];
    const flags = this.flags[state];
    const mark = this.mark;
    const stack = this.stack;
    const g = ++this.gen;
    let sp = 0;
    // pushed in reverse so the core comes first; for the DFA only the set matters, not its order
    stack[sp++] = 0;
    for (let k = core.length - 1; k >= 0; k--) stack[sp++] = core[k];
    let n = 0;
    while (sp > 0) {
      const pc = stack[--sp];
      if (mark[pc] === g) continue;
      mark[pc] = g;
      this.work++;
      switch (p.op[pc]) {
        case BYTE:
          this.found[n++] = pc;
          break;
        case MATCH:
          return -1;
        case JUMP:
          stack[sp++] = p.next[pc];
          break;
        case SPLIT:
          stack[sp++] = p.alt[pc];
          stack[sp++] = p.next[pc];
          break;
        case ASSERT:
          if (assertHolds(p, p.arg[pc], flags, ahead)) stack[sp++] = p.next[pc];
          break;
      }
    }
    return n;
  }

  /**
   * Builds (and stores) the transition of `state` on byte class `c`.
   * `scanned` is how many bytes the DFA has scanned, this one included.
   */
  step(state: number, c: number, scanned: number): number {
    const n = this.closure(state, c);
    let to: number;
    if (n < 0) to = MATCHED;
    else {
      const p = this.p;
      const g = ++this.gen;
      const found = this.found;
      const mark = this.mark;
      let m = 0;
      for (let k = 0; k < n; k++) {
        const pc = found[k];
        if (p.setHas[p.arg[pc] * this.classes + c]) {
          const t = p.next[pc];
          if (mark[t] !== g) {
            mark[t] = g;
            this.stack[m++] = t;
          }
        }
      }
      const core = this.stack.slice(0, m);
      const before = this.resets;
      to = this.intern(core, p.flagAfter[c], g, scanned);
      // the cache was emptied: `state` no longer exists, so the transition is not stored
      if (this.resets !== before) return to;
    }
    this.trans[state * this.classes + c] = to;
    return to;
  }

  /** Whether state `id` is (core, flags), core's members being those marked `g`. */
  private same(id: number, core: Int32Array, flags: number, g: number): boolean {
    const other = this.cores[id];
    if (this.flags[id] !== flags || other.length !== core.length) return false;
    for (let k = 0; k < other.length; k++) if (this.mark[other[k]] !== g) return false;
    return true;
  }

  /** Whether a match ends at the end of the input, in this state. */
  matchesAtEnd(state: number): boolean {
    let e = this.eof[state];
    if (e === 0) e = this.eof[state] = this.closure(state, EOF) < 0 ? 2 : 1;
    return e === 2;
  }

  flagsOf(state: number): number {
    return this.flags[state];
  }

  /** The core of a state: the instructions reached by consuming its last byte. */
  coreOf(state: number): Int32Array {
    return this.cores[state];
  }

  /**
   * Whether the pattern matches anywhere in bytes[start, end); ^ and $ are
   * start and end: 1 or 0. Returns -1 when the DFA thrashes: the caller
   * goes on from `stoppedAt` in state `stoppedIn` with the Pike VM.
   */
  test(bytes: Uint8Array, start: number, end: number): number {
    const r = this.scan(bytes, start, end);
    // the bytes read or skipped, counted once here rather than in the loop
    this.work += this.read;
    this.scanned += this.read;
    return r;
  }

  /** Bytes test() went through (read or skipped). */
  private read = 0;

  private scan(bytes: Uint8Array, start: number, end: number): number {
    const cls = this.p.classOf;
    const nc = this.classes;
    const sk = this.skip;
    let s = this.start(AT_START);
    let trans = this.trans;
    let quiet = this.quiet;
    this.thrashing = false;
    let i = start;
    while (i < end) {
      if (sk !== undefined && quiet[s]) {
        // nothing under way: jump to where a match may start, if that is ahead
        const j = nextCandidate(sk, bytes, i, end);
        if (j !== i) {
          // no match starts before j, and none after it fits before the end
          if (j + sk.k > end) {
            this.read = end - start;
            return 0;
          }
          i = j;
          s = this.start(this.p.flagAfter[cls[bytes[i - 1]]]);
          trans = this.trans;
          quiet = this.quiet;
        }
      }
      const c = cls[bytes[i]];
      let t = trans[s * nc + c];
      if (t <= 0) {
        if (t === UNKNOWN) {
          t = this.step(s, c, this.scanned + i + 1 - start);
          if (this.thrashing && t > 0) {
            this.read = i + 1 - start;
            this.stoppedAt = i + 1;
            this.stoppedIn = t;
            return -1;
          }
        }
        trans = this.trans;
        quiet = this.quiet;
        if (t <= 0) {
          this.read = i + 1 - start;
          return t === MATCHED ? 1 : 0;
        }
      }
      s = t;
      i++;
    }
    this.read = end - start;
    return this.matchesAtEnd(s) ? 1 : 0;
  }
}
