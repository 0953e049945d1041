import { isIPv4, isIPv6 } from 'node:net';
import { parseIpv4, parseIpv6, parseMac } from '../../check/literals.js';
import { ICMP6_TYPES, ICMP_TYPES, TCP_FLAGS } from '../../check/names.js';
import { ETHERTYPE } from '../../fields/ethertype.js';
import { IPPROTO } from '../../fields/ip-proto.js';
import { emptyLayer, hasPorts, isTunnelKind, TUNNELS, type Layer, type PacketDesc, type Transport } from './model.js';
import { SpecError } from './spec-error.js';

/**
 * Reads a packet description, as an engineer types it:
 *
 *   tap core-a tcp 10.0.0.1:51000 > 192.0.2.80:443 vlan 101 flags syn
 *   udp [2001:db8::1]:5353 > [ff02::fb]:5353 ttl 1
 *   vxlan 42 udp 10.1.1.1:4000 > 10.1.1.2:4789 inner tcp 172.16.0.1:1 > 172.16.0.2:80
 *   tcp 10.0.0.1:1 > 10.0.0.2:21 payload "USER alice\r\n"
 *
 * Every mistake is a SpecError pointing at the words at fault. Whatever the
 * description leaves out, complete.ts fills in as a real frame would have it.
 */
export function parsePacket(spec: string): PacketDesc {
  const toks = tokenize(spec);
  const desc: PacketDesc = { outer: emptyLayer() };
  const p = new Parser(spec, toks, desc);
  p.layer(desc.outer, false);
  return desc;
}

interface Tok {
  text: string;
  start: number;
  end: number;
  /** The bytes of a quoted string. */
  bytes?: Uint8Array;
}

const ESCAPES: Record<string, number> = { '\\': 0x5c, '"': 0x22, n: 0x0a, r: 0x0d, t: 0x09, '0': 0 };

/** Words split at white space and around '>'; quoted strings with the policy language's escapes (\\ \" \n \r \t \0 \xHH). */
function tokenize(spec: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < spec.length) {
    const c = spec[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '>') {
      out.push({ text: '>', start: i, end: i + 1 });
      i++;
      continue;
    }
    if (c === '"') {
      const start = i;
      const bytes: number[] = [];
      i++;
      for (;;) {
        if (i >= spec.length)
          throw new SpecError('unterminated string: it needs a closing "', spec, start, spec.length);
        const ch = spec[i];
        if (ch === '"') break;
        if (ch === '\\') {
          const next = spec[i + 1];
          if (next !== undefined && Object.hasOwn(ESCAPES, next)) {
            bytes.push(ESCAPES[next]);
            i += 2;
          } else if (next === 'x' && /^[0-9a-fA-F]{2}$/.test(spec.slice(i + 2, i + 4))) {
            bytes.push(parseInt(spec.slice(i + 2, i + 4), 16));
            i += 4;
          } else {
            throw new SpecError(
              `unknown escape '\\${next ?? ''}' in a string (use \\\\ \\" \\n \\r \\t \\0 or \\xHH)`,
              spec,
              i,
              Math.min(spec.length, i + 2),
            );
          }
          continue;
        }
        bytes.push(...Buffer.from(ch, 'utf8'));
        i++;
      }
      i++;
      out.push({ text: spec.slice(start, i), start, end: i, bytes: Uint8Array.from(bytes) });
      continue;
    }
    const start = i;
    while (i < spec.length && !/\s/.test(spec[i]) && spec[i] !== '>' && spec[i] !== '"') i++;
    out.push({ text: spec.slice(start, i), start, end: i });
  }
  return out;
}

