import { ABSENT, FIELD_INDEX, TUNNEL } from '../fields/fields.js';
import { ETHERTYPE } from '../fields/ethertype.js';
import type { Ranges } from '../policy/policy.js';
import { FLAG, REG, regMatch, type RegField, hex, flagMatch, arpAddrMatch } from './registers.js';

/**
 * What an Open vSwitch switch knows of each packet field the match graph
 * tests, after the ingress tables (ingress.ts) have run.
 *
 * A field is either matched (a register or an OpenFlow field, by value and
 * mask), constant on a switch (linkType is always Ethernet; a field of the
 * inner packet is ABSENT when there is no tunnel), or never known (payload
 * tests, the packet length). Under some packet facts (flags) a field the
 * switch normally matches is hidden: then `unknown` says which values it may
 * have ('any', or ranges with ABSENT as -1), and a node whose children all
 * agree over those values still decides on the switch; otherwise the packet
 * is punted to the host.
 */
export interface Hidden {
  flag: number;
  values: Ranges | 'any';
  /**
   * The register holds one of `values` under the flag (the ingress loads a
   * representative): where the children agree over them, the node's normal
   * flows already lead there and no flow of its own is needed.
   */
  inRegister?: true;
}

/**
 * Packet classes as Open vSwitch parses them (by EtherType and IP
 * protocol): OpenFlow matches a transport field only under a match on its
 * protocol, so a port test is a flow for each class that can reach the node
 * (the walk follows which can, from the EtherType and protocol tests above).
 */
export const CLASS = Object.freeze({
  T4: 1 << 0,
  T6: 1 << 1,
  U4: 1 << 2,
  U6: 1 << 3,
  S4: 1 << 4,
  S6: 1 << 5,
  I4: 1 << 6,
  I6: 1 << 7,
  O4: 1 << 8,
  O6: 1 << 9,
  ARP: 1 << 10,
  RARP: 1 << 11,
  OTHER: 1 << 12,
});
export const ALL_CLASSES = (1 << 13) - 1;
export const V4 = CLASS.T4 | CLASS.U4 | CLASS.S4 | CLASS.I4 | CLASS.O4;
export const V6 = CLASS.T6 | CLASS.U6 | CLASS.S6 | CLASS.I6 | CLASS.O6;

/** A match under a protocol: for packets of `classes`, `match` (prerequisites included). */
export interface Context {
  classes: number;
  match: (value: bigint, mask: bigint) => string;
  /** Flag bits (reg7) the context needs set, beside the field's `present` (one reg7 match per flow). */
  flags?: number;
}

export interface SwitchField {
  /** Width of the value in bits (for prefixes). */
  bits: number;
  /** The match fragment for packets whose field, masked, equals value (a register, or a field without prerequisites). */
  match?: (value: bigint, mask: bigint) => string;
  /** Or one match per protocol class (a field OpenFlow matches only under its protocol). */
  contexts?: Context[];
  /** The classes in which the field can be present: a packet with the field has one of them. */
  classes?: number;
  /** The flag bit that says the field is present (not ABSENT); undefined: present on every Ethernet frame. */
  present?: number;
  /** The value a switch always sees (ABSENT for the inner packet without a tunnel). */
  constant?: number;
  /** Never known on a switch: why, for the report. */
  never?: string;
  /**
   * Known on a switch only to be ABSENT (the packet inside a tunnel, the
   * tunnel's id): a rule that tests it wants tunnelled packets, which the
   * switch can only hand on, so its groups are decided on the host, as for
   * `never` (the other groups then need no test of it, and the switch does
   * not hand tunnelled packets to the host whole for them).
   */
  hostTest?: string;
  /**
   * For a `hostTest` field: a value only a tunnelled packet has (`constant` is the value of every packet
   * without one). Where the ingress may have missed a tunnel (the TUN flag: the outer headers are those
   * the decoder follows into a tunnel; or the outer headers are hidden), the switch takes this value's
   * child, which the abstraction (abstract.ts) makes the merge of all children.
   */
  open?: number;
  hidden: Hidden[];
  /** How the report names what is hidden, when the field makes packets go to the host. */
  what: string;
}

const ANY = 'any' as const;
const L3: Hidden[] = [{ flag: FLAG.L3H, values: ANY }];
const L4: Hidden[] = [...L3, { flag: FLAG.IP6X, values: ANY }];
const TUNNELS: Hidden[] = [...L4, { flag: FLAG.TUN, values: ANY }];
/** What hides the MPLS stack and PPPoE: tags Open vSwitch does not parse past. */
const L2: Hidden[] = [
  { flag: FLAG.VLANS, values: ANY },
  { flag: FLAG.Q9100, values: ANY },
];

