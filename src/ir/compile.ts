import type { PFilter, Policy } from '../policy/policy.js';
import { arithDepth, MAX_ARITH_DEPTH } from './graph-invariants.js';
import { FilterBuilder } from './build.js';
import { FieldSpace } from './field-space.js';
import type { CountingTable, GraphLeaf, GraphNode, MatchGraph } from './graph.js';
import { BudgetExceeded, Idd } from './idd.js';
import { COMPILE_BUDGETS, CompileBudgetError, type CompileBudgets } from './limits.js';
import { NaiveBuilder } from './naive.js';
import { optimize, prune, type PassReport } from './passes.js';
import { buildSegments, type SegmentPlan } from './segments.js';

export interface CompileOptions {
  /** false is -O0: one naive graph per rule, no optimization. */
  optimize?: boolean;
  /** Budgets other than the defaults (tests shrink them to exercise segments, fallbacks and failures). */
  budgets?: Partial<CompileBudgets>;
  /** Keep what the overlap analysis needs (the Idd and the rules' and groups' diagrams). */
  analysis?: boolean;
}

/** What the overlap analysis starts from: each rule's condition and each group's, in one Idd. */
export interface AnalysisInput {
  idd: Idd;
  b: FilterBuilder;
  space: FieldSpace;
  /** Per rule: its taps and filter (the analysis' own budget may leave some unbuilt). */
  conds: number[];
  /** Per group, when the compile built them: the union of its to rules' conditions, and of its drop rules'. */
  to?: number[];
  drop?: number[];
}

