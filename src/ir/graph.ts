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
 * their `drop` groups. An optimized graph has one segment whose leaves hold
 * the final answer; an -O0 graph has one segment per rule.
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

export interface MatchGraph {
  fields: string[];
  preds: Predicate[];
  nodes: GraphNode[];
  leaves: GraphLeaf[];
  segments: number[];
  optimized: boolean;
  /** Whether leaves list the matching rules (per-rule counters); false when too large, then `rules` is empty. */
  ruleLevel: boolean;
}

export class GraphError extends Error {}

/** Structural checks: the graph is well formed and acyclic. Run after every pass in tests and on load. */
export function verifyGraph(g: MatchGraph): void {
  const fail = (m: string) => {
    throw new GraphError(m);
  };
  g.nodes.forEach((n, i) => {
    if (n.field < 0 || n.field >= g.fields.length) fail(`node ${i}: field ${n.field} out of range`);
    if (n.cuts.length !== n.kids.length || n.cuts.length < 2) fail(`node ${i}: needs at least two intervals`);
    if (n.cuts[0] !== -1) fail(`node ${i}: first interval must start at -1`);
    for (let k = 1; k < n.cuts.length; k++) if (!(n.cuts[k] > n.cuts[k - 1])) fail(`node ${i}: cuts not ascending`);
    for (const kid of n.kids) {
      if (kid >= 0 && kid >= g.nodes.length) fail(`node ${i}: child ${kid} out of range`);
      if (kid < 0 && -1 - kid >= g.leaves.length) fail(`node ${i}: leaf ${-1 - kid} out of range`);
      // nodes are stored parents first, so every edge points forward: no cycles
      if (kid >= 0 && kid <= i) fail(`node ${i}: edge to ${kid} does not point forward`);
    }
  });
  for (const s of g.segments)
    if (s >= g.nodes.length || -1 - s >= g.leaves.length) fail(`segment root ${s} out of range`);
}

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
