import type { Predicate } from '../policy/policy.js';

/**
 * The match graph the compiler hands to code generation and the artifact.
 *
 * Nodes test `fields[node.field]` (a packet field such as `dstPort` or
 * `inner.ip4Src`, or `pred:N`, a 0/1 predicate from `preds[N]`). Interval i
 * of a node covers values from cuts[i] to cuts[i+1]-1; ABSENT (-1) is in
 * interval 0. A child >= 0 is a node index, a child < 0 is leaf -1-child.
 *
 * Classifying a packet walks every segment from its root to a leaf; the
 * packet goes to the union of the leaves' `to` groups minus the union of
 * their `drop` groups, and the rules that matched are the union of the
 * leaves' `rules`. An optimized graph has one segment per subset of the
 * groups (each with every rule that sends to or drops from them; one segment
 * for all but large policies); an -O0 graph has one segment per rule.
 *
 * Counting tables count the rules of segments whose leaves hold groups only:
 * a table's leaves list rules (and no groups), and it is walked only for a
 * packet whose leaf in its segment sends to or drops one of the table's
 * groups (no rule of the table can have matched otherwise).
 */
export type Lookup = 'compare' | 'binary' | 'hash';

export interface GraphNode {
  field: number;
  cuts: number[];
  kids: number[];
  /**
   * The lookup the node's shape suggests (set by the lowering pass), a label
   * for people: listings show it and the artifact keeps it, but neither code
   * generation nor the runtime's table walk reads it (each decides from the
   * node's shape by its own rules).
   */
  lookup: Lookup;
}

export interface GraphLeaf {
  /** Rules whose condition holds on every packet reaching this leaf (ascending). */
  rules: number[];
  to: number[];
  drop: number[];
  /** to minus drop: where the packet goes, when this is the only segment. */
  groups: number[];
}

export interface CountingTable {
  /** The segment whose leaf gates the table. */
  segment: number;
  root: number;
  /** The groups its rules send to or drop from, ascending. */
  groups: number[];
}

export interface MatchGraph {
  fields: string[];
  preds: Predicate[];
  nodes: GraphNode[];
  leaves: GraphLeaf[];
  segments: number[];
  /** Tables counting the rules that segments with group leaves do not list. */
  counting: CountingTable[];
  optimized: boolean;
  /** Whether every rule's matches are counted (by the leaves of its segment or a counting table). */
  ruleLevel: boolean;
  /** When ruleLevel is false: the rules without counters (the counting budget ran out), ascending. */
  uncounted: number[];
}

/** The invariants every graph keeps (the compiler's, and any artifact's on load): src/ir/graph-invariants.ts. */
export { checkGraph, GraphError } from './graph-invariants.js';

/** Where a packet with these field values goes: the walk the runtime does, used by explain and tests. */
export function walk(
  g: MatchGraph,
  valueOf: (field: number) => number,
  onStep?: (node: number, interval: number) => void,
): { leaves: number[]; groups: number[] } {
  const leaves: number[] = [];
  const to = new Set<number>();
  const drop = new Set<number>();
  for (const root of g.segments) {
    let id = root;
    while (id >= 0) {
      const n = g.nodes[id];
      const v = valueOf(n.field);
      let i = n.cuts.length - 1;
      while (i > 0 && v < n.cuts[i]) i--;
      onStep?.(id, i);
      id = n.kids[i];
    }
    const leaf = g.leaves[-1 - id];
    leaves.push(-1 - id);
    for (const t of leaf.to) to.add(t);
    for (const d of leaf.drop) drop.add(d);
  }
  return { leaves, groups: [...to].filter((x) => !drop.has(x)).sort((a, b) => a - b) };
}
