import type { Policy } from '../policy/policy.js';
import { FilterBuilder, uniteAll } from './build.js';
import { FIELD_CONSISTENCY } from './consistency.js';
import { FieldSpace } from './field-space.js';
import { BudgetExceeded, Idd } from './idd.js';
import { COMPILE_BUDGETS, CompileBudgetError } from './limits.js';

/**
 * Where traffic goes differently under two policies. Both are built into one
 * diagram space, with taps and groups matched by name; a product diagram
 * marks the cells whose destinations differ, and one path to each such cell
 * is an example packet.
 */
export interface PolicyChange {
  /** Field values of an example packet (fields not listed are absent). */
  example: Map<string, number>;
  tap: string | undefined;
  before: string[];
  after: string[];
}

function withTapNames(p: Policy, tapIndex: Map<string, number>): Policy {
  return {
    ...p,
    rules: p.rules.map((r) => ({
      ...r,
      taps: r.taps === 'any' ? 'any' : r.taps.map((t) => tapIndex.get(p.taps[t].name)!),
    })),
  };
}

/**
 * A policy's destinations as one diagram whose leaves are interned
 * destination sets: each group's condition (what sends to it minus what
 * drops from it) with the group's name as its leaf, united. Leaves hold
 * destinations, not rules, so rules that overlap in many ways (which rule
 * sets would multiply) cost nothing here.
 */
function destinations(
  p: Policy,
  fb: FilterBuilder,
  nameId: (name: string) => number,
  destOf: (names: number[]) => number,
): number {
  const idd = fb.idd;
  const perGroup = p.groups.map((g) => {
    const rs = p.rules.filter((r) => r.groups.includes(g.index));
    const to = fb.any(rs.filter((r) => r.action === 'to').map((r) => fb.rule(p, r.index)));
    const drop = fb.any(rs.filter((r) => r.action === 'drop').map((r) => fb.rule(p, r.index)));
    const id = nameId(g.name);
    return idd.mapLeaves(undefined, fb.and(to, fb.not(drop)), (x) => (x.length ? [id] : []));
  });
  const names = uniteAll(idd, perGroup, fb.FALSE);
  return idd.mapLeaves(undefined, names, (set) => [destOf(set)]);
}

export function diffPolicies(before: Policy, after: Policy): PolicyChange[] {
  const tapNames = [...new Set([...before.taps, ...after.taps].map((t) => t.name))];
  const tapIndex = new Map(tapNames.map((n, i) => [n, i]));
  const space = new FieldSpace();
  const a = withTapNames(before, tapIndex);
  const b = withTapNames(after, tapIndex);
  for (const p of [a, b]) for (const r of p.rules) space.collect(r.filter);
  const idd = new Idd(space.names.length);
  const fb = new FilterBuilder(idd, space);
  const groupNames = [...new Set([...a.groups, ...b.groups].map((g) => g.name))].sort();
  const nameIndex = new Map(groupNames.map((n, i) => [n, i]));
  // leaves as interned destination sets (group names)
  const dests: string[][] = [];
  const destIndex = new Map<string, number>();
  const destOf = (ids: number[]): number => {
    const names = ids.map((i) => groupNames[i]);
    const key = names.join(',');
    let i = destIndex.get(key);
    if (i === undefined) {
      i = dests.length;
      dests.push(names);
      destIndex.set(key, i);
    }
    return i;
  };
  const pairs: [number, number][] = [];
  let root: number;
  try {
    root = idd.withBudget(
      COMPILE_BUDGETS.total,
      () => {
        const rootA = destinations(a, fb, (n) => nameIndex.get(n)!, destOf);
        const rootB = destinations(b, fb, (n) => nameIndex.get(n)!, destOf);
        const pairIndex = new Map<string, number>();
        const diff = idd.apply('diff', rootA, rootB, ([x], [y]) => {
          if (x === y) return [];
          const k = `${x}>${y}`;
          let i = pairIndex.get(k);
          if (i === undefined) {
            i = pairs.length;
            pairs.push([x, y]);
            pairIndex.set(k, i);
          }
          return [i];
        });
        // examples should be packets the decoder could produce
        const consistent = fb.filter(FIELD_CONSISTENCY);
        return idd.apply('diffc', diff, consistent, (d, ok) => (ok.length ? d : []));
      },
      'diff',
    );
  } catch (e) {
    if (!(e instanceof BudgetExceeded)) throw e;
    throw new CompileBudgetError(e.kind, e.limit, 'the difference of the two policies', []);
  }

  // which differing cells each node can still reach, so the search never wanders into dead ends
  const reach = new Map<number, Set<number>>();
  for (const id of idd.postOrder(root)) {
    const r = new Set<number>();
    for (const k of idd.kids(id)) for (const x of k < 0 ? idd.leafSet(k) : reach.get(k)!) r.add(x);
    reach.set(id, r);
  }
  const reachOf = (id: number) => (id < 0 ? new Set(idd.leafSet(id)) : reach.get(id)!);
  const changes: PolicyChange[] = [];
  const found = new Set<number>();
  const path = new Map<number, number>();
  const atLeaf = (id: number) => {
    const set = idd.leafSet(id);
    if (!set.length || found.has(set[0])) return;
    found.add(set[0]);
    const [x, y] = pairs[set[0]];
    const example = new Map<string, number>();
    for (const [f, v] of path) example.set(space.names[f], v);
    const tap = example.get('tap');
    changes.push({ example, tap: tap === undefined ? undefined : tapNames[tap], before: dests[x], after: dests[y] });
  };
  // depth first, on a stack of its own: (node, next interval) pairs
  if (root < 0) atLeaf(root);
  const stack: number[] = root >= 0 ? [root, 0] : [];
  while (stack.length) {
    const at = stack.length - 2;
    const id = stack[at];
    const i = stack[at + 1];
    const n = idd.nodes[id];
    path.delete(n.field);
    if (i === n.kids.length) {
      stack.length = at;
      continue;
    }
    stack[at + 1] = i + 1;
    const k = n.kids[i];
    if (![...reachOf(k)].some((x) => !found.has(x))) continue;
    // a representative value: prefer a present one (>= 0) within the interval
    const hi = i + 1 < n.cuts.length ? n.cuts[i + 1] - 1 : Number.MAX_SAFE_INTEGER;
    path.set(n.field, n.cuts[i] >= 0 ? n.cuts[i] : hi >= 0 ? 0 : -1);
    if (k < 0) {
      atLeaf(k);
      path.delete(n.field);
    } else stack.push(k, 0);
  }
  return changes;
}
