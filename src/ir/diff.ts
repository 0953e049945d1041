import { fieldInfo, TUNNEL } from '../fields/fields.js';
import { IPPROTO } from '../fields/ip-proto.js';
import { UDP_PORT } from '../fields/ports.js';
import type { PFilter, Policy } from '../policy/policy.js';
import { buildRuleDiagram, FilterBuilder } from './build.js';
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
  /**
   * Every packet in this box changes as the example does: for each field the
   * path tests, the inclusive interval its value lies in (-1 is absent);
   * fields not listed may hold anything. The CLI picks a real packet in it.
   */
  box: Map<string, [number, number]>;

  tap: string | undefined;
  before: string[];
  after: string[];
  /** The tap names the `tap` field's values index (both policies' taps, by name). */
  tapNames: string[];
  /**
   * The rule (by name) whose difference this example shows, with its index in
   * each policy (-1 where it is not): a change that several rules are behind
   * has an example for each. Absent for a change no one rule reaches.
   */
  rule?: { name: string; before: number; after: number };
}

const test = (field: string, ...values: number[]): PFilter => ({
  t: 'or',
  args: values.map((v) => ({ t: 'test', field, ranges: [[v, v]] })),
});
const implies = (a: PFilter, b: PFilter): PFilter => ({ t: 'or', args: [{ t: 'not', arg: a }, b] });

/**
 * What every packet a tap delivers has, beyond what FIELD_CONSISTENCY says
 * of the fields: a tap, a tunnel only inside IP and in its own carrier (the
 * IP protocol, or the UDP port, the decoder found it by), an inner packet
 * only inside a tunnel. Without these, cells no real packet reaches (a VXLAN tunnel in no
 * UDP, a packet from no tap) would be reported as changes, and their examples
 * could not be built.
 */
function realTraffic(taps: number): PFilter {
  const t = TUNNEL;
  const some: PFilter = { t: 'test', field: 'tunnel', ranges: [[1, 15]] };
  return {
    t: 'and',
    args: [
      ...(taps > 0 ? [{ t: 'test', field: 'tap', ranges: [[0, taps - 1]] } as PFilter] : []),
      implies(test('tunnel', t.vxlan, t.geneve, t.gtp, t.l2tp, t.teredo), test('ipProto', IPPROTO.UDP)),
      ...UDP_TUNNELS.map(([kind, port]) =>
        implies(test('tunnel', kind), { t: 'or', args: [test('dstPort', port), test('srcPort', port)] }),
      ),
      // and UDP to VXLAN's port is VXLAN, whatever it holds (the other tunnels' ports need their header too)
      implies(
        { t: 'and', args: [test('ipProto', IPPROTO.UDP), test('dstPort', UDP_PORT.VXLAN)] },
        test('tunnel', t.vxlan),
      ),
      implies(test('tunnel', t.gre, t.pptp, t.erspan), test('ipProto', IPPROTO.GRE)),
      implies(test('tunnel', t.ipip), test('ipProto', IPPROTO.IPIP, IPPROTO.IPV6)),
      implies(test('tunnel', t['6in4'], t['6to4']), test('ipProto', IPPROTO.IPV6)),
      implies(test('tunnel', t.ipip, t['6in4'], t['6to4'], t.teredo), {
        t: 'not',
        arg: { t: 'test', field: 'tunnelId', ranges: [[0, 0xffffffff]] },
      }),
      implies({ t: 'test', field: 'inner.etherType', ranges: [[0, 0xffff]] }, some),
      implies({ t: 'test', field: 'inner.vlanCount', ranges: [[0, 15]] }, some),
    ],
  };
}

/** The UDP tunnels, by the port the decoder finds them on (either side). */
const UDP_TUNNELS: [number, number][] = [
  [TUNNEL.vxlan, UDP_PORT.VXLAN],
  [TUNNEL.geneve, UDP_PORT.GENEVE],
  [TUNNEL.gtp, UDP_PORT.GTP_U],
  [TUNNEL.l2tp, UDP_PORT.L2TP],
  [TUNNEL.teredo, UDP_PORT.TEREDO],
];

const fieldMax = (name: string): number => fieldInfo(name.replace(/^inner\./, '')).max;

function withTapNames(p: Policy, tapIndex: Map<string, number>): Policy {
  return {
    ...p,
    rules: p.rules.map((r) => ({
      ...r,
      taps: r.taps === 'any' ? 'any' : r.taps.map((t) => tapIndex.get(p.taps[t].name)!),
    })),
  };
}

export interface DiffOptions {
  /**
   * How much an example should lie in [lo, hi] of a field (higher first): the
   * search for each change's example visits intervals in this order, so the
   * first cell it finds holds the values the caller finds plausible.
   */
  prefer?: (field: string, lo: number, hi: number) => number;
}

