import type { PFilter, Policy } from '../policy/policy.js';
import type { FieldSpace } from './field-space.js';
import { type Idd, type Shortcut, union } from './idd.js';
import { loadTest } from './loads.js';

/** Boolean diagrams use these two leaves. */
const T_SET = [-1];
const andLeaf = (x: number[], y: number[]) => (x.length && y.length ? T_SET : []);
const orLeaf = (x: number[], y: number[]) => (x.length || y.length ? T_SET : []);

/**
 * Translates filters into boolean diagrams (leaves TRUE and FALSE).
 *
 * A filter may be a DAG (the front end shares a definition's expansion
 * wherever it is used) and arbitrarily deep or wide (10,000 nested `not`s, an
 * `or` of 100,000 terms): each distinct filter object is translated once
 * (memoized by identity), the walk keeps its own stack rather than the call
 * stack, and the terms of an `and` or `or` are combined pairwise in a balanced
 * tree, so that n terms over one field cost n log n, not n².
 */
export class FilterBuilder {
  readonly TRUE: number;
  readonly FALSE: number;
  private readonly andShortcut: Shortcut;
  private readonly orShortcut: Shortcut;
  private readonly memo = new Map<PFilter, number>();

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
    return a === this.TRUE ? this.FALSE : a === this.FALSE ? this.TRUE : this.idd.mapLeaves('not', a, notLeaf);
  }

  /** The conjunction (or disjunction) of many diagrams, combined pairwise in a balanced tree. */
  all(xs: readonly number[]): number {
    return this.fold(xs, (a, b) => this.and(a, b), this.TRUE, this.FALSE);
  }
  any(xs: readonly number[]): number {
    return this.fold(xs, (a, b) => this.or(a, b), this.FALSE, this.TRUE);
  }

  private fold(xs: readonly number[], op: (a: number, b: number) => number, unit: number, zero: number): number {
    let level: number[] = [];
    for (const x of xs) {
      if (x === zero) return zero;
      if (x !== unit) level.push(x);
    }
    if (level.length === 0) return unit;
    while (level.length > 1) {
      const next: number[] = [];
      for (let i = 0; i < level.length; i += 2) {
        const r = i + 1 < level.length ? op(level[i], level[i + 1]) : level[i];
        if (r === zero) return zero;
        next.push(r);
      }
      level = next;
    }
    return level[0];
  }

  filter(root: PFilter): number {
    const memo = this.memo;
    const known = memo.get(root);
    if (known !== undefined) return known;
    const refs = references(root, memo);
    // post-order over the DAG: a node is pushed, then its children; it is translated once they all are
    const stack: PFilter[] = [root];
    const expanded: boolean[] = [false];
    const operands = new Map<PFilter, PFilter[]>();
    while (stack.length) {
      const top = stack.length - 1;
      const f = stack[top];
      if (memo.has(f)) {
        stack.pop();
        expanded.pop();
        continue;
      }
      if (!expanded[top]) {
        expanded[top] = true;
        let kids: readonly PFilter[] = [];
        if (f.t === 'and' || f.t === 'or') {
          const ops = flatten(f, refs, memo);
          operands.set(f, ops);
          kids = ops;
        } else if (f.t === 'not') kids = [f.arg];
        for (let i = kids.length - 1; i >= 0; i--) {
          if (memo.has(kids[i])) continue;
          stack.push(kids[i]);
          expanded.push(false);
        }
        continue;
      }
      stack.pop();
      expanded.pop();
      memo.set(f, this.translate(f, operands.get(f)));
      operands.delete(f);
    }
    return memo.get(root)!;
  }

  /** One filter node, its children (for and/or, its flattened operands) translated already. */
  private translate(f: PFilter, operands: PFilter[] | undefined): number {
    switch (f.t) {
      case 'const':
        return f.value ? this.TRUE : this.FALSE;
      case 'test':
        return this.idd.test(this.space.field(f.field), f.ranges, this.TRUE, this.FALSE);
      case 'pred': {
        const load = loadTest(f.pred);
        if (load) return this.idd.test(this.space.load(load.field), load.ranges, this.TRUE, this.FALSE);
        return this.idd.test(this.space.pred(f.pred), [[1, 1]], this.TRUE, this.FALSE);
      }
      case 'not':
        return this.not(this.memo.get(f.arg)!);
      case 'and':
        return this.all(operands!.map((a) => this.memo.get(a)!));
      case 'or':
        return this.any(operands!.map((a) => this.memo.get(a)!));
    }
  }

  /** The diagram of a rule's taps: TRUE for 'any'. */
  taps(policy: Policy, ruleIndex: number): number {
    const r = policy.rules[ruleIndex];
    if (r.taps === 'any') return this.TRUE;
    return this.idd.test(
      this.space.field('tap'),
      r.taps.map((t) => [t, t] as [number, number]),
      this.TRUE,
      this.FALSE,
    );
  }

  /** A rule's match condition: its taps and its filter. */
  rule(policy: Policy, ruleIndex: number): number {
    return this.and(this.taps(policy, ruleIndex), this.filter(policy.rules[ruleIndex].filter));
  }
}

const notLeaf = (x: number[]) => (x.length ? [] : T_SET);

