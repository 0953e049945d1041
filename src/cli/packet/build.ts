import { ETHERTYPE } from '../../fields/ethertype.js';
import { LINKTYPE } from '../../fields/fields.js';
import { IPPROTO } from '../../fields/ip-proto.js';
import { PPP_PROTO } from '../../fields/ppp.js';
import { sumIp4, sumIp6 } from '../../gen/checksum.js';
import { appendArp } from '../../gen/build/arp.js';
import { prependErspan2 } from '../../gen/build/erspan.js';
import { prependEthernet } from '../../gen/build/ethernet.js';
import { prependGeneve } from '../../gen/build/geneve.js';
import { prependGre } from '../../gen/build/gre-header.js';
import { prependGtpu } from '../../gen/build/gtpu.js';
import { prependIcmp } from '../../gen/build/icmp.js';
import { prependIpv4 } from '../../gen/build/ipv4.js';
import { prependIpv6 } from '../../gen/build/ipv6.js';
import { prependIpv6Fragment } from '../../gen/build/ipv6-fragment.js';
import { prependL2tpv2Data } from '../../gen/build/l2tp.js';
import { prependMpls } from '../../gen/build/mpls.js';
import { prependPpp } from '../../gen/build/ppp.js';
import { prependPppoeSession } from '../../gen/build/pppoe.js';
import { prependPptpGre } from '../../gen/build/pptp-gre.js';
import { prependSctp } from '../../gen/build/sctp.js';
import { prependTcp } from '../../gen/build/tcp.js';
import { prependUdp } from '../../gen/build/udp.js';
import { prependVlanTag } from '../../gen/build/vlan.js';
import { prependVxlan } from '../../gen/build/vxlan.js';
import { Frame } from '../../gen/frame.js';
import { innerIsEthernet, TRANSPORT_PROTO, TUNNELS, type IpAddr, type Layer, type PacketDesc } from './model.js';

/** A frame built from a description: Ethernet, captured whole. */
export interface BuiltFrame {
  data: Uint8Array;
  linkType: number;
  wireLen: number;
}

/** Why a complete description cannot be built (a length it cannot have); the caller says where. */
export class BuildError extends Error {}

/** Ethernet's shortest frame without its FCS: shorter ones are padded, as a receiving capture shows them. */
const MIN_ETHERNET = 60;
/** Where a later fragment starts: 1480 bytes in, as the second fragment of a 1500-byte MTU's first. */
const LATER_FRAGMENT_OFFSET = 185;
const FRAGMENT_UNIT = 8;
const ECHO_ID_AND_SEQUENCE = 0x00010001;
const MAX_FRAME = 65535 + 512;

/**
 * The bytes of the frame a complete description (completePacket) says, built
 * inside out with the generator's header writers, so that every length,
 * checksum, protocol number, EtherType and port is what a real stack writes.
 */
export function buildFrame(d: PacketDesc): BuiltFrame {
  const natural = build(d, 0).length;
  if (d.len !== undefined && d.len < natural)
    throw new BuildError(`len ${d.len} is shorter than this packet's headers and payload (${natural} bytes)`);
  const f = build(d, d.len !== undefined ? d.len - natural : 0);
  if (d.len === undefined && f.length < MIN_ETHERNET) f.zeros(MIN_ETHERNET - f.length);
  const data = f.view().slice();
  return { data, linkType: LINKTYPE.ETHERNET, wireLen: data.length };
}

function build(d: PacketDesc, pad: number): Frame {
  const f = new Frame(MAX_FRAME);
  const outer = d.outer;
  const tunnel = outer.tunnel;
  let type: number;
  if (tunnel) {
    const inner = d.inner!;
    body(f, inner, pad);
    let innerType = network(f, inner);
    if (innerIsEthernet(tunnel.kind, inner)) {
      link(f, inner, innerType);
      innerType = ETHERTYPE.TEB;
    }
    const id = tunnel.id ?? 0;
    switch (tunnel.kind) {
      case 'gre':
        prependGre(f, innerType, tunnel.id);
        break;
      case 'pptp':
        prependPpp(f, pppProtocol(innerType), true);
        prependPptpGre(f, id, 1);
        break;
      case 'erspan':
        prependErspan2(f, id, 0, 0);
        prependGre(f, ETHERTYPE.ERSPAN, undefined, 1);
        break;
      case 'vxlan':
        prependVxlan(f, id);
        break;
      case 'geneve':
        prependGeneve(f, id, ETHERTYPE.TEB);
        break;
      case 'gtp':
        prependGtpu(f, id);
        break;
      case 'l2tp':
        prependPpp(f, pppProtocol(innerType), true);
        prependL2tpv2Data(f, 1, id);
        break;
      case 'teredo':
      case 'ipip':
      case '6in4':
      case '6to4':
        break;
    }
    const info = TUNNELS[tunnel.kind];
    const carrier =
      'udpPort' in info
        ? undefined
        : 'ipProto' in info
          ? info.ipProto
          : inner.family === 6
            ? IPPROTO.IPV6
            : IPPROTO.IPIP;
    type = network(f, outer, carrier);
  } else {
    body(f, outer, pad);
    type = network(f, outer);
  }
  link(f, outer, type);
  if (f.length > MAX_FRAME - 512) throw new BuildError(`the frame would be ${f.length} bytes long`);
  return f;
}

