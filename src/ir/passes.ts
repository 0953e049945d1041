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
  const seen = new Uint8Array(g.nodes.length);
  // iterative DFS, post-order, then reversed: a topological order
  const stack: number[] = []; // (node, next child) pairs
  // roots in reverse, so that once the post-order is reversed the first segment's nodes come first
  for (const root of [...g.segments, ...g.counting.map((c) => c.root)].reverse()) {
    if (root < 0 || seen[root]) continue;
    seen[root] = 1;
    stack.push(root, 0);
    while (stack.length) {
      const at = stack.length - 2;
      const id = stack[at];
      const kids = g.nodes[id].kids;
      const i = stack[at + 1];
      if (i < kids.length) {
        stack[at + 1] = i + 1;
        const k = kids[i];
        if (k >= 0 && !seen[k]) {
          seen[k] = 1;
          stack.push(k, 0);
        }
      } else {
        order.push(id);
        stack.length = at;
      }
    }
  }
  order.reverse();
  // leaves are renumbered in order of first use
  const leafNew = new Int32Array(g.leaves.length).fill(-1);
  const leaves: GraphLeaf[] = [];
  const leafOf = (k: number) => {
    let i = leafNew[-1 - k];
    if (i < 0) {
      i = leafNew[-1 - k] = leaves.length;
      leaves.push(g.leaves[-1 - k]);
    }
    return -1 - i;
  };
  const newId = new Int32Array(g.nodes.length);
  let identity = order.length === g.nodes.length;
  for (let i = 0; i < order.length; i++) {
    newId[order[i]] = i;
    if (order[i] !== i) identity = false;
  }
  const changed = !identity;
  if (identity) {
    // when the leaves keep their numbers too, nothing moves: spare the copy
    for (const n of g.nodes) for (const k of n.kids) if (k < 0) leafOf(k);
    for (const s of g.segments) if (s < 0) leafOf(s);
    for (const c of g.counting) if (c.root < 0) leafOf(c.root);
    if (leaves.length === g.leaves.length && leaves.every((l, i) => l === g.leaves[i])) return false;
    leaves.length = 0;
    leafNew.fill(-1);
  }
  const nodes = order.map((old) => {
    const n = g.nodes[old];
    return { ...n, kids: n.kids.map((k) => (k >= 0 ? newId[k] : leafOf(k))) };
  });
  const segments = g.segments.map((s) => (s >= 0 ? newId[s] : leafOf(s)));
  const counting = g.counting.map((c) => ({ ...c, root: c.root >= 0 ? newId[c.root] : leafOf(c.root) }));
  const leavesChanged = leaves.length !== g.leaves.length;
  g.nodes = nodes;
  g.segments = segments;
  g.counting = counting;
  g.leaves = leaves;
  return changed || leavesChanged;
}

/** Hash-consing: equal leaves and equal nodes become one; nodes whose children all agree disappear. */
function reduce(g: MatchGraph): boolean {
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
  const leafOf = Int32Array.from(leafMap);
  // children come after parents, so resolve from the last node backwards
  const nodeMap = new Int32Array(g.nodes.length);
  // hash-consing over numbers (open addressing, node indices as entries): a string key per node cost more than the rest of the pass
  const table = new Int32Array(tableSize(g.nodes.length)).fill(-1);
  const mask = table.length - 1;
  let width = 0;
  for (const n of g.nodes) width = Math.max(width, n.kids.length);
  const cuts = new Float64Array(width);
  const kids = new Int32Array(width);
  for (let i = g.nodes.length - 1; i >= 0; i--) {
    const n = g.nodes[i];
    let len = 0;
    let same = true;
    for (let j = 0; j < n.kids.length; j++) {
      const k = n.kids[j];
      const m = k >= 0 ? nodeMap[k] : -1 - leafOf[-1 - k];
      if (m !== k) same = false;
      if (len > 0 && kids[len - 1] === m) continue;
      cuts[len] = n.cuts[j];
      kids[len++] = m;
    }
    if (len === 1) {
      nodeMap[i] = kids[0];
      changed = true;
      continue;
    }
    if (len !== n.kids.length) {
      changed = true;
      same = false;
    }
    let h = Math.imul(n.field + 1, 0x9e3779b1) ^ len;
    for (let j = 0; j < len; j++) h = hashStep(hashStep(h, kids[j]), cuts[j] >>> 0);
    let slot = h & mask;
    let found = -1;
    for (let c = table[slot]; c >= 0; slot = (slot + 1) & mask, c = table[slot]) {
      const o = g.nodes[c];
      if (o.field === n.field && o.kids.length === len && sameAs(o.kids, kids) && sameAs(o.cuts, cuts)) {
        found = c;
        break;
      }
    }
    if (found >= 0) {
      nodeMap[i] = found;
      changed = true;
      continue;
    }
    table[slot] = i;
    nodeMap[i] = i;
    if (!same) g.nodes[i] = { ...n, cuts: Array.from(cuts.subarray(0, len)), kids: Array.from(kids.subarray(0, len)) };
  }
  const mapKid = (k: number) => (k >= 0 ? nodeMap[k] : -1 - leafOf[-1 - k]);
  g.segments = g.segments.map(mapKid);
  g.counting = g.counting.map((c) => ({ ...c, root: mapKid(c.root) }));
  return changed;
}

function hashStep(h: number, x: number): number {
  h = Math.imul(h ^ x, 0x85ebca77);
  return h ^ (h >>> 15);
}

function tableSize(n: number): number {
  let size = 16;
  while (size < n * 2) size *= 2;
  return size;
}

/** Whether `a` equals the first a.length entries of `b`. */
function sameAs(a: readonly number[], b: Int32Array | Float64Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Lowering: labels each node with the lookup its shape suggests, which
 * listings show in brackets. It is a hint for people, not an instruction:
 * code generation and the runtime's table walk choose each node's lookup from
 * its shape by their own rules (src/codegen/lookup.ts) and never read it.
 * Few intervals: a chain of comparisons. Many intervals that are mostly
 * single values with one common default (a port list, a set of hosts): a hash
 * lookup, as nftables' verdict maps. Otherwise (ranges, CIDR sets): binary
 * search over the sorted boundaries, which for prefixes does what a trie
 * would in the same log steps.
 */
function lower(g: MatchGraph): void {
  for (const n of g.nodes) n.lookup = chooseLookup(n);
}

function chooseLookup(n: GraphNode): Lookup {
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

/**
 * Runs reduce and prune until neither changes anything, at most `cap` rounds,
 * then lowers. `pruned` says g is already as prune() leaves it: prune is
 * idempotent, so once reduce changes nothing the round ends without the
 * prune that would find nothing to do.
 */
export function optimize(g: MatchGraph, cap = 16, pruned = false): PassReport {
  let iterations = 0;
  for (; iterations < cap; iterations++) {
    const a = reduce(g);
    if (!a && pruned) break;
    const b = prune(g);
    pruned = true;
    if (!a && !b) break;
  }
  lower(g);
  return { iterations, capped: iterations === cap };
}
