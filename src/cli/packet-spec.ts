import { isIPv6 } from 'node:net';
import { parseIpv4, parseIpv6, parseMac } from '../check/literals.js';
import { ICMP6_TYPES, ICMP_TYPES, TCP_FLAGS } from '../check/names.js';
import { ETHERTYPE } from '../fields/ethertype.js';
import { FIELDS, LINKTYPE, TUNNEL } from '../fields/fields.js';
import { IPPROTO } from '../fields/ip-proto.js';
import { UsageError } from './io.js';

/**
 * A packet an engineer can type, for `tmesc explain --packet`:
 *
 *   tap core-a tcp 10.0.0.1:51000 > 192.0.2.80:443 vlan 101 flags syn
 *   udp [2001:db8::1]:5353 > [ff02::fb]:5353 ttl 1
 *   vxlan 42 udp 10.1.1.1:4000 > 10.1.1.2:4789 inner tcp 172.16.0.1:1 > 172.16.0.2:80
 *   arp 10.0.0.1 > 10.0.0.2
 *   tcp 10.0.0.1:1 > 10.0.0.2:21 payload "USER alice"
 *
 * Words: tap NAME; a protocol (tcp udp sctp icmp icmp6 arp ip ip6 gre); SRC > DST
 * with IPv4, [IPv6] or MAC addresses and optional :port; vlan N (again for
 * QinQ); mpls N; pppoe N; ttl N; dscp N; len N; flags syn,ack; type N|name;
 * code N; fragment; a tunnel (gre vxlan geneve gtp l2tp pptp erspan ipip 6in4
 * teredo) with its id; inner ... describes the encapsulated packet; payload "text".
 */
export interface PacketSpec {
  values: Map<string, number>;
  inner: Map<string, number>;
  payload?: Buffer;
  tap?: string;
}

const PROTO: Record<string, { etherType?: number; ipProto?: number }> = {
  tcp: { ipProto: IPPROTO.TCP },
  udp: { ipProto: IPPROTO.UDP },
  sctp: { ipProto: IPPROTO.SCTP },
  icmp: { ipProto: IPPROTO.ICMP, etherType: ETHERTYPE.IPV4 },
  icmp6: { ipProto: IPPROTO.ICMPV6, etherType: ETHERTYPE.IPV6 },
  arp: { etherType: ETHERTYPE.ARP },
  ip: { etherType: ETHERTYPE.IPV4 },
  ipv4: { etherType: ETHERTYPE.IPV4 },
  ip6: { etherType: ETHERTYPE.IPV6 },
  ipv6: { etherType: ETHERTYPE.IPV6 },
  gre: { ipProto: IPPROTO.GRE },
};

function tokenize(text: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (let m; (m = re.exec(text));) out.push(m[1] !== undefined ? JSON.stringify(JSON.parse(`"${m[1]}"`)) : m[2]);
  return out;
}

function num(word: string | undefined, what: string): number {
  const n = Number(word);
  if (word === undefined || !Number.isInteger(n) || n < 0)
    throw new UsageError(`--packet: ${what} needs a whole number${word ? `, not '${word}'` : ''}`);
  return n;
}

function endpoint(text: string): { v4?: number; v6?: number[]; mac?: number; port?: number } {
  let host = text;
  let port: number | undefined;
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (v6) {
    host = v6[1];
    if (v6[2]) port = Number(v6[2]);
  } else if (!isIPv6(text) && parseMac(text) === undefined) {
    const i = text.lastIndexOf(':');
    if (i > 0) {
      host = text.slice(0, i);
      port = num(text.slice(i + 1), 'a port');
    }
  }
  if (port !== undefined && port > 65535) throw new UsageError(`--packet: port ${port} is out of range`);
  const mac = parseMac(host);
  if (mac !== undefined) return { mac, port };
  if (isIPv6(host)) return { v6: parseIpv6(host)!.words, port };
  const a = parseIpv4(host, false);
  if (a && !host.includes('/')) return { v4: a.addr, port };
  throw new UsageError(`--packet: '${text}' is not an address (IPv4, [IPv6]:port, or MAC)`);
}

