import type { Policy } from '../policy/policy.js';
import { buildRuleDiagram, FilterBuilder } from './build.js';
import { FIELD_CONSISTENCY } from './consistency.js';
import { FieldSpace } from './field-space.js';
import { Idd } from './idd.js';

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

export function diffPolicies(before: Policy, after: Policy): PolicyChange[] {
  const tapNames = [...new Set([...before.taps, ...after.taps].map((t) => t.name))];
  const tapIndex = new Map(tapNames.map((n, i) => [n, i]));
  const space = new FieldSpace();
  const a = withTapNames(before, tapIndex);
  const b = withTapNames(after, tapIndex);
  for (const p of [a, b]) for (const r of p.rules) space.collect(r.filter);
  const idd = new Idd(space.names.length);
  const fb = new FilterBuilder(idd, space);
  // leaves as interned destination sets (group names) rather than rule sets
  const dests: string[][] = [];
  const destIndex = new Map<string, number>();
  const destOf = (p: Policy, rules: number[]): number => {
    const to = new Set<string>();
    const drop = new Set<string>();
    for (const r of rules)
      for (const g of p.rules[r].groups) (p.rules[r].action === 'to' ? to : drop).add(p.groups[g].name);
    const names = [...to].filter((x) => !drop.has(x)).sort();
    const key = names.join(',');
    let i = destIndex.get(key);
    if (i === undefined) {
      i = dests.length;
      dests.push(names);
      destIndex.set(key, i);
    }
    return i;
  };
  const rootA = idd.mapLeaves('destA', buildRuleDiagram(a, fb).root, (rules) => [destOf(a, rules)]);
  const rootB = idd.mapLeaves('destB', buildRuleDiagram(b, fb).root, (rules) => [destOf(b, rules)]);
  const pairs: [number, number][] = [];
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
  const root = idd.apply('diffc', diff, consistent, (d, ok) => (ok.length ? d : []));

  // which differing cells each node can still reach, so the search never wanders into dead ends
  const reach = new Map<number, Set<number>>();
  const reachOf = (id: number): Set<number> => {
    if (id < 0) return new Set(idd.leafSet(id));
    let r = reach.get(id);
    if (!r) {
      r = new Set();
      for (const k of idd.nodes[id].kids) for (const x of reachOf(k)) r.add(x);
      reach.set(id, r);
    }
    return r;
  };
  const changes: PolicyChange[] = [];
  const found = new Set<number>();
  const path = new Map<number, number>();
  const visit = (id: number) => {
    if (id < 0) {
      const set = idd.leafSet(id);
      if (set.length && !found.has(set[0])) {
        found.add(set[0]);
        const [x, y] = pairs[set[0]];
        const example = new Map<string, number>();
        for (const [f, v] of path) example.set(space.names[f], v);
        const tap = example.get('tap');
        changes.push({
          example,
          tap: tap === undefined ? undefined : tapNames[tap],
          before: dests[x],
          after: dests[y],
        });
      }
      return;
    }
    const n = idd.nodes[id];
    n.kids.forEach((k, i) => {
      if (![...reachOf(k)].some((x) => !found.has(x))) return;
      // a representative value: prefer a present one (>= 0) within the interval
      const hi = i + 1 < n.cuts.length ? n.cuts[i + 1] - 1 : Number.MAX_SAFE_INTEGER;
      const v = n.cuts[i] >= 0 ? n.cuts[i] : hi >= 0 ? 0 : -1;
      path.set(n.field, v);
      visit(k);
      path.delete(n.field);
    });
  };
  visit(root);
  return changes;
}
