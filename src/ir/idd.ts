import { normalizeRanges } from '../policy/ranges.js';

/**
 * An interval decision diagram: the match graph's core data structure.
 *
 * A node tests one field and partitions that field's values into intervals,
 * each leading to a child. `cuts[i]` is where interval i starts (cuts[0] is
 * always -1, so ABSENT falls into the first interval); interval i runs to
 * cuts[i+1]-1. Children are node ids; leaves are ids below zero (-1 - leaf).
 *
 * The diagram is ordered (fields are tested in a fixed order on every path)
 * and reduced (no node has two equal adjacent children, no node has a single
 * child, no two nodes are equal: hash-consing), so it is canonical. Two
 * consequences the compiler relies on: a field is tested at most once on any
 * path, so a test that a dominating test already decided simply does not
 * exist; and two filters are equivalent exactly when they build the same id.
 *
 * Performance: a 10,000-rule policy makes millions of apply steps and
 * hundreds of thousands of node look-ups, so hash-consing and memos use
 * numeric open-addressing tables (no string keys, no boxed double keys, no
 * per-entry objects for the collector to trace), and apply builds a node's
 * intervals on a shared scratch stack, allocating arrays only for a node
 * that turns out to be new.
 */
const ABSENT_CUT = -1;

/** Ids stay within ±2^25 (nodes and leaves alike). */
const MAX_ID = 0x2000000;
/** "No entry" in the tables: outside every id's range. */
const NONE = 0x7fffffff;
/** Most entries of one memo (16 bytes each, the table at most half full): 64 MB. */
const MEMO_CAP = 1 << 21;
/** Field rank of a leaf: after every field. */
const LEAF_FIELD = 0x7fffffff;

/** What ran out: nodes, leaves, apply steps (time), memory (intervals and leaf entries held), or depth (of a predicate's arithmetic). */
export type BudgetKind = 'nodes' | 'leaves' | 'steps' | 'memory' | 'depth';

/** A budget the build ran out of; callers choose another plan or report it. */
export class BudgetExceeded extends Error {
  constructor(
    readonly limit: number,
    readonly kind: BudgetKind = 'nodes',
    /** The label of the budget that ran out (withBudget's), '' for the Idd's own limits. */
    readonly owner = '',
  ) {
    super(`match graph exceeds its budget of ${limit} ${kind === 'memory' ? 'units of memory' : kind}`);
  }
}

/**
 * A budget for part of a build, counted from when it is set: nodes made,
 * leaves made, apply steps taken (each pair of operands visited, memo hits
 * included, so it bounds time as well), and memory (intervals stored in the
 * node pools plus entries of leaf sets, each some 12 bytes). Budgets nest:
 * an inner one never allows more than the outer one has left.
 */
export interface Budget {
  nodes?: number;
  leaves?: number;
  steps?: number;
  memory?: number;
}

export interface IddNode {
  readonly field: number;
  readonly cuts: readonly number[];
  readonly kids: readonly number[];
}

/**
 * Settles apply(a, b) without descending, when one operand decides it (x ∪ ∅ = x,
 * x ∧ false = false, x ∪ x = x): returns the result's id, or undefined to go on.
 * Correct shortcuts keep the diagram canonical because any id for a function is the id.
 */
export type Shortcut = (a: number, b: number) => number | undefined;

function mix(h: number, x: number): number {
  h = Math.imul(h ^ x, 0x9e3779b1);
  return h ^ (h >>> 16);
}

/** Cuts reach 2^48 (MAC addresses): fold the high part in so such cuts still spread. */
function cutBits(c: number): number {
  return c >= 0 && c < 0x80000000 ? c : (c >>> 0) ^ Math.floor(c / 0x100000000);
}

/**
 * An open-addressing map from a pair of ids to an id. Each entry's key and
 * value share one 16-byte slot, so a probe costs one cache miss, which is
 * most of what a memo hit costs once the table outgrows the cache.
 */
class PairMemo {
  private t!: Int32Array;
  private mask = 0;
  size = 0;

  constructor(private readonly minCapacity = 1024) {
    this.alloc(minCapacity);
  }