function describeLayer(words: string[], values: Map<string, number>, spec: PacketSpec, inner: boolean): void {
  let proto: string | undefined;
  let vlans = 0;
  let mpls = 0;
  for (let i = 0; i < words.length; i++) {
    const w = words[i].toLowerCase();
    if (w === 'inner') {
      if (inner) throw new UsageError('--packet: inner may appear once');
      describeLayer(words.slice(i + 1), spec.inner, spec, true);
      break;
    }
    if (w === 'tap' && !inner) spec.tap = words[++i];
    else if (w in PROTO && !(w === 'gre' && /^\d+$/.test(words[i + 1] ?? ''))) proto = w;
    else if (words[i + 1] === '>' && words[i + 2] !== undefined) {
      const s = endpoint(words[i]);
      const d = endpoint(words[i + 2]);
      i += 2;
      if (s.mac !== undefined || d.mac !== undefined) {
        if (s.mac !== undefined) values.set('ethSrc', s.mac);
        if (d.mac !== undefined) values.set('ethDst', d.mac);
        continue;
      }
      if (s.v4 !== undefined && d.v4 !== undefined) {
        values.set('ip4Src', s.v4);
        values.set('ip4Dst', d.v4);
        if (!values.has('etherType')) values.set('etherType', ETHERTYPE.IPV4);
      } else if (s.v6 && d.v6) {
        s.v6.forEach((x, k) => values.set(`ip6Src${k}`, x));
        d.v6.forEach((x, k) => values.set(`ip6Dst${k}`, x));
        values.set('etherType', ETHERTYPE.IPV6);
      } else throw new UsageError('--packet: source and destination must be of one address family');
      if (s.port !== undefined) values.set('srcPort', s.port);
      if (d.port !== undefined) values.set('dstPort', d.port);
    } else if (w === 'vlan') values.set(vlans++ === 0 ? 'vlan0' : 'vlan1', num(words[++i], 'vlan'));
    else if (w === 'priority' || w === 'pri') values.set('vlanPri0', num(words[++i], 'priority'));
    else if (w === 'mpls') values.set(mpls++ === 0 ? 'mpls0' : 'mpls1', num(words[++i], 'mpls'));
    else if (w === 'pppoe') values.set('pppoeSession', num(words[++i], 'pppoe'));
    else if (w === 'ttl' || w === 'hoplimit') values.set('ttl', num(words[++i], 'ttl'));
    else if (w === 'dscp') values.set('dscp', num(words[++i], 'dscp'));
    else if (w === 'len') values.set('wireLen', num(words[++i], 'len'));
    else if (w === 'fragment') values.set('fragment', 1);
    else if (w === 'flags') {
      let f = 0;
      for (const x of (words[++i] ?? '').split(',')) {
        if (TCP_FLAGS[x] === undefined)
          throw new UsageError(`--packet: unknown TCP flag '${x}' (${Object.keys(TCP_FLAGS).join(', ')})`);
        f |= TCP_FLAGS[x];
      }
      values.set('tcpFlags', f);
    } else if (w === 'type') {
      const t = words[++i];
      const named = (proto === 'icmp6' ? ICMP6_TYPES : ICMP_TYPES)[t];
      values.set('icmpType', named ?? num(t, 'type'));
    } else if (w === 'code') values.set('icmpCode', num(words[++i], 'code'));
    else if (w in TUNNEL && w !== 'none') {
      values.set('tunnel', TUNNEL[w as keyof typeof TUNNEL]);
      if (/^(0x)?[0-9a-f]+$/i.test(words[i + 1] ?? '')) values.set('tunnelId', Number(words[++i]));
    } else if (w === 'payload' && !inner) {
      const t = words[++i];
      if (!t?.startsWith('"')) throw new UsageError('--packet: payload takes a "quoted string"');
      spec.payload = Buffer.from(JSON.parse(t) as string, 'utf8');
    } else throw new UsageError(`--packet: unexpected '${words[i]}'`);
  }
  const p = proto ? PROTO[proto] : undefined;
  if (p?.ipProto !== undefined) values.set('ipProto', p.ipProto);
  if (p?.etherType !== undefined) values.set('etherType', p.etherType);
  if (values.has('ipProto') && !values.has('etherType')) values.set('etherType', ETHERTYPE.IPV4);
  if (!values.has('ttl') && (values.get('etherType') === ETHERTYPE.IPV4 || values.get('etherType') === ETHERTYPE.IPV6))
    values.set('ttl', 64);
  if (!values.has('fragment') && values.has('etherType')) values.set('fragment', 0);
  values.set('vlanCount', vlans);
  values.set('mplsCount', mpls);
  if (!values.has('tunnel')) values.set('tunnel', 0);
  if (!inner) {
    if (!values.has('ethSrc')) values.set('ethSrc', 0x020000000001);
    if (!values.has('ethDst')) values.set('ethDst', 0x020000000002);
    values.set('ethMulticast', Math.floor(values.get('ethDst')! / 2 ** 40) & 1);
    if (!values.has('wireLen')) values.set('wireLen', 64 + (spec.payload?.length ?? 0));
    values.set('linkType', LINKTYPE.ETHERNET);
    values.set('outerEtherType', vlans ? ETHERTYPE.VLAN : mpls ? ETHERTYPE.MPLS : (values.get('etherType') ?? -1));
  }
}