/** The innermost packet's payload (an ARP message is all payload), and `pad` zeros after it to reach `len`. */
function body(f: Frame, L: Layer, pad: number): void {
  if (L.transport === 'arp')
    appendArp(f, L.arpOp!, mac(L.macSrc ?? 0), L.src as number, new Uint8Array(6), L.dst as number);
  else if (L.payload) f.append(L.payload);
  // a fragment after the first carries data: one fragment unit (8 bytes) when the description gives none
  else if (L.fragment === 'later') f.zeros(FRAGMENT_UNIT);
  if (pad > 0) f.zeros(pad);
}

const addrSum = (a: IpAddr): number => (typeof a === 'number' ? sumIp4(a) : sumIp6(a));

/**
 * The transport header and the IP header over what the frame holds (or the
 * ARP message, or nothing for an `ethertype` frame); returns the EtherType
 * of what it wrote. `carrier`: the IP protocol of a tunnel the frame holds.
 */
function network(f: Frame, L: Layer, carrier?: number): number {
  if (L.etherType !== undefined) return L.etherType;
  if (L.transport === 'arp') return ETHERTYPE.ARP;
  const src = L.src!;
  const dst = L.dst!;
  const pseudo = addrSum(src) + addrSum(dst);
  const later = L.fragment === 'later';
  if (!later) {
    switch (L.transport) {
      case 'tcp':
        prependTcp(
          f,
          { srcPort: L.srcPort!, dstPort: L.dstPort!, seq: 1, ack: 1, flags: L.tcpFlags!, window: 65535, mss: 0 },
          pseudo,
        );
        break;
      case 'udp':
        prependUdp(f, L.srcPort!, L.dstPort!, pseudo);
        break;
      case 'sctp':
        prependSctp(f, L.srcPort!, L.dstPort!, 1);
        break;
      case 'icmp':
        prependIcmp(f, L.icmpType!, L.icmpCode!, ECHO_ID_AND_SEQUENCE, -1);
        break;
      case 'icmp6':
        prependIcmp(f, L.icmpType!, L.icmpCode!, ECHO_ID_AND_SEQUENCE, pseudo);
        break;
      case undefined:
        break;
    }
  }
  const proto = L.transport ? TRANSPORT_PROTO[L.transport] : (carrier ?? L.ipProto!);
  if (L.family === 6) {
    let next = proto;
    if (L.fragment) {
      prependIpv6Fragment(f, proto, later ? LATER_FRAGMENT_OFFSET : 0, !later, 1);
      next = IPPROTO.FRAGMENT;
    }
    prependIpv6(f, src as Uint8Array, dst as Uint8Array, next, L.ttl!, L.dscp! << 2, 0);
    return ETHERTYPE.IPV6;
  }
  if (f.length + 20 > 65535) throw new BuildError('an IPv4 packet is at most 65,535 bytes long');
  prependIpv4(f, {
    src: src as number,
    dst: dst as number,
    proto,
    ttl: L.ttl!,
    id: 1,
    dscp: L.dscp!,
    dontFragment: !L.fragment && L.transport === 'tcp',
    moreFragments: L.fragment === 'first',
    fragmentOffset: later ? LATER_FRAGMENT_OFFSET : 0,
  });
  return ETHERTYPE.IPV4;
}

function pppProtocol(etherType: number): number {
  return etherType === ETHERTYPE.IPV6 ? PPP_PROTO.IPV6 : PPP_PROTO.IPV4;
}

/** PPPoE or MPLS, VLAN tags and the Ethernet header, over a network packet of `type`. */
function link(f: Frame, L: Layer, type: number): void {
  if (L.pppoe !== undefined) {
    prependPpp(f, pppProtocol(type), false);
    prependPppoeSession(f, L.pppoe);
    type = ETHERTYPE.PPPOE_SESSION;
  } else if (L.mpls.length) {
    prependMpls(f, L.mpls, L.ttl ?? 64);
    type = ETHERTYPE.MPLS;
  }
  for (let i = L.vlans.length - 1; i >= 0; i--) {
    prependVlanTag(f, L.vlans[i].id, L.vlans[i].pri, type);
    type = i === 0 && L.vlans.length > 1 ? ETHERTYPE.QINQ : ETHERTYPE.VLAN;
  }
  prependEthernet(f, mac(L.macDst!), mac(L.macSrc!), type);
}

function mac(n: number): Uint8Array {
  const b = new Uint8Array(6);
  for (let i = 5, x = n; i >= 0; i--, x = Math.floor(x / 256)) b[i] = x % 256;
  return b;
}
