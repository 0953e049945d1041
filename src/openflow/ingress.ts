import { ETHERTYPE } from '../fields/ethertype.js';
import { IPPROTO } from '../fields/ip-proto.js';
import { UDP_PORT } from '../fields/ports.js';
import { type Flow, TABLE } from './flow.js';
import { ARP_ADDR, FLAG, REG, load, setFlags, subfield } from './registers.js';
import type { FieldsIn } from './switch-fields.js';

/**
 * The ingress tables: what the packet is, as facts (flags) and registers the
 * graph's tables match. Open vSwitch parses one VLAN tag (the default
 * vlan-limit), the MPLS top label, IPv4, IPv6 with its extension headers,
 * ARP, TCP, UDP, SCTP and ICMP; tmesc also looks behind further tags, MPLS
 * labels, PPPoE and tunnels. Where it does, the flags say the switch cannot
 * see the field (switch-fields.ts), and a graph node that depends on it
 * hands the packet to the host instead of guessing.
 */
export interface IngressNeeds {
  /** Registers the switch graph's tables read: each is moved only when read, since a move makes every datapath flow match the whole field. */
  ttl: boolean;
  tos: boolean;
  icmp: boolean;
  mplsLabel: boolean;
  /** The fragment register (first fragments told from whole packets): otherwise one flow serves both. */
  fragment: boolean;
  /** ARP and RARP addresses, into the metadata (registers.ts ARP_ADDR). */
  arpAddr: boolean;
  /** Whether anything needs to know a packet may carry a tunnel (the checks match UDP ports exactly). */
  tunnels: boolean;
  /** The register layout (switch-fields.ts FieldsIn): the L4 ports and IPv4 addresses tested, moved at ingress. */
  moved: { srcPort: boolean; dstPort: boolean; ip4Src: boolean; ip4Dst: boolean };
}

/** What the tables of these graph fields read, plus the tunnel check when a group strips tunnels. */
export function ingressNeeds(
  fields: readonly string[],
  stripsTunnels: boolean,
  fieldsIn: FieldsIn = 'headers',
): IngressNeeds {
  const any = (re: RegExp) => fields.some((f) => re.test(f));
  const moved = (f: string) => fieldsIn === 'registers' && fields.includes(f);
  return {
    ttl: any(/^(ttl|load:outer:ip:8:1|load:outer:ip6:7:1)$/),
    tos: any(/^(dscp|load:outer:ip:1:1)$/),
    icmp: any(/^icmp(Type|Code)$/),
    mplsLabel: fields.includes('mpls0'),
    arpAddr: any(/^ip4(Src|Dst)$/),
    fragment: fields.includes('fragment'),
    tunnels: stripsTunnels || any(/^(tunnel|tunnelId|inner\.|load:inner:)/),
    moved: {
      srcPort: moved('srcPort'),
      dstPort: moved('dstPort'),
      ip4Src: moved('ip4Src'),
      ip4Dst: moved('ip4Dst'),
    },
  };
}

/**
 * The IP protocols and UDP ports (either port, as the decoder tries both) the runtime's decoder follows into a
 * tunnel (runtime/decode/transport.ts, udp.ts), in the first or only fragment. A packet without any of them, whose
 * IP header the switch sees, carries no tunnel: the switch then takes a tunnel test's no-tunnel child
 * (abstract.ts); test/openflow/tunnel-ingress.test.ts decodes every protocol and port to hold the lists to that.
 */
export const TUNNEL_IP_PROTOS: readonly number[] = [IPPROTO.GRE, IPPROTO.IPIP, IPPROTO.IPV6, IPPROTO.L2TP];
export const TUNNEL_UDP_PORTS: readonly number[] = [
  UDP_PORT.VXLAN,
  UDP_PORT.GENEVE,
  UDP_PORT.GTP_U,
  UDP_PORT.L2TP,
  UDP_PORT.TEREDO,
];

