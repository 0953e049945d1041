import type { PFilter, Policy } from '../policy/policy.js';
import type { FieldSpace } from './field-space.js';
import { Idd, union } from './idd.js';

/** Boolean diagrams use these two leaves. */
const T_SET = [-1];

export class FilterBuilder {
  readonly TRUE: number;
  readonly FALSE: number;

  constructor(
    readonly idd: Idd,
    readonly space: FieldSpace,
  ) {
    this.TRUE = idd.leaf(T_SET);
    this.FALSE = idd.leaf([]);
  }

  and(a: number, b: number): number {
    if (a === this.FALSE || b === this.FALSE) return this.FALSE;
    if (a === this.TRUE) return b;
    if (b === this.TRUE) return a;
    return this.idd.apply('and', a, b, (x, y) => (x.length && y.length ? T_SET : []));
  }
  or(a: number, b: number): number {
    if (a === this.TRUE || b === this.TRUE) return this.TRUE;
    if (a === this.FALSE) return b;
    if (b === this.FALSE) return a;
    return this.idd.apply('or', a, b, (x, y) => (x.length || y.length ? T_SET : []));
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
    const taps = r.taps === 'any' ? this.TRUE : this.idd.test(this.space.field('tap'), r.taps.map((t) => [t, t] as [number, number]), this.TRUE, this.FALSE);
    return this.and(taps, this.filter(r.filter));
  }
}

/**
 * Builds the one diagram whose leaves are the exact sets of rules that match
 * (or, where that is too large, the groups they send to and drop from):
 * each rule's condition becomes a diagram with leaves {} and {rule}, and the
 * diagrams are united pairwise in a balanced tree, so each apply works on
 * diagrams of similar size instead of growing one accumulator rule by rule.
 */
export function buildRuleDiagram(policy: Policy, b: FilterBuilder, leaves: 'rules' | 'groups' = 'rules'): { root: number } {
  let layer: number[] = [];
  const G = policy.groups.length;
  for (let i = 0; i < policy.rules.length; i++) {
    const cond = b.rule(policy, i);
    const r = policy.rules[i];
    // group leaves: to-groups as g, drop-groups as G + g, so one sorted set carries both
    const hit = leaves === 'rules' ? [i] : r.groups.map((g) => (r.action === 'to' ? g : G + g)).sort((x, y) => x - y);
    layer.push(b.idd.mapLeaves(`${leaves}${i}`, cond, (x) => (x.length ? hit : [])));
  }
  if (layer.length === 0) return { root: b.idd.leaf([]) };
  while (layer.length > 1) {
    const next: number[] = [];
    for (let i = 0; i < layer.length; i += 2) next.push(i + 1 < layer.length ? b.idd.apply('union', layer[i], layer[i + 1], union) : layer[i]);
    layer = next;
  }
  return { root: layer[0] };
}
