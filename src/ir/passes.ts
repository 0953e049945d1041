import type { GraphLeaf, GraphNode, Lookup, MatchGraph } from './graph.js';

/**
 * Optimization passes over a finished match graph, run to a fixed point with
 * an iteration cap. The ordered diagram arrives mostly reduced; these passes
 * finish the job after leaves were given their final meaning (two leaves with
 * the same rules and groups merge, and so may their parents) and keep the
 * graph minimal whatever built it.
 */

/** Renumbers nodes parents-first from the segment roots, dropping what is unreachable. */
export function prune(g: MatchGraph): boolean {
  const order: number[] = [];
  const state = new Map<number, number>(); // 1 visiting, 2 done
  // iterative DFS, post-order, then reversed: a topological order
  for (const root of g.segments) {
    if (root < 0 || state.has(root)) continue;
    const stack: [number, number][] = [[root, 0]];
    state.set(root, 1);
    while (stack.length) {
      const top = stack[stack.length - 1];
      const n = g.nodes[top[0]];
      if (top[1] < n.kids.length) {
        const k = n.kids[top[1]++];
        if (k >= 0 && !state.has(k)) {
          state.set(k, 1);
          stack.push([k, 0]);
        }
      } else {
        state.set(top[0], 2);
        order.push(top[0]);
        stack.pop();
      }
    }
  }
  order.reverse();
  const usedLeaves = new Map<number, number>();
  const leafOf = (k: number) => {
    let i = usedLeaves.get(k);
    if (i === undefined) {
      i = usedLeaves.size;
      usedLeaves.set(k, i);
    }
    return -1 - i;
  };
  const newId = new Map<number, number>(order.map((old, i) => [old, i]));
  const changed = order.length !== g.nodes.length || order.some((old, i) => old !== i);
  const nodes = order.map((old) => {
    const n = g.nodes[old];
    return { ...n, kids: n.kids.map((k) => (k >= 0 ? newId.get(k)! : leafOf(k))) };
  });
  const segments = g.segments.map((s) => (s >= 0 ? newId.get(s)! : leafOf(s)));
  const leaves: GraphLeaf[] = [];
  for (const [old, i] of usedLeaves) leaves[i] = g.leaves[-1 - old];
  const leavesChanged = leaves.length !== g.leaves.length;
  g.nodes = nodes;
  g.segments = segments;
  g.leaves = leaves;
  return changed || leavesChanged;
}

/** Hash-consing: equal leaves and equal nodes become one; nodes whose children all agree disappear. */
export function reduce(g: MatchGraph): boolean {
  let changed = false;
  const leafKey = (l: GraphLeaf) => `${l.rules.join(',')}|${l.to.join(',')}|${l.drop.join(',')}`;
  const leafIndex = new Map<string, number>();
  const leafMap = g.leaves.map((l, i) => {
    const k = leafKey(l);
    const j = leafIndex.get(k);
    if (j === undefined) {
      leafIndex.set(k, i);
      return i;
    }
    changed = true;
    return j;
  });
  const mapKid = (k: number, nodeMap: number[]) => (k >= 0 ? nodeMap[k] : -1 - leafMap[-1 - k]);
  // children come after parents, so resolve from the last node backwards
  const nodeMap: number[] = new Array(g.nodes.length);
  const unique = new Map<string, number>();
  for (let i = g.nodes.length - 1; i >= 0; i--) {
    const n = g.nodes[i];
    const cuts: number[] = [];
    const kids: number[] = [];
    n.kids.forEach((k, j) => {
      const m = mapKid(k, nodeMap);
      if (kids.length && kids[kids.length - 1] === m) return;
      cuts.push(n.cuts[j]);
      kids.push(m);
    });
    if (kids.length === 1) {
      nodeMap[i] = kids[0];
      changed = true;
      continue;
    }
    if (kids.length !== n.kids.length) changed = true;
    const key = `${n.field}|${cuts.join(',')}|${kids.join(',')}`;
    const same = unique.get(key);
    if (same !== undefined) {
      nodeMap[i] = same;
      changed = true;
      continue;
    }
    unique.set(key, i);
    nodeMap[i] = i;
    g.nodes[i] = { ...n, cuts, kids };
  }
  g.segments = g.segments.map((s) => mapKid(s, nodeMap));
  return changed;
}

/**
 * Lowering: how the runtime finds a value's interval. Few intervals: a chain
 * of comparisons. Many intervals that are mostly single values with one
 * common default (a port list, a set of hosts): a hash lookup, as nftables'
 * verdict maps. Otherwise (ranges, CIDR sets): binary search over the sorted
 * boundaries, which for prefixes does what a trie would in the same log steps.
 */
export function lower(g: MatchGraph): void {
  for (const n of g.nodes) n.lookup = chooseLookup(n);
}

export function chooseLookup(n: GraphNode): Lookup {
  if (n.kids.length <= 4) return 'compare';
  const counts = new Map<number, number>();
  for (const k of n.kids) counts.set(k, (counts.get(k) ?? 0) + 1);
  let dflt = n.kids[0];
  for (const [k, c] of counts) if (c > (counts.get(dflt) ?? 0)) dflt = k;
  const points = n.kids.every((k, i) => k === dflt || (i + 1 < n.cuts.length && n.cuts[i + 1] - n.cuts[i] === 1));
  return points && n.kids.length >= 8 ? 'hash' : 'binary';
}

export interface PassReport {
  iterations: number;
  capped: boolean;
}

/** Runs reduce and prune until neither changes anything, at most `cap` rounds, then lowers. */
export function optimize(g: MatchGraph, cap = 16): PassReport {
  let iterations = 0;
  for (; iterations < cap; iterations++) {
    const a = reduce(g);
    const b = prune(g);
    if (!a && !b) break;
  }
  lower(g);
  return { iterations, capped: iterations === cap };
}