export function ingressFlows(needs: IngressNeeds): Flow[] {
  const flows: Flow[] = [];
  const to = (t: number) => `goto_table:${t}`;
  const hex4 = (n: number) => `0x${n.toString(16).padStart(4, '0')}`;

  // VLAN tags: the first one Open vSwitch parses; a second (or 0x9100, which it does not know) hides the rest
  for (const inner of [ETHERTYPE.VLAN, ETHERTYPE.QINQ, ETHERTYPE.QINQ_OLD])
    flows.push({
      table: TABLE.VLAN,
      priority: 30,
      match: ['vlan_tci=0x1000/0x1000', `dl_type=${hex4(inner)}`],
      actions: [setFlags(FLAG.TAGGED | FLAG.VLANS | FLAG.L3H), load(REG.vlanCount, 2), to(TABLE.ETHERTYPE)],
    });
  flows.push({
    table: TABLE.VLAN,
    priority: 20,
    match: ['vlan_tci=0x1000/0x1000'],
    actions: [setFlags(FLAG.TAGGED), load(REG.vlanCount, 1), to(TABLE.ETHERTYPE)],
  });
  flows.push({
    table: TABLE.VLAN,
    priority: 10,
    match: ['vlan_tci=0/0x1000', `dl_type=${hex4(ETHERTYPE.QINQ_OLD)}`],
    actions: [setFlags(FLAG.Q9100 | FLAG.L3H), load(REG.vlanCount, 1), to(TABLE.ETHERTYPE)],
  });
  flows.push({ table: TABLE.VLAN, priority: 0, match: [], actions: [to(TABLE.ETHERTYPE)] });

  // the EtherType (after the tag): MPLS, PPPoE and 802.3 hide what follows
  const ethType = `move:NXM_OF_ETH_TYPE[]->${subfield(REG.etherType)}`;
  for (const mpls of ['mpls', 'mplsm'])
    for (const bos of [1, 0])
      flows.push({
        table: TABLE.ETHERTYPE,
        priority: 20,
        match: [mpls, `mpls_bos=${bos}`],
        actions: [
          ethType,
          setFlags(FLAG.MPLS | FLAG.L3H | FLAG.P_MPLS | (bos ? 0 : FLAG.MPLS2)),
          load(REG.mplsCount, bos ? 1 : 2),
          ...(needs.mplsLabel ? [`move:OXM_OF_MPLS_LABEL[]->${subfield(REG.mpls0)}`] : []),
          to(TABLE.L3),
        ],
      });
  const byType: [number, number][] = [
    [ETHERTYPE.PPPOE_SESSION, FLAG.PPPOE | FLAG.L3H],
    [0x05ff, FLAG.LLC],
    [ETHERTYPE.VNTAG, FLAG.VNTAG],
    [ETHERTYPE.ETAG, FLAG.VNTAG],
  ];
  for (const [type, flag] of byType)
    flows.push({
      table: TABLE.ETHERTYPE,
      priority: 10,
      match: [`dl_type=${hex4(type)}`],
      actions: [ethType, setFlags(flag), to(TABLE.L3)],
    });
  flows.push({ table: TABLE.ETHERTYPE, priority: 0, match: [], actions: [ethType, to(TABLE.L3)] });

  // network and transport headers into registers
  const mv = (src: string, dst: string) => `move:${src}->${dst}`;
  const ipBase = [
    mv('NXM_OF_IP_PROTO[]', subfield(REG.ipProto)),
    ...(needs.ttl ? [mv('NXM_NX_IP_TTL[]', subfield(REG.ttl))] : []),
    ...(needs.tos
      ? [
          mv('OXM_OF_IP_DSCP[]', subfield(REG.dscp)),
          mv('NXM_NX_IP_ECN[]', `NXM_NX_REG${REG.tos.reg}[${REG.tos.lo}..${REG.tos.lo + 1}]`),
        ]
      : []),
  ];
  // ports, addresses and TCP flags are matched where they are (switch-fields.ts), unless the register layout
  // moves them: a move makes every datapath flow match them exactly, one cache entry per connection
  const { moved } = needs;
  const metadata = (at: number) => `${ARP_ADDR.field}[${at}..${at + 31}]`;
  const addr4 = [
    ...(moved.ip4Src ? [mv('NXM_OF_IP_SRC[]', metadata(ARP_ADDR.src))] : []),
    ...(moved.ip4Dst ? [mv('NXM_OF_IP_DST[]', metadata(ARP_ADDR.dst))] : []),
  ];
  const ports = (field: string) => [
    ...(moved.srcPort ? [mv(`${field}_SRC[]`, subfield(REG.srcPort))] : []),
    ...(moved.dstPort ? [mv(`${field}_DST[]`, subfield(REG.dstPort))] : []),
  ];
  const l4: { v4: string; v6: string; flags: number; moves: string[] }[] = [
    { v4: 'tcp', v6: 'tcp6', flags: FLAG.P_PORTS | FLAG.P_TCP, moves: ports('NXM_OF_TCP') },
    { v4: 'udp', v6: 'udp6', flags: FLAG.P_PORTS | FLAG.P_UDP, moves: ports('NXM_OF_UDP') },
    { v4: 'sctp', v6: 'sctp6', flags: FLAG.P_PORTS, moves: ports('OXM_OF_SCTP') },
  ];
  const icmp4 = needs.icmp
    ? [mv('NXM_OF_ICMP_TYPE[]', subfield(REG.icmpType)), mv('NXM_OF_ICMP_CODE[]', subfield(REG.icmpCode))]
    : [];
  const icmp6 = needs.icmp
    ? [mv('NXM_NX_ICMPV6_TYPE[]', subfield(REG.icmpType)), mv('NXM_NX_ICMPV6_CODE[]', subfield(REG.icmpCode))]
    : [];
  // whole packets and first fragments alike carry the transport header: apart only when the fragment is tested
  const frags: [string, number][] = needs.fragment
    ? [
        ['no', 0],
        ['first', 1],
      ]
    : [['not_later', 0]];
  for (const [v, base, flags, icmpMatch, icmpMoves] of [
    ['v4', [...ipBase, ...addr4], FLAG.P_IP | FLAG.P_IPV4 | FLAG.P_A4, 'icmp', icmp4],
    ['v6', ipBase, FLAG.P_IP | FLAG.P_IPV6, 'icmp6', icmp6],
  ] as const) {
    const ip = v === 'v4' ? 'ip' : 'ipv6';
    for (const [frag, fv] of frags) {
      const fragLoad = load(REG.fragment, fv);
      for (const p of l4)
        flows.push({
          table: TABLE.L3,
          priority: 20,
          match: [v === 'v4' ? p.v4 : p.v6, `ip_frag=${frag}`],
          actions: [...base, ...p.moves, fragLoad, setFlags(flags | p.flags), to(TABLE.TUNNEL)],
        });
      // ICMP's flag and fields serve its type and code tests only
      if (needs.icmp)
        flows.push({
          table: TABLE.L3,
          priority: 20,
          match: [icmpMatch, `ip_frag=${frag}`],
          actions: [...base, fragLoad, ...icmpMoves, setFlags(flags | FLAG.P_ICMP), to(TABLE.TUNNEL)],
        });
      flows.push({
        table: TABLE.L3,
        priority: 10,
        match: [ip, `ip_frag=${frag}`],
        actions: [...base, fragLoad, setFlags(flags), to(TABLE.TUNNEL)],
      });
    }
    // later fragments: no transport header, as in tmesc and tcpdump. An IPv6 one's protocol is in its fragment
    // header, which Open vSwitch reads only for first fragments (it says nw_proto=44 for later ones), where tmesc
    // and tcpdump (`tcp` = `ip6 proto 6`, behind a fragment header too) see it: hidden from the switch
    flows.push({
      table: TABLE.L3,
      priority: 10,
      match: [ip, 'ip_frag=later'],
      actions: [...base, load(REG.fragment, 2), setFlags(v === 'v4' ? flags : flags | FLAG.IP6X), to(TABLE.TUNNEL)],
    });
  }
  // IPv6 Mobility: tmesc walks past it to the upper protocol, Open vSwitch stops there
  flows.push({
    table: TABLE.L3,
    priority: 30,
    match: ['ipv6', `nw_proto=${IPPROTO.MOBILITY}`],
    actions: [...ipBase, setFlags(FLAG.P_IP | FLAG.P_IPV6 | FLAG.IP6X), to(TABLE.TUNNEL)],
  });
  for (const arp of ['arp', 'rarp'])
    flows.push({
      table: TABLE.L3,
      priority: 10,
      match: [arp],
      actions: [
        ...(needs.arpAddr
          ? [
              mv('NXM_OF_ARP_SPA[]', `${ARP_ADDR.field}[${ARP_ADDR.src}..${ARP_ADDR.src + 31}]`),
              mv('NXM_OF_ARP_TPA[]', `${ARP_ADDR.field}[${ARP_ADDR.dst}..${ARP_ADDR.dst + 31}]`),
            ]
          : []),
        setFlags(FLAG.P_A4 | FLAG.P_ARP),
        to(TABLE.TUNNEL),
      ],
    });
  flows.push({ table: TABLE.L3, priority: 0, match: [], actions: [to(TABLE.TUNNEL)] });

  // what may carry a tunnel: the switch sees its outer headers only
  const tun = [setFlags(FLAG.TUN), to(TABLE.START)];
  for (const ip of needs.tunnels ? ['ip', 'ipv6'] : []) {
    for (const proto of TUNNEL_IP_PROTOS)
      flows.push({
        table: TABLE.TUNNEL,
        priority: 10,
        match: [ip, `nw_proto=${proto}`, 'ip_frag=not_later'],
        actions: tun,
      });
    for (const port of TUNNEL_UDP_PORTS)
      for (const dir of ['udp_dst', 'udp_src'])
        flows.push({
          table: TABLE.TUNNEL,
          priority: 10,
          match: [ip === 'ip' ? 'udp' : 'udp6', `${dir}=${port}`, 'ip_frag=not_later'],
          actions: tun,
        });
  }
  flows.push({ table: TABLE.TUNNEL, priority: 0, match: [], actions: [to(TABLE.START)] });
  return flows;
}
