import type { Reporter } from '../diagnostics/bag.js';
import type { Span } from '../diagnostics/diagnostic.js';
import type { MatchGraph } from '../ir/graph.js';
import type { Policy, TapMark } from '../policy/policy.js';
import { type Flow, type OfGroup, TABLE } from './flow.js';
import { ingressFlows, ingressNeeds } from './ingress.js';
import { bucketWeights, type GroupPlan, planGroups } from './plan.js';
import type { PortsMap } from './ports-map.js';
import { deliveredMatch, setGroupBits } from './group-bits.js';
import { FLAG, REG, flagMatch, hex, load, regMatch, setFlags, subfield } from './registers.js';
import { abstractGraph } from './abstract.js';
import { describeWhen } from './flag-words.js';
import { untestable } from './rules-of-field.js';
import { type FieldsIn, hostOnly, switchField } from './switch-fields.js';
import { compileWalk, type PuntSite, type Target } from './walk.js';

/** The VLAN tags of the host link, and what each means. */
export interface HostCodes {
  /** Per tap (by index): the packet, as it came, for the host's groups (the switch delivered the others). */
  hostGroups: Map<number, number>;
  /** Per tap: the packet, as it came, for every group (the switch could not decide it). */
  allGroups: Map<number, number>;
  /** From the host: the packet for a switch group, as the group's strip leaves it, marked as taps of a class mark. */
  returnGroup: { vid: number; group: number; markClass: number }[];
  /** From the host: a host group's packet for one of its tools on a switch port, as the tool gets it. */
  returnTool: { vid: number; tool: string; port: number }[];
}

export interface MarkClass {
  /** The taps (indices) with these VLAN marks. */
  taps: number[];
  marks: { id: number; priority: number }[];
}

export interface OpenFlowProgram {
  flows: Flow[];
  groups: OfGroup[];
  plans: GroupPlan[];
  /** Per switch group (by index) and mark class: its OpenFlow group id. */
  ofGroupOf: Map<number, number[]>;
  markClasses: MarkClass[];
  /** Mapped taps, by index, and tools, by name: their ports. */
  taps: Map<number, number>;
  toolPorts: Map<string, number>;
  /** The graph's predicates (punt sites name them by pred:N). */
  preds: MatchGraph['preds'];
  host?: { name: string; port: number; codes: HostCodes; span: Span };
  punts: PuntSite[];
  /** Graph nodes with flows, all of the compiled graph's, and those of the graph as the switch decides it. */
  graphNodes: { withFlows: number; total: number; switchGraph: number };
  /** Segments of the graph (each is walked on its own). */
  segments: number;
  /** The policy's parts whose results combine by to and drop bits (0: the policy's own graph). */
  parts: number;
  /** Leaves some packet reaches on the switch. */
  leaves: number;
  /** Why the policy needs a host (empty: it does not). */
  needsHost: string[];
  tables: number;
  /** Where ports and IPv4 addresses are matched. */
  fieldsIn: FieldsIn;
}

/** One VLAN tag pushed in front: 802.1Q, the id and priority given. */
export function pushVlan(id: number, priority: number): string[] {
  return ['push_vlan:0x8100', `set_field:${0x1000 | id}->vlan_vid`, `set_field:${priority}->vlan_pcp`];
}

function vlanMarks(marks: readonly TapMark[]): { id: number; priority: number }[] {
  return marks.flatMap((m) => (m.kind === 'vlan' ? [{ id: m.id, priority: m.priority }] : []));
}

/**
 * Compiles a policy's match graph and group actions into an OpenFlow 1.3
 * program for Open vSwitch (flows and groups in ovs-ofctl syntax) for the
 * switch the ports map describes. Problems (a tool without a port, a policy
 * that needs a host the map lacks) are reported to `bag`; the program is
 * returned only when there are none.
 */
