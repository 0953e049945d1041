import type { ArtifactGraph } from '../../artifact/types.js';

/**
 * What classification returns for a packet: the rules whose matches the
 * segments' leaves list, the groups it goes to, and (before drops) the groups
 * its rules send to and drop from, which gate the counting tables.
 */
export interface ClassResult {
  rules: readonly number[];
  groups: readonly number[];
  to: readonly number[];
  drop: readonly number[];
}

/** An empty slot of the transition table. */
const FREE = -1;

/**
 * Combines the leaves a packet reaches in several segments into one result,
 * interned, so classification still returns a small integer: a state is the
 * combination of the non-empty leaves met so far (segments are walked in one
 * order), and step(state, leaf) is a probe in an open-addressing table of
 * (state, leaf) -> state, filled on first sight. State 0 is "nothing yet", a
 * leaf that says nothing (no rule, no group) leaves the state as it is, so
 * the states are as many as the combinations traffic actually produces.
 */
export class Combiner {
  readonly results: ClassResult[] = [{ rules: [], groups: [], to: [], drop: [] }];
  /** Per leaf: 1 when it says nothing. */
  private readonly empty: Uint8Array;
  /** (state, leaf, next) triples. */
  private table = new Int32Array(3 * 1024).fill(FREE);
  private mask = 1023;
  private used = 0;

  constructor(private readonly graph: ArtifactGraph) {
    this.empty = Uint8Array.from(graph.leaves, (l) =>
      l.rules.length === 0 && l.to.length === 0 && l.drop.length === 0 ? 1 : 0,
    );
  }

  /** The state after `state` meets `leaf`: probed, or made on first sight. */
  step = (state: number, leaf: number): number => {
    if (this.empty[leaf] === 1) return state;
    const t = this.table;
    for (
      let i = (Math.imul(state ^ Math.imul(leaf, 0x9e3779b1), 0x85ebca77) >>> 0) & this.mask;
      ;
      i = (i + 1) & this.mask
    ) {
      const at = i * 3;
      const s = t[at];
      if (s === state && t[at + 1] === leaf) return t[at + 2];
      if (s === FREE) return this.add(state, leaf);
    }
  };

  private add(state: number, leaf: number): number {
    const next = this.results.length;
    this.results.push(merge(this.results[state], this.graph.leaves[leaf]));
    if ((this.used + 1) * 2 > this.mask + 1) this.grow();
    this.put(state, leaf, next);
    return next;
  }

  private put(state: number, leaf: number, next: number): void {
    const t = this.table;
    let i = (Math.imul(state ^ Math.imul(leaf, 0x9e3779b1), 0x85ebca77) >>> 0) & this.mask;
    while (t[i * 3] !== FREE) i = (i + 1) & this.mask;
    t[i * 3] = state;
    t[i * 3 + 1] = leaf;
    t[i * 3 + 2] = next;
    this.used++;
  }

  private grow(): void {
    const old = this.table;
    this.mask = this.mask * 2 + 1;
    this.table = new Int32Array(3 * (this.mask + 1)).fill(FREE);
    this.used = 0;
    for (let i = 0; i < old.length; i += 3) if (old[i] !== FREE) this.put(old[i], old[i + 1], old[i + 2]);
  }
}

function mergeSorted(a: readonly number[], b: readonly number[]): number[] {
  if (b.length === 0) return a as number[];
  if (a.length === 0) return b as number[];
  return [...new Set([...a, ...b])].sort((x, y) => x - y);
}

function merge(r: ClassResult, l: { rules: number[]; to: number[]; drop: number[] }): ClassResult {
  const to = mergeSorted(r.to, l.to);
  const drop = mergeSorted(r.drop, l.drop);
  return { rules: mergeSorted(r.rules, l.rules), groups: to.filter((g) => !drop.includes(g)), to, drop };
}
