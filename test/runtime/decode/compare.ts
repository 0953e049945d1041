/**
 * Compares one decoded frame with tshark's dissection of it. tshark lists
 * every occurrence of a field, outermost first, including those inside ICMP
 * error quotes; the protocol path (frame.protocols) tells which occurrence
 * belongs to which layer. The outer view is compared with the first
 * occurrences; `inner` with the innermost packet's, when there is a tunnel.
 */
import { ABSENT, TUNNEL } from '../../../src/fields/fields.js';
import type { PacketView } from '../../../src/runtime/decode/view.js';
import { ip4ToString, ip6FromString, ip6ToString, macToString } from './addresses.js';
import type { TsharkField, TsharkFrame } from './tshark.js';

export interface Mismatch {
  what: string;
  ours: string;
  tshark: string;
}

const NETWORK = new Set(['ip', 'ipv6', 'arp']);
const TUNNEL_NAMES = Object.fromEntries(Object.entries(TUNNEL).map(([k, n]) => [n, k])) as Record<number, string>;

/** Protocol numbers of the transport tokens whose decoding we compare. */
const L4_PROTO: Record<string, number> = { tcp: 6, udp: 17, sctp: 132, icmp: 1, icmpv6: 58, gre: 47, ip: 4, ipv6: 41 };

function num(v: number): string {
  return v === ABSENT ? '' : String(v);
}

function ip6Words(v: PacketView, src: boolean): number[] {
  return src ? [v.ip6Src0, v.ip6Src1, v.ip6Src2, v.ip6Src3] : [v.ip6Dst0, v.ip6Dst1, v.ip6Dst2, v.ip6Dst3];
}

function normIp6(s: string | undefined): string {
  return s ? ip6ToString(ip6FromString(s)) : '';
}

/** Numbers tshark prints in hex (flags, keys) or decimal, as decimal text. */
function normNum(s: string | undefined): string {
  return s === undefined || s === '' ? '' : String(Number(s));
}

class Checker {
  readonly out: Mismatch[] = [];
  constructor(private readonly t: TsharkFrame) {}

  at(field: TsharkField, i: number): string | undefined {
    return i >= 0 ? this.t[field][i] : undefined;
  }

  eq(what: string, ours: string, theirs: string | undefined): void {
    const tshark = theirs ?? '';
    if (ours !== tshark) this.out.push({ what, ours, tshark });
  }
}

/** Walks the protocol path the way the decoder does and names the outermost tunnel tshark shows. */
function expectedTunnel(path: string[], t: TsharkFrame, firstNet: number): { kind: string; at: number } {
  const udpPorts = [...t['udp.srcport'], ...t['udp.dstport']];
  for (let i = firstNet + 1; i < path.length; i++) {
    const tok = path[i];
    const prev = path[i - 1];
    if (tok === 'gre') {
      const next = path[i + 1];
      return { kind: next === 'erspan' ? 'erspan' : next === 'ppp' ? 'pptp' : 'gre', at: i };
    }
    if (tok === 'vxlan' || tok === 'geneve' || tok === 'l2tp' || tok === 'teredo') return { kind: tok, at: i };
    // tshark's "gtp" is also GTPv1-C on 2123 and GTPv0; only GTP-U is a tunnel.
    if (tok === 'gtp' && udpPorts.includes('2152')) return { kind: 'gtp', at: i };
    if (tok === 'ip' || tok === 'ipv6') {
      const fromIp = prev === 'ip' || prev === 'ipv6' || prev === 'ah' || prev.startsWith('ipv6.');
      if (!fromIp) return { kind: 'other', at: i };
      if (path[firstNet] === 'ip' && tok === 'ipv6') {
        const inner6 = [t['ipv6.src'][0] ?? '', t['ipv6.dst'][0] ?? ''];
        return { kind: inner6.some((a) => a.startsWith('2002:')) ? '6to4' : '6in4', at: i };
      }
      return { kind: 'ipip', at: i };
    }
  }
  return { kind: 'none', at: -1 };
}

