/**
 * Captures of what the corpus lacks, for the tcpdump differential test:
 * 802.2 LLC (STP, every LLC frame type, NetBEUI, IPX in its four framings,
 * SNAP, OSI and IS-IS), the DEC and AppleTalk EtherTypes, every VLAN TPID,
 * PPPoE under two tags, MPLS on Ethernet, IGMP, PIM, VRRP, IGRP, AH, ESP, IPv6 extension
 * header chains, every ICMPv6 type pcap names, Geneve in its forms, the
 * MAC addresses and short networks the filters name, and Linux cooked
 * captures (v1 and v2) in every direction. Each file is written as tcpdump
 * writes pcap (microseconds), one link type per file; the frames are real
 * headers, checked by tshark in generated-captures.test.ts.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LINKTYPE } from '../../src/fields/fields.js';
import type { ManifestRow } from '../support/corpus.js';
import {
  cat,
  eth,
  ext6,
  frag6,
  icmp,
  ip4,
  ipv4,
  ipv6,
  mac,
  mplsEntry,
  sctp,
  tag,
  tcp,
  u16,
  u24,
  u32,
  udp,
  zeros,
  type Bytes,
} from './decode/build.js';

/** A generated capture, described as the corpus manifest describes its files. */
export interface GeneratedCapture extends ManifestRow {
  frames: Uint8Array[];
  link: number;
}

const MAC_X = '00:11:22:33:44:55';
const MAC_Y = 'aa:bb:cc:dd:ee:ff';
const STP_MULTICAST = '01:80:c2:00:00:00';

function pcapFile(link: number, frames: Uint8Array[], firstSecond: number): Uint8Array {
  const parts: Bytes[] = [[0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0], zeros(8), le32(65535), le32(link)];
  frames.forEach((f, i) => parts.push(le32(firstSecond + i), le32(i * 1000), le32(f.length), le32(f.length), f));
  return cat(...parts);
}

function le32(n: number): number[] {
  return [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, n >>> 24];
}

/** An 802.3 frame: the type field is the length of what follows. */
function dot3(payload: Bytes, dst = STP_MULTICAST, src = MAC_X): Uint8Array {
  return eth(payload.length, payload, dst, src);
}

function llc(dsap: number, ssap: number, control: number | number[], body: Bytes = zeros(8)): Uint8Array {
  return cat([dsap, ssap], typeof control === 'number' ? [control] : control, body);
}

function snap(oui: number, type: number, body: Bytes = zeros(8)): Uint8Array {
  return llc(0xaa, 0xaa, 0x03, cat(u24(oui), u16(type), body));
}

/** A configuration BPDU. */
const BPDU = cat(u16(0), [0, 0, 0], zeros(8), u32(4), zeros(8), u16(0x8001), zeros(8));

/** An OSI PDU after its LLC header: the NLPID, a length indicator, a version, then (IS-IS) the ID length and PDU type. */
function osiPdu(nlpid: number, pduType: number): Uint8Array {
  return llc(0xfe, 0xfe, 0x03, [nlpid, 27, 1, 0, pduType, 1, 0, 0, ...zeros(20)]);
}