const PROTOCOLS: Record<string, { transport?: Transport; family?: 4 | 6 }> = {
  tcp: { transport: 'tcp' },
  udp: { transport: 'udp' },
  sctp: { transport: 'sctp' },
  icmp: { transport: 'icmp', family: 4 },
  icmp6: { transport: 'icmp6', family: 6 },
  icmpv6: { transport: 'icmp6', family: 6 },
  arp: { transport: 'arp', family: 4 },
  ip: { family: 4 },
  ip4: { family: 4 },
  ipv4: { family: 4 },
  ip6: { family: 6 },
  ipv6: { family: 6 },
};

/** EtherTypes whose frames the decoder reads further: described by their own words, not `ethertype`. */
const DECODED_ETHERTYPES: ReadonlySet<number> = new Set([
  ETHERTYPE.IPV4,
  ETHERTYPE.IPV6,
  ETHERTYPE.ARP,
  ETHERTYPE.RARP,
  ETHERTYPE.VLAN,
  ETHERTYPE.QINQ,
  ETHERTYPE.QINQ_OLD,
  ETHERTYPE.MPLS,
  ETHERTYPE.MPLS_MULTICAST,
  ETHERTYPE.PPPOE_SESSION,
]);

/** IP protocols the decoder reads further, and how a description says them. */
const PROTO_WORDS = new Map<number, string>([
  [IPPROTO.TCP, 'tcp'],
  [IPPROTO.UDP, 'udp'],
  [IPPROTO.SCTP, 'sctp'],
  [IPPROTO.ICMP, 'icmp'],
  [IPPROTO.ICMPV6, 'icmp6'],
  [IPPROTO.GRE, 'gre (or pptp, erspan)'],
  [IPPROTO.IPIP, 'ipip'],
  [IPPROTO.IPV6, '6in4 (or 6to4, ipip)'],
  [IPPROTO.L2TP, 'l2tp (L2TPv3 over IP is not described here)'],
  [IPPROTO.FRAGMENT, 'fragment'],
]);
const IPV6_EXTENSIONS: ReadonlySet<number> = new Set([
  IPPROTO.HOPOPTS,
  IPPROTO.ROUTING,
  IPPROTO.AH,
  IPPROTO.DSTOPTS,
  IPPROTO.MOBILITY,
]);

/** The decoder counts tags and labels in 4 bits. */
const MAX_TAGS = 15;

const ARP_OPS: Record<string, number> = { request: 1, reply: 2 };

const KEYWORDS = new Set([
  'tap',
  'proto',
  'ethertype',
  'vlan',
  'priority',
  'pri',
  'mpls',
  'pppoe',
  'ttl',
  'hoplimit',
  'dscp',
  'len',
  'flags',
  'type',
  'code',
  'fragment',
  'inner',
  'payload',
  '>',
]);
const isWord = (w: string): boolean => KEYWORDS.has(w) || Object.hasOwn(PROTOCOLS, w) || isTunnelKind(w);

/** Words the description takes, for "unknown word" messages. */
const WORDS =
  'tap, a protocol (tcp udp sctp icmp icmp6 arp ip ip6), SRC > DST, proto, ethertype, vlan, priority, mpls, pppoe, ttl, dscp, len, flags, type, code, fragment, a tunnel (gre vxlan geneve gtp l2tp pptp erspan ipip 6in4 6to4 teredo), inner, payload';

class Parser {
  private i = 0;
  /** Where each thing was said, per layer, for messages about how things fit together. */
  private readonly at = new Map<Layer, Map<string, Tok>>();

  constructor(
    private readonly spec: string,
    private readonly toks: Tok[],
    private readonly desc: PacketDesc,
  ) {}

  private fail(reason: string, from: Tok | undefined, to: Tok | undefined = from): never {
    if (!from) throw new SpecError(reason, this.spec, this.spec.length, this.spec.length + 1);
    throw new SpecError(reason, this.spec, from.start, (to ?? from).end);
  }

  private said(layer: Layer, what: string, tok: Tok): void {
    let m = this.at.get(layer);
    if (!m) this.at.set(layer, (m = new Map()));
    const before = m.get(what);
    if (before && what !== 'vlan' && what !== 'mpls')
      this.fail(`${what} is given twice (first at column ${before.start + 1})`, tok);
    m.set(what, tok);
  }