  private alloc(capacity: number): void {
    this.t = new Int32Array(capacity * 4).fill(NONE);
    this.mask = capacity - 1;
    this.size = 0;
  }

  get(a: number, b: number): number {
    const t = this.t;
    const mask = this.mask;
    for (let i = mix(mix(0, a), b) & mask; ; i = (i + 1) & mask) {
      const k = t[i << 2];
      if (k === NONE) return NONE;
      if (k === a && t[(i << 2) + 1] === b) return t[(i << 2) + 2];
    }
  }

  set(a: number, b: number, v: number): void {
    // a memo only saves work: past its cap it starts afresh rather than hold hundreds of megabytes
    if (this.size >= MEMO_CAP) this.clear();
    if ((this.size + 1) * 2 > this.mask + 1) this.grow();
    this.size++;
    const t = this.t;
    const mask = this.mask;
    let i = mix(mix(0, a), b) & mask;
    while (t[i << 2] !== NONE) i = (i + 1) & mask;
    t[i << 2] = a;
    t[(i << 2) + 1] = b;
    t[(i << 2) + 2] = v;
  }

  private grow(): void {
    const old = this.t;
    this.alloc((this.mask + 1) * 2);
    for (let i = 0; i < old.length; i += 4) if (old[i] !== NONE) this.set(old[i], old[i + 1], old[i + 2]);
  }

  clear(): void {
    if (this.size === 0) return;
    // a large table is cheaper to replace than to wipe (the collector frees it); a small one is wiped in place
    if (this.mask + 1 > 1 << 16) this.alloc(this.minCapacity);
    else {
      this.t.fill(NONE);
      this.size = 0;
    }
  }
}

export class Idd {
  /** Leaf payloads, interned: sorted arrays of numbers (rule ids, or a marker for booleans). */
  readonly leaves: number[][] = [];
  /**
   * Nodes live in flat pools rather than one object and two arrays each:
   * node i's intervals are pool entries start[i] to start[i+1]-1. Millions of
   * short-lived-looking objects made the young-generation collector the
   * largest single cost of a build.
   */
  private count = 0;
  private fieldOf: Int32Array = new Int32Array(1024);
  private start: Int32Array = new Int32Array(1025);
  private cutPool: Float64Array = new Float64Array(4096);
  private kidPool: Int32Array = new Int32Array(4096);
  private nodeHash: Int32Array = new Int32Array(1024);
  private nodeTable: Int32Array = new Int32Array(2048).fill(-1);
  private leafHash: Int32Array = new Int32Array(64);
  private leafTable: Int32Array = new Int32Array(128).fill(-1);
  private nodeView: IddNode[] = [];
  /** Apply results per operation. */
  private readonly memos = new Map<string, PairMemo>();
  /**
   * Scratch stack where apply and mapLeaves lay out a node's intervals: each
   * frame's intervals sit above its caller's, so they stay contiguous.
   */
  private sc: Float64Array = new Float64Array(4096);
  private sk: Int32Array = new Int32Array(4096);
  private top = 0;
  // the apply in progress
  private opMemo = new PairMemo(16);
  private opLeaf: (x: number[], y: number[]) => number[] = () => [];
  private opShortcut: Shortcut | undefined;
  private opCommutes = false;
  /** Memo of the mapLeaves call in progress when it has no tag (most calls map one small diagram once). */
  private mapScratch: PairMemo | undefined = new PairMemo(64);

  // budgets: caps on the counters below (absolute values, Infinity when none is set)
  private nodeCap = Infinity;
  private leafCap = Infinity;
  private stepCap = Infinity;
  private memoryCap = Infinity;
  /** Apply and map steps taken so far (pairs of operands visited, memo hits included). */
  private stepCount = 0;
  /** Entries of all leaf sets, for the memory budget. */
  private leafEntries = 0;
  // the frames of the apply or map in progress (an explicit stack: no recursion, whatever the depth)
  private fA = new Int32Array(64);
  private fB = new Int32Array(64);
  /** 0: split a's node (its field comes first), 1: split b's, 2: both test the same field. */
  private fKind = new Int32Array(64);
  private fI = new Int32Array(64);
  private fJ = new Int32Array(64);
  private fBase = new Int32Array(64);
  private fSlot = new Int32Array(64);
  private fFirst = new Int32Array(64);
  private fDepth = 0;

