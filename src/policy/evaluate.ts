import type { PFilter, Policy, Predicate } from './policy.js';

/**
 * The reference semantics, evaluated straight from the checked policy with no
 * graph at all: every rule in turn, to-groups united, drop-groups removed.
 * It is slow on purpose and simple enough to trust; the compiler's graphs are
 * tested against it, and `explain` uses it to list matching rules.
 */
export interface PacketFacts {
  /** Value of a field ('dstPort', 'inner.ip4Src', 'tap', ...), ABSENT (-1) when missing. */
  field(name: string): number;
  /** Outcome of an opaque predicate (payload and byte-offset tests). */
  pred(p: Predicate): boolean;
}

/**
 * A filter's value for one packet. Filters are DAGs (definitions are shared,
 * check/filter-dag.ts), so each node is evaluated once per packet (`seen`):
 * a walk that did not remember would take time exponential in the policy.
 */
function evalFilter(f: PFilter, facts: PacketFacts, seen = new Map<PFilter, boolean>()): boolean {
  if (f.t !== 'and' && f.t !== 'or' && f.t !== 'not') return evalLeaf(f, facts);
  const known = seen.get(f);
  if (known !== undefined) return known;
  const v =
    f.t === 'and'
      ? f.args.every((a) => evalFilter(a, facts, seen))
      : f.t === 'or'
        ? f.args.some((a) => evalFilter(a, facts, seen))
        : !evalFilter(f.arg, facts, seen);
  seen.set(f, v);
  return v;
}

function evalLeaf(f: Exclude<PFilter, { t: 'and' | 'or' | 'not' }>, facts: PacketFacts): boolean {
  switch (f.t) {
    case 'const':
      return f.value;
    case 'test': {
      const v = facts.field(f.field);
      return f.ranges.some(([lo, hi]) => v >= lo && v <= hi);
    }
    case 'pred':
      return facts.pred(f.pred);
  }
}

export function evaluatePolicy(policy: Policy, facts: PacketFacts): { rules: number[]; groups: number[] } {
  const tap = facts.field('tap');
  const rules: number[] = [];
  const to = new Set<number>();
  const drop = new Set<number>();
  // rules share subfilters too: one packet, one evaluation of each
  const seen = new Map<PFilter, boolean>();
  for (const r of policy.rules) {
    if (r.taps !== 'any' && !r.taps.includes(tap)) continue;
    if (!evalFilter(r.filter, facts, seen)) continue;
    rules.push(r.index);
    for (const g of r.groups) (r.action === 'to' ? to : drop).add(g);
  }
  return { rules, groups: [...to].filter((g) => !drop.has(g)).sort((a, b) => a - b) };
}