function reg(f: RegField, bits = f.bits): (v: bigint, m: bigint) => string {
  return (v, m) => regMatch(f, v, m & ((1n << BigInt(bits)) - 1n));
}

function mac(name: 'eth_src' | 'eth_dst'): (v: bigint, m: bigint) => string {
  const fmt = (x: bigint) => x.toString(16).padStart(12, '0').match(/../g)!.join(':');
  return (v, m) => (m === 0xffffffffffffn ? `${name}=${fmt(v)}` : `${name}=${fmt(v)}/${fmt(m)}`);
}

/** One 32-bit word of an IPv6 address, as an ipv6_src/ipv6_dst match with a mask on that word only. */
function ip6Word(name: 'ipv6_src' | 'ipv6_dst', word: number): (v: bigint, m: bigint) => string {
  const addr = (x: bigint) => {
    const words = [0n, 0n, 0n, 0n];
    words[word] = x;
    const parts: string[] = [];
    for (const w of words) parts.push((w >> 16n).toString(16), (w & 0xffffn).toString(16));
    // leading zero groups as '::': ovs-ofctl 3.1 refuses a mask written 0:0:ffff:0:0:0:0:0 (it reads a leading 0 as a prefix length)
    const zeros = parts.findIndex((p) => p !== '0');
    if (zeros < 0) return '::';
    return zeros > 0 ? `::${parts.slice(zeros).join(':')}` : parts.join(':');
  };
  return (v, m) => `ipv6,${name}=${addr(v)}/${addr(m)}`;
}

const TCI_PRESENT = 0x1000n;

function masked(name: string, bits: number): (v: bigint, m: bigint) => string {
  const all = (1n << BigInt(bits)) - 1n;
  return (v, m) => (m === all ? `${name}=${hex(v)}` : `${name}=${hex(v)}/${hex(m)}`);
}
function ctx(classes: number, prereq: string, field: string, bits: number): Context {
  const f = masked(field, bits);
  return { classes, match: (v, m) => `${prereq},${f(v, m)}` };
}
const dotted = (x: bigint) => [24n, 16n, 8n, 0n].map((s) => String((x >> s) & 0xffn)).join('.');
function ip4(classes: number, prereq: string, field: string): Context {
  return {
    classes,
    match: (v, m) =>
      m === 0xffffffffn ? `${prereq},${field}=${dotted(v)}` : `${prereq},${field}=${dotted(v)}/${dotted(m)}`,
  };
}
const portContexts = (dir: 'src' | 'dst'): Context[] => [
  ctx(CLASS.T4, 'tcp', `tcp_${dir}`, 16),
  ctx(CLASS.T6, 'tcp6', `tcp_${dir}`, 16),
  ctx(CLASS.U4, 'udp', `udp_${dir}`, 16),
  ctx(CLASS.U6, 'udp6', `udp_${dir}`, 16),
  ctx(CLASS.S4, 'sctp', `sctp_${dir}`, 16),
  ctx(CLASS.S6, 'sctp6', `sctp_${dir}`, 16),
];
const addrContexts = (dir: 'src' | 'dst'): Context[] => [
  ip4(V4, 'ip', `nw_${dir}`),
  // ARP and RARP in one flow, their addresses moved into the metadata at ingress (registers.ts)
  {
    classes: CLASS.ARP | CLASS.RARP,
    match: (v, m) => arpAddrMatch(dir, v, m),
    flags: FLAG.P_ARP,
  },
];
const tcpFlagContexts = [ctx(CLASS.T4, 'tcp', 'tcp_flags', 12), ctx(CLASS.T6, 'tcp6', 'tcp_flags', 12)];
const TRANSPORT = CLASS.T4 | CLASS.T6 | CLASS.U4 | CLASS.U6 | CLASS.S4 | CLASS.S6;

const LLC_HEADER = { never: 'the 802.2 LLC header', hidden: [], what: 'the 802.2 LLC header' };