function llcFrames(): Uint8Array[] {
  const f: Uint8Array[] = [];
  f.push(dot3(llc(0x42, 0x42, 0x03, BPDU)));
  f.push(eth(0x8100, cat(tag(10, 38), llc(0x42, 0x42, 0x03, BPDU)), STP_MULTICAST, MAC_Y));
  // every LLC format and command: I frames (two control bytes), S frames, U frames, with the poll bit too
  for (const control of [
    [0x00, 0x02],
    [0x0e, 0x05],
    [0x01, 0x00],
    [0x05, 0x01],
    [0x09, 0x00],
    [0x11, 0x00],
  ])
    f.push(dot3(llc(0x04, 0x05, control)));
  for (const control of [0x03, 0x13, 0x63, 0x73, 0x43, 0x0f, 0x1f, 0x6f, 0x7f, 0xe3, 0xf3, 0xaf, 0xbf, 0x87])
    f.push(dot3(llc(0x04, 0x05, control)));
  f.push(dot3(llc(0xf0, 0xf0, 0x03)), dot3(llc(0xf0, 0xf1, 0x03)), dot3(llc(0x06, 0x06, 0x03)));
  // IPX: 802.2, raw 802.3 (Novell's checksum 0xffff where the SAPs would be), SNAP
  f.push(dot3(llc(0xe0, 0xe0, 0x03)), dot3(cat([0xff, 0xff], u16(30), zeros(26))));
  f.push(dot3(snap(0x000000, 0x8137)));
  f.push(dot3(snap(0x080007, 0x809b)), dot3(snap(0x000000, 0x80f3)), dot3(snap(0x00000c, 0x2000)));
  f.push(dot3(snap(0x000000, 0x0800, ipv4({ proto: 17 }, udp(1, 2)))));
  // OSI over LLC: CLNP, ES-IS, and IS-IS in each PDU type (19 is none of pcap's)
  f.push(dot3(osiPdu(0x81, 0x1c)), dot3(osiPdu(0x82, 0x02)));
  for (const type of [15, 16, 17, 18, 19, 20, 24, 25, 26, 27]) f.push(dot3(osiPdu(0x83, type)));
  f.push(dot3(llc(0xfe, 0xfe, 0x03, [])), dot3(llc(0xfe, 0xff, 0x03, [0x83, 27, 1, 0, 15])));
  f.push(dot3([0x42]), dot3([0x42, 0x42]), dot3(llc(0x00, 0x00, 0x03)));
  return f;
}

const DEC_AND_FRIENDS = [0x6001, 0x6002, 0x6003, 0x6004, 0x6007, 0x809b, 0x80f3, 0x8137, 0x9000, 0x88cc];

function etherTypeFrames(): Uint8Array[] {
  const f: Uint8Array[] = DEC_AND_FRIENDS.map((t) => eth(t, zeros(46), MAC_Y, MAC_X));
  const v4 = ipv4({ proto: 17, src: '10.1.2.3', dst: '172.16.5.5' }, udp(1000, 53, [1, 2, 3, 4]));
  const v6 = ipv6({ next: 17 }, udp(1000, 53, [1, 2, 3, 4]));
  // every TPID, alone and stacked, in front of IP, DECnet, AppleTalk and LLC
  f.push(eth(0x8100, cat(tag(100, 0x0800), v4)));
  f.push(eth(0x88a8, cat(tag(200, 0x0800), v4)));
  f.push(eth(0x9100, cat(tag(300, 0x86dd), v6)));
  f.push(eth(0x8100, cat(tag(100, 0x8100), tag(101, 0x0800), v4)));
  f.push(eth(0x88a8, cat(tag(200, 0x8100), tag(201, 0x86dd), v6)));
  f.push(eth(0x9100, cat(tag(300, 0x8100), tag(301, 0x0800), v4)));
  f.push(eth(0x88a8, cat(tag(200, 0x88a8), tag(202, 0x0800), v4)));
  f.push(eth(0x8100, cat(tag(5, 0x6003), zeros(46))));
  f.push(eth(0x88a8, cat(tag(6, 0x8100), tag(7, 0x809b), zeros(42))));
  f.push(eth(0x8100, cat(tag(8, 22), llc(0xe0, 0xe0, 0x03, zeros(19)))));
  // MPLS on Ethernet itself (the corpus has it over PPP and UDP only)
  f.push(eth(0x8847, cat(mplsEntry(100, true), v4), MAC_Y, MAC_X));
  f.push(eth(0x8847, cat(mplsEntry(200, false), mplsEntry(201, true), v6), MAC_Y, MAC_X));
  return f;
}

function pppoeSession(session: number, protocol: number, payload: Bytes): Uint8Array {
  const ppp = cat(u16(protocol), payload);
  return cat([0x11, 0x00], u16(session), u16(ppp.length), ppp);
}

/** PPPoE under two tags (pppoe-over-qinq), which tcpdump reads as vlan and vlan and pppoes. */
function qinqPppoeFrames(): Uint8Array[] {
  const v4 = ipv4({ proto: 17, src: '10.9.8.7', dst: '192.0.2.1' }, udp(4000, 53, [1, 2, 3, 4]));
  const v6 = ipv6({ next: 6 }, tcp(40000, 443));
  return [
    eth(0x88a8, cat(tag(10, 0x8100), tag(20, 0x8864), pppoeSession(0x1234, 0x0021, v4))),
    eth(0x8100, cat(tag(11, 0x8100), tag(21, 0x8864), pppoeSession(0x0027, 0x0057, v6))),
    eth(0x9100, cat(tag(12, 0x8100), tag(22, 0x8864), pppoeSession(0x0027, 0xc021, [1, 1, 0, 4]))),
    eth(0x8100, cat(tag(13, 0x8864), pppoeSession(0x0042, 0x0021, v4))),
  ];
}

