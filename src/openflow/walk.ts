import { ETHERTYPE } from '../fields/ethertype.js';
import { ABSENT } from '../fields/fields.js';
import type { MatchGraph } from '../ir/graph.js';
import type { Ranges } from '../policy/policy.js';
import { type Flow, TABLE } from './flow.js';
import { type Prefix, rangeToPrefixes, ternaryCover } from './prefixes.js';
import { FLAG, REG, flagMatch, load, regMatch, setFlags } from './registers.js';
import { ALL_CLASSES, CLASS, type FieldsIn, type SwitchField, switchField, V4, V6 } from './switch-fields.js';

/** Where an edge of the graph leads on the switch. */
export type Target =
  /** `table` when the node's test is folded into its children's flows (not its field's table) */
  { kind: 'node'; node: number; table?: number } | { kind: 'leaf'; leaf: number } | { kind: 'punt' };

/** A test the switch cannot decide, and under which packet facts: packets reaching it there go to the host. */
export interface PuntSite {
  node: number;
  field: string;
  what: string;
  /** Flags under which the test is hidden, or 'always' (payload tests, the packet length). */
  when: number | 'always';
}

export interface WalkProgram {
  flows: Flow[];
  /** Per segment, where its walk starts. */
  roots: Target[];
  /** The graph's fields that have a table, and which. */
  tables: Map<number, number>;
  /** Leaves some packet can reach on the switch. */
  leaves: Set<number>;
  punts: PuntSite[];
  /** Graph nodes that have flows (the rest are unreachable on the switch or decided without a table). */
  nodes: number;
}

/** Flow priorities inside a field's table. */
const PRIO = Object.freeze({
  /** A hidden field whose children agree over the values it may have: go on. */
  REDIRECT: 310,
  /** A tap a folded tap test drops, where its children's table punts: the packet goes nowhere. */
  TAP_DROP: 305,
  /** A hidden field: the host decides. */
  PUNT: 300,
  /** The field is ABSENT, when the default child is another. */
  ABSENT: 200,
  VALUE: 100,
  DEFAULT: 1,
  /** Where a node's default child does nothing: one flow for the table, not one per node. */
  NOTHING: 0,
});

const ALL_FLAGS = -1;
/** Fields this narrow may match any value/mask, not only prefixes (a byte's bit tests). */
const TERNARY_BITS = 8;
const L3H_PARTS = FLAG.VLANS | FLAG.Q9100 | FLAG.MPLS | FLAG.PPPOE;

/** L3H is set exactly when one of its parts is: excluding it excludes them, and excluding them all excludes it. */
function closeExcluded(x: number): number {
  if ((x & L3H_PARTS) === L3H_PARTS) x |= FLAG.L3H;
  if (x & FLAG.L3H) x |= L3H_PARTS;
  return x;
}

/** A node's test folded into its children's flows: their table, each child with the matches added, taps dropped. */
interface Fold {
  table: number;
  kids: { kid: number; extra: string[] }[];
  /** Matches of taps the node drops, where the table's punts would take their packets otherwise. */
  drops: string[];
}

interface Edge {
  kid: number;
  /** Hidden flags packets taking this edge cannot have. */
  excluded: number;
  /** The protocol classes packets taking it can have. */
  classes: number;
}

const has = (lo: number, hi: number, v: number) => lo <= v && v <= hi;
/** Whether lo..hi holds a value other than `special`. */
const other = (lo: number, hi: number, special: number[]) => hi - lo + 1 > special.filter((v) => has(lo, hi, v)).length;

/** The classes whose EtherType (as Open vSwitch parses it) lies in lo..hi. */
function classesOfEtherTypes(lo: number, hi: number): number {
  let c = 0;
  if (has(lo, hi, ETHERTYPE.IPV4)) c |= V4;
  if (has(lo, hi, ETHERTYPE.IPV6)) c |= V6;
  if (has(lo, hi, ETHERTYPE.ARP)) c |= CLASS.ARP;
  if (has(lo, hi, ETHERTYPE.RARP)) c |= CLASS.RARP;
  if (other(lo, hi, [ETHERTYPE.IPV4, ETHERTYPE.IPV6, ETHERTYPE.ARP, ETHERTYPE.RARP])) c |= CLASS.OTHER;
  return c;
}