const FIELDS: Record<string, SwitchField> = {
  tap: { bits: 16, match: reg(REG.tap), hidden: [], what: 'tap' },
  linkType: { bits: 16, constant: 1, hidden: [], what: 'link type' },
  etherType: {
    bits: 16,
    match: reg(REG.etherType),
    hidden: [
      {
        flag: FLAG.MPLS,
        values: [
          [ETHERTYPE.IPV4, ETHERTYPE.IPV4],
          [ETHERTYPE.IPV6, ETHERTYPE.IPV6],
          [ETHERTYPE.MPLS, ETHERTYPE.MPLS_MULTICAST],
        ],
        inRegister: true,
      },
      { flag: FLAG.PPPOE, values: ANY },
      { flag: FLAG.VLANS, values: ANY },
      { flag: FLAG.Q9100, values: ANY },
      { flag: FLAG.LLC, values: [[0, 0x5ff]], inRegister: true },
    ],
    what: 'the EtherType',
  },
  outerEtherType: {
    bits: 16,
    match: reg(REG.etherType),
    hidden: [
      {
        flag: FLAG.TAGGED,
        values: [
          [ETHERTYPE.VLAN, ETHERTYPE.VLAN],
          [ETHERTYPE.QINQ, ETHERTYPE.QINQ],
        ],
      },
      { flag: FLAG.LLC, values: [[0, 0x5ff]], inRegister: true },
    ],
    what: 'the outer EtherType',
  },
  ipProto: {
    bits: 8,
    match: reg(REG.ipProto),
    present: FLAG.P_IP,
    classes: V4 | V6,
    hidden: L4,
    what: 'the IP protocol',
  },
  dstPort: {
    bits: 16,
    contexts: portContexts('dst'),
    present: FLAG.P_PORTS,
    classes: TRANSPORT,
    hidden: L4,
    what: 'ports',
  },
  srcPort: {
    bits: 16,
    contexts: portContexts('src'),
    present: FLAG.P_PORTS,
    classes: TRANSPORT,
    hidden: L4,
    what: 'ports',
  },
  ip4Dst: {
    bits: 32,
    contexts: addrContexts('dst'),
    present: FLAG.P_A4,
    classes: V4 | CLASS.ARP | CLASS.RARP,
    hidden: L3,
    what: 'IPv4 addresses',
  },
  ip4Src: {
    bits: 32,
    contexts: addrContexts('src'),
    present: FLAG.P_A4,
    classes: V4 | CLASS.ARP | CLASS.RARP,
    hidden: L3,
    what: 'IPv4 addresses',
  },
  ethDst: { bits: 48, match: mac('eth_dst'), hidden: [], what: 'MAC addresses' },
  ethSrc: { bits: 48, match: mac('eth_src'), hidden: [], what: 'MAC addresses' },
  ethMulticast: {
    bits: 1,
    match: (v) => `eth_dst=${v ? '01' : '00'}:00:00:00:00:00/01:00:00:00:00:00`,
    hidden: [],
    what: 'the multicast bit',
  },
  vlanCount: {
    bits: 4,
    match: reg(REG.vlanCount),
    hidden: [
      { flag: FLAG.VLANS, values: [[2, 15]], inRegister: true },
      { flag: FLAG.Q9100, values: [[1, 15]], inRegister: true },
    ],
    what: 'how many VLAN tags',
  },
  vlan0: {
    bits: 12,
    match: (v, m) => `vlan_tci=${hex(TCI_PRESENT | v)}/${hex(TCI_PRESENT | (m & 0xfffn))}`,
    present: FLAG.TAGGED,
    hidden: [{ flag: FLAG.Q9100, values: ANY }],
    what: 'the VLAN id',
  },
  vlanPri0: {
    bits: 3,
    match: (v, m) => `vlan_tci=${hex(TCI_PRESENT | (v << 13n))}/${hex(TCI_PRESENT | ((m & 7n) << 13n))}`,
    present: FLAG.TAGGED,
    hidden: [{ flag: FLAG.Q9100, values: ANY }],
    what: 'the VLAN priority',
  },
  vlan1: {
    bits: 12,
    constant: ABSENT,
    hidden: [
      { flag: FLAG.VLANS, values: ANY },
      { flag: FLAG.Q9100, values: ANY },
    ],
    what: 'the second VLAN tag',
  },
  mplsCount: {
    bits: 4,
    match: reg(REG.mplsCount),
    hidden: [{ flag: FLAG.MPLS2, values: [[2, 15]], inRegister: true }, ...L2, { flag: FLAG.PPPOE, values: ANY }],
    what: 'how many MPLS labels',
  },
  mpls0: {
    bits: 20,
    match: reg(REG.mpls0),
    present: FLAG.P_MPLS,
    classes: CLASS.OTHER,
    hidden: [...L2, { flag: FLAG.PPPOE, values: ANY }],
    what: 'the MPLS label',
  },
  mpls1: {
    bits: 20,
    constant: ABSENT,
    hidden: [{ flag: FLAG.MPLS2, values: ANY }, ...L2, { flag: FLAG.PPPOE, values: ANY }],
    what: 'the second MPLS label',
  },
  pppoeSession: {
    bits: 16,
    constant: ABSENT,
    hidden: [{ flag: FLAG.PPPOE, values: ANY }, ...L2],
    what: 'the PPPoE session',
  },
  tcpFlags: {
    bits: 8,
    contexts: tcpFlagContexts,
    present: FLAG.P_TCP,
    classes: CLASS.T4 | CLASS.T6,
    hidden: L4,
    what: 'TCP flags',
  },
  icmpType: {
    bits: 8,
    match: reg(REG.icmpType),
    present: FLAG.P_ICMP,
    classes: CLASS.I4 | CLASS.I6,
    hidden: L4,
    what: 'ICMP type',
  },
  icmpCode: {
    bits: 8,
    match: reg(REG.icmpCode),
    present: FLAG.P_ICMP,
    classes: CLASS.I4 | CLASS.I6,
    hidden: L4,
    what: 'ICMP code',
  },
  ttl: { bits: 8, match: reg(REG.ttl), present: FLAG.P_IP, classes: V4 | V6, hidden: L3, what: 'TTL' },
  dscp: { bits: 6, match: reg(REG.dscp), present: FLAG.P_IP, classes: V4 | V6, hidden: L3, what: 'DSCP' },
  fragment: {
    bits: 2,
    match: reg(REG.fragment),
    present: FLAG.P_IP,
    classes: V4 | V6,
    hidden: L4,
    what: 'fragmentation',
  },
  wireLen: { bits: 32, never: 'the packet length', hidden: [], what: 'the packet length' },
  // a switch port is Ethernet: no Linux cooked header, so no direction or interface index
  pktType: { bits: 16, constant: ABSENT, hidden: [], what: 'the Linux cooked packet type' },
  ifIndex: { bits: 32, constant: ABSENT, hidden: [], what: 'the Linux cooked interface index' },
  // Open vSwitch parses no 802.2 LLC, SNAP or OSI header
  llcDsap: { bits: 8, ...LLC_HEADER },
  llcSsap: { bits: 8, ...LLC_HEADER },
  llcControl: { bits: 8, ...LLC_HEADER },
  snapOui: { bits: 24, ...LLC_HEADER },
  snapType: { bits: 16, ...LLC_HEADER },
  osiNlpid: { bits: 8, ...LLC_HEADER },
  isisPduType: { bits: 8, ...LLC_HEADER },
  tunnel: {
    bits: 4,
    constant: TUNNEL.none,
    open: TUNNEL.none + 1,
    hidden: TUNNELS,
    hostTest: 'tunnels (the switch sees no tunnel headers)',
    what: 'the tunnel (the headers past UDP, GRE and IP in IP)',
  },
  tunnelId: {
    bits: 32,
    constant: ABSENT,
    open: ABSENT + 1,
    hidden: TUNNELS,
    hostTest: 'tunnel ids (VNI, TEID, GRE key)',
    what: 'tunnel ids (VNI, TEID, GRE key)',
  },
};

