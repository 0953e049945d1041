/**
 * How a node's lookup is laid out, shared by the code generator and the
 * runtime's table walk (which imports it from here: the runtime comes after
 * codegen in the pipeline, never the other way round).
 */

/** Fewest single values worth a hash table (fewer are cheaper as compares). */
export const HASH_MIN = 8;
/** Multiplier of the Fibonacci hash; odd, so every bit of the value reaches the top bits. */
export const HASH_MUL = 0x9e3779b1;

/**
 * A node's intervals as single values (looked up in a hash) plus the ranges
 * left when those are taken out. Ranges absorb the gaps the single values
 * leave, so a value that is not one of them finds its child in the ranges.
 * Single values whose child the ranges would give anyway are dropped.
 */
export interface SplitNode {
  /** [value, child] pairs. */
  singles: [number, number][];
  cuts: number[];
  kids: number[];
}

export function splitSingles(cuts: readonly number[], kids: readonly number[]): SplitNode {
  const rc: number[] = [];
  const rk: number[] = [];
  const cand: [number, number][] = [];
  for (let j = 0; j < kids.length; j++) {
    // the last interval runs to the end of the domain, so it is never single
    if (j + 1 < cuts.length && cuts[j + 1] - cuts[j] === 1) {
      cand.push([cuts[j], kids[j]]);
      continue;
    }
    if (rk.length === 0) {
      // values below are all single ones, so this range may start at ABSENT
      rc.push(cuts[0]);
      rk.push(kids[j]);
    } else if (rk[rk.length - 1] !== kids[j]) {
      rc.push(cuts[j]);
      rk.push(kids[j]);
    }
  }
  const singles = cand.filter(([v, k]) => childAt(rc, rk, v) !== k);
  return { singles, cuts: rc, kids: rk };
}

function childAt(cuts: readonly number[], kids: readonly number[], v: number): number {
  let lo = 0;
  let hi = cuts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (cuts[mid] <= v) lo = mid;
    else hi = mid - 1;
  }
  return kids[lo];
}

/** Whether hashing the single values pays: many of them, and they are most of the node. */
export function worthHashing(n: { kids: readonly number[] }, s: SplitNode, hashMin = HASH_MIN): boolean {
  return s.singles.length >= hashMin && s.kids.length * 2 <= n.kids.length;
}

