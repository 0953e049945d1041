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
  // candidate single values and their children, ascending
  const cv: number[] = [];
  const ck: number[] = [];
  for (let j = 0; j < kids.length; j++) {
    // the last interval runs to the end of the domain, so it is never single
    if (j + 1 < cuts.length && cuts[j + 1] - cuts[j] === 1) {
      cv.push(cuts[j]);
      ck.push(kids[j]);
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
  // keep those whose child the ranges would not give: both ascend, so one merged pass finds
  // the range of each (the last starting at or below it, or the first)
  const singles: [number, number][] = [];
  for (let i = 0, r = 0; i < cv.length; i++) {
    while (r + 1 < rc.length && rc[r + 1] <= cv[i]) r++;
    if (rk[r] !== ck[i]) singles.push([cv[i], ck[i]]);
  }
  return { singles, cuts: rc, kids: rk };
}

/** Whether hashing the single values pays: many of them, and they are most of the node. */
export function worthHashing(n: { kids: readonly number[] }, s: SplitNode, hashMin = HASH_MIN): boolean {
  return s.singles.length >= hashMin && s.kids.length * 2 <= n.kids.length;
}