const IP6_WORDS = ['ip6Dst0', 'ip6Dst1', 'ip6Dst2', 'ip6Dst3', 'ip6Src0', 'ip6Src1', 'ip6Src2', 'ip6Src3'];
for (const name of IP6_WORDS)
  FIELDS[name] = {
    bits: 32,
    match: ip6Word(name.startsWith('ip6Dst') ? 'ipv6_dst' : 'ipv6_src', Number(name.slice(-1))),
    present: FLAG.P_IPV6,
    classes: V6,
    hidden: L3,
    what: 'IPv6 addresses',
  };

/**
 * Byte loads (`ip[8]`, `tcp[13]`...) that are a header field Open vSwitch
 * parses, by layer, offset and size; their presence is the layer's (as the
 * runtime's load: the layer's header is there).
 */
const LOADS: Record<string, Omit<SwitchField, 'hidden' | 'what'> & { hidden?: Hidden[] }> = {
  'ip:1:1': { bits: 8, match: reg(REG.tos), present: FLAG.P_IPV4, classes: V4 },
  'ip:8:1': { bits: 8, match: reg(REG.ttl), present: FLAG.P_IPV4, classes: V4 },
  'ip:9:1': { bits: 8, match: reg(REG.ipProto), present: FLAG.P_IPV4, classes: V4 },
  'ip:12:4': { bits: 32, contexts: [ip4(V4, 'ip', 'nw_src')], present: FLAG.P_IPV4, classes: V4 },
  'ip:16:4': { bits: 32, contexts: [ip4(V4, 'ip', 'nw_dst')], present: FLAG.P_IPV4, classes: V4 },
  'ip6:7:1': { bits: 8, match: reg(REG.ttl), present: FLAG.P_IPV6, classes: V6 },
  'tcp:0:2': {
    bits: 16,
    contexts: portContexts('src').slice(0, 2),
    present: FLAG.P_TCP,
    classes: CLASS.T4 | CLASS.T6,
    hidden: L4,
  },
  'tcp:2:2': {
    bits: 16,
    contexts: portContexts('dst').slice(0, 2),
    present: FLAG.P_TCP,
    classes: CLASS.T4 | CLASS.T6,
    hidden: L4,
  },
  'tcp:13:1': { bits: 8, contexts: tcpFlagContexts, present: FLAG.P_TCP, classes: CLASS.T4 | CLASS.T6, hidden: L4 },
  'udp:0:2': {
    bits: 16,
    contexts: portContexts('src').slice(2, 4),
    present: FLAG.P_UDP,
    classes: CLASS.U4 | CLASS.U6,
    hidden: L4,
  },
  'udp:2:2': {
    bits: 16,
    contexts: portContexts('dst').slice(2, 4),
    present: FLAG.P_UDP,
    classes: CLASS.U4 | CLASS.U6,
    hidden: L4,
  },
};

