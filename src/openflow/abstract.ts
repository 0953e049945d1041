import { ABSENT } from '../fields/fields.js';
import type { GraphLeaf, GraphNode, MatchGraph } from '../ir/graph.js';

/**
 * The match graph as the switch decides it. A group decided on the host (it
 * has a host-only action, or a rule of its tests the payload, the packet
 * length or a byte the switch cannot load) needs from the switch only the
 * packets it may want, and the groups the switch delivers never depend on
 * those tests. So each test the switch cannot do is taken out: the node
 * becomes the merge of its children, where a leaf says the switch groups
 * every child agrees on and every host group some child may want. The
 * result is reduced again (hash-consed), so the host groups' own
 * distinctions fold away too.
 *
 * A merge that would have to choose between children that disagree on a
 * switch group (impossible when the host groups were chosen from the rules,
 * but checked), or that grows past its budget, keeps the node: the switch
 * then hands the packets reaching it to the host whole.
 */
export interface AbstractGraph {
  graph: MatchGraph;
  /** Nodes of the original graph kept though the switch cannot test them. */
  kept: number[];
}

class Conflict extends Error {}

/** Pair merges one test may cost before it is kept instead. */
const MERGE_BUDGET = 200_000;

export function abstractGraph(
  g: MatchGraph,
  isHostGroup: (group: number) => boolean,
  cannotTest: (field: number) => boolean,
  /**
   * The graph is one of parts whose leaves' sends and drops combine (src/openflow/parts.ts): a
   * leaf keeps them, a merge must agree on the switch groups' and may send a host group where
   * some child does and drop it where every child does.
   */
  combined = false,
  /**
   * For a field the switch sees only where there is no tunnel (switch-fields.ts `open`): the value of
   * packets without one (`none`) and a value only tunnelled packets have (`open`). Its test is then kept
   * as: `none` goes to that child, every other value to the merge of all children, which the switch
   * takes wherever it cannot tell the packet has no tunnel.
   */
  narrow?: (field: number) => { none: number; open: number } | undefined,
): AbstractGraph {
  const nodes: GraphNode[] = [];
  const leaves: GraphLeaf[] = [];
  const nodeKey = new Map<string, number>();
  const leafKey = new Map<string, number>();
  const kept: number[] = [];

  const sortSet = (xs: readonly number[]) => [...new Set(xs)].sort((a, b) => a - b);
  const leafRef = (groups: readonly number[], to = groups, drop: readonly number[] = []): number => {
    const sorted = sortSet(groups);
    const [t, d] = combined ? [sortSet(to), sortSet(drop)] : [sorted, []];
    const k = `${sorted.join(',')}|${t.join(',')}|${d.join(',')}`;
    let i = leafKey.get(k);
    if (i === undefined) {
      i = leaves.length;
      leaves.push({ rules: [], to: t, drop: d, groups: sorted });
      leafKey.set(k, i);
    }
    return -1 - i;
  };
  const mk = (field: number, cuts: number[], kids: number[]): number => {
    const c: number[] = [];
    const k: number[] = [];
    for (let i = 0; i < cuts.length; i++) {
      if (i > 0 && kids[i] === k[k.length - 1]) continue;
      c.push(cuts[i]);
      k.push(kids[i]);
    }
    if (k.length === 1) return k[0];
    const key = `${field}|${c.join(',')}|${k.join(',')}`;
    let i = nodeKey.get(key);
    if (i === undefined) {
      i = nodes.length;
      nodes.push({ field, cuts: c, kids: k, lookup: 'binary' });
      nodeKey.set(key, i);
    }
    return i;
  };

  const switchOf = (xs: readonly number[]) => xs.filter((x) => !isHostGroup(x)).join(',');
  const switchPart = (l: GraphLeaf) =>
    combined ? `${switchOf(l.groups)}|${switchOf(l.to)}|${switchOf(l.drop)}` : switchOf(l.groups);
  let budget = 0;
  const mergeMemo = new Map<string, number>();
  const merge = (a: number, b: number): number => {
    if (a === b) return a;
    const key = a < b ? `${a}:${b}` : `${b}:${a}`;
    const hit = mergeMemo.get(key);
    if (hit !== undefined) return hit;
    if (++budget > MERGE_BUDGET) throw new Conflict();
    let out: number;
    if (a < 0 && b < 0) {
      const la = leaves[-1 - a];
      const lb = leaves[-1 - b];
      if (switchPart(la) !== switchPart(lb)) throw new Conflict();
      out = leafRef(
        [...la.groups, ...lb.groups],
        [...la.to, ...lb.to],
        la.drop.filter((x) => lb.drop.includes(x)),
      );
    } else {
      const fa = a < 0 ? Infinity : nodes[a].field;
      const fb = b < 0 ? Infinity : nodes[b].field;
      const f = Math.min(fa, fb);
      const cuts = [...new Set([...(fa === f ? nodes[a].cuts : []), ...(fb === f ? nodes[b].cuts : [])])].sort(
        (x, y) => x - y,
      );
      const kidAt = (n: number, own: boolean, v: number): number => {
        if (!own) return n;
        const node = nodes[n];
        let i = node.cuts.length - 1;
        while (i > 0 && v < node.cuts[i]) i--;
        return node.kids[i];
      };
      out = mk(
        f,
        cuts,
        cuts.map((v) => merge(kidAt(a, fa === f, v), kidAt(b, fb === f, v))),
      );
    }
    mergeMemo.set(key, out);
    return out;
  };

  const memo = new Map<number, number>();
  // children before parents: nodes are stored parents first
  for (let id = g.nodes.length - 1; id >= 0; id--) {
    const n = g.nodes[id];
    const leafOf = (l: GraphLeaf) => leafRef(l.groups, l.to, l.drop);
    const kids = n.kids.map((k) => (k < 0 ? leafOf(g.leaves[-1 - k]) : memo.get(k)!));
    let out: number | undefined;
    if (cannotTest(n.field)) {
      budget = 0;
      try {
        out = kids.reduce((acc, k) => merge(acc, k));
        const nr = narrow?.(n.field);
        if (nr) {
          // the child of packets without a tunnel (cuts ascend; a value below the first is the first child's)
          let i = n.cuts.length - 1;
          while (i > 0 && nr.none < n.cuts[i]) i--;
          const plain = kids[i];
          if (plain !== out)
            out =
              nr.none === ABSENT
                ? mk(n.field, [ABSENT, nr.open], [plain, out])
                : mk(n.field, [ABSENT, nr.none, nr.none + 1], [out, plain, out]);
        }
      } catch (e) {
        if (!(e instanceof Conflict)) throw e;
        kept.push(id);
      }
    }
    memo.set(id, out ?? mk(n.field, [...n.cuts], kids));
  }
  const segments = g.segments.map((r) => {
    if (r >= 0) return memo.get(r)!;
    const l = g.leaves[-1 - r];
    return leafRef(l.groups, l.to, l.drop);
  });

  // renumber parents first, as graphs are stored (the walk relies on it)
  const order: number[] = [];
  const seen = new Set<number>();
  const visit = (id: number) => {
    if (id < 0 || seen.has(id)) return;
    seen.add(id);
    for (const k of nodes[id].kids) visit(k);
    order.push(id);
  };
  for (const r of segments) visit(r);
  order.reverse();
  const index = new Map(order.map((id, i) => [id, i]));
  const ref = (k: number) => (k < 0 ? k : index.get(k)!);
  const graph: MatchGraph = {
    fields: g.fields,
    preds: g.preds,
    nodes: order.map((id) => ({ ...nodes[id], kids: nodes[id].kids.map(ref) })),
    leaves,
    segments: segments.map(ref),
    counting: [],
    optimized: true,
    ruleLevel: false,
    uncounted: [],
  };
  return { graph, kept };
}