  private where(layer: Layer, what: string): Tok | undefined {
    return this.at.get(layer)?.get(what);
  }

  /** The next word as a whole number, decimal or 0x hex, from 0 to max. */
  private number(what: string, max: number, word: Tok): number {
    return this.numberAt(this.toks[++this.i], what, max, word);
  }

  private numberAt(t: Tok | undefined, what: string, max: number, word: Tok): number {
    if (!t || t.bytes || t.text === '>') this.fail(`${what} needs a number`, t ?? word);
    const n = /^0x[0-9a-f]+$/i.test(t.text)
      ? parseInt(t.text.slice(2), 16)
      : /^\d+$/.test(t.text)
        ? Number(t.text)
        : NaN;
    if (!Number.isSafeInteger(n)) this.fail(`${what} needs a whole number (decimal or 0x hex), not '${t.text}'`, t);
    if (n > max) this.fail(`${what} ${t.text} is out of range (0 to ${max})`, t);
    return n;
  }

  private isNumber(t: Tok | undefined): boolean {
    return !!t && !t.bytes && /^(\d+|0x[0-9a-f]+)$/i.test(t.text);
  }

  layer(L: Layer, inner: boolean): void {
    const toks = this.toks;
    for (; this.i < toks.length; this.i++) {
      const t = toks[this.i];
      const w = t.text.toLowerCase();
      if (t.bytes) this.fail(`a quoted string only follows payload`, t);
      if (toks[this.i + 1]?.text === '>') {
        this.endpoints(L, t, inner);
        continue;
      }
      if (w === '>') this.fail(`'>' needs an address on each side`, t);
      if (w === 'inner') {
        if (inner) this.fail('inner is given twice: one tunnel is described at a time', t);
        if (!L.tunnel)
          this.fail('inner describes what a tunnel carries: name the tunnel first (gre, vxlan, geneve, gtp, ...)', t);
        this.said(L, 'inner', t);
        this.i++;
        this.desc.inner = emptyLayer();
        this.layer(this.desc.inner, true);
        break;
      }
      if (w === 'tap') {
        if (inner) this.fail('tap belongs to the outer packet: give it before inner', t);
        this.said(L, 'tap', t);
        const name = toks[++this.i];
        if (!name || name.bytes || name.text === '>') this.fail('tap needs a tap name', name ?? t);
        this.desc.tap = name.text;
      } else if (Object.hasOwn(PROTOCOLS, w)) {
        this.protocol(L, t, PROTOCOLS[w]);
      } else if (w === 'proto') {
        this.said(L, 'proto', t);
        L.ipProto = this.number('proto', 255, t);
      } else if (w === 'ethertype') {
        this.said(L, 'ethertype', t);
        L.etherType = this.number('ethertype', 0xffff, t);
      } else if (w === 'vlan') {
        this.said(L, 'vlan', t);
        if (L.vlans.length === MAX_TAGS) this.fail(`at most ${MAX_TAGS} VLAN tags`, t);
        L.vlans.push({ id: this.number('vlan', 4095, t), pri: 0 });
      } else if (w === 'priority' || w === 'pri') {
        this.said(L, 'priority', t);
        const pri = this.number('priority', 7, t);
        if (L.vlans.length === 0) this.fail('priority is a VLAN tag field: give vlan N before it', t);
        L.vlans[0].pri = pri;
      } else if (w === 'mpls') {
        this.said(L, 'mpls', t);
        if (L.mpls.length === MAX_TAGS) this.fail(`at most ${MAX_TAGS} MPLS labels`, t);
        L.mpls.push(this.number('mpls', 0xfffff, t));
      } else if (w === 'pppoe') {
        this.said(L, 'pppoe', t);
        L.pppoe = this.number('pppoe', 0xffff, t);
      } else if (w === 'ttl' || w === 'hoplimit') {
        this.said(L, 'ttl', t);
        L.ttl = this.number(w, 255, t);
      } else if (w === 'dscp') {
        this.said(L, 'dscp', t);
        L.dscp = this.number('dscp', 63, t);
      } else if (w === 'len') {
        if (inner) this.fail('len is the length of the whole frame: give it before inner', t);
        this.said(L, 'len', t);
        this.desc.len = this.number('len', 65535, t);
      } else if (w === 'flags') {
        this.said(L, 'flags', t);
        L.tcpFlags = this.flags(t);
      } else if (w === 'type') {
        this.said(L, 'type', t);
        this.i++;
      } else if (w === 'code') {
        this.said(L, 'code', t);
        L.icmpCode = this.number('code', 255, t);
      } else if (w === 'fragment') {
        this.said(L, 'fragment', t);
        const next = toks[this.i + 1]?.text.toLowerCase();
        L.fragment = next === 'later' ? 'later' : 'first';
        if (next === 'later' || next === 'first') this.i++;
      } else if (isTunnelKind(w)) {
        if (inner) this.fail(`${w} inside a tunnel's inner packet: one tunnel is described at a time`, t);
        this.said(L, 'tunnel', t);
        const info = TUNNELS[w];
        let id: number | undefined;
        const next = toks[this.i + 1];
        // an id, or a word meant as one ('vxlan ff'): anything that is not the next word of the description
        const meantAsId = next && !next.bytes && toks[this.i + 2]?.text !== '>' && !isWord(next.text.toLowerCase());
        if ('idMax' in info && (this.isNumber(next) || meantAsId))
          id = this.number(`${w} ${info.idName}`, info.idMax, t);
        L.tunnel = { kind: w, id };
      } else if (w === 'payload') {
        this.said(L, 'payload', t);
        const s = toks[++this.i];
        if (!s?.bytes) this.fail('payload takes a "quoted string" (escapes: \\\\ \\" \\n \\r \\t \\0 \\xHH)', s ?? t);
        L.payload = s.bytes;
      } else {
        this.fail(`unknown word '${t.text}'; the description takes ${WORDS}`, t);
      }
    }
    this.check(L, inner);
  }