  constructor(readonly fieldCount: number) {}

  /** Steps taken so far. */
  get steps(): number {
    return this.stepCount;
  }
  /** Memory held, in units of about 12 bytes: intervals in the node pools and entries of leaf sets. */
  get memory(): number {
    return this.start[this.count] + this.leafEntries + this.leaves.length;
  }

  /**
   * Runs fn under a budget counted from now; past it, the step that exceeds
   * it throws BudgetExceeded. An enclosing budget still applies.
   */
  withBudget<T>(b: Budget, fn: () => T, label = ''): T {
    const saved = [this.nodeCap, this.leafCap, this.stepCap, this.memoryCap] as const;
    this.nodeCap = Math.min(saved[0], this.count + (b.nodes ?? Infinity));
    this.leafCap = Math.min(saved[1], this.leaves.length + (b.leaves ?? Infinity));
    this.stepCap = Math.min(saved[2], this.stepCount + (b.steps ?? Infinity));
    this.memoryCap = Math.min(saved[3], this.memory + (b.memory ?? Infinity));
    this.owners.push({ label, caps: [this.nodeCap, this.leafCap, this.stepCap, this.memoryCap], limits: b });
    try {
      return fn();
    } finally {
      this.owners.pop();
      [this.nodeCap, this.leafCap, this.stepCap, this.memoryCap] = saved;
    }
  }

  /** The budgets in force, outermost first, with the caps each set. */
  private readonly owners: { label: string; caps: number[]; limits: Budget }[] = [];

  /** Throws for the budget whose cap was reached: the outermost one that set it (an inner one that did not lower it is not to blame). */
  private exceeded(kind: Exclude<BudgetKind, 'depth'>): never {
    const k = ['nodes', 'leaves', 'steps', 'memory'].indexOf(kind);
    const cap = [this.nodeCap, this.leafCap, this.stepCap, this.memoryCap][k];
    const owner = this.owners.find((o) => o.caps[k] === cap);
    throw new BudgetExceeded(owner?.limits[kind] ?? cap, kind, owner?.label ?? '');
  }

  /** Number of nodes made so far (reachable or not). */
  get size(): number {
    return this.count;
  }
  field(id: number): number {
    return this.fieldOf[id];
  }
  /** Node id's interval starts: a view of the pool, not a copy. */
  cuts(id: number): Float64Array {
    return this.cutPool.subarray(this.start[id], this.start[id + 1]);
  }
  /** Node id's children: a view of the pool, not a copy. */
  kids(id: number): Int32Array {
    return this.kidPool.subarray(this.start[id], this.start[id + 1]);
  }
  /** The nodes as objects, for readers that walk a finished diagram; built on first use. */
  get nodes(): readonly IddNode[] {
    for (let id = this.nodeView.length; id < this.count; id++)
      this.nodeView.push({ field: this.fieldOf[id], cuts: Array.from(this.cuts(id)), kids: Array.from(this.kids(id)) });
    return this.nodeView;
  }

  private memoFor(op: string): PairMemo {
    let m = this.memos.get(op);
    if (!m) {
      m = new PairMemo();
      this.memos.set(op, m);
    }
    return m;
  }

  /** Drops an operation's memo: its results stay valid, only the memory is given back. */
  forget(op?: string): void {
    if (op === undefined) this.memos.clear();
    else this.memos.get(op)?.clear();
  }

  leaf(set: readonly number[]): number {
    const h = leafHashOf(set);
    const found = this.findLeaf(set, h);
    if (found !== NONE) return found;
    const i = this.leaves.length;
    if (i >= MAX_ID) throw new BudgetExceeded(MAX_ID, 'leaves');
    if (i >= this.leafCap) this.exceeded('leaves');
    if (this.memory + set.length + 1 > this.memoryCap) this.exceeded('memory');
    this.leaves.push(set.slice());
    this.leafEntries += set.length;
    if (i >= this.leafHash.length) this.leafHash = grown(this.leafHash, i + 1);
    this.leafHash[i] = h;
    const table = this.leafTable;
    const mask = table.length - 1;
    let slot = h & mask;
    while (table[slot] >= 0) slot = (slot + 1) & mask;
    table[slot] = i;
    if (this.leaves.length * 2 > table.length)
      this.leafTable = rehash(this.leafHash, this.leaves.length, table.length * 2);
    return -1 - i;
  }