export function parsePacketSpec(text: string): PacketSpec {
  const spec: PacketSpec = { values: new Map(), inner: new Map() };
  describeLayer(tokenize(text), spec.values, spec, false);
  return spec;
}

/** The value of a field ('dstPort', 'inner.ip4Src'), ABSENT when the description does not say. */
export function specField(spec: PacketSpec, name: string): number {
  if (name.startsWith('inner.')) return spec.inner.get(name.slice(6)) ?? -1;
  return spec.values.get(name) ?? -1;
}

function fmtV4(a: number): string {
  return [a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255].join('.');
}
function fmtV6(words: number[]): string {
  const groups: string[] = [];
  for (const w of words) groups.push(((w >>> 16) & 0xffff).toString(16), (w & 0xffff).toString(16));
  return groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
}

/** Writes field values back as a description (used by diff for its example packets). */
export function formatPacket(field: (name: string) => number, tapName?: string): string {
  const layer = (pre: string): string[] => {
    const v = (n: string) => field(pre + n);
    const out: string[] = [];
    const proto =
      {
        [IPPROTO.TCP]: 'tcp',
        [IPPROTO.UDP]: 'udp',
        [IPPROTO.SCTP]: 'sctp',
        [IPPROTO.ICMP]: 'icmp',
        [IPPROTO.ICMPV6]: 'icmp6',
        [IPPROTO.GRE]: 'gre',
      }[v('ipProto')] ??
      (v('ipProto') >= 0
        ? `ip`
        : v('etherType') === ETHERTYPE.ARP
          ? 'arp'
          : v('etherType') === ETHERTYPE.IPV6
            ? 'ip6'
            : v('etherType') === ETHERTYPE.IPV4
              ? 'ip'
              : '');
    if (proto) out.push(proto);
    if (v('etherType') === ETHERTYPE.IPV6 && proto !== 'ip6' && proto !== 'icmp6') out.push('ip6');
    const port = (n: string) => (v(n) >= 0 ? `:${v(n)}` : '');
    if (v('ip4Src') >= 0 || v('ip4Dst') >= 0)
      out.push(
        `${fmtV4(Math.max(0, v('ip4Src')))}${port('srcPort')} > ${fmtV4(Math.max(0, v('ip4Dst')))}${port('dstPort')}`,
      );
    else if (v('ip6Src0') >= 0 || v('ip6Dst0') >= 0) {
      const w = (n: string) => [0, 1, 2, 3].map((k) => Math.max(0, v(`${n}${k}`)));
      out.push(`[${fmtV6(w('ip6Src'))}]${port('srcPort')} > [${fmtV6(w('ip6Dst'))}]${port('dstPort')}`);
    } else if (v('srcPort') >= 0 || v('dstPort') >= 0) {
      // addresses the example leaves open: placeholders of the right family
      out.push(
        v('etherType') === ETHERTYPE.IPV6
          ? `[::1]${port('srcPort')} > [::2]${port('dstPort')}`
          : `0.0.0.1${port('srcPort')} > 0.0.0.2${port('dstPort')}`,
      );
    }
    if (v('vlan0') >= 0) out.push(`vlan ${v('vlan0')}`);
    if (v('vlan1') >= 0) out.push(`vlan ${v('vlan1')}`);
    if (v('vlanPri0') > 0) out.push(`priority ${v('vlanPri0')}`);
    if (v('mpls0') >= 0) out.push(`mpls ${v('mpls0')}`);
    if (v('pppoeSession') >= 0) out.push(`pppoe ${v('pppoeSession')}`);
    if (v('tcpFlags') >= 0)
      out.push(
        `flags ${
          Object.entries(TCP_FLAGS)
            .filter(([n, b]) => n !== 'push' && v('tcpFlags') & b)
            .map(([n]) => n)
            .join(',') || 'none'
        }`,
      );
    if (v('icmpType') >= 0) out.push(`type ${v('icmpType')}`);
    if (v('ttl') >= 0 && v('ttl') !== 64) out.push(`ttl ${v('ttl')}`);
    if (v('dscp') > 0) out.push(`dscp ${v('dscp')}`);
    if (v('fragment') > 0) out.push('fragment');
    const tun = Object.entries(TUNNEL).find(([, k]) => k === v('tunnel') && k !== 0);
    if (tun) out.push(`${tun[0]}${v('tunnelId') >= 0 ? ` ${v('tunnelId')}` : ''}`);
    return out;
  };
  const parts = [...(tapName ? [`tap ${tapName}`] : []), ...layer('')];
  if (field('wireLen') >= 0) parts.push(`len ${field('wireLen')}`);
  const inner = layer('inner.');
  if (FIELDS.some((f) => f.name !== 'tap' && field(`inner.${f.name}`) >= 0) && inner.length)
    parts.push('inner', ...inner);
  return parts.join(' ');
}
