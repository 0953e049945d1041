import { describe, expect, it } from 'vitest';
import { buildFrame } from '../../../src/cli/packet/build.js';
import { completePacket } from '../../../src/cli/packet/complete.js';
import { formatPacket } from '../../../src/cli/packet/format.js';
import { TRANSPORT_PROTO, TUNNELS, type Layer, type PacketDesc } from '../../../src/cli/packet/model.js';
import { is6to4, parsePacket } from '../../../src/cli/packet/parse.js';
import { ETHERTYPE } from '../../../src/fields/ethertype.js';
import { ABSENT, FIELDS, TUNNEL } from '../../../src/fields/fields.js';
import { IPPROTO } from '../../../src/fields/ip-proto.js';
import { Prng } from '../../../src/gen/prng.js';
import { decodeFrame } from '../../../src/runtime/decode/decode.js';
import { PacketView } from '../../../src/runtime/decode/view.js';
import { randomSpec } from './random-spec.js';

// What a description says is what the runtime's decoder reads from the frame built for it:
// every field, outer and inner, is derived here from the description alone (the way the
// protocols define them) and compared with the decoded view. Protocol numbers, ports,
// EtherTypes and tunnel ids come from the encapsulation words, as on a real wire.

function v6words(a: Uint8Array): number[] {
  const dv = new DataView(a.buffer, a.byteOffset, 16);
  return [0, 1, 2, 3].map((k) => dv.getUint32(4 * k));
}

/** The fields a frame built from a complete layer must decode to. */
function expectedLayer(L: Layer, ether: boolean, carrier: number | undefined, d: PacketDesc): Record<string, number> {
  const e: Record<string, number> = { vlanCount: L.vlans.length, mplsCount: L.mpls.length, tunnel: 0 };
  let net: number;
  if (L.etherType !== undefined) net = L.etherType;
  else if (L.transport === 'arp') net = ETHERTYPE.ARP;
  else net = L.family === 6 ? ETHERTYPE.IPV6 : ETHERTYPE.IPV4;
  e.etherType = net;
  if (ether) {
    e.ethSrc = L.macSrc!;
    e.ethDst = L.macDst!;
    e.ethMulticast = Math.floor(L.macDst! / 2 ** 40) & 1;
    e.outerEtherType =
      L.vlans.length > 1
        ? ETHERTYPE.QINQ
        : L.vlans.length
          ? ETHERTYPE.VLAN
          : L.pppoe !== undefined
            ? ETHERTYPE.PPPOE_SESSION
            : L.mpls.length
              ? ETHERTYPE.MPLS
              : net;
  }
  L.vlans.slice(0, 2).forEach((v, i) => (e[`vlan${i}`] = v.id));
  if (L.vlans.length) e.vlanPri0 = L.vlans[0].pri;
  L.mpls.slice(0, 2).forEach((m, i) => (e[`mpls${i}`] = m));
  if (L.pppoe !== undefined) e.pppoeSession = L.pppoe;
  if (L.etherType !== undefined) return e;
  if (L.transport === 'arp') {
    e.ip4Src = L.src as number;
    e.ip4Dst = L.dst as number;
    return e;
  }
  if (L.family === 4) {
    e.ip4Src = L.src as number;
    e.ip4Dst = L.dst as number;
  } else {
    v6words(L.src as Uint8Array).forEach((x, k) => (e[`ip6Src${k}`] = x));
    v6words(L.dst as Uint8Array).forEach((x, k) => (e[`ip6Dst${k}`] = x));
  }
  e.ttl = L.ttl!;
  e.dscp = L.dscp!;
  e.fragment = L.fragment === 'later' ? 2 : L.fragment === 'first' ? 1 : 0;
  e.ipProto = L.transport ? TRANSPORT_PROTO[L.transport] : (carrier ?? L.ipProto!);
  const later = L.fragment === 'later';
  if (!later && L.srcPort !== undefined) {
    e.srcPort = L.srcPort;
    e.dstPort = L.dstPort!;
  }
  if (!later && L.tcpFlags !== undefined) e.tcpFlags = L.tcpFlags;
  if (!later && L.icmpType !== undefined) {
    e.icmpType = L.icmpType;
    e.icmpCode = L.icmpCode!;
  }
  const t = L.tunnel;
  if (t) {
    const inner = d.inner!;
    const kind =
      t.kind === '6in4' || t.kind === '6to4'
        ? is6to4(inner.src as Uint8Array) || is6to4(inner.dst as Uint8Array)
          ? '6to4'
          : '6in4'
        : t.kind;
    e.tunnel = TUNNEL[kind];
    if (t.id !== undefined) e.tunnelId = t.id;
  }
  return e;
}

function expected(d: PacketDesc, wireLen: number): Record<string, number> {
  const t = d.outer.tunnel;
  const info = t && TUNNELS[t.kind];
  const carrier = !info
    ? undefined
    : 'udpPort' in info
      ? undefined
      : 'ipProto' in info
        ? info.ipProto
        : d.inner!.family === 6
          ? IPPROTO.IPV6
          : IPPROTO.IPIP;
  const e: Record<string, number> = { linkType: 1, wireLen, ...expectedLayer(d.outer, true, carrier, d) };
  if (t) {
    const innerEther =
      TUNNELS[t.kind].carries === 'ether' ||
      (t.kind === 'gre' &&
        (d.inner!.macSrc !== undefined ||
          d.inner!.vlans.length > 0 ||
          d.inner!.etherType !== undefined ||
          d.inner!.transport === 'arp'));
    for (const [k, v] of Object.entries(expectedLayer(d.inner!, innerEther, undefined, d))) e[`inner.${k}`] = v;
  }
  return e;
}