  /** Whether the leaf exists already (without making it). */
  hasLeaf(set: readonly number[]): boolean {
    return this.findLeaf(set, leafHashOf(set)) !== NONE;
  }

  private findLeaf(set: readonly number[], h: number): number {
    const table = this.leafTable;
    const mask = table.length - 1;
    for (let slot = h & mask, i = table[slot]; i >= 0; slot = (slot + 1) & mask, i = table[slot]) {
      if (this.leafHash[i] !== h) continue;
      const l = this.leaves[i];
      if (l.length !== set.length) continue;
      let j = 0;
      while (j < l.length && l[j] === set[j]) j++;
      if (j === l.length) return -1 - i;
    }
    return NONE;
  }

  static isLeaf(id: number): boolean {
    return id < 0;
  }
  leafSet(id: number): number[] {
    return this.leaves[-1 - id];
  }

  private ensureScratch(n: number): void {
    if (this.top + n <= this.sc.length) return;
    this.sc = grown(this.sc, this.top + n);
    this.sk = grown(this.sk, this.top + n);
  }

  /** Makes (or finds) a node, reducing as it goes: merged equal neighbours, skipped single-child nodes. */
  node(field: number, cuts: ArrayLike<number>, kids: ArrayLike<number>): number {
    // laid out on the scratch stack above its top, which make() does not use
    const base = this.top;
    this.ensureScratch(kids.length);
    for (let i = 0; i < kids.length; i++) {
      this.sc[base + i] = cuts[i];
      this.sk[base + i] = kids[i];
    }
    return this.make(field, base, base + kids.length);
  }

  /** node() over the scratch stack's [base, end): merges equal neighbours in place, then hash-conses. */
  private make(field: number, base: number, end: number): number {
    const sc = this.sc;
    const sk = this.sk;
    let w = base + 1;
    for (let r = base + 1; r < end; r++) {
      if (sk[r] === sk[w - 1]) continue;
      sc[w] = sc[r];
      sk[w] = sk[r];
      w++;
    }
    const len = w - base;
    if (len === 1) return sk[base];
    let h = mix(field, len);
    for (let i = base; i < w; i++) h = mix(mix(h, sk[i]), cutBits(sc[i]));
    const table = this.nodeTable;
    const mask = table.length - 1;
    let slot = h & mask;
    for (let id = table[slot]; id >= 0; slot = (slot + 1) & mask, id = table[slot]) {
      if (this.nodeHash[id] !== h || this.fieldOf[id] !== field) continue;
      const s = this.start[id];
      if (this.start[id + 1] - s !== len) continue;
      const kp = this.kidPool;
      const cp = this.cutPool;
      let j = 0;
      while (j < len && kp[s + j] === sk[base + j] && cp[s + j] === sc[base + j]) j++;
      if (j === len) return id;
    }
    const id = this.count;
    if (id >= MAX_ID) throw new BudgetExceeded(MAX_ID);
    if (id >= this.nodeCap) this.exceeded('nodes');
    if (this.memory + len > this.memoryCap) this.exceeded('memory');
    if (id + 1 >= this.fieldOf.length) {
      this.fieldOf = grown(this.fieldOf, id + 2);
      this.start = grown(this.start, id + 2);
      this.nodeHash = grown(this.nodeHash, id + 2);
    }
    const s = this.start[id];
    if (s + len > this.kidPool.length) {
      this.kidPool = grown(this.kidPool, s + len);
      this.cutPool = grown(this.cutPool, s + len);
    }
    const kp = this.kidPool;
    const cp = this.cutPool;
    for (let i = 0; i < len; i++) {
      kp[s + i] = sk[base + i];
      cp[s + i] = sc[base + i];
    }
    this.fieldOf[id] = field;
    this.start[id + 1] = s + len;
    this.nodeHash[id] = h;
    this.count = id + 1;
    table[slot] = id;
    if (this.count * 2 > table.length) this.nodeTable = rehash(this.nodeHash, this.count, table.length * 2);
    return id;
  }