  private protocol(L: Layer, t: Tok, p: { transport?: Transport; family?: 4 | 6 }): void {
    if (p.transport) {
      const before = this.where(L, 'transport');
      if (before) this.fail(`a packet has one protocol on top of IP: '${t.text}' after '${before.text}'`, t);
      this.said(L, 'transport', t);
      L.transport = p.transport;
    }
    if (p.family) {
      const before = this.where(L, 'family');
      if (before && L.family !== p.family)
        this.fail(`'${t.text}' is IPv${p.family}, but '${before.text}' made this packet IPv${L.family}`, t);
      this.at.get(L)?.delete('family');
      this.said(L, 'family', t);
      L.family = p.family;
    }
  }

  private flags(word: Tok): number {
    const t = this.toks[++this.i];
    if (!t || t.bytes)
      this.fail(`flags needs a list such as syn,ack (${Object.keys(TCP_FLAGS).join(', ')})`, t ?? word);
    let f = 0;
    for (const x of t.text.toLowerCase().split(',')) {
      if (x === 'none') continue;
      if (!Object.hasOwn(TCP_FLAGS, x))
        this.fail(`unknown TCP flag '${x}' (${Object.keys(TCP_FLAGS).join(', ')}, or none)`, t);
      f |= TCP_FLAGS[x];
    }
    return f;
  }

