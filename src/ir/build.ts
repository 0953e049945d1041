import type { PFilter, Policy } from '../policy/policy.js';
import type { FieldSpace } from './field-space.js';
import { BudgetExceeded, type Idd, type Shortcut, union } from './idd.js';

/** Boolean diagrams use these two leaves. */
const T_SET = [-1];
const andLeaf = (x: number[], y: number[]) => (x.length && y.length ? T_SET : []);
const orLeaf = (x: number[], y: number[]) => (x.length || y.length ? T_SET : []);

export class FilterBuilder {
  readonly TRUE: number;
  readonly FALSE: number;
  private readonly andShortcut: Shortcut;
  private readonly orShortcut: Shortcut;

  constructor(
    readonly idd: Idd,
    readonly space: FieldSpace,
  ) {
    const T = (this.TRUE = idd.leaf(T_SET));
    const F = (this.FALSE = idd.leaf([]));
    this.andShortcut = (a, b) => (a === F || b === F ? F : a === T || a === b ? b : b === T ? a : undefined);
    this.orShortcut = (a, b) => (a === T || b === T ? T : a === F || a === b ? b : b === F ? a : undefined);
  }

  and(a: number, b: number): number {
    return this.andShortcut(a, b) ?? this.idd.apply('and', a, b, andLeaf, this.andShortcut, true);
  }
  or(a: number, b: number): number {
    return this.orShortcut(a, b) ?? this.idd.apply('or', a, b, orLeaf, this.orShortcut, true);
  }
  not(a: number): number {
    return this.idd.mapLeaves('not', a, (x) => (x.length ? [] : T_SET));
  }

  filter(f: PFilter): number {
    switch (f.t) {
      case 'const':
        return f.value ? this.TRUE : this.FALSE;
      case 'test':
        return this.idd.test(this.space.field(f.field), f.ranges, this.TRUE, this.FALSE);
      case 'pred':
        return this.idd.test(this.space.pred(f.pred), [[1, 1]], this.TRUE, this.FALSE);
      case 'not':
        return this.not(this.filter(f.arg));
      case 'and':
        return f.args.reduce((acc, a) => (acc === this.FALSE ? acc : this.and(acc, this.filter(a))), this.TRUE);
      case 'or':
        return f.args.reduce((acc, a) => (acc === this.TRUE ? acc : this.or(acc, this.filter(a))), this.FALSE);
    }
  }

  /** A rule's match condition: its taps and its filter. */
  rule(policy: Policy, ruleIndex: number): number {
    const r = policy.rules[ruleIndex];
    const taps =
      r.taps === 'any'
        ? this.TRUE
        : this.idd.test(
            this.space.field('tap'),
            r.taps.map((t) => [t, t] as [number, number]),
            this.TRUE,
            this.FALSE,
          );
    return this.and(taps, this.filter(r.filter));
  }
}

/**
 * Builds the one diagram whose leaves are the exact sets of rules that match
 * (or, where that is too large, the groups they send to and drop from):
 * each rule's condition becomes a diagram with leaves {} and {rule}, and the
 * diagrams are united pairwise in balanced trees, so each apply works on
 * diagrams of similar size instead of growing one accumulator rule by rule.
 *
 * Union is associative and commutative and the diagram canonical, so the
 * shape of the trees changes the cost, never the result. In `shape` order,
 * the rules that test the same fields are united first, in a tree of their
 * own (a port list becomes one wide node), and those results then in a tree
 * ordered by their fields (see byShape), so the costly products between
 * unlike rules are formed once near the top, not again at every level: on
 * the benchmark policies, a quarter of the apply steps of one tree in policy
 * order at 10,000 rules, half at 1,000. In `policy` order unlike rules meet
 * from the first level on, so a node budget that is going to be exceeded is
 * exceeded early.
 *
 * `conds` caches the rules' conditions (boolean diagrams) between calls on
 * the same Idd, so a second attempt with other leaves does not rebuild them.
 */
export function buildRuleDiagram(
  policy: Policy,
  b: FilterBuilder,
  leaves: 'rules' | 'groups' = 'rules',
  conds: number[] = [],
  order: 'shape' | 'policy' = 'shape',
): { root: number } {
  const idd = b.idd;
  const EMPTY = b.FALSE;
  const layer: number[] = [];
  const G = policy.groups.length;
  for (let i = 0; i < policy.rules.length; i++) conds[i] ??= b.rule(policy, i);
  if (leaves === 'rules' && idd.limit < Infinity && !policy.rules.some((_, i) => idd.hasLeaf([i]))) {
    // Each rule's leaf is new and its own, so giving the conditions their leaves copies every
    // node of every condition, and no two copies share a node: when the copies alone exceed
    // the budget, fail before making them.
    let total = idd.size;
    for (const c of conds) total += idd.countNodes(c);
    if (total > idd.limit) throw new BudgetExceeded(idd.limit);
  }
  for (let i = 0; i < policy.rules.length; i++) {
    const cond = conds[i];
    const r = policy.rules[i];
    // group leaves: to-groups as g, drop-groups as G + g, so one sorted set carries both
    const hit = leaves === 'rules' ? [i] : r.groups.map((g) => (r.action === 'to' ? g : G + g)).sort((x, y) => x - y);
    layer.push(idd.mapLeaves(undefined, cond, (x) => (x.length ? hit : [])));
  }
  if (layer.length === 0) return { root: EMPTY };
  const unite: Shortcut = (x, y) => (x === y || y === EMPTY ? x : x === EMPTY ? y : undefined);
  const uniteAll = (diagrams: number[]): number => {
    let level = diagrams;
    while (level.length > 1) {
      const next: number[] = [];
      for (let i = 0; i < level.length; i += 2)
        next.push(i + 1 < level.length ? idd.apply('union', level[i], level[i + 1], union, unite, true) : level[i]);
      level = next;
      // one level's pairs hardly recur in the next, and on large policies this memo is most of the memory
      idd.forget('union');
    }
    return level[0];
  };
  return { root: order === 'policy' ? uniteAll(layer) : uniteAll(byShape(idd, layer).map(uniteAll)) };
}

/**
 * The diagrams in classes of those that test the same fields, each class in
 * the given order, the classes sorted deepest field first (field lists in
 * descending order, compared in order). Of the orders tried on the benchmark
 * policies this one did least work; shallowest field first took 40% more
 * apply steps at 10,000 rules, 25% more at 1,000.
 */
function byShape(idd: Idd, diagrams: number[]): number[][] {
  const classes = new Map<string, { fields: number[]; members: number[] }>();
  for (const d of diagrams) {
    const fields = idd.fieldsTested(d).reverse();
    const key = fields.join(',');
    let c = classes.get(key);
    if (!c) classes.set(key, (c = { fields, members: [] }));
    c.members.push(d);
  }
  const sorted = [...classes.values()].sort((x, y) => {
    const a = x.fields;
    const c = y.fields;
    for (let k = 0; k < a.length && k < c.length; k++) if (a[k] !== c[k]) return a[k] - c[k];
    return a.length - c.length;
  });
  return sorted.map((c) => c.members);
}