/** How many parents each node of a filter DAG has (nodes already translated are not entered). */
function references(root: PFilter, memo: Map<PFilter, number>): Map<PFilter, number> {
  const refs = new Map<PFilter, number>([[root, 0]]);
  const stack = [root];
  while (stack.length) {
    const f = stack.pop()!;
    if (memo.has(f)) continue;
    const kids = f.t === 'and' || f.t === 'or' ? f.args : f.t === 'not' ? [f.arg] : [];
    for (const k of kids) {
      const n = refs.get(k);
      refs.set(k, (n ?? 0) + 1);
      if (n === undefined) stack.push(k);
    }
  }
  return refs;
}

/**
 * The operands of an and/or, with nested ones of the same operator that
 * nothing else refers to taken apart (a chain a or (b or (c or ...)) is one
 * wide or, combined in a balanced tree, not a sequence that grows one term at
 * a time), and units (true in an and, false in an or) left out, so that an
 * and/or left with one operand is looked through. Shared parts stay whole:
 * they are translated once.
 */
function flatten(f: PFilter & { t: 'and' | 'or' }, refs: Map<PFilter, number>, memo: Map<PFilter, number>): PFilter[] {
  const out: PFilter[] = [];
  const unit = f.t === 'and';
  const stack = [...f.args].reverse();
  while (stack.length) {
    let a = stack.pop()!;
    // look through an unshared and/or of one real operand
    for (;;) {
      if ((a.t !== 'and' && a.t !== 'or') || refs.get(a) !== 1 || memo.has(a)) break;
      const real = a.args.filter((x) => !(x.t === 'const' && x.value === (a.t === 'and')));
      if (real.length !== 1) break;
      a = real[0];
    }
    if (a.t === 'const' && a.value === unit) continue;
    if (a.t === f.t && refs.get(a) === 1 && !memo.has(a)) {
      for (let i = a.args.length - 1; i >= 0; i--) stack.push(a.args[i]);
      continue;
    }
    out.push(a);
  }
  return out;
}

/**
 * Unites diagrams whose leaves are sorted sets, pairwise in a balanced tree,
 * so each apply works on diagrams of similar size instead of growing one
 * accumulator item by item. Union is associative and commutative and the
 * diagram canonical, so the shape of the tree changes the cost, never the
 * result. `empty` is the leaf of the empty set.
 */
export function uniteAll(idd: Idd, diagrams: readonly number[], empty: number): number {
  const unite: Shortcut = (x, y) => (x === y || y === empty ? x : x === empty ? y : undefined);
  let level = diagrams.filter((d) => d !== empty);
  if (level.length === 0) return empty;
  while (level.length > 1) {
    const next: number[] = [];
    for (let i = 0; i < level.length; i += 2)
      next.push(i + 1 < level.length ? idd.apply('union', level[i], level[i + 1], union, unite, true) : level[i]);
    level = next;
    // one level's pairs hardly recur in the next, and on large policies this memo is most of the memory
    idd.forget('union');
  }
  return level[0];
}

/**
 * The diagrams in classes of those that test the same fields, each class in
 * the given order, the classes sorted deepest field first (field lists in
 * descending order, compared in order). Uniting each class first (a port list
 * becomes one wide node), then the classes in this order, forms the costly
 * products between unlike diagrams once near the top rather than at every
 * level: on the benchmark policies a quarter of the apply steps of one tree
 * in policy order at 10,000 rules; shallowest field first took 40% more.
 */
export function byShape<T>(idd: Idd, items: readonly T[], diagramOf: (x: T) => number): T[][] {
  const classes = new Map<string, { fields: number[]; members: T[] }>();
  for (const x of items) {
    const fields = idd.fieldsTested(diagramOf(x)).reverse();
    const key = fields.join(',');
    let c = classes.get(key);
    if (!c) classes.set(key, (c = { fields, members: [] }));
    c.members.push(x);
  }
  const sorted = [...classes.values()].sort((x, y) => {
    const a = x.fields;
    const c = y.fields;
    for (let k = 0; k < a.length && k < c.length; k++) if (a[k] !== c[k]) return a[k] - c[k];
    return a.length - c.length;
  });
  return sorted.map((c) => c.members);
}

/**
 * A policy's rules as one diagram whose leaves say where a packet goes: g
 * for a group a matching rule sends to, G+g for one it drops from (diff
 * builds both policies so). `conds` receives each rule's condition.
 */
export function buildRuleDiagram(
  policy: Policy,
  b: FilterBuilder,
  leaves: 'groups',
  conds: number[] = [],
): { root: number } {
  const idd = b.idd;
  const G = policy.groups.length;
  const labelled = policy.rules.map((r, i) => {
    conds[i] ??= b.rule(policy, i);
    const hit = r.groups.map((g) => (r.action === 'to' ? g : G + g)).sort((x, y) => x - y);
    return idd.mapLeaves(undefined, conds[i], (x) => (x.length ? hit : []));
  });
  const classes = byShape(idd, labelled, (d) => d).map((cls) => uniteAll(idd, cls, b.FALSE));
  return { root: leaves === 'groups' ? uniteAll(idd, classes, b.FALSE) : b.FALSE };
}