/** IPv4 options: router alert, as IGMP carries it. */
const ROUTER_ALERT = [0x94, 0x04, 0x00, 0x00];

function ipProtocolFrames(): Uint8Array[] {
  const f: Uint8Array[] = [];
  const v4 = (proto: number, payload: Bytes, options: number[] = [], frag = 0) =>
    eth(0x0800, ipv4({ proto, options, frag, src: '192.168.7.1', dst: '224.0.0.22' }, payload));
  const v6 = (next: number, payload: Bytes) => eth(0x86dd, ipv6({ next }, payload));
  // IGMP v2 report, query, leave; with and without the router alert option
  f.push(v4(2, [0x16, 0, 0, 0, ...ip4('239.1.1.1')], ROUTER_ALERT), v4(2, [0x11, 100, 0, 0, 0, 0, 0, 0]));
  f.push(v4(2, [0x17, 0, 0, 0, ...ip4('239.1.1.1')], ROUTER_ALERT));
  // PIM hello (v4, v6), VRRP / CARP advertisement, IGRP update
  f.push(v4(103, [0x20, 0, 0, 0, 0, 1, 0, 2, 0, 105]), v6(103, [0x20, 0, 0, 0, 0, 1, 0, 2, 0, 105]));
  f.push(v4(112, [0x21, 1, 100, 1, 0, 1, 0, 0, ...ip4('192.168.7.254')]), v4(9, [0x11, 0, 0, 1, ...zeros(8)]));
  // AH (then TCP) and ESP, over IPv4 and IPv6
  const ah = (next: number) => [next, 4, 0, 0, ...u32(0x1000), ...u32(1), ...zeros(12)];
  f.push(v4(51, cat(ah(6), tcp(1000, 80))), v4(50, cat(u32(0x2000), u32(1), zeros(16))));
  f.push(v6(50, cat(u32(0x3000), u32(1), zeros(16))));
  // SCTP, which the corpus lacks
  f.push(v4(132, sctp(2905, 2905, zeros(16))), v6(132, sctp(36412, 36412, zeros(16))));
  // IPv4 fragments: first and later
  f.push(v4(17, udp(1, 2, zeros(16)), [], 0x2000), v4(17, zeros(16), [], 0x0004), v4(2, zeros(8), [], 0x0001));
  // every ICMPv6 type pcap-filter(7) names, and a few it does not
  for (const type of [1, 2, 3, 4, 128, 129, ...Array.from({ length: 24 }, (_, i) => 130 + i), 200])
    f.push(v6(58, icmp(type, 0)));
  return f;
}

/** IPv6 header chains: tmesc's proto walks them, protochain walks them in both. */
function ipv6ChainFrames(): Uint8Array[] {
  const ah = (next: number) => [next, 4, 0, 0, ...u32(0x1000), ...u32(1), ...zeros(12)];
  const chain = (next: number, body: Bytes) => eth(0x86dd, ipv6({ next }, body));
  return [
    chain(0, cat(ext6(6), tcp(1000, 80))),
    chain(0, cat(ext6(60), ext6(43, [0, 0, 0, 0, 0, 0]), ext6(44), frag6(17, 0, true), udp(5, 6, zeros(8)))),
    chain(44, cat(frag6(17, 100, false), zeros(16))),
    chain(0, cat(ext6(51), ah(6), tcp(2000, 443))),
    chain(51, cat(ah(17), udp(500, 500))),
    chain(60, cat(ext6(50), u32(0x4000), u32(2), zeros(16))),
    chain(0, cat(ext6(59), zeros(8))),
    chain(0, cat(ext6(58), icmp(130, 0, zeros(20)))),
    chain(43, cat(ext6(58, [0, 4, 0, 0, 0, 0]), icmp(135, 0, zeros(20)))),
  ];
}

function geneve(vni: number, protocol: number, payload: Bytes, options: number[] = [], version = 0): Uint8Array {
  return cat([(version << 6) | (options.length / 4), 0], u16(protocol), u24(vni), [0], options, payload);
}

