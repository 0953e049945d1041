import type { Policy } from '../policy/policy.js';
import { bucketWeights, chanceAgreement, ruleWhere } from './plan.js';
import type { OpenFlowProgram } from './program.js';
import { describeWhen } from './flag-words.js';
import { OPENFLOW_REPORT_SCHEMA } from './report-schema.js';
import { rulesTesting } from './rules-of-field.js';

/**
 * What `tmesc compile --emit openflow` tells its user, as data (report.json)
 * and as text (printed): what the switch does, what stays on the host and
 * how packets reach it, and the figures.
 */
export interface OpenFlowReport {
  /** The JSON Schema it follows: OPENFLOW_REPORT_SCHEMA's $id. */
  $schema: string;
  format: 'tmesc-openflow-report';
  policy: string;
  portsMap: string;
  bridge?: string;
  /** Where ports and IPv4 addresses are matched (switch-fields.ts FieldsIn). */
  fieldsIn: 'headers' | 'registers';
  counts: {
    flows: number;
    openflowGroups: number;
    tables: number;
    /** Nodes of the compiled match graph, of the graph as the switch decides it, and of those with flows. */
    graphNodes: number;
    /** Segments the graph was cut into for the switch (fewest flows). */
    segments: number;
    /** The policy's parts, each a graph of its own, whose results combine per group in registers (0: one graph). */
    parts: number;
    switchGraphNodes: number;
    nodesWithFlows: number;
    /** Leaves the switch can reach. */
    leaves: number;
    rules: number;
    taps: number;
    /** rules x taps, and flows as a share of it. */
    rulesTimesTaps: number;
    flowsPerRuleTap: number;
  };
  /** Commands that load the program, in order. */
  setup: string[];
  taps: { name: string; port: number; vlanMarks: { id: number; priority: number }[] }[];
  groups: {
    name: string;
    side: 'switch' | 'host';
    /** Why the group is the host's. */
    host: string[];
    tools: { name: string; port: number | null; weight?: number }[];
    openflowGroups: number[];
    /** What the switch does to the group's packets, in order. */
    switchSteps: string[];
    /** Packets of a switch group the host handles, and why. */
    viaHost: string[];
    balance?: { switch: string; tmesc: string; expectedAgreement: number };
    notes: string[];
  }[];
  host: {
    name: string;
    port: number;
    vlansUsed: number;
    toHost: { vid: number; tap: string; means: 'host-groups' | 'all-groups' }[];
    fromHost: ({ vid: number; group: string; markedAs: string[] } | { vid: number; tool: string; port: number })[];
  } | null;
  /** Tests the switch cannot decide for some packets: those go to the host, which decides every group for them. */
  hostDecides: { test: string; when: string[]; rules: string[] }[];
}