  /** A diagram for "field in ranges": inRanges leads to `yes`, everything else to `no`. */
  test(field: number, unsorted: readonly (readonly [number, number])[], yes: number, no: number): number {
    // ranges usually arrive sorted and apart already, and normalizing them again cost more than the node
    let ranges = unsorted;
    for (let i = 1; i < ranges.length; i++) {
      if (ranges[i][0] <= ranges[i - 1][1] + 1) {
        ranges = normalizeRanges(unsorted);
        break;
      }
    }
    // laid out on the scratch stack above its top, which make() does not use
    const base = this.top;
    this.ensureScratch(2 * ranges.length + 1);
    const sc = this.sc;
    const sk = this.sk;
    let end = base;
    sc[end] = ABSENT_CUT;
    sk[end++] = no;
    for (const [lo, hi] of ranges) {
      if (lo <= sc[end - 1]) {
        // adjacent to the start (only possible for lo <= -1, which ranges never hold)
        sk[end - 1] = yes;
      } else {
        sc[end] = lo;
        sk[end++] = yes;
      }
      sc[end] = hi + 1;
      sk[end++] = no;
    }
    return this.make(field, base, end);
  }

  /**
   * Combines two diagrams leaf by leaf: the classic apply, over interval
   * partitions instead of true/false edges. Memoized per (op, a, b); `shortcut`
   * settles pairs without descending, and a commutative op memoizes (a, b) and
   * (b, a) as one.
   *
   * The descent keeps its frames on an explicit stack rather than the call
   * stack: a path may test thousands of predicates (one field each), and no
   * input may overflow the call stack.
   */
  apply(
    op: string,
    a: number,
    b: number,
    leafOp: (x: number[], y: number[]) => number[],
    shortcut?: Shortcut,
    commutative = false,
  ): number {
    // saved for a leafOp that applies too, and for the scratch stack after a BudgetExceeded
    const { opMemo, opLeaf, opShortcut, opCommutes, top, fDepth } = this;
    this.opMemo = this.memoFor(op);
    this.opLeaf = leafOp;
    this.opShortcut = shortcut;
    this.opCommutes = commutative;
    try {
      return this.run(a, b);
    } finally {
      this.opMemo = opMemo;
      this.opLeaf = opLeaf;
      this.opShortcut = opShortcut;
      this.opCommutes = opCommutes;
      this.top = top;
      this.fDepth = fDepth;
    }
  }

  /** The operands of the pair settle() could not settle, ordered as memoized. */
  private pa = 0;
  private pb = 0;

  /**
   * Settles a pair without descending when it can (shortcut, memo, two
   * leaves); otherwise returns NONE with the pair, ordered, in pa and pb.
   */
  private settle(a: number, b: number): number {
    if (++this.stepCount > this.stepCap) this.exceeded('steps');
    if (this.opShortcut !== undefined) {
      const s = this.opShortcut(a, b);
      if (s !== undefined) return s;
    }
    if (this.opCommutes && a > b) {
      const t = a;
      a = b;
      b = t;
    }
    const hit = this.opMemo.get(a, b);
    if (hit !== NONE) return hit;
    if (a < 0 && b < 0) {
      const result = this.leaf(this.opLeaf(this.leaves[-1 - a], this.leaves[-1 - b]));
      this.opMemo.set(a, b, result);
      return result;
    }
    this.pa = a;
    this.pb = b;
    return NONE;
  }

  private growFrames(): void {
    const n = this.fA.length * 2;
    const g = (x: Int32Array) => {
      const y = new Int32Array(n);
      y.set(x);
      return y;
    };
    this.fA = g(this.fA);
    this.fB = g(this.fB);
    this.fKind = g(this.fKind);
    this.fI = g(this.fI);
    this.fJ = g(this.fJ);
    this.fBase = g(this.fBase);
    this.fSlot = g(this.fSlot);
    this.fFirst = g(this.fFirst);
  }