export function diffPolicies(before: Policy, after: Policy, options: DiffOptions = {}): PolicyChange[] {
  const tapNames = [...new Set([...before.taps, ...after.taps].map((t) => t.name))];
  const tapIndex = new Map(tapNames.map((n, i) => [n, i]));
  const space = new FieldSpace();
  const a = withTapNames(before, tapIndex);
  const b = withTapNames(after, tapIndex);
  for (const p of [a, b]) for (const r of p.rules) space.collect(r.filter);
  const idd = new Idd(space.names.length);
  const fb = new FilterBuilder(idd, space);
  // within the compiler's total budget: the two policies' diagrams and their product
  try {
    return idd.withBudget(
      COMPILE_BUDGETS.total,
      () => {
        // leaves as interned destination sets (group names): built from the diagrams whose leaves
        // are the groups rules send to and drop from (to g, drop G + g), which stay small where
        // leaves naming every matching rule multiply (a 1,000-rule policy exceeded 2^25 nodes)
        const dests: string[][] = [];
        const destIndex = new Map<string, number>();
        const destOf = (p: Policy, set: number[]): number => {
          const G = p.groups.length;
          const to = new Set<string>();
          const drop = new Set<string>();
          for (const x of set) (x < G ? to : drop).add(p.groups[x % G].name);
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
        const condsA: number[] = [];
        const condsB: number[] = [];
        const rootA = idd.mapLeaves('destA', buildRuleDiagram(a, fb, 'groups', condsA).root, (set) => [destOf(a, set)]);
        const rootB = idd.mapLeaves('destB', buildRuleDiagram(b, fb, 'groups', condsB).root, (set) => [destOf(b, set)]);
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
        // examples should be packets the decoder could produce, and changes only those real traffic can show
        const consistent = fb.filter({ t: 'and', args: [FIELD_CONSISTENCY, realTraffic(tapNames.length)] });
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
        const covered = new Set<number>();
        /** One box for each kind of change (pair) reachable from `from` and not yet found there. */
        const search = (from: number, rule: PolicyChange['rule']) => {
          const found = new Set<number>();
          const path = new Map<number, number>();
          const box = new Map<number, [number, number]>();
          const visit = (id: number) => {
            if (id < 0) {
              const set = idd.leafSet(id);
              if (set.length && !found.has(set[0])) {
                found.add(set[0]);
                covered.add(set[0]);
                const [x, y] = pairs[set[0]];
                const example = new Map<string, number>();
                for (const [f, v] of path) example.set(space.names[f], v);
                const tap = example.get('tap');
                changes.push({
                  example,
                  box: new Map([...box].map(([f, range]) => [space.names[f], range])),
                  tapNames,
                  tap: tap === undefined ? undefined : tapNames[tap],
                  before: dests[x],
                  after: dests[y],
                  ...(rule ? { rule } : {}),
                });
              }
              return;
            }
            const n = idd.nodes[id];
            const hiOf = (i: number) => (i + 1 < n.cuts.length ? n.cuts[i + 1] - 1 : Number.MAX_SAFE_INTEGER);
            const order = n.kids.map((_, i) => i);
            const prefer = options.prefer;
            if (prefer) {
              const name = space.names[n.field];
              const score = order.map((i) => prefer(name, n.cuts[i], hiOf(i)));
              order.sort((x, y) => score[y] - score[x] || x - y);
            }
            const max = space.isPred(n.field) ? 1 : fieldMax(space.names[n.field]);
            for (const i of order) {
              const k = n.kids[i];
              // past the field's largest value: no packet is there
              if (n.cuts[i] > max) continue;
              if (![...reachOf(k)].some((x) => !found.has(x))) continue;
              // a representative value: prefer a present one (>= 0) within the interval
              const hi = hiOf(i);
              const v = n.cuts[i] >= 0 ? n.cuts[i] : hi >= 0 ? 0 : -1;
              path.set(n.field, v);
              box.set(n.field, [n.cuts[i], hi]);
              visit(k);
              path.delete(n.field);
              box.delete(n.field);
            }
          };
          visit(from);
        };

        // Each rule whose match or effect differs between the policies (by name: added, removed,
        // edited) gets an example of each change it is part of: the differing cells where it
        // matches differently, so that every change is tied to the rules behind it.
        const names = [...new Set([...before.rules, ...after.rules].map((r) => r.name))];
        for (const name of names) {
          const ia = before.rules.findIndex((r) => r.name === name);
          const ib = after.rules.findIndex((r) => r.name === name);
          const ca = ia >= 0 ? condsA[ia] : fb.FALSE;
          const cb = ib >= 0 ? condsB[ib] : fb.FALSE;
          const same = ia >= 0 && ib >= 0 && sameEffect(before, ia, after, ib);
          if (same && ca === cb) continue;
          const region = same ? fb.and(fb.or(ca, cb), fb.not(fb.and(ca, cb))) : fb.or(ca, cb);
          if (region === fb.FALSE) continue;
          search(
            idd.apply('cause', root, region, (d, ok) => (ok.length ? d : [])),
            { name, before: ia, after: ib },
          );
        }
        // a change no single rule's difference reaches (none is expected): its own example
        if (covered.size < pairs.length) search(root, undefined);
        return changes;
      },
      'diff',
    );
  } catch (e) {
    if (e instanceof BudgetExceeded)
      throw new CompileBudgetError(e.kind, e.limit, 'the difference of the two policies', []);
    throw e;
  }
}

/** Whether two rules do the same thing when they match: the same action on the same groups (by name). */
function sameEffect(p: Policy, i: number, q: Policy, j: number): boolean {
  const x = p.rules[i];
  const y = q.rules[j];
  const groups = (pol: Policy, g: number[]) =>
    g
      .map((k) => pol.groups[k].name)
      .sort()
      .join(',');
  return x.action === y.action && groups(p, x.groups) === groups(q, y.groups);
}
