import { ETHERTYPE } from '../fields/ethertype.js';
import { IPPROTO } from '../fields/ip-proto.js';
import { UDP_PORT } from '../fields/ports.js';
import { prependEthernet } from './build/ethernet.js';
import { prependGreWithKey } from './build/gre.js';
import { prependGtpu } from './build/gtpu.js';
import { prependIpv4 } from './build/ipv4.js';
import { prependIpv6 } from './build/ipv6.js';
import { prependMpls } from './build/mpls.js';
import { prependUdp } from './build/udp.js';
import { prependVlanTag } from './build/vlan.js';
import { prependVxlan } from './build/vxlan.js';
import type { Frame } from './frame.js';
import type { Path } from './path.js';

/** Reused to avoid an object per packet. */
const ip4 = { src: 0, dst: 0, proto: 0, ttl: 0, id: 0, dscp: 0, dontFragment: true };

/** Puts the IP header over the L4 segment in the frame, then the tunnel and link layers. */
export function wrapIp(f: Frame, path: Path, fromClient: boolean, proto: number): void {
  const src = fromClient ? path.client : path.server;
  const dst = fromClient ? path.server : path.client;
  const ttl = fromClient ? path.clientTtl : path.serverTtl;
  if (path.v6) {
    prependIpv6(f, src.ip6, dst.ip6, proto, ttl, path.dscp << 2, path.flowLabel);
  } else {
    ip4.src = src.ip4;
    ip4.dst = dst.ip4;
    ip4.proto = proto;
    ip4.ttl = ttl;
    ip4.id = fromClient ? path.clientIpId++ : path.serverIpId++;
    ip4.dscp = path.dscp;
    ip4.dontFragment = proto === IPPROTO.TCP;
    prependIpv4(f, ip4);
  }
  wrapTunnel(f, path, fromClient, path.v6 ? ETHERTYPE.IPV6 : ETHERTYPE.IPV4);
}

function wrapTunnel(f: Frame, path: Path, fromClient: boolean, innerType: number): void {
  switch (path.tunnel) {
    case 'none':
      return wrapL2(f, path, fromClient, innerType);
    case 'mpls':
      prependMpls(f, path.mplsLabels, 64);
      return wrapL2(f, path, fromClient, ETHERTYPE.MPLS);
    case 'gre':
      prependGreWithKey(f, innerType, path.tunnelId);
      return wrapOuter(f, path, fromClient, IPPROTO.GRE);
    case 'vxlan':
      // The tunnelled frame keeps the hosts' own MACs.
      if (fromClient) prependEthernet(f, path.peerMac, path.client.mac, innerType);
      else prependEthernet(f, path.client.mac, path.peerMac, innerType);
      prependVxlan(f, path.tunnelId);
      prependUdp(f, path.tunnelSrcPort, UDP_PORT.VXLAN, path.outerAddrSum);
      return wrapOuter(f, path, fromClient, IPPROTO.UDP);
    case 'gtpu':
      prependGtpu(f, path.tunnelId);
      prependUdp(f, UDP_PORT.GTP_U, UDP_PORT.GTP_U, path.outerAddrSum);
      return wrapOuter(f, path, fromClient, IPPROTO.UDP);
  }
}

function wrapOuter(f: Frame, path: Path, fromClient: boolean, proto: number): void {
  ip4.src = fromClient ? path.outerA : path.outerB;
  ip4.dst = fromClient ? path.outerB : path.outerA;
  ip4.proto = proto;
  ip4.ttl = 64;
  ip4.id = path.outerIpId++;
  ip4.dscp = 0;
  ip4.dontFragment = false;
  prependIpv4(f, ip4);
  wrapL2(f, path, fromClient, ETHERTYPE.IPV4);
}

/** VLAN tags (innermost first, as the frame grows towards the front) and Ethernet. */
export function wrapL2(f: Frame, path: Path, fromClient: boolean, etherType: number): void {
  let type = etherType;
  const vlans = path.vlans;
  for (let i = vlans.length - 1; i >= 0; i--) {
    prependVlanTag(f, vlans[i], path.pcp, type);
    type = i === 0 && path.qinq ? ETHERTYPE.QINQ : ETHERTYPE.VLAN;
  }
  const tunnelled = path.tunnel === 'gre' || path.tunnel === 'vxlan' || path.tunnel === 'gtpu';
  const a = tunnelled ? path.outerMacA : path.client.mac;
  const b = tunnelled ? path.outerMacB : path.peerMac;
  if (fromClient) prependEthernet(f, b, a, type);
  else prependEthernet(f, a, b, type);
}
