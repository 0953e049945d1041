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
/** Field rank of a leaf: after every field. */
const LEAF_FIELD = 0x7fffffff;

export class BudgetExceeded extends Error {
  constructor(readonly limit: number) {
    super(`match graph exceeds ${limit} nodes`);
  }
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
    // a mostly empty large table is cheaper to replace than to wipe; otherwise wiping spares the allocation
    if (this.mask + 1 > this.minCapacity * 64 && this.size * 8 < this.mask + 1) this.alloc(this.minCapacity);
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

  /** `limit` caps the node count: past it, node() throws BudgetExceeded so callers can choose another plan. */
  constructor(
    readonly fieldCount: number,
    public limit = Infinity,
  ) {}

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
    if (i >= MAX_ID) throw new BudgetExceeded(MAX_ID);
    this.leaves.push(set.slice());
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
    if (id >= this.limit || id >= MAX_ID) throw new BudgetExceeded(Math.min(this.limit, MAX_ID));
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
    const { opMemo, opLeaf, opShortcut, opCommutes, top } = this;
    this.opMemo = this.memoFor(op);
    this.opLeaf = leafOp;
    this.opShortcut = shortcut;
    this.opCommutes = commutative;
    try {
      return this.step(a, b);
    } finally {
      this.opMemo = opMemo;
      this.opLeaf = opLeaf;
      this.opShortcut = opShortcut;
      this.opCommutes = opCommutes;
      this.top = top;
    }
  }

  private step(a: number, b: number): number {
    if (this.opShortcut !== undefined) {
      const s = this.opShortcut(a, b);
      if (s !== undefined) return s;
    }
    if (this.opCommutes && a > b) {
      const t = a;
      a = b;
      b = t;
    }
    const memo = this.opMemo;
    const hit = memo.get(a, b);
    if (hit !== NONE) return hit;
    let result: number;
    if (a < 0 && b < 0) {
      result = this.leaf(this.opLeaf(this.leaves[-1 - a], this.leaves[-1 - b]));
    } else {
      const fa = a < 0 ? LEAF_FIELD : this.fieldOf[a];
      const fb = b < 0 ? LEAF_FIELD : this.fieldOf[b];
      const base = this.top;
      // pools may be reallocated by the recursive steps: read them through `this` each time
      if (fa !== fb) {
        // only the earlier field's node splits; the other operand goes whole into every interval
        const n = fa < fb ? a : b;
        const s = this.start[n];
        const e = this.start[n + 1];
        this.ensureScratch(e - s);
        // the first child is usually the default one that recurs between the others (value sets): remember its result here rather than in the memo
        const first = this.kidPool[s];
        let firstResult = NONE;
        for (let i = s; i < e; i++) {
          const slot = this.top++;
          const kid = this.kidPool[i];
          let k: number;
          if (kid === first && firstResult !== NONE) k = firstResult;
          else {
            k = fa < fb ? this.step(kid, b) : this.step(a, kid);
            if (kid === first) firstResult = k;
          }
          this.put(base, slot, this.cutPool[i], k);
        }
        result = this.make(fa < fb ? fa : fb, base, this.top);
      } else {
        // same field: walk both partitions together
        let i = this.start[a];
        let j = this.start[b];
        const ea = this.start[a + 1];
        const eb = this.start[b + 1];
        this.ensureScratch(ea - i + eb - j);
        const firstA = this.kidPool[i];
        const firstB = this.kidPool[j];
        let firstResult = NONE;
        for (;;) {
          const slot = this.top++;
          const ka = this.kidPool[i];
          const kb = this.kidPool[j];
          let k: number;
          if (ka === firstA && kb === firstB && firstResult !== NONE) k = firstResult;
          else {
            k = this.step(ka, kb);
            if (ka === firstA && kb === firstB) firstResult = k;
          }
          const cp = this.cutPool;
          this.put(base, slot, cp[i] > cp[j] ? cp[i] : cp[j], k);
          const nextA = i + 1 < ea ? cp[i + 1] : Infinity;
          const nextB = j + 1 < eb ? cp[j + 1] : Infinity;
          if (nextA === Infinity && nextB === Infinity) break;
          if (nextA <= nextB) i++;
          if (nextB <= nextA) j++;
        }
        result = this.make(fa, base, this.top);
      }
      this.top = base;
    }
    memo.set(a, b, result);
    return result;
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
    const top = this.top;
    try {
      return this.mapStep(memo, id, f);
    } finally {
      this.top = top;
      if (scratch) {
        scratch.clear();
        this.mapScratch = scratch;
      }
    }
  }

  private mapStep(memo: PairMemo, id: number, f: (set: number[]) => number[]): number {
    const hit = memo.get(id, 0);
    if (hit !== NONE) return hit;
    let result: number;
    if (id < 0) {
      result = this.leaf(f(this.leaves[-1 - id]));
    } else {
      const base = this.top;
      const s = this.start[id];
      const e = this.start[id + 1];
      this.ensureScratch(e - s);
      for (let i = s; i < e; i++) {
        const slot = this.top++;
        const k = this.mapStep(memo, this.kidPool[i], f);
        this.put(base, slot, this.cutPool[i], k);
      }
      result = this.make(this.fieldOf[id], base, this.top);
      this.top = base;
    }
    memo.set(id, 0, result);
    return result;
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

  /** Ids of the nodes reachable from root, in depth-first post-order (children in order): reversed, parents come first. */
  postOrder(root: number): number[] {
    const order: number[] = [];
    if (root < 0) return order;
    const seen = new Uint8Array(this.count);
    // (node, next pool index) pairs
    const stack = [root, this.start[root]];
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
    return order;
  }

  /** The nodes of a small diagram (reachable() sizes its marks for the whole Idd). */
  private nodesOf(root: number): Set<number> {
    const seen = new Set<number>();
    const stack = [root];
    while (stack.length) {
      const id = stack.pop()!;
      if (id < 0 || seen.has(id)) continue;
      seen.add(id);
      for (let i = this.start[id]; i < this.start[id + 1]; i++) stack.push(this.kidPool[i]);
    }
    return seen;
  }

  /** The number of nodes in a small diagram. */
  countNodes(root: number): number {
    return this.nodesOf(root).size;
  }

  /** The fields a small diagram tests, ascending. */
  fieldsTested(root: number): number[] {
    const fields = new Set<number>();
    for (const id of this.nodesOf(root)) fields.add(this.fieldOf[id]);
    return [...fields].sort((x, y) => x - y);
  }

  /** The leaves reachable from a root. */
  reachableLeaves(root: number): number[] {
    if (root < 0) return [root];
    const out = new Set<number>();
    for (const id of this.reachable([root])) for (const k of this.kids(id)) if (k < 0) out.add(k);
    return [...out];
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