  /** Opens a frame for the pair in pa, pb: which node splits, cursors at its first interval. */
  private open(): void {
    const d = this.fDepth++;
    if (d + 1 >= this.fA.length) this.growFrames();
    const a = this.pa;
    const b = this.pb;
    const fa = a < 0 ? LEAF_FIELD : this.fieldOf[a];
    const fb = b < 0 ? LEAF_FIELD : this.fieldOf[b];
    this.fA[d] = a;
    this.fB[d] = b;
    this.fKind[d] = fa < fb ? 0 : fb < fa ? 1 : 2;
    this.fI[d] = a >= 0 ? this.start[a] : 0;
    this.fJ[d] = b >= 0 ? this.start[b] : 0;
    this.fBase[d] = this.top;
    this.fFirst[d] = NONE;
    const n = fa <= fb ? this.start[a + 1] - this.start[a] : 0;
    const m = fb <= fa ? this.start[b + 1] - this.start[b] : 0;
    this.ensureScratch(n + m);
  }

  /**
   * apply's descent. A frame walks its node's intervals (both nodes' together
   * when they test the same field): each child pair is settled at once when
   * it can be, or gets a frame of its own, whose result the parent then
   * stores in the slot it reserved. Intervals are laid out on the scratch
   * stack above the parent's, merged with an equal neighbour as they come.
   */
  private run(a0: number, b0: number): number {
    const r0 = this.settle(a0, b0);
    if (r0 !== NONE) return r0;
    const floor = this.fDepth;
    this.open();
    let ret = NONE;
    for (;;) {
      const d = this.fDepth - 1;
      const kind = this.fKind[d];
      const base = this.fBase[d];
      const a = this.fA[d];
      const b = this.fB[d];
      // intervals of this frame: the split node's range in the pools (a's for kind 0 and 2, b's for 1)
      let i = this.fI[d];
      let j = this.fJ[d];
      const ea = kind !== 1 ? this.start[a + 1] : 0;
      const eb = kind !== 0 ? this.start[b + 1] : 0;
      const firstA = kind !== 1 ? this.kidPool[this.start[a]] : a;
      const firstB = kind !== 0 ? this.kidPool[this.start[b]] : b;
      let descend = false;
      for (;;) {
        let k: number;
        let slot: number;
        const ka = kind !== 1 ? this.kidPool[i] : a;
        const kb = kind !== 0 ? this.kidPool[j] : b;
        const isFirst = ka === firstA && kb === firstB;
        if (ret !== NONE) {
          // a child frame just finished: its result goes into the slot reserved for it
          k = ret;
          ret = NONE;
          slot = this.fSlot[d];
          if (isFirst) this.fFirst[d] = k;
        } else {
          slot = this.top++;
          // the first child is usually the default one that recurs between the others (value sets): its result is kept here rather than looked up in the memo
          if (isFirst && this.fFirst[d] !== NONE) k = this.fFirst[d];
          else {
            k = this.settle(ka, kb);
            if (k === NONE) {
              this.fSlot[d] = slot;
              this.fI[d] = i;
              this.fJ[d] = j;
              descend = true;
              break;
            }
            if (isFirst) this.fFirst[d] = k;
          }
        }
        const cp = this.cutPool;
        const cut = kind === 0 ? cp[i] : kind === 1 ? cp[j] : cp[i] > cp[j] ? cp[i] : cp[j];
        this.put(base, slot, cut, k);
        // advance to the next interval
        if (kind === 0) {
          if (++i === ea) break;
        } else if (kind === 1) {
          if (++j === eb) break;
        } else {
          const nextA = i + 1 < ea ? cp[i + 1] : Infinity;
          const nextB = j + 1 < eb ? cp[j + 1] : Infinity;
          if (nextA === Infinity && nextB === Infinity) break;
          if (nextA <= nextB) i++;
          if (nextB <= nextA) j++;
        }
      }
      if (descend) {
        this.open();
        continue;
      }
      // the frame's node is complete
      const field = kind === 1 ? this.fieldOf[b] : this.fieldOf[a];
      const result = this.make(field, base, this.top);
      this.top = base;
      this.opMemo.set(a, b, result);
      this.fDepth = d;
      if (d === floor) return result;
      ret = result;
    }
  }

