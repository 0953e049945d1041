import type { MatchGraph } from '../ir/graph.js';
import { loadTest } from '../ir/loads.js';
import { type PFilter, type Policy, type Predicate, predicateKey, type Rule } from '../policy/policy.js';

/**
 * Splitting a policy into parts whose match graphs the switch walks one
 * after the other, each leaf setting its groups' "to" and "drop" bits
 * (src/openflow/group-bits.ts), the packet delivered to the groups sent and
 * not dropped: how the language defines a policy's result, so any split of
 * the rules gives the same delivery.
 *
 * One graph for the whole policy tells every combination of rules apart,
 * which a switch pays in flows: under each destination address some rule
 * names, the source tests of every other rule are repeated, and a rule `from
 * any` is repeated under each tap with that tap's own rules. Real switch
 * pipelines match independent parts in tables of their own and combine the
 * results in metadata; here a part holds the rules that test the same
 * fields (its graph shares their values, as one table per field does), and
 * rules from taps apart from rules from any tap (whose graph has no tap
 * test at all). A rule whose filter is an `or` (`host A`: src or dst) is cut
 * into its alternatives, each in the part of its own fields.
 */

/** Parts beyond this are merged two by two (each part is a walk per packet on the switch's slow path). */
export const MAX_PARTS = 32;

/** A filter is cut into at most this many alternatives (an `and` of `or`s multiplies them). */
export const MAX_ALTERNATIVES = 8;

/**
 * The alternatives of a filter: its top-level `or` (nested ones flattened),
 * and an `and` over `or`s distributed (`tcp port 80` is `tcp and (src port
 * 80 or dst port 80)`: `tcp and src port 80`, `tcp and dst port 80`), so that
 * each side's test lands in a part of its own instead of crossing the other
 * side's values; a product over MAX_ALTERNATIVES stays whole.
 */
export function alternatives(f: PFilter): PFilter[] {
  if (f.t === 'or') return f.args.flatMap(alternatives);
  if (f.t !== 'and') return [f];
  let product: PFilter[][] = [[]];
  for (const arg of f.args) {
    const alts = alternatives(arg);
    if (product.length * alts.length > MAX_ALTERNATIVES) return [f];
    product = product.flatMap((conj) => alts.map((a) => [...conj, ...(a.t === 'and' ? a.args : [a])]));
  }
  return product.map((args) => (args.length === 1 ? args[0] : { t: 'and', args }));
}

/** The fields a filter tests (byte loads by what they load, other predicates as one). */
function fieldsOf(f: PFilter, out: Set<string>): Set<string> {
  switch (f.t) {
    case 'test':
      out.add(f.field);
      break;
    case 'pred':
      out.add(loadTest(f.pred)?.field ?? 'pred');
      break;
    case 'not':
      fieldsOf(f.arg, out);
      break;
    case 'and':
    case 'or':
      for (const a of f.args) fieldsOf(a, out);
      break;
  }
  return out;
}

const SRC = /(^|\.)(ip4Src|ip6Src|arpSpa|srcPort)$/;
const DST = /(^|\.)(ip4Dst|ip6Dst|arpTpa|dstPort)$/;

/** Which sides' addresses and ports the fields test. */
function sideOf(fields: Set<string>): string {
  const src = [...fields].some((f) => SRC.test(f));
  const dst = [...fields].some((f) => DST.test(f));
  return src && dst ? 'both' : src ? 'src' : dst ? 'dst' : 'none';
}

/**
 * The policy as parts (each a policy with the same taps and groups and some
 * of the rules, or alternatives of them), or undefined when it is one part.
 */