function geneveFrames(): Uint8Array[] {
  const innerTcp = ipv4({ proto: 6, src: '10.0.0.1', dst: '10.0.0.2' }, tcp(33000, 80));
  const innerUdp6 = ipv6({ next: 17, src: '2001:db8::a', dst: '2001:db8::b' }, udp(5353, 53, [1, 2]));
  const innerIcmp = ipv4({ proto: 1, src: '10.0.0.3', dst: '10.0.0.4' }, icmp(8, 0, zeros(8)));
  const teb = (payload: Bytes, type = 0x0800, dst = MAC_Y) => eth(type, payload, dst, MAC_X);
  const outer4 = (src: number, dst: number, g: Bytes) =>
    eth(0x0800, ipv4({ proto: 17, src: '198.51.100.1', dst: '198.51.100.2' }, udp(src, dst, g)));
  const outer6 = (g: Bytes) => eth(0x86dd, ipv6({ next: 17 }, udp(40000, 6081, g)));
  return [
    outer4(40000, 6081, geneve(11, 0x6558, teb(innerTcp))),
    outer4(40002, 6081, geneve(100, 0x0800, innerIcmp)),
    outer4(40003, 6081, geneve(11, 0x6558, teb(innerUdp6, 0x86dd), [0x01, 0x02, 0x80, 0x01, 0, 0, 0, 1])),
    outer6(geneve(0xb, 0x86dd, innerUdp6)),
    outer4(40004, 6081, geneve(12, 0x6558, teb(innerTcp), [], 1)),
    outer4(40005, 4789, cat([0x08, 0, 0, 0], u24(11), [0], teb(innerTcp))),
    outer4(6081, 40006, geneve(13, 0x6558, teb(innerTcp))),
  ];
}

/** Addresses the MAC spellings and short networks of the filters name. */
function addressFrames(): Uint8Array[] {
  const v4 = (src: string, dst: string) => ipv4({ proto: 17, src, dst }, udp(7, 9, [0]));
  return [
    eth(0x0800, v4('10.1.2.3', '192.0.2.9'), MAC_Y, MAC_X),
    eth(0x0800, v4('10.2.0.1', '172.16.0.1'), MAC_X, MAC_Y),
    eth(0x0800, v4('172.17.0.1', '1.0.0.1'), '00:11:22:33:44:56', MAC_Y),
    eth(0x0800, v4('0.0.0.10', '1.1.0.1'), MAC_Y, '0a:0b:0c:0d:0e:0f'),
    eth(0x0800, v4('172.16.9.9', '10.200.0.1'), MAC_Y, MAC_X),
    eth(0x0806, cat(u16(1), u16(0x0800), [6, 4], u16(1), mac(MAC_X), ip4('10.1.0.5'), zeros(6), ip4('10.1.0.1'))),
  ];
}

/** Linux cooked capture v1: packet type, ARPHRD, address length and address, protocol. */
function sll(pktType: number, protocol: number, payload: Bytes): Uint8Array {
  return cat(u16(pktType), u16(1), u16(6), mac(MAC_X), [0, 0], u16(protocol), payload);
}

/** Linux cooked capture v2: protocol, reserved, interface index, ARPHRD, packet type, address. */
function sll2(pktType: number, ifIndex: number, protocol: number, payload: Bytes): Uint8Array {
  return cat(u16(protocol), u16(0), u32(ifIndex), u16(1), [pktType, 6], mac(MAC_Y), [0, 0], payload);
}

function sllFrames(): Uint8Array[] {
  const v4 = ipv4({ proto: 17, src: '10.1.1.1', dst: '10.1.1.2' }, udp(123, 123, zeros(8)));
  return [
    ...[0, 1, 2, 3, 4].map((t) => sll(t, 0x0800, v4)),
    sll(0, 0x0004, llc(0x42, 0x42, 0x03, BPDU)),
    sll(4, 0x0004, llc(0xe0, 0xe0, 0x03)),
    sll(0, 0x0001, cat([0xff, 0xff], zeros(28))),
    sll(0, 0x0004, snap(0x080007, 0x809b)),
  ];
}

