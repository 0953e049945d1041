import type { Group, Policy } from '../policy/policy.js';
import { FLAG } from './registers.js';

/**
 * Which side of the broker does each group's work. A group the switch can
 * deliver (filter, replicate, balance, strip VLAN tags, mark, cut frames)
 * stays on the switch, even if some of its packets must be handed to the
 * host (those whose strip the switch cannot do); a group with an action no
 * switch has (mask, replace, timestamp, shape, dedup, payload truncation)
 * goes to the host whole: the switch sends it the packets the group may
 * want, pre-filtered by the match graph, and the host runs the group.
 */
export interface GroupPlan {
  group: number;
  side: 'switch' | 'host';
  /** Why the group is the host's (its actions as the policy writes them). */
  hostReasons: string[];
  /** strip vlan: the switch pops the tag. */
  popVlan: boolean;
  /** Flags of packets whose strip the switch cannot do: they go to the host. */
  stripPunt: number;
  /** What those packets are, for the report. */
  stripPuntWhat: string[];
  /** truncate frame N. */
  truncateFrame?: number;
  /** Bucket weights, from the tools' rates (select groups). */
  weights: number[];
  notes: string[];
}

/** Strip targets the switch cannot remove, by the flag of the packets that have them. */
const STRIP_PUNTS: { targets: string[]; flag: number; what: string }[] = [
  { targets: ['vlan'], flag: FLAG.VLANS | FLAG.Q9100, what: 'packets with two or more VLAN tags (or a 0x9100 tag)' },
  { targets: ['mpls'], flag: FLAG.MPLS, what: 'MPLS packets (the switch cannot tell what the stack carries)' },
  { targets: ['pppoe'], flag: FLAG.PPPOE, what: 'PPPoE session packets' },
  { targets: ['vntag', 'etag'], flag: FLAG.VNTAG, what: 'VN-Tag and E-Tag frames' },
];
const TUNNEL_TARGETS = ['gre', 'pptp', 'erspan', 'gtp', 'l2tp', 'vxlan', 'geneve', 'ipip', '6in4', '6to4', 'teredo'];

/** Tool weights from rates, as the runtime balances: a tool without a rate gets the average of the others (1 when none has one). */
export function toolWeights(g: Group): number[] {
  const known = g.tools.map((t) => t.rateBps).filter((r): r is number => r !== undefined);
  const avg = known.length ? known.reduce((a, b) => a + b, 0) / known.length : 1;
  return g.tools.map((t) => t.rateBps ?? avg);
}

/** OpenFlow bucket weights (16 bits): the tools' shares, largest 100. */
export function bucketWeights(weights: number[]): number[] {
  const max = Math.max(...weights);
  return weights.map((w) => Math.max(1, Math.round((100 * w) / max)));
}

/**
 * How often two independent choices with these shares pick the same tool:
 * the agreement to expect between the switch's hash and tmesc's rendezvous
 * hash, which share nothing but the weights.
 */
export function chanceAgreement(weights: number[]): number {
  const sum = weights.reduce((a, b) => a + b, 0);
  return weights.reduce((a, w) => a + (w / sum) ** 2, 0);
}

/** Where a rule is, for the report: file:line. */
export function ruleWhere(policy: Policy, r: number): string {
  const s = policy.rules[r].span;
  return `${s.file.path}:${s.file.position(s.start).line}`;
}

/**
 * `untestable`: per rule, the tests of its filter no switch can do
 * (rules-of-field.ts); every group such a rule sends to or drops from is
 * decided on the host.
 */
export function planGroups(policy: Policy, untestable: ReadonlyMap<number, string[]> = new Map()): GroupPlan[] {
  return policy.groups.map((g) => {
    const a = g.actions;
    const host: string[] = [];
    for (const r of policy.rules)
      if (r.groups.includes(g.index) && untestable.has(r.index))
        host.push(`rule ${r.name} (${ruleWhere(policy, r.index)}) tests ${untestable.get(r.index)!.join(', ')}`);
    if (a.masks.length)
      host.push(`mask ${a.masks.map((m) => (m.kind === 'regex' ? `/${m.source}/` : m.kind)).join(', ')}`);
    if (a.replaces.length)
      host.push(
        `replace ${a.replaces.map((x) => `/${x.source}/${x.flags} with ${JSON.stringify(x.text)}`).join(', ')}`,
      );
    if (a.truncate?.what === 'payload') host.push(`truncate payload ${a.truncate.bytes}`);
    if (a.timestamp) host.push('timestamp');
    if (a.shape) host.push('shape');
    if (a.dedup) host.push('dedup');
    const targets = new Set<string>();
    for (const t of a.strip) {
      if (t === 'all') for (const x of ['vlan', 'mpls', 'pppoe', 'vntag', 'etag', ...TUNNEL_TARGETS]) targets.add(x);
      else if (t === 'tunnels') for (const x of TUNNEL_TARGETS) targets.add(x);
      else targets.add(t);
    }
    let stripPunt = 0;
    const stripPuntWhat: string[] = [];
    for (const p of STRIP_PUNTS)
      if (p.targets.some((t) => targets.has(t))) {
        stripPunt |= p.flag;
        stripPuntWhat.push(p.what);
      }
    const tunnels = TUNNEL_TARGETS.filter((t) => targets.has(t));
    if (tunnels.length) {
      // the switch sees no tunnel headers (nor anything behind MPLS, PPPoE, QinQ)
      stripPunt |= FLAG.TUN | FLAG.L3H | FLAG.IP6X;
      stripPuntWhat.push(`packets that may carry ${tunnels.join(', ')} (the switch cannot decapsulate)`);
    }
    const notes: string[] = [];
    if (g.tools.length > 1) {
      if (g.balance.inner)
        notes.push(
          'balance session inner: the switch hashes the outer headers, so a tunnel between two endpoints goes to one tool (each session still reaches exactly one)',
        );
      if (!g.balance.symmetric)
        notes.push('balance session asymmetric: the switch hashes symmetrically (both directions reach one tool)');
    }
    const weights = toolWeights(g);
    return {
      group: g.index,
      side: host.length ? 'host' : 'switch',
      hostReasons: host,
      popVlan: targets.has('vlan'),
      stripPunt,
      stripPuntWhat,
      truncateFrame: a.truncate?.what === 'frame' ? a.truncate.bytes : undefined,
      weights,
      notes,
    };
  });
}