export function buildReport(
  policy: Policy,
  p: OpenFlowProgram,
  files: { portsMap: string; bridge?: string; flows: string; groups: string },
): OpenFlowReport {
  const bridge = files.bridge ?? 'BRIDGE';
  const rulesTimesTaps = policy.rules.length * p.taps.size;
  const markedAs = (m: number) => p.markClasses[m].taps.map((t) => policy.taps[t].name);
  const hostDecides = new Map<string, { test: string; when: Set<string>; rules: Set<string> }>();
  for (const s of p.punts) {
    let e = hostDecides.get(s.what);
    if (!e) hostDecides.set(s.what, (e = { test: s.what, when: new Set(), rules: new Set() }));
    e.when.add(describeWhen(s.when));
    for (const r of rulesTesting(policy, s.field, p.preds))
      e.rules.add(`${policy.rules[r].name} (${ruleWhere(policy, r)})`);
  }
  return {
    $schema: OPENFLOW_REPORT_SCHEMA.$id,
    format: 'tmesc-openflow-report',
    policy: policy.name,
    portsMap: files.portsMap,
    bridge: files.bridge,
    fieldsIn: p.fieldsIn,
    counts: {
      flows: p.flows.length,
      openflowGroups: p.groups.length,
      tables: p.tables,
      graphNodes: p.graphNodes.total,
      segments: p.segments,
      parts: p.parts,
      switchGraphNodes: p.graphNodes.switchGraph,
      nodesWithFlows: p.graphNodes.withFlows,
      leaves: p.leaves,
      rules: policy.rules.length,
      taps: p.taps.size,
      rulesTimesTaps,
      flowsPerRuleTap: rulesTimesTaps ? p.flows.length / rulesTimesTaps : 0,
    },
    setup: [
      `ovs-vsctl set bridge ${bridge} protocols=OpenFlow13 fail-mode=secure`,
      `ovs-ofctl -O OpenFlow13 set-frags ${bridge} nx-match`,
      `ovs-ofctl -O OpenFlow13 add-groups ${bridge} ${files.groups}`,
      `ovs-ofctl -O OpenFlow13 add-flows ${bridge} ${files.flows}`,
    ],
    taps: policy.taps
      .filter((t) => p.taps.has(t.index))
      .map((t) => ({
        name: t.name,
        port: p.taps.get(t.index)!,
        vlanMarks: t.marks.flatMap((m) => (m.kind === 'vlan' ? [{ id: m.id, priority: m.priority }] : [])),
      })),
    groups: p.plans.map((plan) => {
      const g = policy.groups[plan.group];
      const sw = plan.side === 'switch';
      const steps: string[] = [];
      if (sw) {
        if (plan.popVlan) steps.push('strip vlan (pop the tag)');
        if (g.tools.length > 1) steps.push(`balance over ${g.tools.length} tools (select group)`);
        if (plan.truncateFrame !== undefined) steps.push(`truncate frame ${plan.truncateFrame} (output max_len)`);
        steps.push("mark the tap's VLAN (push the tag)");
      }
      return {
        name: g.name,
        side: plan.side,
        host: plan.hostReasons,
        tools: g.tools.map((t, i) => ({
          name: t.name,
          port: p.toolPorts.get(t.name) ?? null,
          ...(g.tools.length > 1 ? { weight: bucketWeights(plan.weights)[i] } : {}),
        })),
        openflowGroups: p.ofGroupOf.get(plan.group) ?? [],
        switchSteps: steps,
        viaHost: sw ? plan.stripPuntWhat.map((w) => `${w}: stripped on the host`) : [],
        ...(sw && g.tools.length > 1
          ? {
              balance: {
                switch:
                  'OpenFlow select group: Open vSwitch hashes IP addresses, protocol and TCP/SCTP ports symmetrically (dp_hash, sym_l4)',
                tmesc: 'rendezvous hashing of the symmetric session hash (tmesc run, and the host)',
                expectedAgreement: chanceAgreement(plan.weights),
              },
            }
          : {}),
        notes: plan.notes,
      };
    }),
    host: p.host
      ? {
          name: p.host.name,
          port: p.host.port,
          vlansUsed:
            p.host.codes.hostGroups.size +
            p.host.codes.allGroups.size +
            p.host.codes.returnGroup.length +
            p.host.codes.returnTool.length,
          toHost: [
            ...[...p.host.codes.hostGroups].map(([t, vid]) => ({
              vid,
              tap: policy.taps[t].name,
              means: 'host-groups' as const,
            })),
            ...[...p.host.codes.allGroups].map(([t, vid]) => ({
              vid,
              tap: policy.taps[t].name,
              means: 'all-groups' as const,
            })),
          ],
          fromHost: [
            ...p.host.codes.returnGroup.map((r) => ({
              vid: r.vid,
              group: policy.groups[r.group].name,
              markedAs: markedAs(r.markClass),
            })),
            ...p.host.codes.returnTool.map((r) => ({ vid: r.vid, tool: r.tool, port: r.port })),
          ],
        }
      : null,
    hostDecides: [...hostDecides.values()].map((e) => ({ test: e.test, when: [...e.when], rules: [...e.rules] })),
  };
}

const pct = (x: number) => `${(100 * x).toFixed(x < 0.01 ? 2 : 1)}%`;