/** A VLAN tag left in a cooked capture: libpcap's vlan is not for Linux cooked captures. */
function sllVlanFrames(): Uint8Array[] {
  const v4 = ipv4({ proto: 17, src: '10.1.1.1', dst: '10.1.1.2' }, udp(123, 123, zeros(8)));
  return [sll(0, 0x8100, cat(tag(9, 0x0800), v4)), sll(4, 0x88a8, cat(tag(9, 0x0800), v4))];
}

/** Geneve carrying a tagged frame: tmesc looks through the tag inside too, tcpdump only when told. */
function geneveVlanFrames(): Uint8Array[] {
  const inner = ipv6({ next: 17, src: '2001:db8::a', dst: '2001:db8::b' }, udp(5353, 53, [1, 2]));
  const frame = eth(0x8100, cat(tag(42, 0x86dd), inner), MAC_Y, MAC_X);
  return [
    eth(
      0x0800,
      ipv4({ proto: 17, src: '198.51.100.1', dst: '198.51.100.2' }, udp(40001, 6081, geneve(5001, 0x6558, frame))),
    ),
  ];
}

function sll2Frames(): Uint8Array[] {
  const v6 = ipv6({ next: 58 }, icmp(128, 0, zeros(8)));
  const out: Uint8Array[] = [];
  for (const ifIndex of [1, 2, 3, 0x80000001]) for (const t of [0, 1, 2, 3, 4]) out.push(sll2(t, ifIndex, 0x86dd, v6));
  return out;
}

function capture(
  file: string,
  link: number,
  linkType: string,
  categories: string[],
  protocols: string,
  frames: Uint8Array[],
): GeneratedCapture {
  return { file, link, linkType, categories, protocols, frames, bytes: 0, packets: frames.length };
}

/** The captures, described; write them with writeCaptures. */
export function generatedCaptures(): GeneratedCapture[] {
  const ether = 'ether';
  return [
    capture('gen-llc.pcap', LINKTYPE.ETHERNET, ether, ['vlan'], 'eth:llc', llcFrames()),
    capture('gen-ethertypes.pcap', LINKTYPE.ETHERNET, ether, ['vlan', 'qinq', 'mpls'], 'eth', etherTypeFrames()),
    capture(
      'gen-pppoe-qinq.pcap',
      LINKTYPE.ETHERNET,
      ether,
      ['vlan', 'qinq', 'pppoe'],
      'eth:pppoes',
      qinqPppoeFrames(),
    ),
    capture(
      'gen-ip-protocols.pcap',
      LINKTYPE.ETHERNET,
      ether,
      ['ethernet-ipv4', 'ethernet-ipv6'],
      'eth:ip,eth:ipv6',
      ipProtocolFrames(),
    ),
    capture('gen-ipv6-chains.pcap', LINKTYPE.ETHERNET, ether, ['ethernet-ipv6'], 'eth:ipv6', ipv6ChainFrames()),
    capture('gen-geneve.pcap', LINKTYPE.ETHERNET, ether, ['geneve', 'vlan'], 'eth:ip:udp:geneve', geneveFrames()),
    capture('gen-addresses.pcap', LINKTYPE.ETHERNET, ether, ['ethernet-ipv4', 'arp'], 'eth:ip', addressFrames()),
    capture(
      'gen-geneve-vlan.pcap',
      LINKTYPE.ETHERNET,
      ether,
      ['geneve', 'vlan'],
      'eth:ip:udp:geneve',
      geneveVlanFrames(),
    ),
    capture('gen-sll-vlan.pcap', LINKTYPE.LINUX_SLL, 'linux-sll', ['linktype-sll'], 'sll:vlan', sllVlanFrames()),
    capture('gen-sll.pcap', LINKTYPE.LINUX_SLL, 'linux-sll', ['linktype-sll'], 'sll:ip:udp,sll:llc', sllFrames()),
    capture('gen-sll2.pcap', LINKTYPE.LINUX_SLL2, 'linux-sll2', ['linktype-sll'], 'sll', sll2Frames()),
  ];
}

/** Writes each capture into `dir`, timestamped apart from each other and from the corpus. */
export function writeCaptures(dir: string, captures = generatedCaptures()): GeneratedCapture[] {
  captures.forEach((c, i) => {
    const data = pcapFile(c.link, c.frames, 2_000_000_000 + i * 10_000);
    c.bytes = data.length;
    writeFileSync(join(dir, c.file), data);
  });
  return captures;
}