/** The classes whose IP protocol lies in lo..hi. */
function classesOfProtocols(lo: number, hi: number): number {
  let c = 0;
  if (has(lo, hi, 6)) c |= CLASS.T4 | CLASS.T6;
  if (has(lo, hi, 17)) c |= CLASS.U4 | CLASS.U6;
  if (has(lo, hi, 132)) c |= CLASS.S4 | CLASS.S6;
  if (has(lo, hi, 1)) c |= CLASS.I4;
  if (has(lo, hi, 58)) c |= CLASS.I6;
  if (other(lo, hi, [6, 17, 132, 1])) c |= CLASS.O4;
  if (other(lo, hi, [6, 17, 132, 58])) c |= CLASS.O6;
  return c;
}

/** The classes packets taking the interval lo..hi (present values) of a node on `field` can have. */
function classesOfInterval(field: string, spec: SwitchField, lo: number, hi: number): number {
  if (field === 'etherType' || field === 'outerEtherType') return classesOfEtherTypes(lo, hi);
  if (field === 'ipProto') return classesOfProtocols(lo, hi);
  return spec.classes ?? ALL_CLASSES;
}

interface NodeOut {
  /** Per interval (restricted to what the switch can see): its child, or undefined when not reachable. */
  normal: { lo: number; hi: number; kid: number }[];
  /** Packets with the flag go to kid; `implied` when the normal flows take them there already. */
  redirects: { flag: number; kid: number; implied: boolean }[];
  punts: number[];
  never: boolean;
}

/** Distinct children over a set of values (-1 is ABSENT), by the node's intervals. */
function kidsOver(cuts: readonly number[], kids: readonly number[], values: Ranges | 'any', max: number): Set<number> {
  const out = new Set<number>();
  for (let i = 0; i < cuts.length; i++) {
    const lo = cuts[i];
    const hi = i + 1 < cuts.length ? cuts[i + 1] - 1 : Math.max(max, lo);
    if (values === 'any' || values.some(([a, b]) => a <= hi && b >= lo)) out.add(kids[i]);
  }
  return out;
}

function kidAt(cuts: readonly number[], kids: readonly number[], v: number): number {
  let i = cuts.length - 1;
  while (i > 0 && v < cuts[i]) i--;
  return kids[i];
}

/**
 * Compiles the match graph into a walk over flow tables: one table per field
 * the graph tests (in the graph's test order, so every goto goes forward),
 * the graph node in reg0, one flow per prefix of each interval whose child
 * is not the node's default, and the default child at the lowest priority.
 * Nodes the switch cannot reach (tunnel internals when the packet has no
 * tunnel, taps not on this switch) get no flows; nodes whose outcome is the
 * same for every packet the switch can bring there are skipped over; a
 * hidden field punts, unless its children agree over what it may hold.
 * Shared nodes stay shared: a node has its flows once however many rules
 * and taps lead to it.
 */