export function compareFrame(v: PacketView, t: TsharkFrame, capLen: number, wireLen: number): Mismatch[] {
  const c = new Checker(t);
  const tokens = (t['frame.protocols'][0] ?? '').split(':');
  // What follows an ICMP header is a quoted packet, not a layer of this one.
  const icmpAt = tokens.findIndex((x) => x === 'icmp' || x === 'icmpv6');
  const path = icmpAt < 0 ? tokens : tokens.slice(0, icmpAt + 1);
  const count = (name: string, before = path.length) => path.slice(0, before).filter((x) => x === name).length;
  const firstNet = path.findIndex((x) => NETWORK.has(x));
  let lastNet = -1;
  path.forEach((x, i) => {
    if (NETWORK.has(x)) lastNet = i;
  });
  const tunnel = expectedTunnel(path, t, firstNet);

  // Link layer.
  if (tokens[0] === 'eth') {
    c.eq('ethSrc', macToString(v.ethSrc), t['eth.src'][0]);
    c.eq(
      'ethMulticast',
      num(v.ethMulticast),
      t['eth.dst'][0] ? String(parseInt(t['eth.dst'][0].slice(0, 2), 16) & 1) : '',
    );
  }
  if (tokens[0] === 'eth' && v.outerEtherType > 1500)
    c.eq('outerEtherType', num(v.outerEtherType), normNum(t['eth.type'][0]));
  if (tokens[0] === 'sll') {
    c.eq('outerEtherType', num(v.outerEtherType), normNum(t['sll.etype'][0]));
    c.eq('pktType', num(v.pktType), normNum(t['sll.pkttype'][0]));
    c.eq('ifIndex', num(v.ifIndex), normNum(t['sll.ifindex'][0]));
  }
  // An LLC header right after the link header (and its tags): the outer frame's own.
  const llcAt = tokens.findIndex((x) => x === 'llc');
  if (llcAt > 0 && tokens.slice(1, llcAt).every((x) => x === 'ethertype' || x === 'vlan' || x === 'ieee8021ad')) {
    c.eq('llcDsap', num(v.llcDsap), normNum(t['llc.dsap'][0]));
    c.eq('llcSsap', num(v.llcSsap), normNum(t['llc.ssap'][0]));
    c.eq('snapOui', num(v.snapOui), normNum(t['llc.oui'][0]));
  } else if (tokens[0] === 'eth' || tokens[0] === 'sll') c.eq('llcDsap', num(v.llcDsap), '');

  // VLAN ids in path order, whatever the TPID.
  const vlans: { id: string; at: number }[] = [];
  let vi = 0;
  let ai = 0;
  tokens.forEach((x, i) => {
    if (x === 'vlan') vlans.push({ id: t['vlan.id'][vi++] ?? '', at: i });
    if (x === 'ieee8021ad') vlans.push({ id: t['ieee8021ad.id'][ai++] ?? '', at: i });
  });
  const outerEnd = firstNet < 0 ? path.length : firstNet;
  const outerVlans = vlans.filter((x) => x.at < outerEnd);
  c.eq('vlanCount', String(v.vlanCount), String(outerVlans.length));
  c.eq('vlan0', num(v.vlan0), outerVlans[0]?.id);
  c.eq('vlan1', num(v.vlan1), outerVlans[1]?.id);

  if (path.slice(0, outerEnd).includes('mpls')) {
    const labels = t['mpls.label'];
    c.eq('mplsCount', String(v.mplsCount), String(labels.length));
    c.eq('mpls0', num(v.mpls0), labels[0]);
    c.eq('mpls1', num(v.mpls1), labels[1]);
  } else {
    c.eq('mplsCount', String(v.mplsCount), '0');
  }
  c.eq('pppoeSession', num(v.pppoeSession), path.includes('pppoes') ? normNum(t['pppoe.session_id'][0]) : '');

  // Network layer of the outer packet.
  const net = firstNet < 0 ? 'none' : path[firstNet];
  const oursNet =
    v.ipVersion === 4
      ? 'ip'
      : v.ipVersion === 6
        ? 'ipv6'
        : v.etherType === 0x0806 || v.etherType === 0x8035
          ? 'arp'
          : 'none';
  c.eq('network', oursNet, net);
  if (oursNet !== net) return c.out;
  if (net === 'arp') {
    c.eq('ip4Src', ip4ToString(v.ip4Src), t['arp.src.proto_ipv4'][0]);
    c.eq('ip4Dst', ip4ToString(v.ip4Dst), t['arp.dst.proto_ipv4'][0]);
    return c.out;
  }
  if (net === 'none') return c.out;

  compareIp(c, v, t, 0, 'ip');
  let l4 = firstNet + 1;
  while (l4 < path.length && (path[l4].startsWith('ipv6.') || path[l4] === 'ah')) l4++;
  const l4Token = path[l4];
  if (v.fragment !== 2 && l4Token in L4_PROTO) c.eq('ipProto', num(v.ipProto), String(L4_PROTO[l4Token]));
  if (v.fragment !== 2) compareTransport(c, v, 0, capLen === wireLen && v.malformed === 0, '');

  // Tunnel.
  c.eq('tunnel', TUNNEL_NAMES[v.tunnel] ?? num(v.tunnel), tunnel.kind);
  compareTunnelId(c, v, t);
  if (v.tunnel === 0 || v.tunnel === ABSENT || tunnel.kind === 'none') return c.out;

  // The innermost packet.
  const inner = v.inner;
  if (lastNet <= tunnel.at - 1 || firstNet === lastNet) {
    c.eq('inner.network', String(inner.ipVersion), '0');
    return c.out;
  }
  const innerNet = path[lastNet];
  const innerOurs =
    inner.ipVersion === 4 ? 'ip' : inner.ipVersion === 6 ? 'ipv6' : inner.etherType === 0x0806 ? 'arp' : 'none';
  c.eq('inner.network', innerOurs, innerNet);
  if (innerOurs !== innerNet) return c.out;
  const ethIndex = count('eth') - 1;
  if (inner.l2Offset !== ABSENT) c.eq('inner.ethSrc', macToString(inner.ethSrc), t['eth.src'][ethIndex]);
  const innerVlans = vlans.filter((x) => x.at > tunnel.at && x.at < lastNet);
  c.eq('inner.vlanCount', num(inner.vlanCount), String(innerVlans.length));
  c.eq('inner.vlan0', num(inner.vlan0), innerVlans[0]?.id);
  if (innerNet === 'arp') {
    c.eq('inner.ip4Src', ip4ToString(inner.ip4Src), t['arp.src.proto_ipv4'][0]);
    return c.out;
  }
  compareIp(c, inner, t, count(innerNet, lastNet), 'inner.ip');
  if (inner.fragment === 2) return c.out;
  const index = (name: string) => count(name) - 1;
  compareTransport(c, inner, -1, false, 'inner.', index);
  return c.out;
}

