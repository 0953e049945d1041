import { IPPROTO } from '../../fields/ip-proto.js';
import { UDP_PORT } from '../../fields/ports.js';

/**
 * A packet as `tmesc explain --packet` and `tmesc diff` describe it: the
 * outer packet, and the one its tunnel carries. parse.ts reads it from text,
 * complete.ts fills in what a real frame must have, build.ts writes the
 * frame's bytes, format.ts writes it back as text.
 */
export interface PacketDesc {
  tap?: string;
  /** Length on the wire (the frame is padded to it). */
  len?: number;
  outer: Layer;
  /** The packet the outer layer's tunnel carries (present when and only when it has one, once complete). */
  inner?: Layer;
}

export type Transport = 'tcp' | 'udp' | 'sctp' | 'icmp' | 'icmp6' | 'arp';

/** An IPv4 address as a number, or an IPv6 address as 16 bytes. */
export type IpAddr = number | Uint8Array;

export interface Layer {
  /** 4 or 6: IPv4 or IPv6 (ARP is family 4: its addresses are). */
  family?: 4 | 6;
  transport?: Transport;
  /** `proto N`: an IP packet of protocol N with no header of its own built here. */
  ipProto?: number;
  /** `ethertype N`: a frame of that EtherType, its payload after the type field. */
  etherType?: number;
  src?: IpAddr;
  dst?: IpAddr;
  srcPort?: number;
  dstPort?: number;
  /** MAC addresses as 48-bit numbers. */
  macSrc?: number;
  macDst?: number;
  /** Outermost first. */
  vlans: { id: number; pri: number }[];
  /** Top of the stack first. */
  mpls: number[];
  pppoe?: number;
  ttl?: number;
  dscp?: number;
  fragment?: 'first' | 'later';
  tcpFlags?: number;
  icmpType?: number;
  icmpCode?: number;
  /** ARP operation: 1 request, 2 reply. */
  arpOp?: number;
  tunnel?: { kind: TunnelKind; id?: number };
  payload?: Uint8Array;
}

export function emptyLayer(): Layer {
  return { vlans: [], mpls: [] };
}

/** What a tunnel is carried in and what it carries. */
export interface TunnelInfo {
  /** Carried over UDP on this port, or directly in IP with this protocol. */
  udpPort?: number;
  ipProto?: number;
  /** Only over IPv4 (6in4, 6to4). */
  ipv4Only?: boolean;
  /** What it carries: IP packets, Ethernet frames, either (GRE), or IPv6 only. */
  carries: 'ip' | 'ether' | 'ip-or-ether' | 'ip6';
  /** Its id (VNI, key, TEID, session or call id): the largest value, or undefined when it has none. */
  idMax?: number;
  /** What the id is called, for messages. */
  idName?: string;
}

export const TUNNELS = {
  gre: { ipProto: IPPROTO.GRE, carries: 'ip-or-ether', idMax: 0xffffffff, idName: 'key' },
  pptp: { ipProto: IPPROTO.GRE, carries: 'ip', idMax: 0xffff, idName: 'call id' },
  erspan: { ipProto: IPPROTO.GRE, carries: 'ether', idMax: 0x3ff, idName: 'session id' },
  vxlan: { udpPort: UDP_PORT.VXLAN, carries: 'ether', idMax: 0xffffff, idName: 'VNI' },
  geneve: { udpPort: UDP_PORT.GENEVE, carries: 'ether', idMax: 0xffffff, idName: 'VNI' },
  gtp: { udpPort: UDP_PORT.GTP_U, carries: 'ip', idMax: 0xffffffff, idName: 'TEID' },
  l2tp: { udpPort: UDP_PORT.L2TP, carries: 'ip', idMax: 0xffff, idName: 'session id' },
  teredo: { udpPort: UDP_PORT.TEREDO, carries: 'ip6' },
  ipip: { carries: 'ip' },
  '6in4': { ipProto: IPPROTO.IPV6, ipv4Only: true, carries: 'ip6' },
  '6to4': { ipProto: IPPROTO.IPV6, ipv4Only: true, carries: 'ip6' },
} as const satisfies Record<string, TunnelInfo>;

export type TunnelKind = keyof typeof TUNNELS;

export const isTunnelKind = (w: string): w is TunnelKind => Object.hasOwn(TUNNELS, w);

/** Whether a tunnel's inner packet is an Ethernet frame, given the inner layer (GRE carries either). */
export function innerIsEthernet(kind: TunnelKind, inner: Layer | undefined): boolean {
  const c = TUNNELS[kind].carries;
  if (c === 'ether') return true;
  if (c !== 'ip-or-ether' || !inner) return false;
  return (
    inner.macSrc !== undefined ||
    inner.macDst !== undefined ||
    inner.vlans.length > 0 ||
    inner.mpls.length > 0 ||
    inner.pppoe !== undefined ||
    inner.transport === 'arp' ||
    inner.etherType !== undefined
  );
}

/** The IP protocol number a transport is carried under. */
export const TRANSPORT_PROTO: Record<Exclude<Transport, 'arp'>, number> = {
  tcp: IPPROTO.TCP,
  udp: IPPROTO.UDP,
  sctp: IPPROTO.SCTP,
  icmp: IPPROTO.ICMP,
  icmp6: IPPROTO.ICMPV6,
};

export const hasPorts = (t: Transport | undefined): boolean => t === 'tcp' || t === 'udp' || t === 'sctp';