export interface Compiled {
  graph: MatchGraph;
  passes: PassReport;
  /** How the graph was laid out. */
  plan: SegmentPlan;
  analysis?: AnalysisInput;
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

function leafFor(policy: Policy, rules: number[]): GraphLeaf {
  const to = new Set<number>();
  const drop = new Set<number>();
  for (const r of rules) for (const g of policy.rules[r].groups) (policy.rules[r].action === 'to' ? to : drop).add(g);
  const sorted = (s: Set<number>) => [...s].sort((a, b) => a - b);
  return { rules, to: sorted(to), drop: sorted(drop), groups: sorted(to).filter((g) => !drop.has(g)) };
}

/** A leaf of the compile's diagrams: a sorted set of g (sends to group g), G+g (drops from g), 2G+r (rule r matched). */
function decodeLeaf(set: readonly number[], G: number): GraphLeaf {
  const to: number[] = [];
  const drop: number[] = [];
  const rules: number[] = [];
  for (const x of set) {
    if (x < 0) continue;
    if (x < G) to.push(x);
    else if (x < 2 * G) drop.push(x - G);
    else rules.push(x - 2 * G);
  }
  return { rules, to, drop, groups: to.filter((g) => !drop.includes(g)) };
}

/**
 * The part of the diagram reachable from the roots, as a match graph (the Idd
 * also holds what earlier attempts left), numbered as prune() numbers: nodes
 * in reverse post-order, leaves in order of first use, so optimize() need
 * not prune it again.
 */
function toGraph(
  idd: Idd,
  roots: number[],
  counting: { segment: number; root: number; groups: number[] }[],
  leafOf: (set: number[]) => GraphLeaf,
): MatchGraph {
  // as prune() numbers: the first segment's nodes first
  const order = idd.postOrder([...roots, ...counting.map((c) => c.root)].reverse()).reverse();
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
  const segments = roots.map(mapKid);
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
  const tables: CountingTable[] = counting.map((c) => ({ segment: c.segment, root: mapKid(c.root), groups: c.groups }));
  return {
    fields: [],
    preds: [],
    nodes,
    leaves,
    segments,
    counting: tables,
    optimized: true,
    ruleLevel: true,
    uncounted: [],
  };
}

/** -O0: every rule's filter as written, one segment each. */
function compileNaive(policy: Policy, space: FieldSpace, budgets: CompileBudgets): Compiled {
  const nb = new NaiveBuilder(space, budgets.naive);
  const leaves: GraphLeaf[] = [leafFor(policy, []), ...policy.rules.map((_, i) => leafFor(policy, [i]))];
  const segments: number[] = [];
  for (let i = 0; i < policy.rules.length; i++) {
    try {
      segments.push(nb.rule(policy, i, -2 - i, -1));
    } catch (e) {
      if (!(e instanceof BudgetExceeded)) throw e;
      throw new CompileBudgetError('nodes', budgets.naive, `the -O0 graph of rule '${policy.rules[i].name}'`, [i]);
    }
  }
  const graph: MatchGraph = {
    fields: [],
    preds: [],
    nodes: nb.nodes.map((n) => ({ ...n, lookup: 'binary' as const })),
    leaves,
    segments,
    counting: [],
    optimized: false,
    ruleLevel: true,
    uncounted: [],
  };
  prune(graph); // only renumbers parents-first; nothing is merged at -O0
  for (const n of graph.nodes) n.lookup = 'binary';
  compactFields(graph, space);
  const plan: SegmentPlan = { segments: [], uncounted: [] };
  return { graph, passes: { iterations: 0, capped: false }, plan };
}

/**
 * A predicate's arithmetic nests at most MAX_ARITH_DEPTH deep: the runtime
 * evaluates it with closures that call one another as deep, and an artifact
 * deeper than that would not load.
 */
function checkArithmetic(policy: Policy): void {
  for (const r of policy.rules) {
    const seen = new Set<PFilter>();
    const stack = [r.filter];
    while (stack.length) {
      const f = stack.pop()!;
      if (seen.has(f)) continue;
      seen.add(f);
      if (f.t === 'not') stack.push(f.arg);
      else if (f.t === 'and' || f.t === 'or') stack.push(...f.args);
      else if (
        f.t === 'pred' &&
        f.pred.kind === 'relation' &&
        Math.max(arithDepth(f.pred.left), arithDepth(f.pred.right)) > MAX_ARITH_DEPTH
      )
        throw new CompileBudgetError('depth', MAX_ARITH_DEPTH, `rule '${r.name}'`, [r.index]);
    }
  }
}

/** Compiles with the default options, once per checked policy (validate's checks and the command share it). */
const compiledOnce = new WeakMap<Policy, Compiled>();

/**
 * Compiles a checked policy into its match graph.
 *
 * Throws CompileBudgetError when the policy does not fit the compiler's
 * budgets (memory, steps, nodes), naming the rules it was building; the
 * graph checks report that as TMES0706 before any command compiles.
 */
export function compilePolicy(policy: Policy, options: CompileOptions = {}): Compiled {
  const cacheable = options.optimize !== false && !options.budgets;
  if (cacheable && !options.analysis) {
    const hit = compiledOnce.get(policy);
    if (hit) return hit;
  }
  const budgets: CompileBudgets = { ...COMPILE_BUDGETS, ...options.budgets };
  checkArithmetic(policy);
  const space = new FieldSpace();
  for (const r of policy.rules) space.collect(r.filter);
  if (options.optimize === false) return compileNaive(policy, space, budgets);
  const idd = new Idd(space.names.length);
  const b = new FilterBuilder(idd, space);
  const G = policy.groups.length;
  const built = buildSegments(policy, b, budgets);
  const graph = toGraph(
    idd,
    built.roots,
    built.counting.map((c) => ({ segment: c.segment, root: c.root, groups: c.groups })),
    (set) => decodeLeaf(set, G),
  );
  graph.uncounted = built.plan.uncounted;
  graph.ruleLevel = built.plan.uncounted.length === 0;
  const passes = optimize(graph, undefined, true);
  compactFields(graph, space);
  const compiled: Compiled = { graph, passes, plan: built.plan };
  // cached without the analysis' Idd, which the caller lets go of once the checks have run
  if (cacheable) compiledOnce.set(policy, compiled);
  if (options.analysis)
    return { ...compiled, analysis: { idd, b, space, conds: built.conds, to: built.to, drop: built.drop } };
  return compiled;
}
