import type { Policy } from '../policy/policy.js';
import { buildRuleDiagram, FilterBuilder } from './build.js';
import { FIELD_CONSISTENCY } from './consistency.js';
import { FieldSpace } from './field-space.js';
import type { GraphLeaf, MatchGraph } from './graph.js';
import { BudgetExceeded, Idd } from './idd.js';
import { NaiveBuilder } from './naive.js';
import { lower, optimize, prune, type PassReport } from './passes.js';

export interface CompileOptions {
  /** false is -O0: one naive graph per rule, no optimization. */
  optimize?: boolean;
  /** Node budget for leaves that name rules (default RULE_LEVEL_BUDGET). */
  ruleLevelBudget?: number;
  /** Only the analyses are wanted: past the budget, return no graph rather than build the group-level one. */
  analysisOnly?: boolean;
}

/** Above this many nodes, the graph's leaves hold groups instead of rules. */
export const RULE_LEVEL_BUDGET = 50_000;

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

/** Compiles a checked policy into its match graph. */
export function compilePolicy(policy: Policy, options: CompileOptions = {}): Compiled {
  const space = new FieldSpace();
  for (const r of policy.rules) space.collect(r.filter);
  if (options.optimize === false) {
    const nb = new NaiveBuilder(space);
    const leaves: GraphLeaf[] = [leafFor(policy, []), ...policy.rules.map((_, i) => leafFor(policy, [i]))];
    const segments = policy.rules.map((_, i) => nb.rule(policy, i, -2 - i, -1));
    const graph: MatchGraph = { fields: [], preds: [], nodes: nb.nodes.map((n) => ({ ...n, lookup: 'binary' as const })), leaves, segments, optimized: false, ruleLevel: true };
    prune(graph); // only renumbers parents-first; nothing is merged at -O0
    for (const n of graph.nodes) n.lookup = 'binary';
    compactFields(graph, space);
    return { graph, passes: { iterations: 0, capped: false } };
  }
  // Leaves that name every matching rule give exact per-rule counters and the overlap
  // analysis, but rules over independent fields multiply their combinations; past a
  // budget the graph keeps only what the packet's destination needs: the groups.
  let idd = new Idd(space.names.length, options.ruleLevelBudget ?? RULE_LEVEL_BUDGET);
  let b = new FilterBuilder(idd, space);
  let root: number;
  let ruleLevel = true;
  try {
    root = buildRuleDiagram(policy, b, 'rules').root;
  } catch (e) {
    if (!(e instanceof BudgetExceeded)) throw e;
    if (options.analysisOnly) return { graph: { fields: [], preds: [], nodes: [], leaves: [], segments: [], optimized: true, ruleLevel: false }, passes: { iterations: 0, capped: false } };
    ruleLevel = false;
    idd = new Idd(space.names.length);
    b = new FilterBuilder(idd, space);
    root = buildRuleDiagram(policy, b, 'groups').root;
  }
  idd.limit = Infinity;
  const G = policy.groups.length;
  const graph: MatchGraph = {
    fields: [],
    preds: [],
    nodes: idd.nodes.map((n) => ({ field: n.field, cuts: [...n.cuts], kids: [...n.kids], lookup: 'binary' as const })),
    leaves: idd.leaves.map((set) => (ruleLevel ? leafFor(policy, set[0] === -1 ? [] : set) : groupLeaf(set[0] === -1 ? [] : set, G))),
    segments: [root],
    optimized: true,
    ruleLevel,
  };
  prune(graph);
  const passes = optimize(graph);
  lower(graph);
  compactFields(graph, space);
  if (!ruleLevel) return { graph, passes };
  const consistent = b.filter(FIELD_CONSISTENCY);
  const analysisRoot = idd.apply('consistent', root, consistent, (rules, ok) => (ok.length ? rules : []));
  return { graph, analysis: { idd, root: analysisRoot, FALSE: b.FALSE, space }, passes };
}