  private endpoints(L: Layer, s: Tok, inner: boolean): void {
    const d = this.toks[this.i + 2];
    if (!d || d.bytes) this.fail(`'>' needs a destination after it`, this.toks[this.i + 1]);
    this.i += 2;
    const a = this.endpoint(s);
    const b = this.endpoint(d);
    if ((a.mac === undefined) !== (b.mac === undefined))
      this.fail('source and destination must both be MAC addresses, or both IP addresses', s, d);
    if (a.mac !== undefined) {
      this.said(L, 'mac', s);
      L.macSrc = a.mac;
      L.macDst = b.mac;
      return;
    }
    if (a.family !== b.family) this.fail('source and destination must be of one address family', s, d);
    this.said(L, 'addresses', s);
    const before = this.where(L, 'family');
    if (before && L.family !== a.family)
      this.fail(`IPv${a.family} addresses, but '${before.text}' made this packet IPv${L.family}`, s, d);
    L.family = a.family;
    if (!before) this.said(L, 'family', s);
    L.src = a.addr;
    L.dst = b.addr;
    if (a.port !== undefined || b.port !== undefined) {
      if (a.port === undefined || b.port === undefined) this.fail('give a port on both sides, or on neither', s, d);
      this.said(L, 'ports', s);
      L.srcPort = a.port;
      L.dstPort = b.port;
    }
    void inner;
  }

