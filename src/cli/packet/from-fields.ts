import { ETHERTYPE } from '../../fields/ethertype.js';
import { ABSENT, TUNNEL } from '../../fields/fields.js';
import { IPPROTO } from '../../fields/ip-proto.js';
import { emptyLayer, type IpAddr, type Layer, type PacketDesc, type Transport, type TunnelKind } from './model.js';

/** A field's value ('dstPort', 'inner.ip4Src'), ABSENT when the packet has none. */
export type FieldValue = (name: string) => number;

const TRANSPORTS: Record<number, Transport> = {
  [IPPROTO.TCP]: 'tcp',
  [IPPROTO.UDP]: 'udp',
  [IPPROTO.SCTP]: 'sctp',
  [IPPROTO.ICMP]: 'icmp',
  [IPPROTO.ICMPV6]: 'icmp6',
};

const TUNNEL_NAMES = new Map<number, TunnelKind>(
  Object.entries(TUNNEL)
    .filter(([k]) => k !== 'none')
    .map(([k, v]) => [v, k as TunnelKind]),
);

/**
 * A description of the packet whose fields these are: what explain shows
 * for a captured frame as decoded, and what diff builds its example packets
 * from (fields not given are left for completePacket to fill in). Only what
 * the fields say is described; a field the description cannot carry (a
 * third MPLS label, an L2TPv3 session) is left out.
 */
export function packetFromFields(v: FieldValue, tapName?: string): PacketDesc {
  const d: PacketDesc = { outer: layerFrom((n) => v(n)) };
  if (tapName !== undefined) d.tap = tapName;
  if (v('wireLen') !== ABSENT) d.len = v('wireLen');
  const kind = TUNNEL_NAMES.get(v('tunnel'));
  if (kind) {
    d.outer.tunnel = { kind, ...(v('tunnelId') !== ABSENT ? { id: v('tunnelId') } : {}) };
    // the tunnel's own protocol number is said by the tunnel's word
    if (d.outer.transport !== 'udp') delete d.outer.ipProto;
    const inner = layerFrom((n) => v(`inner.${n}`));
    if (!isEmpty(inner)) d.inner = inner;
  }
  return d;
}

function isEmpty(l: Layer): boolean {
  return Object.entries(l).every(([, x]) => x === undefined || (Array.isArray(x) && x.length === 0));
}

function layerFrom(v: FieldValue): Layer {
  const L = emptyLayer();
  const has = (n: string) => v(n) !== ABSENT;
  if (has('ethSrc')) L.macSrc = v('ethSrc');
  if (has('ethDst')) L.macDst = v('ethDst');
  const vlans = Math.max(0, v('vlanCount'));
  for (let i = 0; i < Math.min(vlans, 2); i++)
    if (has(`vlan${i}`)) L.vlans.push({ id: v(`vlan${i}`), pri: i === 0 && has('vlanPri0') ? v('vlanPri0') : 0 });
  const labels = Math.max(0, v('mplsCount'));
  for (let i = 0; i < Math.min(labels, 2); i++) if (has(`mpls${i}`)) L.mpls.push(v(`mpls${i}`));
  if (has('pppoeSession')) L.pppoe = v('pppoeSession');
  const et = v('etherType');
  if (et === ETHERTYPE.IPV4 || et === ETHERTYPE.IPV6) {
    L.family = et === ETHERTYPE.IPV4 ? 4 : 6;
    if (L.family === 4 && has('ip4Src') && has('ip4Dst')) {
      L.src = v('ip4Src');
      L.dst = v('ip4Dst');
    } else if (L.family === 6 && has('ip6Src0') && has('ip6Dst0')) {
      L.src = v6(v, 'ip6Src');
      L.dst = v6(v, 'ip6Dst');
    }
    if (has('ttl')) L.ttl = v('ttl');
    if (has('dscp')) L.dscp = v('dscp');
    if (v('fragment') === 1) L.fragment = 'first';
    if (v('fragment') === 2) L.fragment = 'later';
    const proto = v('ipProto');
    const transport = TRANSPORTS[proto];
    if (transport) L.transport = transport;
    else if (proto !== ABSENT) L.ipProto = proto;
  } else if (et === ETHERTYPE.ARP || et === ETHERTYPE.RARP) {
    L.transport = 'arp';
    if (has('ip4Src') && has('ip4Dst')) {
      L.src = v('ip4Src');
      L.dst = v('ip4Dst');
    }
  } else if (et !== ABSENT && et !== ETHERTYPE.MPLS && et !== ETHERTYPE.PPPOE_SESSION) L.etherType = et;
  if (has('srcPort') && has('dstPort')) {
    L.srcPort = v('srcPort');
    L.dstPort = v('dstPort');
  }
  if (has('tcpFlags')) L.tcpFlags = v('tcpFlags');
  if (has('icmpType')) L.icmpType = v('icmpType');
  if (has('icmpCode')) L.icmpCode = v('icmpCode');
  return L;
}

function v6(v: FieldValue, prefix: string): IpAddr {
  const b = new Uint8Array(16);
  const dv = new DataView(b.buffer);
  for (let k = 0; k < 4; k++) dv.setUint32(4 * k, Math.max(0, v(`${prefix}${k}`)) >>> 0);
  return b;
}
