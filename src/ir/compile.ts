import type { Policy } from '../policy/policy.js';
import { buildRuleDiagram, FilterBuilder } from './build.js';
import { FIELD_CONSISTENCY } from './consistency.js';
import { FieldSpace } from './field-space.js';
import type { GraphLeaf, GraphNode, MatchGraph } from './graph.js';
import { BudgetExceeded, Idd } from './idd.js';
import { NaiveBuilder } from './naive.js';
import { optimize, prune, type PassReport } from './passes.js';

export interface CompileOptions {
  /** false is -O0: one naive graph per rule, no optimization. */
  optimize?: boolean;
  /** Node budget for leaves that name rules (default RULE_LEVEL_BUDGET). */
  ruleLevelBudget?: number;
  /** Only the analyses are wanted: past the budget, return no graph rather than build the group-level one. */
  analysisOnly?: boolean;
}

/** Above this many nodes, the graph's leaves hold groups instead of rules. */
const RULE_LEVEL_BUDGET = 50_000;

function groupLeaf(set: number[], G: number): GraphLeaf {
  const to = set.filter((x) => x < G);
  const drop = set.filter((x) => x >= G).map((x) => x - G);
  return { rules: [], to, drop, groups: to.filter((g) => !drop.includes(g)) };
}

export interface Compiled {
  graph: MatchGraph;
  /** The diagram with rule-set leaves, kept for the analyses (only when optimized). */
  /** The diagram with rule-set leaves, restricted to consistent packets, for the analyses. */
  analysis?: { idd: Idd; root: number; FALSE: number; space: FieldSpace };
  passes: PassReport;
}

function leafFor(policy: Policy, rules: number[]): GraphLeaf {
  const to = new Set<number>();
  const drop = new Set<number>();
  for (const r of rules) for (const g of policy.rules[r].groups) (policy.rules[r].action === 'to' ? to : drop).add(g);
  const sorted = (s: Set<number>) => [...s].sort((a, b) => a - b);
  return { rules, to: sorted(to), drop: sorted(drop), groups: sorted(to).filter((g) => !drop.has(g)) };
}

/** Keeps only the fields the graph tests, renumbered in test order. */
function compactFields(g: MatchGraph, space: FieldSpace): void {
  const used = [...new Set(g.nodes.map((n) => n.field))].sort((a, b) => a - b);
  const map = new Map(used.map((f, i) => [f, i]));
  const preds: MatchGraph['preds'] = [];
  g.fields = used.map((f) => {
    if (!space.isPred(f)) return space.names[f];
    preds.push(space.predOf(f));
    return `pred:${preds.length - 1}`;
  });
  g.preds = preds;
  for (const n of g.nodes) n.field = map.get(n.field)!;
}

/**
 * The part of the diagram reachable from root, as a match graph (the Idd also
 * holds what earlier attempts left), numbered as prune() numbers: nodes in
 * reverse post-order, leaves in order of first use, so optimize() need not
 * prune it again.
 */
function toGraph(idd: Idd, root: number, ruleLevel: boolean, leafOf: (set: number[]) => GraphLeaf): MatchGraph {
  const order = idd.postOrder(root).reverse();
  const index = new Int32Array(idd.size);
  for (let i = 0; i < order.length; i++) index[order[i]] = i;
  const leafIndex = new Map<number, number>();
  const leaves: GraphLeaf[] = [];
  const mapKid = (k: number): number => {
    if (k >= 0) return index[k];
    let l = leafIndex.get(k);
    if (l === undefined) {
      l = leaves.length;
      leaves.push(leafOf(idd.leafSet(k)));
      leafIndex.set(k, l);
    }
    return -1 - l;
  };
  const nodes: GraphNode[] = order.map((id) => {
    const c = idd.cuts(id);
    const k = idd.kids(id);
    const cuts: number[] = [];
    const kids: number[] = [];
    for (let i = 0; i < k.length; i++) {
      cuts.push(c[i]);
      kids.push(mapKid(k[i]));
    }
    return { field: idd.field(id), cuts, kids, lookup: 'binary' };
  });
  return { fields: [], preds: [], nodes, leaves, segments: [mapKid(root)], optimized: true, ruleLevel };
}

/** Compiles a checked policy into its match graph. */
export function compilePolicy(policy: Policy, options: CompileOptions = {}): Compiled {
  const space = new FieldSpace();
  for (const r of policy.rules) space.collect(r.filter);
  if (options.optimize === false) {
    const nb = new NaiveBuilder(space);
    const leaves: GraphLeaf[] = [leafFor(policy, []), ...policy.rules.map((_, i) => leafFor(policy, [i]))];
    const segments = policy.rules.map((_, i) => nb.rule(policy, i, -2 - i, -1));
    const graph: MatchGraph = {
      fields: [],
      preds: [],
      nodes: nb.nodes.map((n) => ({ ...n, lookup: 'binary' as const })),
      leaves,
      segments,
      optimized: false,
      ruleLevel: true,
    };
    prune(graph); // only renumbers parents-first; nothing is merged at -O0
    for (const n of graph.nodes) n.lookup = 'binary';
    compactFields(graph, space);
    return { graph, passes: { iterations: 0, capped: false } };
  }
  // Leaves that name every matching rule give exact per-rule counters and the overlap
  // analysis, but rules over independent fields multiply their combinations; past a
  // budget the graph keeps only what the packet's destination needs: the groups.
  // One Idd for both attempts: the rules' conditions and everything else below the
  // budget are built once, and the nodes of a failed attempt are merely unreachable.
  const idd = new Idd(space.names.length, options.ruleLevelBudget ?? RULE_LEVEL_BUDGET);
  const b = new FilterBuilder(idd, space);
  const conds: number[] = [];
  let root: number;
  let ruleLevel = true;
  try {
    // policy order: a budget that is going to be exceeded is exceeded soonest (buildRuleDiagram)
    root = buildRuleDiagram(policy, b, 'rules', conds, 'policy').root;
  } catch (e) {
    if (!(e instanceof BudgetExceeded)) throw e;
    if (options.analysisOnly)
      return {
        graph: { fields: [], preds: [], nodes: [], leaves: [], segments: [], optimized: true, ruleLevel: false },
        passes: { iterations: 0, capped: false },
      };
    ruleLevel = false;
    idd.limit = Infinity;
    idd.forget('union');
    root = buildRuleDiagram(policy, b, 'groups', conds).root;
  }
  idd.limit = Infinity;
  const G = policy.groups.length;
  const graph = toGraph(idd, root, ruleLevel, (set) =>
    ruleLevel ? leafFor(policy, set[0] === -1 ? [] : set) : groupLeaf(set[0] === -1 ? [] : set, G),
  );
  const passes = optimize(graph, undefined, true);
  compactFields(graph, space);
  if (!ruleLevel) return { graph, passes };
  const consistent = b.filter(FIELD_CONSISTENCY);
  const EMPTY = b.FALSE;
  const analysisRoot = idd.apply(
    'consistent',
    root,
    consistent,
    (rules, ok) => (ok.length ? rules : []),
    (x, ok) => (ok === b.TRUE ? x : ok === b.FALSE || x === EMPTY ? EMPTY : undefined),
  );
  return { graph, analysis: { idd, root: analysisRoot, FALSE: b.FALSE, space }, passes };
}