export function compileWalk(
  g: MatchGraph,
  taps: ReadonlySet<number>,
  leafActions: (leaf: number) => string[] = () => [],
  /** Whether a leaf is loaded into reg1 (a graph whose leaves decide alone); else its actions say all. */
  loadLeaf = true,
  fieldsIn: FieldsIn = 'headers',
  /**
   * The graph's tests of tunnel fields were narrowed (abstract.ts `narrow`): where such a field is hidden
   * (the packet may carry a tunnel), the child of its `open` value holds every child's outcome, and is taken.
   */
  openTunnels = false,
): WalkProgram {
  const specs = g.fields.map((name) => switchField(name, fieldsIn));
  const n = g.nodes.length;
  const reach = new Uint8Array(n);
  const excluded = new Int32Array(n).fill(ALL_FLAGS);
  const classes = new Int32Array(n);
  const outs: (NodeOut | undefined)[] = new Array(n);
  const tapValues = [...taps].sort((a, b) => a - b);
  const tapRanges: Ranges = tapValues.map((t) => [t, t]);

  const visit = (kid: number, excl: number, cls: number) => {
    if (kid < 0) return;
    reach[kid] = 1;
    excluded[kid] &= closeExcluded(excl);
    classes[kid] |= cls;
  };
  for (const root of g.segments) visit(root, 0, ALL_CLASSES);

  // parents come before children, so each node's excluded flags are final when it is reached here
  for (let id = 0; id < n; id++) {
    if (!reach[id]) continue;
    const node = g.nodes[id];
    const spec = specs[node.field];
    const out: NodeOut = { normal: [], redirects: [], punts: [], never: spec.never !== undefined };
    outs[id] = out;
    if (out.never) continue;
    const excl = excluded[id];
    const max = Number((1n << BigInt(spec.bits)) - 1n);
    let hiddenFlags = 0;
    for (const h of spec.hidden) {
      hiddenFlags |= h.flag;
      if (excl & h.flag) continue;
      if (openTunnels && spec.open !== undefined) {
        out.redirects.push({ flag: h.flag, kid: kidAt(node.cuts, node.kids, spec.open), implied: false });
        continue;
      }
      const ks = kidsOver(node.cuts, node.kids, h.values, max);
      if (ks.size === 1) out.redirects.push({ flag: h.flag, kid: [...ks][0], implied: h.inRegister === true });
      else out.punts.push(h.flag);
    }
    const cls = classes[id];
    const edges: Edge[] = out.redirects.map((r) => ({ kid: r.kid, excluded: excl, classes: cls }));
    const normalExcl = excl | hiddenFlags;
    if (spec.constant !== undefined) {
      const kid = kidAt(node.cuts, node.kids, spec.constant);
      out.normal.push({ lo: spec.constant, hi: spec.constant, kid });
      edges.push({ kid, excluded: normalExcl, classes: cls });
    } else {
      const domain: Ranges = g.fields[node.field] === 'tap' ? tapRanges : [[0, max]];
      for (let i = 0; i < node.cuts.length; i++) {
        const lo = node.cuts[i];
        const hi = i + 1 < node.cuts.length ? node.cuts[i + 1] - 1 : max;
        if (lo === ABSENT && spec.present !== undefined) out.normal.push({ lo: ABSENT, hi: ABSENT, kid: node.kids[i] });
        for (const [a, b] of domain) {
          const x = Math.max(a, lo, 0);
          const y = Math.min(b, hi);
          if (x <= y) out.normal.push({ lo: x, hi: y, kid: node.kids[i] });
        }
      }
      const field = g.fields[node.field];
      for (const r of out.normal)
        edges.push({
          kid: r.kid,
          excluded: normalExcl,
          classes: r.lo === ABSENT ? cls : cls & classesOfInterval(field, spec, r.lo, r.hi),
        });
    }
    for (const e of edges) visit(e.kid, e.excluded, e.classes);
  }

  // where each node leads on the switch: itself, or (when every way out goes one place) that place
  const resolved: Target[] = new Array(n);
  const targetOf = (kid: number): Target => (kid < 0 ? { kind: 'leaf', leaf: -1 - kid } : resolved[kid]);
  const same = (a: Target, b: Target) =>
    a.kind === b.kind &&
    (a.kind === 'punt' ||
      (a.kind === 'leaf' && a.leaf === (b as { leaf: number }).leaf) ||
      (a.kind === 'node' && a.node === (b as { node: number }).node));
  for (let id = n - 1; id >= 0; id--) {
    const out = outs[id];
    if (!out) continue;
    if (out.never) {
      resolved[id] = { kind: 'punt' };
      continue;
    }
    const ways: Target[] = [...out.normal.map((r) => targetOf(r.kid)), ...out.redirects.map((r) => targetOf(r.kid))];
    if (out.punts.length) ways.push({ kind: 'punt' });
    resolved[id] = ways.length > 0 && ways.every((w) => same(w, ways[0])) ? ways[0] : { kind: 'node', node: id };
  }

  // tables for the fields of the nodes that stay, in test order
  const emitted: number[] = [];
  for (let id = 0; id < n; id++) {
    const t = resolved[id];
    if (t && t.kind === 'node' && t.node === id) emitted.push(id);
  }
  const fieldsUsed = [...new Set(emitted.map((id) => g.nodes[id].field))].sort((a, b) => a - b);
  // the fields (some forty, and a dozen byte loads) fit the tables between the fixed ones many times over
  if (TABLE.FIELD_BASE + fieldsUsed.length - 1 > TABLE.FIELD_LAST)
    throw new Error(`${fieldsUsed.length} fields need more flow tables than there are`);
  const tables = new Map(fieldsUsed.map((f, i) => [f, TABLE.FIELD_BASE + i]));

  /** A node's table: its field's, or its children's when its test was folded into their flows. */
  const foldedTable = new Map<number, number>();
  const tableOf = (id: number) => foldedTable.get(id) ?? tables.get(g.nodes[id].field)!;
  const leaves = new Set<number>();
  const action = (t: Target): string[] => {
    switch (t.kind) {
      case 'leaf':
        leaves.add(t.leaf);
        return [...(loadLeaf ? [load(REG.leaf, t.leaf + 1)] : []), ...leafActions(t.leaf)];
      case 'punt':
        return [setFlags(FLAG.PUNT)];
      case 'node':
        return [load(REG.node, t.node), `goto_table:${tableOf(t.node)}`];
    }
  };

  let folded = 0;
  /**
   * Whether node `id`, whose flows are `mine` and whose other values do nothing, can be folded into its children's
   * flows: each flow leads to a child of its own that nothing else leads to, all children in one table that punts
   * nothing. The node's test is added to each child's flows (a tap test), or left out where every flow of the child
   * matches a header only that protocol has (`tcp,tcp_dst=...` after `ipProto = 6`); the children's flows then match
   * the node in reg0, in the children's table.
   */
  /**
   * A tap node: its switch taps are all its values, so its default flow is one of them too. A child several taps
   * lead to gets its flows once per value/mask pair of those taps (taps 1 and 9 of 16: one), where that costs fewer
   * flows than the node's own.
   */
  const foldTaps = (id: number, mine: Flow[]): Fold | undefined => {
    const spec = specs[g.nodes[id].field];
    const byKid = new Map<number, number[]>();
    let table: number | undefined;
    const dropped: number[] = [];
    for (const r of outs[id]!.normal) {
      const t = targetOf(r.kid);
      if (t.kind === 'punt') return undefined;
      if (t.kind === 'leaf') {
        if (action(t).length || r.lo === ABSENT) return undefined;
        for (let v = r.lo; v <= r.hi; v++) dropped.push(v);
        continue;
      }
      if (r.lo === ABSENT || !spec.match) return undefined;
      const kid = t.node;
      if (parents.get(kid) !== 1 || !nodeFlows.has(kid)) return undefined;
      const kt = tableOf(kid);
      if (table !== undefined && kt !== table) return undefined;
      table = kt;
      const taps = byKid.get(kid) ?? [];
      for (let v = r.lo; v <= r.hi; v++) taps.push(v);
      byKid.set(kid, taps);
    }
    if (table === undefined) return undefined;
    // a table's punts match any node in it: a packet of a tap this node drops must not meet one (a flow above them
    // drops it)
    const drops =
      dropped.length && (puntsNow.get(table) ?? 0) & ~excluded[id]
        ? tapCover(
            dropped.map((v) => ({ value: BigInt(v), mask: 0xffffn })),
            tapValues,
          ).map((c) => spec.match!(c.value, c.mask))
        : [];
    const kids: { kid: number; extra: string[] }[] = [];
    let before = mine.length;
    let after = drops.length;
    for (const [kid, taps] of byKid) {
      const cover = tapCover(
        taps.map((v) => ({ value: BigInt(v), mask: 0xffffn })),
        tapValues,
      );
      const n = nodeFlows.get(kid)!.length;
      before += n;
      after += n * cover.length;
      for (const c of cover) kids.push({ kid, extra: [spec.match!(c.value, c.mask)] });
    }
    return after < before ? { table, kids, drops } : undefined;
  };
  const foldInto = (id: number, mine: Flow[]): Fold | undefined => {
    const field = g.fields[g.nodes[id].field];
    if (field === 'tap') return foldTaps(id, mine);
    if (field !== 'ipProto') return undefined;
    if (mine.length === 0 || mine.some((f) => f.priority !== PRIO.VALUE)) return undefined;
    const out = outs[id]!;
    const kids: { kid: number; extra: string[] }[] = [];
    let table: number | undefined;
    for (const f of mine) {
      const goto = f.actions.find((a) => a.startsWith('goto_table:'));
      if (!goto || f.actions.length !== 2) return undefined;
      const intervals = out.normal.filter((r) => {
        const t = targetOf(r.kid);
        return t.kind === 'node' && action(t)[0] === f.actions[0];
      });
      const t = targetOf(intervals[0]?.kid ?? 0);
      if (t.kind !== 'node') return undefined;
      const kid = t.node;
      if (kids.some((k) => k.kid === kid) || parents.get(kid) !== 1 || !nodeFlows.has(kid)) return undefined;
      const kt = tableOf(kid);
      if (table !== undefined && kt !== table) return undefined;
      table = kt;
      if (!puntsFit(id, kt)) return undefined;
      if (intervals.length !== 1 || intervals[0].lo !== intervals[0].hi || intervals[0].lo === ABSENT) return undefined;
      const kidFlows = nodeFlows.get(kid)!;
      if (kidFlows.length === 0 || kidFlows.some((k) => k.priority !== PRIO.VALUE)) return undefined;
      const kidSpec = specs[g.nodes[kid].field];
      // a child matched in a register (the register layout's ports) takes the protocol test beside its own
      if (kidSpec.match && !kidSpec.contexts) {
        kids.push({ kid, extra: [regMatch(REG.ipProto, BigInt(intervals[0].lo), 0xffn)] });
        continue;
      }
      if (!kidSpec.contexts || kidSpec.match) return undefined;
      const proto = classesOfProtocols(intervals[0].lo, intervals[0].lo);
      const used = kidSpec.contexts.filter((c) => c.classes & classes[kid]);
      // a context of one class among TCP, UDP, SCTP (v4 or v6) names its protocol in its match (`tcp`, `udp6`, ...)
      const oneProtocol = (c: number) => [CLASS.T4, CLASS.T6, CLASS.U4, CLASS.U6, CLASS.S4, CLASS.S6].includes(c);
      if (used.length === 0 || !used.every((c) => oneProtocol(c.classes) && (c.classes & ~proto) === 0))
        return undefined;
      kids.push({ kid, extra: [] });
    }
    return table === undefined ? undefined : { table, kids, drops: [] };
  };
  const flows: Flow[] = [];
  const punts: PuntSite[] = [];
  const puntBits = (id: number) => outs[id]!.punts.reduce((a, f) => a | f, 0);
  // a hidden field punts in one flow for the whole table, which the nodes where it does not outrank
  const tablePunts = new Map<number, number>();
  for (const id of emitted) {
    const t = tables.get(g.nodes[id].field)!;
    tablePunts.set(t, (tablePunts.get(t) ?? 0) | puntBits(id));
    if (!tablePunts.get(t)) tablePunts.delete(t);
  }
  /** The punts each table may have as folding goes: its own nodes' (before any folds away), and those folded in. */
  const puntsNow = new Map(tablePunts);
  /**
   * Whether a node that punts can have its flows in table `t` beside the nodes there: the table's punts (which
   * match any node in it) must punt only flags the node punts or its packets cannot have, and the node's punts
   * only flags every other node of the table punts or never sees.
   */
  const puntsFit = (id: number, t: number): boolean => {
    const mine = puntBits(id);
    if ((puntsNow.get(t) ?? 0) & ~mine & ~excluded[id]) return false;
    const added = mine & ~(puntsNow.get(t) ?? 0);
    if (!added) return true;
    return emitted.every((m) => m === id || tableOf(m) !== t || (added & ~excluded[m] & ~puntBits(m)) === 0);
  };
  const quiet = new Set<number>();
  // how many nodes and segments lead to each node (a node folded into its child needs it to have no other way in)
  const parents = new Map<number, number>();
  const countIn = (t: Target) => {
    if (t.kind === 'node') parents.set(t.node, (parents.get(t.node) ?? 0) + 1);
  };
  for (const r of g.segments) countIn(targetOf(r));
  for (const id of emitted) {
    const out = outs[id]!;
    const into = new Set<number>();
    for (const k of [...out.normal.map((r) => r.kid), ...out.redirects.map((r) => r.kid)]) {
      const t = targetOf(k);
      if (t.kind === 'node') into.add(t.node);
    }
    for (const k of into) countIn({ kind: 'node', node: k });
  }
  // children first (they have the higher ids), so a node's child has its final flows when the node is looked at
  const nodeFlows = new Map<number, Flow[]>();
  for (let i = emitted.length - 1; i >= 0; i--) {
    const id = emitted[i];
    const node = g.nodes[id];
    const spec = specs[node.field];
    const out = outs[id]!;
    const table = tables.get(node.field)!;
    const at = regMatch(REG.node, BigInt(id), 0xffffffffn);
    const mine: Flow[] = [];
    let isQuiet = false;
    for (const r of out.redirects)
      if (!r.implied || ((tablePunts.get(table) ?? 0) & r.flag) !== 0)
        mine.push({
          table,
          priority: PRIO.REDIRECT,
          match: [at, flagMatch(r.flag, r.flag)],
          actions: action(targetOf(r.kid)),
        });
    const taps = g.fields[node.field] === 'tap' ? tapValues : undefined;
    for (const f of valueFlows(table, at, spec, classes[id], out.normal, (kid) => action(targetOf(kid)), taps))
      if (f.priority !== PRIO.DEFAULT || f.actions.length) mine.push(f);
      else isQuiet = true;
    const fold =
      (isQuiet || g.fields[node.field] === 'tap') && out.redirects.length === 0 ? foldInto(id, mine) : undefined;
    if (fold) {
      // the children's flows now match this node in reg0, with its test beside their own; what none of them
      // matches does nothing, as this node's other values did
      const at = regMatch(REG.node, BigInt(id), 0xffffffffn);
      const merged: Flow[] = [];
      for (const { kid, extra } of fold.kids) {
        const kidAt = regMatch(REG.node, BigInt(kid), 0xffffffffn);
        for (const f of nodeFlows.get(kid)!)
          merged.push({ ...f, match: [...f.match.map((m) => (m === kidAt ? at : m)), ...extra] });
      }
      for (const d of fold.drops)
        merged.push({ table: fold.table, priority: PRIO.TAP_DROP, match: [at, d], actions: [] });
      const kids = new Set(fold.kids.map((k) => k.kid));
      for (const kid of kids) nodeFlows.delete(kid);
      nodeFlows.set(id, merged);
      foldedTable.set(id, fold.table);
      puntsNow.set(fold.table, (puntsNow.get(fold.table) ?? 0) | puntBits(id));
      quiet.add(fold.table);
      folded += kids.size;
      continue;
    }
    nodeFlows.set(id, mine);
    if (isQuiet) quiet.add(table);
  }
  // the punts of the tables as the nodes ended up in them (a node folded into its children's table punts there)
  const finalPunts = new Map<number, number>();
  for (const id of emitted) finalPunts.set(tableOf(id), (finalPunts.get(tableOf(id)) ?? 0) | puntBits(id));
  for (const [table, bits] of finalPunts)
    for (let f = 1; f !== 0 && f <= bits; f <<= 1)
      if (bits & f)
        flows.push({ table, priority: PRIO.PUNT, match: [flagMatch(f, f)], actions: [setFlags(FLAG.PUNT)] });
  for (const id of emitted) flows.push(...(nodeFlows.get(id) ?? []));
  // an explicit drop rather than the table's miss (which Open vSwitch may send to a controller)
  for (const table of quiet) flows.push({ table, priority: PRIO.NOTHING, match: [], actions: [] });
  const roots = g.segments.map((r): Target => {
    const t = targetOf(r);
    if (t.kind === 'node' && foldedTable.has(t.node)) return { ...t, table: foldedTable.get(t.node) };
    if (t.kind === 'leaf') leaves.add(t.leaf);
    return t;
  });
  // every test some packet reaches and the switch cannot decide, for the report
  for (let id = 0; id < n; id++) {
    const out = outs[id];
    if (!out) continue;
    const f = g.nodes[id].field;
    const spec = specs[f];
    if (out.never) punts.push({ node: id, field: g.fields[f], what: spec.never!, when: 'always' });
    for (const flag of out.punts) punts.push({ node: id, field: g.fields[f], what: spec.what, when: flag });
  }
  return { flows, roots, tables, leaves, punts, nodes: emitted.length - folded };
}