function compareIp(c: Checker, v: PacketView, t: TsharkFrame, i: number, prefix: string): void {
  if (v.ipVersion === 4) {
    c.eq(`${prefix}4Src`, ip4ToString(v.ip4Src), c.at('ip.src', i));
    c.eq(`${prefix}4Dst`, ip4ToString(v.ip4Dst), c.at('ip.dst', i));
    c.eq(`${prefix}Proto`, num(v.ipProto), c.at('ip.proto', i));
    c.eq(`${prefix}.ttl`, num(v.ttl), c.at('ip.ttl', i));
    c.eq(`${prefix}.dscp`, num(v.dscp), c.at('ip.dsfield.dscp', i));
    const offset = Number(c.at('ip.frag_offset', i) ?? 0);
    const more = c.at('ip.flags.mf', i) === '1';
    c.eq(`${prefix}.fragment`, num(v.fragment), String(offset > 0 ? 2 : more ? 1 : 0));
  } else {
    c.eq(`${prefix}6Src`, ip6ToString(ip6Words(v, true)), normIp6(c.at('ipv6.src', i)));
    c.eq(`${prefix}6Dst`, ip6ToString(ip6Words(v, false)), normIp6(c.at('ipv6.dst', i)));
    c.eq(`${prefix}.ttl`, num(v.ttl), c.at('ipv6.hlim', i));
    c.eq(`${prefix}.dscp`, num(v.dscp), normNum(c.at('ipv6.tclass.dscp', i)));
    // tshark numbers fragment headers across all IPv6 layers; only the outer one is unambiguous.
    if (i === 0 && t['ipv6.src'].length === 1) {
      const offsets = t['ipv6.fraghdr.offset'].map(Number);
      const more = t['ipv6.fraghdr.more'].includes('1');
      c.eq(`${prefix}.fragment`, num(v.fragment), String(offsets.some((o) => o > 0) ? 2 : more ? 1 : 0));
    }
  }
}