  /** Stores an interval computed into its reserved slot, or folds it into the previous one when the child is the same. */
  private put(base: number, slot: number, cut: number, kid: number): void {
    if (slot > base && this.sk[slot - 1] === kid) {
      this.top = slot;
      return;
    }
    this.sc[slot] = cut;
    this.sk[slot] = kid;
    this.top = slot + 1;
  }

  /** Replaces every leaf by f(leaf set); memoized per tag, or for this call only when there is none. */
  mapLeaves(tag: string | undefined, id: number, f: (set: number[]) => number[]): number {
    let memo: PairMemo;
    let scratch: PairMemo | undefined;
    if (tag !== undefined) memo = this.memoFor(`map:${tag}`);
    else {
      // taken while in use, in case f maps another diagram
      scratch = this.mapScratch;
      this.mapScratch = undefined;
      memo = scratch ?? new PairMemo(64);
    }
    const { top, fDepth } = this;
    try {
      return this.mapRun(memo, id, f);
    } finally {
      this.top = top;
      this.fDepth = fDepth;
      if (scratch) {
        scratch.clear();
        this.mapScratch = scratch;
      }
    }
  }

  /** mapLeaves' descent, on the same explicit stack of frames as apply's (fA the node, fI the interval). */
  private mapRun(memo: PairMemo, id0: number, f: (set: number[]) => number[]): number {
    const settle = (id: number): number => {
      if (++this.stepCount > this.stepCap) this.exceeded('steps');
      const hit = memo.get(id, 0);
      if (hit !== NONE) return hit;
      if (id >= 0) return NONE;
      const r = this.leaf(f(this.leaves[-1 - id]));
      memo.set(id, 0, r);
      return r;
    };
    const r0 = settle(id0);
    if (r0 !== NONE) return r0;
    const floor = this.fDepth;
    const openMap = (id: number) => {
      const d = this.fDepth++;
      if (d + 1 >= this.fA.length) this.growFrames();
      this.fA[d] = id;
      this.fI[d] = this.start[id];
      this.fBase[d] = this.top;
      this.ensureScratch(this.start[id + 1] - this.start[id]);
    };
    openMap(id0);
    let ret = NONE;
    for (;;) {
      const d = this.fDepth - 1;
      const id = this.fA[d];
      const base = this.fBase[d];
      const e = this.start[id + 1];
      let i = this.fI[d];
      let descend = -1;
      for (; i < e; i++) {
        let k: number;
        let slot: number;
        if (ret !== NONE) {
          k = ret;
          ret = NONE;
          slot = this.fSlot[d];
        } else {
          slot = this.top++;
          k = settle(this.kidPool[i]);
          if (k === NONE) {
            this.fSlot[d] = slot;
            this.fI[d] = i;
            descend = this.kidPool[i];
            break;
          }
        }
        this.put(base, slot, this.cutPool[i], k);
      }
      if (descend >= 0) {
        openMap(descend);
        continue;
      }
      const result = this.make(this.fieldOf[id], base, this.top);
      this.top = base;
      memo.set(id, 0, result);
      this.fDepth = d;
      if (d === floor) return result;
      ret = result;
    }
  }

  /** Ids of the nodes reachable from the roots, in depth-first preorder (children in order). */
  reachable(roots: readonly number[]): number[] {
    const seen = new Uint8Array(this.count);
    const order: number[] = [];
    // explicit stack of (node, next pool index): deep diagrams must not overflow the call stack
    const stack: number[] = [];
    for (const r of roots) {
      if (r < 0 || seen[r]) continue;
      seen[r] = 1;
      order.push(r);
      stack.push(r, this.start[r]);
      while (stack.length) {
        const at = stack.length - 2;
        const i = stack[at + 1];
        if (i === this.start[stack[at] + 1]) {
          stack.length = at;
          continue;
        }
        stack[at + 1] = i + 1;
        const k = this.kidPool[i];
        if (k < 0 || seen[k]) continue;
        seen[k] = 1;
        order.push(k);
        stack.push(k, this.start[k]);
      }
    }
    return order;
  }

