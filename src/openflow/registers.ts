/**
 * How the switch program uses Open vSwitch's 32-bit registers (NXM_NX_REG0..15).
 *
 * The ingress tables copy the packet's header fields the match graph tests
 * into registers (a "normalised" view), so that a graph node's flows match a
 * register with a mask whatever the packet's protocol: a port test is one
 * flow per prefix, not one per protocol (TCP, UDP, SCTP) and IP version, and
 * a field OpenFlow cannot mask (eth_type) can be matched by ranges.
 */
export interface RegField {
  reg: number;
  /** First bit and width inside the register. */
  lo: number;
  bits: number;
}

const r = (reg: number, lo: number, bits: number): RegField => Object.freeze({ reg, lo, bits });

export const REG = Object.freeze({
  /** The graph node the walk is at. */
  node: r(0, 0, 32),
  /** The walk's result: leaf index + 1 (0: the walk has not reached a leaf). */
  leaf: r(1, 0, 32),
  /** The group being checked or delivered (CHECK and LEAF tables, the policy in parts). */
  group: r(2, 0, 32),
  tap: r(3, 0, 16),
  /** Which tap marks the delivery applies (taps with the same marks share a class). */
  markClass: r(3, 16, 16),
  etherType: r(6, 0, 16),
  ipProto: r(6, 16, 8),
  vlanCount: r(6, 24, 4),
  mplsCount: r(6, 28, 4),
  flags: r(7, 0, 32),
  icmpType: r(9, 8, 8),
  icmpCode: r(9, 16, 8),
  ttl: r(9, 24, 8),
  /** The IPv4 TOS / IPv6 traffic class byte: DSCP in its upper six bits, ECN in the lower two. */
  tos: r(10, 0, 8),
  dscp: r(10, 2, 6),
  fragment: r(10, 8, 2),
  mpls0: r(11, 0, 20),
  /** Which strip checks the leaf reached needs (CHECK table): packets some group of it cannot have stripped on the switch. */
  check: r(12, 0, 32),
  /** The tool output a group's bucket chose (TOOL table). */
  toolOut: r(13, 0, 32),
  /**
   * The L4 ports, in the register layout (switch-fields.ts FieldsIn): reg13 is the walk's until a bucket loads the
   * tool output into it (a bucket runs on a copy of the registers, so later walks still read the ports).
   */
  srcPort: r(13, 0, 16),
  dstPort: r(13, 16, 16),
});

/**
 * Bits of the flags register (reg7). Results of the program first, then
 * facts about the packet the ingress tables find (what OpenFlow cannot see
 * into), then which normalised fields are present (a field that is not is
 * ABSENT for the graph).
 */
export const FLAG = Object.freeze({
  /** The walk met a test the switch cannot decide: the packet goes to the host, which decides every group. */
  PUNT: 1 << 0,
  /** Some group of the packet's is decided or processed on the host. */
  TOHOST: 1 << 1,
  /** Open vSwitch parsed an 802.1Q/802.1ad tag. */
  TAGGED: 1 << 2,
  /** Another tag follows the first (QinQ): what follows it is hidden from OpenFlow. */
  VLANS: 1 << 3,
  /** A 0x9100 tag: tmesc reads it as VLAN, Open vSwitch as an unknown EtherType. */
  Q9100: 1 << 4,
  /** An MPLS label stack: Open vSwitch does not look past it. */
  MPLS: 1 << 5,
  /** More than one MPLS label: OpenFlow sees the top one only. */
  MPLS2: 1 << 6,
  /** PPPoE session: not parsed by Open vSwitch. */
  PPPOE: 1 << 7,
  /** An 802.3 length field (LLC): tmesc keeps the length as etherType, Open vSwitch says 0x05ff. */
  LLC: 1 << 8,
  /** UDP to or from a tunnel port, or an IP protocol that carries tunnels (GRE, IP in IP, L2TPv3). */
  TUN: 1 << 9,
  /** VN-Tag or E-Tag (only strip cares). */
  VNTAG: 1 << 10,
  /** The network layer is hidden from OpenFlow (VLANS, Q9100, MPLS or PPPOE). */
  L3H: 1 << 11,
  /** IPv6 with a header tmesc walks past and Open vSwitch does not (Mobility, a later fragment's): the upper protocol is hidden. */
  IP6X: 1 << 12,
  // presence of normalised fields
  P_IP: 1 << 16,
  P_IPV4: 1 << 17,
  P_IPV6: 1 << 18,
  /** An IPv4 address pair: IPv4, or Ethernet/IPv4 ARP and RARP. */
  P_A4: 1 << 19,
  P_PORTS: 1 << 20,
  P_TCP: 1 << 21,
  P_UDP: 1 << 22,
  P_ICMP: 1 << 23,
  P_MPLS: 1 << 24,
  /** ARP or RARP: its IPv4 addresses are in the metadata (ARP_ADDR), not where an IPv4 flow matches them. */
  P_ARP: 1 << 25,
});

/**
 * An ARP or RARP packet's IPv4 addresses, moved into the 64-bit OpenFlow
 * metadata at ingress (sender in the low word, target in the high), so that
 * one flow per address value serves both (and IPv4 matches nw_src/nw_dst
 * where Open vSwitch parses them). The move makes the datapath flows of ARP
 * packets match their addresses exactly: ARP is a trickle. In the register
 * layout IPv4's addresses are moved there too, and one flow per address
 * serves IPv4, ARP and RARP.
 */
export const ARP_ADDR = Object.freeze({ field: 'OXM_OF_METADATA', src: 0, dst: 32 });

/** A match on an ARP address word of the metadata. */
export function arpAddrMatch(dir: 'src' | 'dst', value: bigint, mask: bigint): string {
  const at = BigInt(dir === 'src' ? ARP_ADDR.src : ARP_ADDR.dst);
  return `metadata=${hex(value << at)}/${hex(mask << at)}`;
}

export type FlagName = keyof typeof FLAG;

/** The ovs-ofctl name of a register. */
export function regName(reg: number): string {
  return `reg${reg}`;
}

/** A subfield as actions write it: NXM_NX_REG4[16..31]. */
export function subfield(f: RegField): string {
  const name = `NXM_NX_REG${f.reg}`;
  return f.lo === 0 && f.bits === 32 ? `${name}[]` : `${name}[${f.lo}..${f.lo + f.bits - 1}]`;
}

/** A match on part of a register: value and mask over the field's own bits, placed where the field lies. */
export function regMatch(f: RegField, value: bigint, mask: bigint): string {
  const v = (value & mask) << BigInt(f.lo);
  const m = mask << BigInt(f.lo);
  return m === 0xffffffffn ? `${regName(f.reg)}=${hex(v)}` : `${regName(f.reg)}=${hex(v)}/${hex(m)}`;
}

/** A match on flag bits: those of `mask` set as in `value`. */
export function flagMatch(value: number, mask: number): string {
  return `${regName(REG.flags.reg)}=${hex(BigInt(value >>> 0))}/${hex(BigInt(mask >>> 0))}`;
}

/** An action setting flag bits. */
export function setFlags(bits: number): string {
  return `set_field:${hex(BigInt(bits >>> 0))}/${hex(BigInt(bits >>> 0))}->${regName(REG.flags.reg)}`;
}

/** An action loading a constant into a register field. */
export function load(f: RegField, value: number | bigint): string {
  return `load:${hex(BigInt(value))}->${subfield(f)}`;
}

export function hex(v: bigint): string {
  return `0x${v.toString(16)}`;
}