  private endpoint(t: Tok): { family?: 4 | 6; addr?: number | Uint8Array; mac?: number; port?: number } {
    const text = t.text;
    const bad = () =>
      this.fail(`'${text}' is not an address (IPv4 with an optional :port, [IPv6]:port, IPv6, or a MAC address)`, t);
    const mac = parseMac(text);
    if (mac !== undefined) return { mac };
    const v6 = /^\[([^\]]+)\](?::(.*))?$/.exec(text);
    let host = text;
    let portText: string | undefined;
    if (v6) {
      host = v6[1];
      portText = v6[2];
      if (!isIPv6(host)) bad();
    } else if (!isIPv6(text)) {
      const c = text.lastIndexOf(':');
      if (c > 0) {
        host = text.slice(0, c);
        portText = text.slice(c + 1);
      }
    }
    let port: number | undefined;
    if (portText !== undefined) {
      if (!/^\d+$/.test(portText)) this.fail(`'${portText}' is not a port number`, t);
      port = Number(portText);
      if (port > 65535) this.fail(`port ${port} is out of range (0 to 65535)`, t);
    }
    if (isIPv6(host)) {
      const words = parseIpv6(host)!.words;
      const bytes = new Uint8Array(16);
      const dv = new DataView(bytes.buffer);
      words.forEach((w, k) => dv.setUint32(4 * k, w >>> 0));
      return { family: 6, addr: bytes, port };
    }
    if (isIPv4(host)) return { family: 4, addr: parseIpv4(host, false)!.addr, port };
    return bad();
  }

  /** How the layer's parts fit together; each complaint points at a word that does not fit. */
  private check(L: Layer, inner: boolean): void {
    const at = (what: string) => this.where(L, what);
    const tr = L.transport;
    const typeTok = at('type');
    if (typeTok) {
      const valueTok = this.toks[this.toks.indexOf(typeTok) + 1];
      if (!valueTok || valueTok.bytes) this.fail('type needs a number or a name', valueTok ?? typeTok);
      const v = valueTok.text.toLowerCase();
      if (tr === 'arp') {
        if (!Object.hasOwn(ARP_OPS, v)) this.fail(`an ARP type is request or reply, not '${valueTok.text}'`, valueTok);
        L.arpOp = ARP_OPS[v];
      } else if (tr === 'icmp' || tr === 'icmp6') {
        const names = tr === 'icmp6' ? ICMP6_TYPES : ICMP_TYPES;
        if (Object.hasOwn(names, v)) L.icmpType = names[v];
        else if (/^(\d+|0x[0-9a-f]+)$/.test(v)) L.icmpType = this.numberAt(valueTok, 'type', 255, typeTok);
        else
          this.fail(
            `unknown ${tr === 'icmp6' ? 'ICMPv6' : 'ICMP'} type '${valueTok.text}' (a number, or ${Object.keys(names).join(', ')})`,
            valueTok,
          );
      } else this.fail('type is an ICMP, ICMPv6 or ARP field: add icmp, icmp6 or arp', typeTok);
    }
    if (at('code') && tr !== 'icmp' && tr !== 'icmp6')
      this.fail('code is an ICMP or ICMPv6 field: add icmp or icmp6', at('code'));
    if (at('flags') && tr !== 'tcp') {
      if (tr) this.fail(`flags are TCP's, and this packet is ${tr}`, at('flags'));
      L.transport = 'tcp';
    }
    if (at('ports') && !hasPorts(L.transport) && !(L.tunnel && 'udpPort' in TUNNELS[L.tunnel.kind]))
      this.fail(
        tr
          ? `${tr} has no ports`
          : 'ports need a protocol that has them: add tcp, udp or sctp (or a UDP tunnel: vxlan, geneve, gtp, l2tp, teredo)',
        at('addresses'),
      );
    if (tr === 'arp') {
      if (L.family === 6) this.fail('ARP carries IPv4 addresses', at('addresses') ?? at('transport'));
      for (const w of ['ttl', 'dscp', 'fragment', 'proto'])
        if (at(w)) this.fail(`${w} is an IP field, and ARP is not IP`, at(w));
      if (at('payload')) this.fail('an ARP message has no payload', at('payload'));
    }
    const notIp = tr === 'arp' ? at('transport') : at('ethertype');
    if (notIp && (at('pppoe') || at('mpls')))
      this.fail(`${at('pppoe') ? 'PPPoE' : 'MPLS'} carries IP here, and '${notIp.text}' is not IP`, notIp);
    if (at('pppoe') && at('mpls')) this.fail('a frame has PPPoE or an MPLS label stack, not both', at('mpls'));
    if (at('proto') && tr)
      this.fail(`proto gives the IP protocol number, and '${at('transport')!.text}' already does`, at('proto'));
    if (L.ipProto !== undefined) {
      const word = PROTO_WORDS.get(L.ipProto);
      if (word) this.fail(`protocol ${L.ipProto} has a word of its own: write ${word}`, at('proto'));
      if (L.family === 6 && IPV6_EXTENSIONS.has(L.ipProto))
        this.fail(`protocol ${L.ipProto} is an IPv6 extension header, which a description cannot build`, at('proto'));
    }
    if (at('ethertype')) {
      if (DECODED_ETHERTYPES.has(L.etherType!))
        this.fail(
          'this EtherType has words of its own (ip, ip6, arp, vlan, mpls, pppoe): ethertype describes other frames',
          at('ethertype'),
        );
      const clash = at('family') ?? at('transport') ?? at('addresses') ?? at('proto') ?? at('tunnel');
      if (clash)
        this.fail(`ethertype describes a frame that is not IP or ARP; '${clash.text}' says it is`, at('ethertype'));
    }
    if (L.fragment === 'later') {
      for (const w of ['ports', 'flags', 'code', 'type', 'tunnel'])
        if (at(w))
          this.fail(
            `a later fragment carries no ${w === 'ports' ? 'ports' : w} (its protocol's header is in the first fragment)`,
            at(w),
          );
    }
    if (L.fragment && !at('family') && tr === 'arp') this.fail('ARP is not fragmented', at('fragment'));
    if (L.transport === 'udp' && !L.tunnel && L.fragment !== 'later') {
      const tunnel = Object.entries(TUNNELS).find(
        ([, info]) => 'udpPort' in info && (L.srcPort === info.udpPort || L.dstPort === info.udpPort),
      );
      if (tunnel)
        this.fail(
          `UDP port ${(tunnel[1] as { udpPort: number }).udpPort} is ${tunnel[0]}'s: the decoder reads such a packet as ${tunnel[0]}, so describe it so (${tunnel[0]} ... inner ...)`,
          at('addresses'),
        );
    }
    if (L.tunnel) this.checkTunnel(L, at);
    if (inner) this.checkInner(L, at);
  }

  private checkTunnel(L: Layer, at: (what: string) => Tok | undefined): void {
    const kind = L.tunnel!.kind;
    const info = TUNNELS[kind];
    const tt = at('tunnel')!;
    const tr = at('transport');
    if ('udpPort' in info) {
      if (tr && L.transport !== 'udp')
        this.fail(`${kind} is carried in UDP (port ${info.udpPort}), not ${tr.text}`, tr);
      if (L.srcPort !== undefined && L.srcPort !== info.udpPort && L.dstPort !== info.udpPort)
        this.fail(
          `${kind} is recognised by UDP port ${info.udpPort}: give it as a port (the destination's, usually), or leave the ports out`,
          at('addresses'),
        );
      const other = Object.entries(TUNNELS).find(
        ([k, t]) => k !== kind && 'udpPort' in t && t.udpPort === L.dstPort && L.dstPort !== info.udpPort,
      );
      if (other)
        this.fail(
          `destination port ${L.dstPort} is ${other[0]}'s, which the decoder tries first: give ${kind}'s port ${info.udpPort} as the destination`,
          at('addresses'),
        );
      L.transport = 'udp';
    } else {
      if (tr) this.fail(`${kind} is carried directly in IP, not in ${tr.text}`, tr);
      if (at('proto')) this.fail(`${kind} sets the IP protocol itself`, at('proto'));
    }
    if ('ipv4Only' in info && L.family === 6)
      this.fail(`${kind} is IPv6 in IPv4: the outer packet is IPv4`, at('family'));
    if (at('payload'))
      this.fail(`the outer packet's payload is the ${kind} tunnel: give payload after inner`, at('payload'));
    if (at('flags') && 'udpPort' in info) this.fail(`flags are TCP's, and ${kind} is carried in UDP`, at('flags'));
    if (L.fragment)
      this.fail(`describe a fragment without the tunnel: the tunnel header is only in the first`, at('fragment'));
    void tt;
  }

  private checkInner(L: Layer, at: (what: string) => Tok | undefined): void {
    const outer = this.desc.outer;
    const kind = outer.tunnel!.kind;
    const info = TUNNELS[kind];
    const ether =
      ['mac', 'vlan', 'mpls', 'pppoe', 'ethertype'].find((w) => at(w)) ??
      (L.transport === 'arp' ? 'transport' : undefined);
    if (ether && (info.carries === 'ip' || info.carries === 'ip6'))
      this.fail(`${kind} carries IP packets, not Ethernet frames`, at(ether));
    if (info.carries === 'ip6' && L.family === 4) this.fail(`${kind} carries IPv6`, at('family') ?? at('addresses'));
    if (kind === 'ipip' && L.family === 6 && outer.family !== 6)
      this.fail('IPv6 in IPv4 is 6in4 (or 6to4, for 2002::/16 addresses): write that instead of ipip', at('family'));
    if (
      kind === '6to4' &&
      L.src instanceof Uint8Array &&
      L.dst instanceof Uint8Array &&
      !is6to4(L.src) &&
      !is6to4(L.dst)
    )
      this.fail(
        '6to4 addresses are in 2002::/16 (one of the two at least); without one, this is 6in4',
        at('addresses'),
      );
    if (
      kind === '6in4' &&
      L.src instanceof Uint8Array &&
      L.dst instanceof Uint8Array &&
      (is6to4(L.src) || is6to4(L.dst))
    )
      this.fail(
        'an address in 2002::/16 makes IPv6 in IPv4 6to4 (as the decoder reads it): write 6to4',
        at('addresses'),
      );
  }
}

export const is6to4 = (a: Uint8Array): boolean => a[0] === 0x20 && a[1] === 0x02;
