import { emptyLayer, hasPorts, innerIsEthernet, TUNNELS, type IpAddr, type Layer, type PacketDesc } from './model.js';

/**
 * What a description leaves out, filled in as a real frame has it: addresses
 * from the documentation ranges (RFC 5737, RFC 3849), an ephemeral source
 * port and the discard port (9) as destination, TTL 64, TCP's ACK flag, an
 * ICMP echo request, the tunnel's carrier (IP protocol or UDP port) and id,
 * the inner packet a tunnel must carry, locally administered MAC addresses.
 * explain prints the completed description, so every assumption is shown.
 */
export function completePacket(d: PacketDesc): PacketDesc {
  const outer = copy(d.outer);
  const tunnel = outer.tunnel;
  if (tunnel) {
    // the tunnel says what carries it (a description that says otherwise was refused when read)
    const carrier = TUNNELS[tunnel.kind];
    if ('udpPort' in carrier) outer.transport = 'udp';
    else delete outer.transport;
    delete outer.ipProto;
  }
  completeLayer(outer, tunnel ? 'outer' : 'only');
  let inner: Layer | undefined;
  if (tunnel) {
    inner = copy(d.inner ?? emptyLayer());
    const info = TUNNELS[tunnel.kind];
    if (info.carries === 'ip6') inner.family ??= 6;
    if (tunnel.kind === '6to4' || tunnel.kind === 'teredo') {
      // 6to4 addresses embed the outer IPv4 address (2002:AABB:CCDD::/48); Teredo's are in 2001::/32
      const [s, t] = [outer.src as number, outer.dst as number];
      inner.src ??=
        tunnel.kind === '6to4'
          ? v6of(0x2002, s >>> 16, s & 0xffff, 0, 0, 0, 0, 1)
          : v6of(0x2001, 0, s >>> 16, s & 0xffff, 0, 0, 0, 1);
      inner.dst ??=
        tunnel.kind === '6to4'
          ? v6of(0x2002, t >>> 16, t & 0xffff, 0, 0, 0, 0, 1)
          : v6of(0x2001, 0xdb8, 0, 0, 0, 0, 0, 2);
    }
    completeLayer(inner, innerIsEthernet(tunnel.kind, inner) ? 'inner-ether' : 'inner-ip');
    if ('idMax' in info && tunnel.kind !== 'gre') tunnel.id ??= 1;
    if ('udpPort' in info) {
      const port = info.udpPort;
      // GTP-U and L2TP run port to port; VXLAN, Geneve and Teredo clients send from any port
      const both = tunnel.kind === 'gtp' || tunnel.kind === 'l2tp';
      outer.srcPort ??= both ? port : EPHEMERAL;
      outer.dstPort ??= port;
    }
  }
  return {
    ...(d.tap !== undefined ? { tap: d.tap } : {}),
    ...(d.len !== undefined ? { len: d.len } : {}),
    outer,
    inner,
  };
}

export const EPHEMERAL = 49152;
export const DISCARD = 9;
export const DEFAULT_TTL = 64;
export const ICMP_ECHO_REQUEST = 8;
export const ICMP6_ECHO_REQUEST = 128;
export const TCP_ACK = 0x10;
/** IP protocols of an IP packet described without one: 253 (RFC 3692, experimentation) and IPv6's "no next header". */
export const RAW_PROTO = { 4: 253, 6: 59 } as const;

const MAC = {
  src: 0x02_00_00_00_00_01,
  dst: 0x02_00_00_00_00_02,
  innerSrc: 0x02_00_00_00_01_01,
  innerDst: 0x02_00_00_00_01_02,
  broadcast: 0xff_ff_ff_ff_ff_ff,
};
export const DEFAULT_MACS = MAC;

function copy(l: Layer): Layer {
  return {
    ...l,
    vlans: l.vlans.map((v) => ({ ...v })),
    mpls: [...l.mpls],
    ...(l.tunnel ? { tunnel: { ...l.tunnel } } : {}),
  };
}

function v6of(...groups: number[]): Uint8Array {
  const b = new Uint8Array(16);
  groups.forEach((g, i) => {
    b[2 * i] = g >>> 8;
    b[2 * i + 1] = g & 0xff;
  });
  return b;
}

const V4 = { only: [0xc0000201, 0xc0000202], outer: [0xc6336401, 0xc6336402], inner: [0xc0000201, 0xc0000202] };
const V6 = {
  only: [v6of(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1), v6of(0x2001, 0xdb8, 0, 0, 0, 0, 0, 2)],
  outer: [v6of(0x2001, 0xdb8, 0xffff, 0, 0, 0, 0, 1), v6of(0x2001, 0xdb8, 0xffff, 0, 0, 0, 0, 2)],
  inner: [v6of(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1), v6of(0x2001, 0xdb8, 0, 0, 0, 0, 0, 2)],
};

function completeLayer(L: Layer, role: 'only' | 'outer' | 'inner-ether' | 'inner-ip'): void {
  const ether = role !== 'inner-ip';
  if (ether) {
    L.macSrc ??= role === 'inner-ether' ? MAC.innerSrc : MAC.src;
    L.macDst ??=
      L.transport === 'arp' && (L.arpOp ?? 1) === 1 ? MAC.broadcast : role === 'inner-ether' ? MAC.innerDst : MAC.dst;
  }
  if (L.etherType !== undefined) return;
  const range = role === 'only' ? 'only' : role === 'outer' ? 'outer' : 'inner';
  if (L.transport === 'arp') {
    L.family = 4;
    L.arpOp ??= 1;
    L.src ??= V4[range][0];
    L.dst ??= V4[range][1];
    return;
  }
  L.family ??= L.transport === 'icmp6' ? 6 : 4;
  const addrs: IpAddr[] = L.family === 4 ? V4[range] : V6[range];
  L.src ??= addrs[0];
  L.dst ??= addrs[1];
  L.ttl ??= DEFAULT_TTL;
  L.dscp ??= 0;
  const later = L.fragment === 'later';
  if (hasPorts(L.transport) && !later && !L.tunnel) {
    L.srcPort ??= EPHEMERAL;
    L.dstPort ??= DISCARD;
  }
  if (L.transport === 'tcp' && !later) L.tcpFlags ??= TCP_ACK;
  if ((L.transport === 'icmp' || L.transport === 'icmp6') && !later) {
    L.icmpType ??= L.transport === 'icmp' ? ICMP_ECHO_REQUEST : ICMP6_ECHO_REQUEST;
    L.icmpCode ??= 0;
  }
  if (!L.transport && L.ipProto === undefined && !L.tunnel) L.ipProto = RAW_PROTO[L.family];
}