export function splitPolicy(policy: Policy): Policy[] | undefined {
  const pieces = policy.rules.flatMap((rule) =>
    alternatives(rule.filter).map((filter) => {
      const fields = fieldsOf(filter, new Set());
      const from = rule.taps === 'any' ? 'any' : 'taps';
      return { rule, filter, from, fields, fine: `${from}|${[...fields].sort().join(',')}` };
    }),
  );
  // Too many fine parts: parts are merged two at a time, each time the two of the same taps whose fields add
  // the fewest to the larger one's (a part of `tcp dst port` rules into one of `vlan and tcp dst port`, then
  // the smallest such pair), so that a merged part crosses as few fields of its rules as it can (a destination
  // port under each destination address). Merging by the coarse key alone (which sides' addresses and ports)
  // multiplied a thousand rules over seventeen kinds of filter into 115,653 flows.
  let key: (p: (typeof pieces)[number]) => string = (p) => p.fine;
  const parts = new Map<string, { from: string; fields: Set<string>; size: number; keys: string[] }>();
  for (const p of pieces) {
    let part = parts.get(p.fine);
    if (!part) parts.set(p.fine, (part = { from: p.from, fields: p.fields, size: 0, keys: [p.fine] }));
    part.size++;
  }
  if (parts.size > MAX_PARTS) {
    const live = [...parts.values()];
    while (live.length > MAX_PARTS) {
      let best: { i: number; j: number; added: number; size: number } | undefined;
      for (let i = 0; i < live.length; i++)
        for (let j = i + 1; j < live.length; j++) {
          const [a, b] = [live[i], live[j]];
          if (a.from !== b.from) continue;
          const union = new Set([...a.fields, ...b.fields]);
          // a source test under each destination value (and the reverse) is the crossing the cut avoided
          const crossed = sideOf(union) === 'both' && sideOf(a.fields) !== 'both' && sideOf(b.fields) !== 'both';
          const added = 2 * (union.size - Math.max(a.fields.size, b.fields.size)) + (crossed ? 1 : 0);
          const size = a.size + b.size;
          if (!best || added < best.added || (added === best.added && size < best.size)) best = { i, j, added, size };
        }
      if (!best) break;
      const [a, b] = [live[best.i], live[best.j]];
      live.splice(best.j, 1);
      live[best.i] = {
        from: a.from,
        fields: new Set([...a.fields, ...b.fields]),
        size: a.size + b.size,
        keys: [...a.keys, ...b.keys],
      };
    }
    const merged = new Map<string, string>();
    for (const part of live) for (const k of part.keys) merged.set(k, part.keys[0]);
    key = (p) => merged.get(p.fine)!;
  }
  const byKey = new Map<string, Rule[]>();
  for (const p of pieces) {
    const k = key(p);
    let rules = byKey.get(k);
    if (!rules) byKey.set(k, (rules = []));
    rules.push({ ...p.rule, filter: p.filter, index: rules.length });
  }
  if (byKey.size < 2) return undefined;
  return [...byKey.values()].map((rules) => ({ ...policy, rules }));
}

/**
 * The parts' graphs as one of several segments, over one list of fields and
 * predicates whose order keeps every part's (so each part's tests still go
 * forward), or undefined when two parts order their byte loads or
 * predicates differently (the switch then takes the policy's own graph).
 */
export function mergeGraphs(graphs: MatchGraph[]): MatchGraph | undefined {
  // a predicate's field is pred:N, N its graph's own: they meet by the predicate itself
  const keyOf = (g: MatchGraph, name: string) => {
    const m = /^pred:(\d+)$/.exec(name);
    return m ? `pred ${predicateKey(g.preds[Number(m[1])])}` : name;
  };
  // every part's order at once (a topological sort of their orders, first seen first): none when they disagree
  const seen: string[] = [];
  const after = new Map<string, Set<string>>();
  const before = new Map<string, number>();
  for (const g of graphs)
    g.fields.forEach((name, i) => {
      const k = keyOf(g, name);
      if (!after.has(k)) {
        seen.push(k);
        after.set(k, new Set());
        before.set(k, 0);
      }
      if (i > 0) {
        const prev = keyOf(g, g.fields[i - 1]);
        if (!after.get(prev)!.has(k)) {
          after.get(prev)!.add(k);
          before.set(k, before.get(k)! + 1);
        }
      }
    });
  const keys: string[] = [];
  const ready = seen.filter((k) => before.get(k) === 0);
  const rank = new Map(seen.map((k, i) => [k, i]));
  while (ready.length) {
    ready.sort((x, y) => rank.get(y)! - rank.get(x)!);
    const k = ready.pop()!;
    keys.push(k);
    for (const n of after.get(k)!) {
      before.set(n, before.get(n)! - 1);
      if (before.get(n) === 0) ready.push(n);
    }
  }
  if (keys.length < seen.length) return undefined;
  const index = new Map(keys.map((k, i) => [k, i]));
  const preds: MatchGraph['preds'] = [];
  const fields = keys.map((k) => {
    if (!k.startsWith('pred ')) return k;
    preds.push(JSON.parse(k.slice(5)) as Predicate);
    return `pred:${preds.length - 1}`;
  });
  const out: MatchGraph = {
    fields,
    preds,
    nodes: [],
    leaves: [],
    segments: [],
    counting: [],
    optimized: true,
    ruleLevel: false,
    uncounted: [],
  };
  for (const g of graphs) {
    const nodeBase = out.nodes.length;
    const leafBase = out.leaves.length;
    const kid = (k: number) => (k < 0 ? k - leafBase : k + nodeBase);
    const fieldOf = g.fields.map((name) => index.get(keyOf(g, name))!);
    for (const n of g.nodes)
      out.nodes.push({ ...n, field: fieldOf[n.field], kids: n.kids.map(kid), cuts: [...n.cuts] });
    for (const l of g.leaves) out.leaves.push({ ...l, rules: [] });
    for (const s of g.segments) out.segments.push(kid(s));
  }
  return out;
}