/**
 * A child's taps as value/mask pairs over the bits the switch's tap numbers
 * use, the other numbers those bits can hold left to choose (no packet has
 * them): taps 1 and 9 of 16 are `reg3=0x1/0x7`.
 */
function tapCover(ps: Prefix[], taps: readonly number[]): Prefix[] {
  const bits = Math.max(1, 32 - Math.clz32(Math.max(...taps)));
  if (bits > TERNARY_BITS) return ps;
  const values: number[] = [];
  for (const p of ps) if (p.mask === 0xffffn) values.push(Number(p.value));
  if (values.length !== ps.length) return ps;
  const on = new Set(taps);
  const dontCare = [...Array(1 << bits).keys()].filter((v) => !on.has(v));
  const cover = ternaryCover(values, bits, dontCare);
  return cover.length < ps.length ? cover : ps;
}

/**
 * The flows of a node's values: the default child (the one whose intervals
 * cost the most prefixes) at the lowest priority, every other interval as
 * its prefixes. ABSENT needs a flow of its own only when its child is not
 * the default (the default flow catches packets without the field).
 */
function valueFlows(
  table: number,
  at: string,
  spec: SwitchField,
  classes: number,
  normal: { lo: number; hi: number; kid: number }[],
  act: (kid: number) => string[],
  /** For the tap field: the switch's taps, the only values a packet has. */
  taps?: readonly number[],
): Flow[] {
  const flows: Flow[] = [];
  const matches: { match: (v: bigint, m: bigint) => string; flags: number }[] = spec.match
    ? [{ match: spec.match, flags: 0 }]
    : (spec.contexts ?? []).filter((c) => c.classes & classes).map((c) => ({ match: c.match, flags: c.flags ?? 0 }));
  if (spec.constant !== undefined || matches.length === 0) {
    flows.push({ table, priority: PRIO.DEFAULT, match: [at], actions: act(normal[0].kid) });
    return flows;
  }
  // per child, its intervals' prefixes; a narrow field's value set as value/mask pairs when that is fewer
  const prefixes = new Map<number, Prefix[]>();
  for (const r of normal) {
    if (r.lo === ABSENT) continue;
    let ps = prefixes.get(r.kid);
    if (!ps) prefixes.set(r.kid, (ps = []));
    ps.push(...rangeToPrefixes(BigInt(r.lo), BigInt(r.hi), spec.bits));
  }
  if (spec.bits <= TERNARY_BITS)
    for (const [kid, ps] of prefixes) {
      const values: number[] = [];
      for (const r of normal) if (r.kid === kid && r.lo !== ABSENT) for (let v = r.lo; v <= r.hi; v++) values.push(v);
      const cover = ternaryCover(values, spec.bits);
      if (cover.length < ps.length) prefixes.set(kid, cover);
    }
  else if (taps) for (const [kid, ps] of prefixes) prefixes.set(kid, tapCover(ps, taps));
  const cost = new Map<number, number>();
  for (const r of normal) if (!cost.has(r.kid)) cost.set(r.kid, 0);
  for (const [kid, ps] of prefixes) cost.set(kid, ps.length * matches.length);
  for (const r of normal) if (r.lo === ABSENT) cost.set(r.kid, cost.get(r.kid)! + 1);
  const absent = normal.find((r) => r.lo === ABSENT);
  let best = normal[0].kid;
  for (const [kid, c] of cost) if (c > cost.get(best)! || (c === cost.get(best)! && kid === absent?.kid)) best = kid;
  const flagsOf = (extra: number) => {
    const bits = (spec.present ?? 0) | extra;
    return bits ? [flagMatch(bits, bits)] : [];
  };
  if (absent && absent.kid !== best)
    flows.push({ table, priority: PRIO.ABSENT, match: [at, flagMatch(0, spec.present!)], actions: act(absent.kid) });
  for (const [kid, ps] of prefixes) {
    if (kid === best) continue;
    for (const p of ps)
      for (const m of matches)
        flows.push({
          table,
          priority: PRIO.VALUE,
          match: [at, ...flagsOf(m.flags), m.match(p.value, p.mask)],
          actions: act(kid),
        });
  }
  flows.push({ table, priority: PRIO.DEFAULT, match: [at], actions: act(best) });
  return flows;
}