function decoded(data: Uint8Array, wireLen: number): { fields: Record<string, number>; view: PacketView } {
  const v = new PacketView();
  decodeFrame(v, data, data.length, wireLen, 1);
  const fields: Record<string, number> = {};
  const rec = v as unknown as Record<string, number>;
  const inner = v.inner as unknown as Record<string, number>;
  for (const f of FIELDS) {
    if (f.name !== 'tap' && rec[f.name] !== ABSENT) fields[f.name] = rec[f.name];
    if (f.name !== 'tap' && f.name !== 'linkType' && f.name !== 'wireLen' && inner[f.name] !== ABSENT)
      fields[`inner.${f.name}`] = inner[f.name];
  }
  return { fields, view: v };
}

function check(spec: string): void {
  const d = completePacket(parsePacket(spec));
  const frame = buildFrame(d);
  const { fields, view } = decoded(frame.data, frame.wireLen);
  expect(view.malformed, `${spec}: malformed`).toBe(0);
  expect(fields, spec).toEqual(expected(d, frame.wireLen));
  if (d.len !== undefined) expect(frame.wireLen).toBe(d.len);
  // the payload is where the description put it: the innermost packet's
  const L = d.inner ?? d.outer;
  if (L.payload && L.payload.length) {
    const p = d.inner ? view.inner : view;
    // a frame of an EtherType the decoder does not read further has its payload at the network layer
    const at = L.etherType !== undefined ? p.l3Offset : p.payloadOffset;
    expect(Buffer.from(frame.data.subarray(at, at + L.payload.length))).toEqual(Buffer.from(L.payload));
  }
  // and the description written back reads as the same packet
  const again = completePacket(parsePacket(formatPacket(d)));
  expect(Buffer.from(buildFrame(again).data).toString('hex'), formatPacket(d)).toBe(
    Buffer.from(frame.data).toString('hex'),
  );
}

describe('a described packet is built as a real frame and decodes as described', () => {
  it.each([
    // the cases: GRE sets IP protocol 47, VXLAN has its outer IPv4 and UDP 4789
    'gre',
    'gre 7 inner tcp 10.0.0.1:1 > 10.0.0.2:80',
    'vxlan',
    'vxlan 42 udp 10.1.1.1:4000 > 10.1.1.2:4789 inner tcp 172.16.0.1:1 > 172.16.0.2:80 payload "GET /"',
    'geneve 9 inner vlan 5 udp 10.0.0.1:53 > 10.0.0.2:53',
    'gtp 0x1234 inner tcp [2001:db8::1]:443 > [2001:db8::2]:50000 flags syn',
    'l2tp 77 inner icmp 10.0.0.1 > 10.0.0.2 type echo-reply',
    'pptp 12 inner udp 10.0.0.1:1 > 10.0.0.2:2',
    'erspan 300 inner vlan 10 tcp 10.0.0.1:1 > 10.0.0.2:2',
    'ipip inner tcp 10.9.9.9:1 > 10.8.8.8:2',
    'ip6 ipip inner tcp [2001:db8::9]:1 > [2001:db8::8]:2',
    '6in4 inner tcp [2001:db8::9]:1 > [2001:db8::8]:2',
    '6to4',
    'teredo inner icmp6 2001::1 > 2001:db8::2',
    'tcp 10.0.0.1:1234 > 10.0.0.2:80 vlan 3',
    'vlan 100 priority 5 vlan 200 udp 10.0.0.1:5 > 10.0.0.2:6',
    'mpls 16 mpls 17 mpls 18 tcp 10.0.0.1:1 > 10.0.0.2:2',
    'pppoe 4660 ip6 proto 89',
    'arp 10.0.0.1 > 10.0.0.2 type reply',
    'ethertype 0x88cc payload "\\x02\\x07\\x04"',
    'sctp [2001:db8::1]:2905 > [2001:db8::2]:2905',
    'tcp 10.0.0.1:1 > 10.0.0.2:2 fragment',
    'tcp 10.0.0.1 > 10.0.0.2 fragment later payload "rest"',
    'ip6 udp 2001:db8::1 > 2001:db8::2 fragment later',
    'icmp6 type neighbor-solicitation',
    'tcp len 1500',
    'vxlan 1 len 1400 inner payload "x"',
    '02:00:00:00:00:0a > 01:00:5e:00:00:fb udp 10.0.0.1:5353 > 224.0.0.251:5353 ttl 255 dscp 46',
  ])('%s', (spec) => check(spec));

  it('random descriptions, every word in every combination a frame allows (2,000, seeded)', () => {
    const rng = new Prng(20260601);
    for (let i = 0; i < Number(process.env.TMESC_SPEC_COUNT ?? 2000); i++) check(randomSpec(rng));
  });

  it('pads a short frame to 60 bytes as Ethernet does, and len to exactly its length', () => {
    expect(buildFrame(completePacket(parsePacket('arp'))).wireLen).toBe(60);
    expect(buildFrame(completePacket(parsePacket('tcp len 61'))).wireLen).toBe(61);
    expect(() => buildFrame(completePacket(parsePacket('tcp len 20')))).toThrow(/len 20 is shorter than/);
  });
});