/**
 * Ports, flags, ICMP type and code at occurrence `i` (or the last one when
 * `index` is given, for the innermost packet).
 */
function compareTransport(
  c: Checker,
  v: PacketView,
  i: number,
  checkLength: boolean,
  prefix: string,
  index?: (name: string) => number,
): void {
  const at = (name: string) => (index ? index(name) : i);
  switch (v.ipProto) {
    case 6:
      c.eq(`${prefix}srcPort`, num(v.srcPort), c.at('tcp.srcport', at('tcp')));
      c.eq(`${prefix}dstPort`, num(v.dstPort), c.at('tcp.dstport', at('tcp')));
      c.eq(
        `${prefix}tcpFlags`,
        num(v.tcpFlags),
        c.at('tcp.flags', at('tcp')) ? String(Number(c.at('tcp.flags', at('tcp'))) & 0xff) : '',
      );
      if (checkLength) c.eq(`${prefix}payloadLength`, num(v.payloadLength), c.at('tcp.len', at('tcp')));
      break;
    case 17:
      c.eq(`${prefix}srcPort`, num(v.srcPort), c.at('udp.srcport', at('udp')));
      c.eq(`${prefix}dstPort`, num(v.dstPort), c.at('udp.dstport', at('udp')));
      break;
    case 132:
      c.eq(`${prefix}srcPort`, num(v.srcPort), c.at('sctp.srcport', at('sctp')));
      c.eq(`${prefix}dstPort`, num(v.dstPort), c.at('sctp.dstport', at('sctp')));
      break;
    case 1:
      c.eq(`${prefix}icmpType`, num(v.icmpType), c.at('icmp.type', at('icmp')));
      c.eq(`${prefix}icmpCode`, num(v.icmpCode), c.at('icmp.code', at('icmp')));
      break;
    case 58:
      c.eq(`${prefix}icmpType`, num(v.icmpType), c.at('icmpv6.type', at('icmpv6')));
      c.eq(`${prefix}icmpCode`, num(v.icmpCode), c.at('icmpv6.code', at('icmpv6')));
      break;
    default:
  }
}

function compareTunnelId(c: Checker, v: PacketView, t: TsharkFrame): void {
  const first = (f: TsharkField) => normNum(t[f][0]);
  switch (v.tunnel) {
    case TUNNEL.gre:
      c.eq('tunnelId', num(v.tunnelId), first('gre.key'));
      break;
    case TUNNEL.pptp:
      c.eq('tunnelId', num(v.tunnelId), first('gre.key.call_id'));
      break;
    case TUNNEL.erspan:
      c.eq('tunnelId', num(v.tunnelId), first('erspan.spanid'));
      break;
    case TUNNEL.gtp:
      c.eq('tunnelId', num(v.tunnelId), first('gtp.teid'));
      break;
    case TUNNEL.vxlan:
      c.eq('tunnelId', num(v.tunnelId), first('vxlan.vni'));
      break;
    case TUNNEL.geneve:
      c.eq('tunnelId', num(v.tunnelId), first('geneve.vni'));
      break;
    case TUNNEL.l2tp:
      c.eq('tunnelId', num(v.tunnelId), first('l2tp.session') || first('l2tp.sid'));
      break;
    default:
      c.eq('tunnelId', num(v.tunnelId), '');
  }
}