export function compileOpenFlow(
  policy: Policy,
  graph: MatchGraph,
  map: PortsMap,
  bag: Reporter<'TMES0844' | 'TMES0845' | 'TMES0846' | 'TMES0847' | 'TMES0848'>,
  /**
   * How many parts' graphs the graph holds side by side (src/openflow/parts.ts): every segment's leaf
   * sets its groups' to and drop bits, and a group is delivered where sent and not dropped. 0: the
   * policy's own graph, each segment deciding its groups.
   */
  parts = 0,
  /** Where ports and IPv4 addresses are matched (switch-fields.ts). */
  fieldsIn: FieldsIn = 'headers',
): OpenFlowProgram | undefined {
  const combined = parts > 0;
  const errorsBefore = bag.items.filter((d) => d.severity === 'error').length;
  const plans = planGroups(policy, untestable(policy));
  const policyStart: Span = policy.taps[0]?.span ?? policy.groups[0]?.span ?? policy.rules[0].span;
  if (!graph.optimized) throw new Error('the OpenFlow backend compiles the optimized graph, not -O0');

  // segments split the groups: each segment's leaves decide its own groups, so a leaf's groups are final
  const owner = new Map<number, number>();
  for (const [s, root] of combined ? [] : graph.segments.entries()) {
    const stack = [root];
    const seen = new Set<number>();
    while (stack.length) {
      const k = stack.pop()!;
      if (seen.has(k)) continue;
      seen.add(k);
      if (k < 0) {
        for (const gi of [...graph.leaves[-1 - k].to, ...graph.leaves[-1 - k].drop]) {
          const o = owner.get(gi);
          // the compiler cuts segments between groups; a group in two would need its results combined
          if (o !== undefined && o !== s)
            throw new Error(`group '${policy.groups[gi].name}' is decided in two segments of the graph`);
          owner.set(gi, s);
        }
      } else stack.push(...graph.nodes[k].kids);
    }
  }

  const taps = new Map<number, number>();
  for (const t of policy.taps) {
    const e = map.taps.get(t.name);
    if (e) taps.set(t.index, e.port);
    else
      bag.add(
        'TMES0845',
        t.span,
        `tap '${t.name}' has no port in ${map.file.path}: the switch never sees its traffic, and rules from it do nothing there`,
      );
  }

  // the graph as the switch decides it: without the tests it cannot do, which only host groups depend on
  const original = graph;
  const isHostGroup = (g: number) => plans[g].side === 'host';
  const cannotTest = (f: number) => hostOnly(switchField(original.fields[f])) !== undefined;
  // a tunnel test's packets without a tunnel, where the switch can tell (switch-fields.ts `open`), take its plain child
  const narrow = (f: number) => {
    const s = switchField(original.fields[f]);
    return s.open !== undefined && s.constant !== undefined ? { none: s.constant, open: s.open } : undefined;
  };
  let abs = abstractGraph(original, isHostGroup, cannotTest, combined, narrow);
  // a tunnel test kept whole (its children disagree on a switch group) must punt where hidden: not narrowed then
  const openTunnels = !abs.kept.some((id) => narrow(original.nodes[id].field) !== undefined);
  if (!openTunnels) abs = abstractGraph(original, isHostGroup, cannotTest, combined);
  graph = abs.graph;
  // per leaf, the packets one of its switch groups cannot have stripped on the switch, as a class of such masks
  const planOf = new Map(plans.map((p) => [p.group, p]));
  const checkMasks: number[] = [0];
  const checkOf = graph.leaves.map((l) => {
    let m = 0;
    for (const g of l.groups) if (planOf.get(g)!.side === 'switch') m |= planOf.get(g)!.stripPunt;
    let k = checkMasks.indexOf(m);
    if (k < 0) k = checkMasks.push(m) - 1;
    return k;
  });
  const walk = combined
    ? compileWalk(
        graph,
        new Set(taps.keys()),
        (l) => setGroupBits(graph.leaves[l].to, graph.leaves[l].drop),
        false,
        fieldsIn,
        openTunnels,
      )
    : compileWalk(
        graph,
        new Set(taps.keys()),
        (l) => (checkOf[l] ? [load(REG.check, checkOf[l])] : []),
        true,
        fieldsIn,
        openTunnels,
      );

  // what reaches the switch's leaves
  const reachedGroups = new Set<number>();
  for (const l of walk.leaves) for (const g of graph.leaves[l].groups) reachedGroups.add(g);
  // groups the host runs: they need a host
  const hostGroups: string[] = [];
  for (const p of plans)
    if (p.side === 'host' && reachedGroups.has(p.group))
      hostGroups.push(`group '${policy.groups[p.group].name}' (${p.hostReasons.join('; ')})`);
  // packets the switch hands to the host whole: without a host, they are dropped (and said so)
  const punted: string[] = [];
  for (const p of plans)
    if (p.side === 'switch' && p.stripPunt && reachedGroups.has(p.group))
      punted.push(`for group '${policy.groups[p.group].name}', ${p.stripPuntWhat.join('; ')} (to strip)`);
  if (walk.punts.length) {
    // "packets whose EtherType or IP protocol ...": the fields' names without their article
    const whats = [...new Set(walk.punts.map((p) => p.what.replace(/^the /, '')))];
    const whens = [...new Set(walk.punts.flatMap((p) => describeWhen(p.when).split('; ')))];
    punted.push(`packets whose ${whats.join(' or ')} the switch cannot see (${whens.join('; ')})`);
  }
  const canPunt = punted.length > 0;
  const needsHost = [...hostGroups, ...punted];

  // tools of the groups the switch delivers need ports
  for (const p of plans) {
    if (p.side !== 'switch') continue;
    for (const t of policy.groups[p.group].tools)
      if (!map.tools.has(t.name))
        bag.add(
          'TMES0844',
          t.span,
          `tool '${t.name}' of group '${policy.groups[p.group].name}' has no port in ${map.file.path}; add 'tool ${t.name} port N'`,
        );
  }
  if (hostGroups.length && !map.host)
    bag.add(
      'TMES0846',
      policyStart,
      `${map.file.path} names no host, and these groups need one: ${hostGroups.join(', ')}. Add 'host NAME port N'`,
    );
  else if (canPunt && !map.host)
    bag.add(
      'TMES0848',
      policyStart,
      `${map.file.path} names no host: the switch drops what it would hand to one, ${punted.join('; ')}. Add 'host NAME port N' to have them decided there`,
    );

  // taps with the same VLAN marks share deliveries
  const markClasses: MarkClass[] = [];
  const classOfTap = new Map<number, number>();
  for (const t of policy.taps) {
    if (!taps.has(t.index)) continue;
    const marks = vlanMarks(t.marks);
    const key = JSON.stringify(marks);
    let c = markClasses.findIndex((m) => JSON.stringify(m.marks) === key);
    if (c < 0) {
      c = markClasses.length;
      markClasses.push({ taps: [], marks });
    }
    markClasses[c].taps.push(t.index);
    classOfTap.set(t.index, c);
  }
  if (markClasses.length === 0) markClasses.push({ taps: [], marks: [] });

  // the host link's tags
  const markBits = Math.ceil(Math.log2(markClasses.length));
  let host: OpenFlowProgram['host'];
  if (map.host && needsHost.length) {
    const codes: HostCodes = { hostGroups: new Map(), allGroups: new Map(), returnGroup: [], returnTool: [] };
    let next = map.host.vlans.first;
    const hostGroupsUsed = plans.some((p) => p.side === 'host' && reachedGroups.has(p.group));
    for (const t of taps.keys()) if (hostGroupsUsed) codes.hostGroups.set(t, next++);
    if (canPunt) {
      for (const t of taps.keys()) codes.allGroups.set(t, next++);
      // a block of 2^b codes per group, aligned, so that one flow per group matches its block and takes the
      // mark class from the code's low bits
      const block = 1 << markBits;
      next = Math.ceil(next / block) * block;
      for (const p of plans)
        if (p.side === 'switch') {
          for (let m = 0; m < markClasses.length; m++)
            codes.returnGroup.push({ vid: next + m, group: p.group, markClass: m });
          next += block;
        }
    }
    for (const p of plans)
      if (p.side === 'host')
        for (const t of policy.groups[p.group].tools) {
          const e = map.tools.get(t.name);
          if (e) codes.returnTool.push({ vid: next++, tool: t.name, port: e.port });
        }
    const need = next - map.host.vlans.first;
    const have = map.host.vlans.last - map.host.vlans.first + 1;
    if (need > have)
      bag.add(
        'TMES0847',
        map.host.vlans.span ?? map.host.span,
        `the host link needs ${need} VLANs (${plural(taps.size, 'tap')}, ${plural(codes.returnGroup.length, 'group return')}, ${plural(codes.returnTool.length, 'tool')} behind the host) and the range has ${have}`,
      );
    host = { name: map.host.name, port: map.host.port, codes, span: map.host.span };
  }
  if (bag.items.filter((d) => d.severity === 'error').length > errorsBefore) return undefined;

  /**
   * OpenFlow groups: one per switch group, a bucket per tool. A bucket is an
   * action set, not a list: one action of each kind, in the set's own order,
   * and Open vSwitch ignores output(max_len) there (and a second push_vlan).
   * So a bucket only loads the tool's port into reg13 and resubmits, to the
   * POP table where the group strips VLANs (it pops the tag there is), else
   * straight to the TOOL table, whose one shared flow pushes the tap's tags
   * through the MARK table (one flow per set of marks, by the mark class the
   * ingress loaded) and outputs to the port in reg13. The marks are the
   * tap's, not the group's, so no flow or group is per group and tap, and
   * only a tool that cuts frames has a flow of its own (output(max_len)
   * names its port).
   */
  const groups: OfGroup[] = [];
  const ofGroupOf = new Map<number, number[]>();
  const toolFlows: Flow[] = [];
  const markCounts = new Set(markClasses.map((mc) => mc.marks.length));
  const anyMarks = markClasses.some((mc) => mc.marks.length > 0);
  const mark = anyMarks ? [`resubmit(,${TABLE.MARK})`] : [];
  let anyPop = false;
  let anyWhole = false;
  for (const p of plans) {
    if (p.side !== 'switch') continue;
    const g = policy.groups[p.group];
    const weights = bucketWeights(p.weights);
    const id = groups.length + 1;
    if (p.popVlan) anyPop = true;
    const buckets = g.tools.map((t, i) => {
      const port = map.tools.get(t.name)!.port;
      const at = regMatch(REG.toolOut, BigInt(port), 0xffffffffn);
      /*
       * Open vSwitch writes the datapath's trunc before the VLAN pops and pushes still pending (it commits them
       * at the output itself), and trunc measures the packet as it is then: the frame would come out longer or
       * shorter by the tags. A clone commits what is pending first (Open vSwitch 3.1: unless it is the very
       * last action of the translation, hence the register cleared after it), so max_len counts the marks.
       */
      const cut = (marks: number) => [
        `clone(output(port=${port},max_len=${p.truncateFrame! + 4 * marks}))`,
        load(REG.toolOut, 0),
      ];
      if (p.truncateFrame === undefined) anyWhole = true;
      else if (markCounts.size === 1)
        toolFlows.push({
          table: TABLE.TOOL,
          priority: 10,
          match: [at],
          actions: [...mark, ...cut([...markCounts][0])],
        });
      // the frame is cut after the marks, so its length depends on how many: a flow per mark class
      else
        markClasses.forEach((mc, m) =>
          toolFlows.push({
            table: TABLE.TOOL,
            priority: 10,
            match: [at, regMatch(REG.markClass, BigInt(m), 0xffffn)],
            actions: [...mc.marks.flatMap((x) => pushVlan(x.id, x.priority)), ...cut(mc.marks.length)],
          }),
        );
      return {
        weight: g.tools.length > 1 ? weights[i] : undefined,
        actions: [load(REG.toolOut, port), `resubmit(,${p.popVlan ? TABLE.POP : TABLE.TOOL})`],
      };
    });
    groups.push({ id, type: g.tools.length > 1 ? 'select' : 'all', buckets });
    ofGroupOf.set(p.group, [id]);
  }
  if (anyWhole)
    toolFlows.push({
      table: TABLE.TOOL,
      priority: 1,
      match: [],
      actions: [...mark, `output:${subfield(REG.toolOut)}`],
    });
  // pop_vlan only where there is a tag to pop (OpenFlow 1.3 holds a flow's actions to its match)
  if (anyPop)
    toolFlows.push(
      {
        table: TABLE.POP,
        priority: 10,
        match: ['vlan_tci=0x1000/0x1000'],
        actions: ['pop_vlan', `resubmit(,${TABLE.TOOL})`],
      },
      { table: TABLE.POP, priority: 1, match: [], actions: [`resubmit(,${TABLE.TOOL})`] },
    );
  if (anyMarks)
    markClasses.forEach((mc, m) => {
      if (mc.marks.length)
        toolFlows.push({
          table: TABLE.MARK,
          priority: 10,
          match: [regMatch(REG.markClass, BigInt(m), 0xffffn)],
          actions: mc.marks.flatMap((x) => pushVlan(x.id, x.priority)),
        });
    });

  /**
   * A select group picks its bucket by a hash the datapath computes (dp_hash),
   * so Open vSwitch freezes the translation there and resumes it, with the
   * actions after it, when the packet recirculates. It must not be put in a
   * clone(): Open vSwitch 3.1 drops what follows a clone that froze.
   */
  const groupAction = (id: number) => `group:${id}`;

  const flows: Flow[] = [];
  // ingress: taps, and the host's returns
  for (const [t, port] of taps)
    flows.push({
      table: TABLE.INGRESS,
      priority: 100,
      match: [`in_port=${port}`],
      actions: [load(REG.tap, t), load(REG.markClass, classOfTap.get(t)!), `goto_table:${TABLE.VLAN}`],
    });
  if (host) {
    const lowBits = (1 << markBits) - 1;
    for (const r of host.codes.returnGroup)
      if (r.markClass === 0)
        flows.push({
          table: TABLE.INGRESS,
          priority: 200,
          match: [`in_port=${host.port}`, `vlan_tci=${hex(BigInt(0x1000 | r.vid))}/${hex(BigInt(0x1fff & ~lowBits))}`],
          actions: [
            ...(markBits
              ? [`move:NXM_OF_VLAN_TCI[0..${markBits - 1}]->${subfield({ ...REG.markClass, bits: markBits })}`]
              : []),
            'pop_vlan',
            groupAction(ofGroupOf.get(r.group)![0]),
          ],
        });
    for (const r of host.codes.returnTool)
      flows.push({
        table: TABLE.INGRESS,
        priority: 200,
        match: [`in_port=${host.port}`, `dl_vlan=${r.vid}`],
        actions: ['pop_vlan', `output:${r.port}`],
      });
  }
  flows.push({ table: TABLE.INGRESS, priority: 0, match: [], actions: [] });
  const tested = [...walk.tables.keys()].map((f) => graph.fields[f]);
  const stripsTunnels = plans.some((p) => p.side === 'switch' && p.stripPunt & FLAG.TUN && reachedGroups.has(p.group));
  flows.push(...ingressFlows(ingressNeeds(tested, stripsTunnels, fieldsIn)));

  // walk every segment, check the leaves reached, then decide
  const walkTo = (t: Target): string[] => {
    switch (t.kind) {
      case 'leaf':
        return [load(REG.leaf, t.leaf + 1), ...(checkOf[t.leaf] ? [load(REG.check, checkOf[t.leaf])] : [])];
      case 'punt':
        return [setFlags(FLAG.PUNT)];
      case 'node':
        return [load(REG.node, t.node), `resubmit(,${t.table ?? walk.tables.get(graph.nodes[t.node].field)})`];
    }
  };
  const start: string[] = [];
  if (combined) {
    // each part's walk sets bits; then a group some part sent to and none dropped from is checked for strips
    for (const root of walk.roots)
      start.push(
        ...(root.kind === 'leaf'
          ? setGroupBits(graph.leaves[root.leaf].to, graph.leaves[root.leaf].drop)
          : walkTo(root)),
      );
    for (const p of plans)
      if (p.side === 'switch' && p.stripPunt && reachedGroups.has(p.group)) {
        start.push(load(REG.group, p.group), `resubmit(,${TABLE.CHECK})`);
        for (let bit = 1; bit !== 0 && bit <= p.stripPunt; bit <<= 1)
          if (p.stripPunt & bit)
            flows.push({
              table: TABLE.CHECK,
              priority: 10,
              match: [regMatch(REG.group, BigInt(p.group), 0xffffffffn), deliveredMatch(p.group), flagMatch(bit, bit)],
              actions: [setFlags(FLAG.PUNT)],
            });
      }
  } else
    for (const root of walk.roots)
      start.push(load(REG.leaf, 0), load(REG.check, 0), ...walkTo(root), `resubmit(,${TABLE.CHECK})`);
  flows.push({ table: TABLE.START, priority: 0, match: [], actions: [...start, `goto_table:${TABLE.DECIDE}`] });
  for (const f of walk.flows) flows.push(f);

  const usedChecks = new Set(combined ? [] : [...walk.leaves].map((l) => checkOf[l]));
  checkMasks.forEach((mask, k) => {
    if (!usedChecks.has(k)) return;
    for (let bit = 1; bit !== 0 && bit <= mask; bit <<= 1)
      if (mask & bit)
        flows.push({
          table: TABLE.CHECK,
          priority: 10,
          match: [regMatch(REG.check, BigInt(k), 0xffffffffn), flagMatch(bit, bit)],
          actions: [setFlags(FLAG.PUNT)],
        });
  });

  const tapMatch = (t: number) => regMatch(REG.tap, BigInt(t), 0xffffn);
  if (host)
    for (const [t, vid] of host.codes.allGroups)
      flows.push({
        table: TABLE.DECIDE,
        priority: 10,
        match: [flagMatch(FLAG.PUNT, FLAG.PUNT), tapMatch(t)],
        actions: [...pushVlan(vid, 0), `output:${host.port}`],
      });
  // no host: dropped where dump-flows counts them
  else if (canPunt)
    flows.push({ table: TABLE.DECIDE, priority: 10, match: [flagMatch(FLAG.PUNT, FLAG.PUNT)], actions: [] });
  const deliver: string[] = [];
  if (combined) {
    // per group reached, the LEAF table delivers it where the parts' bits say so
    for (const g of [...reachedGroups].sort((a, b) => a - b)) {
      deliver.push(load(REG.group, g), `resubmit(,${TABLE.LEAF})`);
      const p = planOf.get(g)!;
      flows.push({
        table: TABLE.LEAF,
        priority: 10,
        match: [regMatch(REG.group, BigInt(g), 0xffffffffn), deliveredMatch(g)],
        actions: p.side === 'host' ? [setFlags(FLAG.TOHOST)] : [groupAction(ofGroupOf.get(g)![0])],
      });
    }
  } else if (walk.roots.length === 1) deliver.push(`resubmit(,${TABLE.LEAF})`);
  else for (const root of walk.roots) deliver.push(load(REG.leaf, 0), ...walkTo(root), `resubmit(,${TABLE.LEAF})`);
  flows.push({ table: TABLE.DECIDE, priority: 1, match: [], actions: [...deliver, `goto_table:${TABLE.HOST}`] });

  for (const l of combined ? [] : [...walk.leaves].sort((a, b) => a - b)) {
    const actions: string[] = [];
    let toHost = false;
    for (const g of graph.leaves[l].groups) {
      const p = planOf.get(g)!;
      if (p.side === 'host') toHost = true;
      else actions.push(groupAction(ofGroupOf.get(g)![0]));
    }
    if (toHost) actions.push(setFlags(FLAG.TOHOST));
    if (actions.length)
      flows.push({ table: TABLE.LEAF, priority: 10, match: [regMatch(REG.leaf, BigInt(l + 1), 0xffffffffn)], actions });
  }
  for (const f of toolFlows) flows.push(f);
  if (host)
    for (const [t, vid] of host.codes.hostGroups)
      flows.push({
        table: TABLE.HOST,
        priority: 10,
        match: [flagMatch(FLAG.TOHOST, FLAG.TOHOST), tapMatch(t)],
        actions: [...pushVlan(vid, 0), `output:${host.port}`],
      });

  return {
    flows,
    groups,
    plans,
    ofGroupOf,
    markClasses,
    taps,
    toolPorts: new Map([...map.tools].map(([name, e]) => [name, e.port])),
    preds: graph.preds,
    host,
    punts: walk.punts,
    graphNodes: { withFlows: walk.nodes, total: original.nodes.length, switchGraph: graph.nodes.length },
    segments: graph.segments.length,
    parts,
    leaves: walk.leaves.size,
    needsHost,
    tables: new Set(flows.map((f) => f.table)).size,
    fieldsIn,
  };
}

function plural(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}