  /** Ids of the nodes reachable from the roots, in depth-first post-order (children in order): reversed, parents come first. */
  postOrder(roots: number | readonly number[]): number[] {
    const order: number[] = [];
    const seen = new Uint8Array(this.count);
    // (node, next pool index) pairs
    const stack: number[] = [];
    for (const root of typeof roots === 'number' ? [roots] : roots) {
      if (root < 0 || seen[root]) continue;
      stack.push(root, this.start[root]);
      seen[root] = 1;
      while (stack.length) {
        const at = stack.length - 2;
        const id = stack[at];
        const i = stack[at + 1];
        if (i < this.start[id + 1]) {
          stack[at + 1] = i + 1;
          const k = this.kidPool[i];
          if (k >= 0 && !seen[k]) {
            seen[k] = 1;
            stack.push(k, this.start[k]);
          }
        } else {
          order.push(id);
          stack.length = at;
        }
      }
    }
    return order;
  }

  // marks for walks over one diagram: a node is marked when mark[id] === stamp, so no walk clears them
  private mark = new Int32Array(1024);
  private stamp = 0;

  /** Visits each node and each leaf reachable from root once (on a stack of its own). */
  private visit(root: number, onNode: (id: number) => void, onLeaf?: (leaf: number) => void): void {
    if (this.mark.length < this.count) this.mark = grown(this.mark, this.count);
    const mark = this.mark;
    const stamp = ++this.stamp;
    const leafSeen = onLeaf ? new Set<number>() : undefined;
    const stack = [root];
    while (stack.length) {
      const id = stack.pop()!;
      if (id < 0) {
        if (leafSeen && !leafSeen.has(id)) {
          leafSeen.add(id);
          onLeaf!(id);
        }
        continue;
      }
      if (mark[id] === stamp) continue;
      mark[id] = stamp;
      onNode(id);
      for (let i = this.start[id]; i < this.start[id + 1]; i++) stack.push(this.kidPool[i]);
    }
  }

  /** The number of nodes in a diagram. */
  countNodes(root: number): number {
    let n = 0;
    this.visit(root, () => n++);
    return n;
  }

  /** Nodes, leaves, intervals and entries of leaf sets of a diagram: what it costs to hold. */
  measure(root: number): { nodes: number; leaves: number; intervals: number; entries: number } {
    let nodes = 0;
    let leaves = 0;
    let intervals = 0;
    let entries = 0;
    this.visit(
      root,
      (id) => {
        nodes++;
        intervals += this.start[id + 1] - this.start[id];
      },
      (l) => {
        leaves++;
        entries += this.leaves[-1 - l].length;
      },
    );
    return { nodes, leaves, intervals, entries };
  }

  /** The fields a diagram tests, ascending. */
  fieldsTested(root: number): number[] {
    const fields = new Set<number>();
    this.visit(root, (id) => fields.add(this.fieldOf[id]));
    return [...fields].sort((x, y) => x - y);
  }

  /** The leaves reachable from a root. */
  reachableLeaves(root: number): number[] {
    const out: number[] = [];
    this.visit(
      root,
      () => {},
      (l) => out.push(l),
    );
    return out;
  }
}

/** A copy of `a` with room for at least `n` entries (doubling, so appends stay amortized O(1)). */
function grown<T extends Int32Array | Float64Array>(a: T, n: number): T {
  let size = a.length * 2;
  while (size < n) size *= 2;
  const b = new (a.constructor as new (n: number) => T)(size);
  b.set(a);
  return b;
}

function leafHashOf(set: readonly number[]): number {
  let h = mix(0x5bd1e995, set.length);
  for (let i = 0; i < set.length; i++) h = mix(h, set[i]);
  return h;
}

/** A fresh open-addressing table of `count` entries whose hashes are known. */
function rehash(hashes: Int32Array, count: number, capacity: number): Int32Array {
  const table = new Int32Array(capacity).fill(-1);
  const mask = capacity - 1;
  for (let i = 0; i < count; i++) {
    let slot = hashes[i] & mask;
    while (table[slot] >= 0) slot = (slot + 1) & mask;
    table[slot] = i;
  }
  return table;
}

// ---- leaf operations on sorted sets
export function union(a: number[], b: number[]): number[] {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a[i] < b[j])) out.push(a[i++]);
    else if (i >= a.length || b[j] < a[i]) out.push(b[j++]);
    else {
      out.push(a[i]);
      i++;
      j++;
    }
  }
  return out;
}