/** The report as text for a terminal. */
export function reportText(r: OpenFlowReport): string {
  const out: string[] = [];
  const c = r.counts;
  out.push(
    `OpenFlow program for policy ${JSON.stringify(r.policy)} (ports map ${r.portsMap}):`,
    `  ${c.flows} flows in ${c.tables} tables, ${c.openflowGroups} groups; ${c.rules} rules x ${c.taps} taps = ${c.rulesTimesTaps}, flows are ${pct(c.flowsPerRuleTap)} of that`,
    ...(r.fieldsIn === 'registers'
      ? [
          '  ports and IPv4 addresses moved into registers at ingress: a flow per value, not per protocol family (the datapath caches them exactly)',
        ]
      : []),
    `  match graph: ${c.graphNodes} nodes in ${c.segments} segment${c.segments > 1 ? 's' : ''}${c.parts ? ` (the policy in ${c.parts} parts, combined per group)` : ''}; as the switch decides it ${c.switchGraphNodes}, ${c.nodesWithFlows} with flows; ${c.leaves} leaves reached`,
    '',
    'Load it (Open vSwitch 2.10 or later; leave other_config:vlan-limit at its default, 1):',
    ...r.setup.map((s) => `  ${s}`),
    '',
    'Taps:',
    ...r.taps.map(
      (t) =>
        `  ${t.name}: port ${t.port}${t.vlanMarks.length ? `, marked VLAN ${t.vlanMarks.map((m) => `${m.id}${m.priority ? ` priority ${m.priority}` : ''}`).join(', ')}` : ''}`,
    ),
    '',
  );
  const sw = r.groups.filter((g) => g.side === 'switch');
  const host = r.groups.filter((g) => g.side === 'host');
  out.push('On the switch:');
  if (!sw.length) out.push('  (no group)');
  for (const g of sw) {
    out.push(
      `  ${g.name} -> ${g.tools.map((t) => `${t.name} (port ${t.port}${t.weight !== undefined ? `, weight ${t.weight}` : ''})`).join(', ')}; OpenFlow group${g.openflowGroups.length > 1 ? 's' : ''} ${g.openflowGroups.join(', ')}`,
    );
    out.push(`    ${g.switchSteps.join(', then ')}`);
    for (const v of g.viaHost) out.push(`    via the host: ${v}`);
    if (g.balance)
      out.push(
        `    balancing: ${g.balance.switch}; tmesc's own choice is ${g.balance.tmesc}. Each session reaches one tool either way; the two choices agree for about ${pct(g.balance.expectedAgreement)} of sessions (chance: they share only the weights)`,
      );
    for (const n of g.notes) out.push(`    note: ${n}`);
  }
  out.push('', 'On the host:');
  if (!host.length) out.push('  (no group)');
  for (const g of host) {
    out.push(
      `  ${g.name} -> ${g.tools.map((t) => `${t.name}${t.port !== null ? ` (returned to port ${t.port})` : ' (written on the host)'}`).join(', ')}`,
    );
    for (const w of g.host) out.push(`    because: ${w}`);
  }
  if (r.hostDecides.length) {
    out.push('', 'Tests the switch cannot decide (those packets go to the host, which decides all their groups):');
    for (const d of r.hostDecides) {
      out.push(`  ${d.test} ${d.when.join('; ')}`);
      if (d.rules.length) out.push(`    tested by ${d.rules.join(', ')}`);
    }
  }
  if (r.host) {
    out.push(
      '',
      `Host ${r.host.name} on port ${r.host.port} (${r.host.vlansUsed} VLANs on its link; the host runs tmesc with the same policy):`,
    );
    for (const t of r.host.toHost)
      out.push(
        `  to host, VLAN ${t.vid}: packets from tap ${t.tap} ${t.means === 'host-groups' ? 'some host group may want; the host delivers its own groups' : 'the switch could not decide; the host decides every group'}`,
      );
    for (const f of r.host.fromHost)
      out.push(
        'group' in f
          ? `  from host, VLAN ${f.vid}: a packet for switch group ${f.group} as its strip leaves it, from tap ${f.markedAs.join(' or ')} (the switch balances, marks and outputs)`
          : `  from host, VLAN ${f.vid}: a packet for tool ${f.tool}, as it goes out (to port ${f.port})`,
      );
  }
  return out.join('\n') + '\n';
}
