import { normalizeRanges } from '../check/filter-builders.js';

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
 */
export const ABSENT_CUT = -1;

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

export class Idd {
  readonly nodes: IddNode[] = [];
  private readonly unique = new Map<string, number>();
  private readonly leafKeys = new Map<string, number>();
  /** Leaf payloads, interned: sorted arrays of numbers (rule ids, or a marker for booleans). */
  readonly leaves: number[][] = [];
  /** Apply results per operation, keyed by the two operand ids packed into one number. */
  private readonly memos = new Map<string, Map<number, number>>();
  /** `limit` caps the node count: past it, node() throws BudgetExceeded so callers can choose another plan. */
  constructor(
    readonly fieldCount: number,
    public limit = Infinity,
  ) {}

  private memoFor(op: string): Map<number, number> {
    let m = this.memos.get(op);
    if (!m) {
      m = new Map();
      this.memos.set(op, m);
    }
    return m;
  }

  leaf(set: readonly number[]): number {
    const key = set.join(',');
    let i = this.leafKeys.get(key);
    if (i === undefined) {
      i = this.leaves.length;
      if (i >= 0x2000000) throw new BudgetExceeded(0x2000000);
      this.leaves.push([...set]);
      this.leafKeys.set(key, i);
    }
    return -1 - i;
  }

  static isLeaf(id: number): boolean {
    return id < 0;
  }
  leafSet(id: number): number[] {
    return this.leaves[-1 - id];
  }

  /** Makes (or finds) a node, reducing as it goes: merged equal neighbours, skipped single-child nodes. */
  node(field: number, cuts: readonly number[], kids: readonly number[]): number {
    const c: number[] = [];
    const k: number[] = [];
    for (let i = 0; i < kids.length; i++) {
      if (k.length > 0 && k[k.length - 1] === kids[i]) continue;
      c.push(cuts[i]);
      k.push(kids[i]);
    }
    if (k.length === 1) return k[0];
    const key = `${field}|${c.join(',')}|${k.join(',')}`;
    let id = this.unique.get(key);
    if (id === undefined) {
      id = this.nodes.length;
      if (id >= this.limit || id >= 0x2000000) throw new BudgetExceeded(Math.min(this.limit, 0x2000000));
      this.nodes.push({ field, cuts: c, kids: k });
      this.unique.set(key, id);
    }
    return id;
  }

  /** A diagram for "field in ranges": inRanges leads to `yes`, everything else to `no`. */
  test(field: number, unsorted: readonly (readonly [number, number])[], yes: number, no: number): number {
    const ranges = normalizeRanges(unsorted);
    const cuts = [ABSENT_CUT];
    const kids = [no];
    for (const [lo, hi] of ranges) {
      if (lo <= cuts[cuts.length - 1]) {
        // adjacent to the start (only possible for lo <= -1, which ranges never hold)
        kids[kids.length - 1] = yes;
      } else {
        cuts.push(lo);
        kids.push(yes);
      }
      cuts.push(hi + 1);
      kids.push(no);
    }
    return this.node(field, cuts, kids);
  }

  private fieldOf(id: number): number {
    return id < 0 ? Infinity : this.nodes[id].field;
  }

  /**
   * Combines two diagrams leaf by leaf: the classic apply, over interval
   * partitions instead of true/false edges. Memoized per (op, a, b).
   */
  apply(op: string, a: number, b: number, leafOp: (x: number[], y: number[]) => number[]): number {
    if (a < 0 && b < 0) return this.leaf(leafOp(this.leafSet(a), this.leafSet(b)));
    // ids stay within ±2^25, so the packed key stays below 2^52: exact in a double
    const memo = this.memoFor(op);
    const key = (a + 0x2000000) * 0x4000000 + (b + 0x2000000);
    const hit = memo.get(key);
    if (hit !== undefined) return hit;
    const fa = this.fieldOf(a);
    const fb = this.fieldOf(b);
    let result: number;
    if (fa < fb) {
      const n = this.nodes[a];
      result = this.node(fa, n.cuts, n.kids.map((k) => this.apply(op, k, b, leafOp)));
    } else if (fb < fa) {
      const n = this.nodes[b];
      result = this.node(fb, n.cuts, n.kids.map((k) => this.apply(op, a, k, leafOp)));
    } else {
      // same field: walk both partitions together
      const na = this.nodes[a];
      const nb = this.nodes[b];
      const cuts: number[] = [];
      const kids: number[] = [];
      let i = 0;
      let j = 0;
      while (i < na.cuts.length && j < nb.cuts.length) {
        const ca = na.cuts[i];
        const cb = nb.cuts[j];
        const start = Math.max(ca, cb);
        cuts.push(start);
        kids.push(this.apply(op, na.kids[i], nb.kids[j], leafOp));
        const nextA = i + 1 < na.cuts.length ? na.cuts[i + 1] : Infinity;
        const nextB = j + 1 < nb.cuts.length ? nb.cuts[j + 1] : Infinity;
        if (nextA <= nextB) i++;
        if (nextB <= nextA) j++;
        if (nextA === Infinity && nextB === Infinity) break;
      }
      result = this.node(fa, cuts, kids);
    }
    memo.set(key, result);
    return result;
  }

  /** Replaces every leaf by f(leaf set); memoized per tag. */
  mapLeaves(tag: string, id: number, f: (set: number[]) => number[]): number {
    if (id < 0) return this.leaf(f(this.leafSet(id)));
    const memo = this.memoFor(`map:${tag}`);
    const hit = memo.get(id);
    if (hit !== undefined) return hit;
    const n = this.nodes[id];
    const r = this.node(n.field, n.cuts, n.kids.map((k) => this.mapLeaves(tag, k, f)));
    memo.set(id, r);
    return r;
  }

  /** Ids of the nodes reachable from the roots, in topological order (parents first). */
  reachable(roots: readonly number[]): number[] {
    const seen = new Set<number>();
    const order: number[] = [];
    const visit = (id: number) => {
      if (id < 0 || seen.has(id)) return;
      seen.add(id);
      order.push(id);
      for (const k of this.nodes[id].kids) visit(k);
    };
    for (const r of roots) visit(r);
    return order;
  }

  /** The leaves reachable from a root. */
  reachableLeaves(root: number): number[] {
    const out = new Set<number>();
    if (root < 0) return [root];
    for (const id of this.reachable([root])) for (const k of this.nodes[id].kids) if (k < 0) out.add(k);
    return [...out];
  }

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