/**
 * Where the program matches L4 ports and IPv4 addresses:
 * - 'headers': where Open vSwitch parses them (`tcp_dst`, `nw_src`): a value costs a flow per protocol family
 *   it can be in (TCP and UDP ports over IPv4 and over IPv6; IPv4 addresses for IPv4 and for ARP/RARP), and a
 *   datapath flow (megaflow) matches only the bits the flows look at;
 * - 'registers': moved at ingress, once per protocol, into reg13 (ports) and the metadata (addresses): a value
 *   is one flow whatever the family, but every datapath flow of a packet with the field matches it whole (one
 *   cache entry per connection where the ports are moved).
 */
export type FieldsIn = 'headers' | 'registers';

/** The graph fields the register layout moves, and where. */
export const MOVED_FIELDS: Readonly<Record<string, SwitchField>> = Object.freeze({
  dstPort: { ...FIELDS.dstPort, contexts: undefined, match: reg(REG.dstPort) },
  srcPort: { ...FIELDS.srcPort, contexts: undefined, match: reg(REG.srcPort) },
  ip4Dst: { ...FIELDS.ip4Dst, contexts: undefined, match: (v, m) => arpAddrMatch('dst', v, m) },
  ip4Src: { ...FIELDS.ip4Src, contexts: undefined, match: (v, m) => arpAddrMatch('src', v, m) },
});

/** How a switch sees a graph field (`dstPort`, `inner.ip4Src`, `load:outer:ip:8:1`, `pred:0`). */
export function switchField(name: string, fieldsIn: FieldsIn = 'headers'): SwitchField {
  if (fieldsIn === 'registers' && Object.hasOwn(MOVED_FIELDS, name)) return MOVED_FIELDS[name];
  if (name.startsWith('pred:')) return { bits: 1, never: 'a payload or arithmetic test', hidden: [], what: 'payload' };
  if (name.startsWith('inner.')) {
    if (!FIELD_INDEX.has(name.slice(6))) throw new Error(`unknown packet field ${name}`);
    return {
      bits: 32,
      constant: ABSENT,
      open: ABSENT + 1,
      hidden: TUNNELS,
      hostTest: 'the packet inside a tunnel',
      what: 'the packet inside a tunnel',
    };
  }
  const load = /^load:(outer|inner):([a-z0-9]+):(\d+):([124])$/.exec(name);
  if (load) {
    const [, scope, layer, offset, size] = load;
    const what = `${layer}[${offset}:${size}]`;
    if (scope === 'inner')
      return {
        bits: 32,
        constant: ABSENT,
        open: ABSENT + 1,
        hidden: TUNNELS,
        hostTest: `inner ${what}`,
        what: `inner ${what}`,
      };
    const known = LOADS[`${layer}:${offset}:${size}`];
    if (!known)
      return { bits: 8 * Number(size), never: `the byte load ${what}`, hidden: [], what: `the byte load ${what}` };
    return { hidden: L3, ...known, what: what };
  }
  const f = FIELDS[name];
  if (!f) throw new Error(`unknown packet field ${name}`);
  return f;
}

/** The match fragment for packets whose field is present, when presence is one flag bit. */
export function presentMatch(f: SwitchField): string | undefined {
  return f.present === undefined ? undefined : flagMatch(f.present, f.present);
}

/** Why the switch leaves a field's tests to the host (never known, or known only where it is ABSENT), or undefined. */
export function hostOnly(f: SwitchField): string | undefined {
  return f.never ?? f.hostTest;
}
