/**
 * The packet fields the match graph tests and the decoder fills: the contract
 * between the compiler and the runtime. It is a leaf module so the runtime
 * needs nothing of the compiler.
 *
 * Every field is a number. A field the packet does not have (no TCP header, a
 * non-first fragment's ports, no VLAN tag) holds ABSENT, which lies outside
 * every field's domain, so "port 80" is simply false there, as in tcpdump.
 * IPv6 addresses are four 32-bit words so that a CIDR prefix is a conjunction
 * of per-word intervals and the compiler stays exact without big integers.
 */
export const ABSENT = -1;

export interface FieldInfo {
  /** Property name on the packet view. */
  readonly name: string;
  /** Largest value (values are integers from 0 to max; ABSENT aside). */
  readonly max: number;
  readonly doc: string;
}

function f(name: string, bits: number, doc: string): FieldInfo {
  return Object.freeze({ name, max: 2 ** bits - 1, doc });
}

/**
 * Order matters: it is the default test order of the match graph (cheap,
 * highly selective fields first), so keep it deliberate.
 */
export const FIELDS: readonly FieldInfo[] = Object.freeze([
  f('tap', 16, 'index of the tap the packet came from'),
  f('linkType', 16, 'capture link type (LINKTYPE_*) of the frame'),
  f(
    'etherType',
    16,
    'ethertype of the network layer after VLAN, MPLS and PPPoE (0x0800 IPv4, 0x86dd IPv6, 0x0806 ARP, ...)',
  ),
  f('outerEtherType', 16, 'ethertype at the Ethernet header itself, before any VLAN tag'),
  f('ipProto', 8, 'IP protocol / IPv6 final next header (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6, 132 SCTP, 47 GRE, ...)'),
  f('dstPort', 16, 'TCP, UDP or SCTP destination port (absent on non-first fragments)'),
  f('srcPort', 16, 'TCP, UDP or SCTP source port'),
  f('ip4Dst', 32, 'IPv4 destination (ARP: target protocol address)'),
  f('ip4Src', 32, 'IPv4 source (ARP: sender protocol address)'),
  f('ip6Dst0', 32, 'IPv6 destination, bits 0-31'),
  f('ip6Dst1', 32, 'IPv6 destination, bits 32-63'),
  f('ip6Dst2', 32, 'IPv6 destination, bits 64-95'),
  f('ip6Dst3', 32, 'IPv6 destination, bits 96-127'),
  f('ip6Src0', 32, 'IPv6 source, bits 0-31'),
  f('ip6Src1', 32, 'IPv6 source, bits 32-63'),
  f('ip6Src2', 32, 'IPv6 source, bits 64-95'),
  f('ip6Src3', 32, 'IPv6 source, bits 96-127'),
  f('ethDst', 48, 'Ethernet destination MAC as a 48-bit number'),
  f('ethSrc', 48, 'Ethernet source MAC as a 48-bit number'),
  f('ethMulticast', 1, '1 when the Ethernet destination has the group bit set (multicast, broadcast included)'),
  f('vlanCount', 4, 'number of 802.1Q/802.1ad tags'),
  f('vlan0', 12, 'outermost VLAN id'),
  f('vlan1', 12, 'second VLAN id (QinQ inner tag)'),
  f('vlanPri0', 3, 'outermost VLAN priority (PCP)'),
  f('mplsCount', 4, 'number of MPLS labels in the stack'),
  f('mpls0', 20, 'outermost (top) MPLS label'),
  f('mpls1', 20, 'second MPLS label'),
  f('pppoeSession', 16, 'PPPoE session id'),
  f('tcpFlags', 8, 'TCP flags byte (FIN 1, SYN 2, RST 4, PSH 8, ACK 16, URG 32, ECE 64, CWR 128)'),
  f('icmpType', 8, 'ICMP or ICMPv6 type'),
  f('icmpCode', 8, 'ICMP or ICMPv6 code'),
  f('ttl', 8, 'IPv4 TTL / IPv6 hop limit'),
  f('dscp', 6, 'DSCP (upper six bits of TOS / traffic class)'),
  f('fragment', 2, '0 not a fragment, 1 first fragment, 2 later fragment'),
  f('wireLen', 32, 'length of the packet on the wire (pcap original length)'),
  f('tunnel', 4, 'outermost tunnel kind (see TUNNEL)'),
  f(
    'tunnelId',
    32,
    'GRE key, GTP-U TEID, VXLAN/Geneve VNI, L2TP session id or ERSPAN session id of the outermost tunnel',
  ),
  // rarer tests last, so they come after the common ones in the graph
  f(
    'pktType',
    16,
    'Linux cooked capture packet type: 0 to this host, 1 broadcast, 2 multicast, 3 to another host, 4 sent by this host',
  ),
  f('ifIndex', 32, 'interface index of a Linux cooked capture v2 (SLL2) packet'),
  f('llcDsap', 8, '802.2 LLC destination SAP (802.3 frames, Linux cooked 802.2 frames)'),
  f('llcSsap', 8, '802.2 LLC source SAP'),
  f('llcControl', 8, 'first byte of the 802.2 LLC control field'),
  f('snapOui', 24, 'SNAP organisation code (LLC SAPs 0xaa, UI control)'),
  f('snapType', 16, 'SNAP protocol type'),
  f('osiNlpid', 8, 'OSI network layer protocol id after an ISO LLC header (0x81 CLNP, 0x82 ES-IS, 0x83 IS-IS)'),
  f('isisPduType', 8, 'IS-IS PDU type byte (15-17 hellos, 18/20 LSPs, 24/25 CSNPs, 26/27 PSNPs)'),
]);

export const FIELD_INDEX: ReadonlyMap<string, number> = new Map(FIELDS.map((x, i) => [x.name, i]));

export function fieldInfo(name: string): FieldInfo {
  const i = FIELD_INDEX.get(name);
  if (i === undefined) throw new Error(`unknown packet field ${name}`);
  return FIELDS[i];
}

/** Tunnel kinds, as stored in the `tunnel` field. */
export const TUNNEL = Object.freeze({
  none: 0,
  gre: 1,
  pptp: 2,
  erspan: 3,
  gtp: 4,
  l2tp: 5,
  vxlan: 6,
  geneve: 7,
  ipip: 8, // IPv4 or IPv6 in IPv4 or IPv6 other than the ones below (4in4, 4in6, 6in6)
  '6in4': 9,
  '6to4': 10, // 6in4 whose IPv6 addresses are 2002::/16
  teredo: 11,
} as const);

/**
 * Link types the runtime decodes (values are LINKTYPE_* from the tcpdump.org registry). A const
 * enum: the compiler writes the numbers in place.
 */
export const enum LINKTYPE {
  NULL = 0,
  ETHERNET = 1,
  PPP = 9,
  /** DLT_RAW as most systems number it: libpcap and Wireshark read files with it as raw IP. */
  RAW_DLT12 = 12,
  /** DLT_RAW on OpenBSD. */
  RAW_DLT14 = 14,
  /** PPP in HDLC-like framing (or Cisco HDLC on the same link). */
  PPP_HDLC = 50,
  RAW = 101,
  C_HDLC = 104,
  LOOP = 108,
  LINUX_SLL = 113,
  IPV4 = 228,
  IPV6 = 229,
  LINUX_SLL2 = 276,
}
