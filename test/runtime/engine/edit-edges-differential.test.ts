/**
 * Edited records at the edges, generated path (chunk loop, walked steps,
 * edited runs) against the decoder path (the oracle): tunnels with options
 * (GRE key, sequence, checksum, routing; PPTP; ERSPAN; MPLS in GRE; VXLAN
 * with any flags; Geneve options and versions; GTP-U with sequence, N-PDU
 * and extension headers, other messages; IP in IP every way), tunnels behind
 * VLAN tags, QinQ and MPLS, carried packets whose lengths lie, carriers cut
 * by the capture or padded, IPv4 header lengths and options for timestamp,
 * IPv6, truncate at exact lengths, frames shorter than the mark needs; in
 * Ethernet, raw IP and Linux cooked captures (strip adds a dummy Ethernet
 * header), microsecond and nanosecond input, read buffers of 97 bytes, 1,517
 * bytes and 64 KiB; several groups each with different steps on the same
 * packet, pcapng and nanosecond outputs. Same output bytes and same counters.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { ETHERTYPE } from '../../../src/fields/ethertype.js';
import { LINKTYPE } from '../../../src/fields/fields.js';
import { IPPROTO } from '../../../src/fields/ip-proto.js';
import { eth, ethTagged, hex, ipv4, ipv6, mpls, payload, qinq, sll, tcp, udp, vlan, vxlan } from '../actions/frames.js';
import { artifactFor } from '../support/artifact.js';
import { requirements } from '../../support/tools.js';
import { badChecksums, CHECKSUMS_ON, STATUS, tsharkFields } from '../actions/support.js';
import { CORPUS_DIR, CORPUS_NOTE, corpusManifest } from '../../support/corpus.js';
import { singleThreadRun } from '../support/single-thread-run.js';

const dir = mkdtempSync(join(tmpdir(), 'tmesc-edit-edges-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Rec {
  data: Buffer;
  wireLen: number;
}

let files = 0;

/** A pcap file (microsecond or nanosecond) of `link` records, 1 ms apart. */
function pcapFile(recs: readonly Rec[], link: number, nano = false): string {
  const head = Buffer.alloc(24);
  head.writeUInt32LE(nano ? 0xa1b23c4d : 0xa1b2c3d4, 0);
  head.writeUInt16LE(2, 4);
  head.writeUInt16LE(4, 6);
  head.writeUInt32LE(262144, 16);
  head.writeUInt32LE(link, 20);
  const parts = [head];
  recs.forEach((r, i) => {
    const h = Buffer.alloc(16);
    h.writeUInt32LE(1_700_000_000 + Math.floor(i / 1000), 0);
    h.writeUInt32LE((i % 1000) * (nano ? 1_000_000 : 1000) + (nano ? 7 : 0), 4);
    h.writeUInt32LE(r.data.length, 8);
    h.writeUInt32LE(Math.max(r.wireLen, r.data.length), 12);
    parts.push(h, Buffer.from(r.data));
  });
  const p = join(dir, `in${files++}.pcap`);
  writeFileSync(p, Buffer.concat(parts));
  return p;
}

const u16 = (v: number) => Buffer.from([(v >>> 8) & 0xff, v & 0xff]);
const u32 = (v: number) => Buffer.from([v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff]);

const web = ipv4(IPPROTO.TCP, tcp(40000, 80, payload(60, 1)));
const web6 = ipv6(IPPROTO.TCP, tcp(40001, 80, payload(33, 2)));
const dns = ipv4(IPPROTO.UDP, udp(1000, 53, payload(12, 3)));
const bare = ipv4(IPPROTO.UDP, udp(1000, 53, Buffer.alloc(0)));
const innerEth = eth(ETHERTYPE.IPV4, web);
const innerEthTagged = ethTagged([vlan(5)], ETHERTYPE.IPV6, web6);

/** GRE with the flags (checksum, routing, key, sequence; version) and their fields, RFC 1701 order. */
function greWith(flags: number, proto: number, body: Buffer, routing?: Buffer): Buffer {
  const parts: Buffer[] = [u16(flags), u16(proto)];
  if (flags & 0xc000) parts.push(hex('00000000'));
  if (flags & 0x2000) parts.push(u32(0x11223344));
  if (flags & 0x1000) parts.push(u32(7));
  if (flags & 0x4000) parts.push(routing ?? hex('00000000'));
  return Buffer.concat([...parts, body]);
}

/** GTP-U: flags, message type, then the optional word and extension headers when any of E, S, PN is set. */
function gtp(flags: number, type: number, body: Buffer, ext: Buffer[] = []): Buffer {
  const opt =
    flags & 0x07 ? Buffer.concat([hex('000100'), Buffer.from([ext.length ? ext[0][0] : 0])]) : Buffer.alloc(0);
  // each extension: [its type for the chain, length in words, content..., next type]; the type byte itself is not sent
  const exts = ext.map((e, i) => {
    const b = Buffer.from(e.subarray(1));
    b[b.length - 1] = i + 1 < ext.length ? ext[i + 1][0] : 0;
    return b;
  });
  const rest = Buffer.concat([opt, ...exts, body]);
  return Buffer.concat([Buffer.from([flags, type]), u16(rest.length), u32(0xabcdef), rest]);
}

const geneve = (optWords: number, proto: number, body: Buffer, first = 0) =>
  Buffer.concat([
    Buffer.from([first | optWords, 0]),
    u16(proto),
    hex('00002a00'),
    Buffer.concat(
      Array.from({ length: optWords }, (_, i) => (i === 0 ? hex('0102 03' + '0' + (optWords - 1)) : hex('aabbccdd'))),
    ),
    body,
  ]);

/** The carriers a tunnel body goes in: IPv4 and IPv6, bare, behind a VLAN tag, QinQ and an MPLS label. */
function carried(proto: number, body: Buffer): Buffer[] {
  return [
    eth(ETHERTYPE.IPV4, ipv4(proto, body, { src: '0a630001', dst: '0a630002' })),
    eth(ETHERTYPE.IPV6, ipv6(proto, body)),
    ethTagged([vlan(7)], ETHERTYPE.IPV4, ipv4(proto, body)),
    ethTagged([qinq(8), vlan(9)], ETHERTYPE.IPV6, ipv6(proto, body)),
    eth(ETHERTYPE.MPLS, mpls([100], ipv4(proto, body))),
    eth(ETHERTYPE.IPV4, ipv4(proto, body, { options: hex('01010100') })),
    eth(
      ETHERTYPE.IPV6,
      ipv6(proto, body, hex('00000104 00000000'.replace('00000104', proto.toString(16).padStart(2, '0') + '000104'))),
    ),
  ];
}

/** Tunnelled frames with options and odd fields. */
function tunnelEdges(lies = true): Buffer[] {
  const out: Buffer[] = [];
  const inners: [number, Buffer][] = [
    [ETHERTYPE.IPV4, web],
    [ETHERTYPE.IPV6, web6],
    [ETHERTYPE.IPV4, dns],
    [ETHERTYPE.IPV4, bare],
    [0x6558, innerEth],
    [0x6558, innerEthTagged],
  ];
  // GRE: every flag combination of C, K, S (and R with a routing entry), versions 0..2
  for (const [type, body] of inners)
    for (const flags of [0x0000, 0x8000, 0x2000, 0x1000, 0xb000, 0x3000, 0x4000, 0x0001, 0x0002, 0x0ff8, 0x3001])
      out.push(...carried(IPPROTO.GRE, greWith(flags, type, body, hex('00020004 0a000001 00000000'))));
  // PPTP (version 1, key, sequence, ack) carrying PPP with IPv4
  for (const flags of [0x3081, 0x2001, 0x3001, 0x2081])
    out.push(
      ...carried(
        IPPROTO.GRE,
        Buffer.concat([
          u16(flags),
          u16(0x880b),
          u16(web.length + 4),
          u16(5),
          ...(flags & 0x1000 ? [u32(1)] : []),
          ...(flags & 0x80 ? [u32(2)] : []),
          hex('ff030021'),
          web,
        ]),
      ),
    );
  // ERSPAN II and III, MPLS in GRE, WCCP, an unknown protocol
  out.push(...carried(IPPROTO.GRE, greWith(0x1000, 0x88be, Buffer.concat([hex('10010000 00000000'), innerEth]))));
  out.push(
    ...carried(IPPROTO.GRE, greWith(0x0000, 0x22eb, Buffer.concat([hex('20010000 00000000 00000000'), innerEth]))),
  );
  out.push(...carried(IPPROTO.GRE, greWith(0x0000, ETHERTYPE.MPLS, mpls([16, 17], web))));
  out.push(...carried(IPPROTO.GRE, greWith(0x0000, 0x883e, Buffer.concat([hex('00000000'), web]))));
  out.push(...carried(IPPROTO.GRE, greWith(0x0000, 0x1234, web)));
  // VXLAN: flags 08, 00, ff, reserved bytes set; by source port only; an empty inner; inner tagged
  for (const f of ['08000000', '00000000', 'ff000000', '08ffffff'])
    for (const inner of [
      innerEth,
      innerEthTagged,
      eth(ETHERTYPE.ARP, hex('0001080006040001020000000001 0a000001 000000000000 0a000002'.replace(/ /g, ''))),
    ])
      out.push(...carried(IPPROTO.UDP, udp(50000, 4789, Buffer.concat([hex(f), hex('00002a00'), inner]))));
  out.push(...carried(IPPROTO.UDP, udp(4789, 50000, vxlan(9, innerEth))));
  out.push(...carried(IPPROTO.UDP, udp(50000, 4789, vxlan(9, Buffer.alloc(0)))));
  // Geneve: options 0..3 words, critical bit, versions 1..3, protocol TEB, IPv4, IPv6, other
  for (const words of [0, 1, 3, 63])
    for (const [type, body] of [
      [0x6558, innerEth],
      [ETHERTYPE.IPV4, web],
      [ETHERTYPE.IPV6, web6],
      [0x8847, web],
    ] as const)
      for (const first of [0x00, 0x40, 0x80])
        out.push(...carried(IPPROTO.UDP, udp(50000, 6081, geneve(words, type, body, first))));
  out.push(...carried(IPPROTO.UDP, udp(6081, 50000, geneve(1, 0x6558, innerEth, 0x00))));
  // GTP-U: S, PN, E with one and two extensions, a zero-length extension, echo, v0/v2 flags, non-IP inside
  const ext1 = hex('85 01 1000'); // PDU session container: type 0x85, 1 word
  const ext2 = hex('c0 02 000000 0000'); // type 0xc0, 2 words
  for (const flags of [0x30, 0x32, 0x31, 0x34, 0x36, 0x37, 0x20, 0x50, 0x48])
    for (const ext of flags & 0x04 ? [[ext1], [ext1, ext2], [hex('85 00 0000')]] : [[]])
      for (const body of [web, web6, dns, hex('aabbccdd')])
        out.push(...carried(IPPROTO.UDP, udp(2152, 2152, gtp(flags, 0xff, body, ext))));
  out.push(...carried(IPPROTO.UDP, udp(2152, 2152, gtp(0x32, 0x01, Buffer.alloc(0)))));
  out.push(...carried(IPPROTO.UDP, udp(40000, 2152, gtp(0x30, 0xff, web))));
  out.push(...carried(IPPROTO.UDP, udp(2152, 40000, gtp(0x30, 0xff, web))));
  // IP in IP every way, 6to4, nested, an inner that is no IP
  out.push(...carried(IPPROTO.IPIP, web), ...carried(IPPROTO.IPIP, web6), ...carried(IPPROTO.IPV6, web6));
  out.push(...carried(IPPROTO.IPV6, web), ...carried(IPPROTO.IPIP, hex('12345678')));
  const sixToFour = Buffer.from(web6);
  hex('2002c0a80001').copy(sixToFour, 8);
  out.push(...carried(IPPROTO.IPV6, sixToFour));
  out.push(...carried(IPPROTO.IPIP, ipv4(IPPROTO.GRE, greWith(0x2000, ETHERTYPE.IPV4, web))));
  if (!lies) return out;
  // carried packets whose lengths lie: longer and shorter than the carrier's, header lengths
  const longer = Buffer.from(web);
  longer.writeUInt16BE(web.length + 20, 2);
  const shorter = Buffer.from(web);
  shorter.writeUInt16BE(web.length - 20, 2);
  const ihl = Buffer.from(web);
  ihl[0] = 0x43;
  const ihlLong = Buffer.from(web);
  ihlLong[0] = 0x4f;
  const v6long = Buffer.from(web6);
  v6long.writeUInt16BE(web6.length, 4);
  const v6zero = Buffer.from(web6);
  v6zero.writeUInt16BE(0, 4);
  for (const lie of [longer, shorter, ihl, ihlLong, v6long, v6zero]) {
    out.push(...carried(IPPROTO.GRE, greWith(0, lie[0] >> 4 === 6 ? ETHERTYPE.IPV6 : ETHERTYPE.IPV4, lie)));
    out.push(...carried(IPPROTO.UDP, udp(2152, 2152, gtp(0x30, 0xff, lie))));
    out.push(
      ...carried(IPPROTO.UDP, udp(5, 4789, vxlan(1, eth(lie[0] >> 4 === 6 ? ETHERTYPE.IPV6 : ETHERTYPE.IPV4, lie)))),
    );
  }
  // carriers whose own lengths lie or leave bytes after them
  const base = [
    eth(ETHERTYPE.IPV4, ipv4(IPPROTO.GRE, greWith(0x2000, ETHERTYPE.IPV4, web))),
    eth(ETHERTYPE.IPV6, ipv6(IPPROTO.UDP, udp(1, 4789, vxlan(1, innerEth)))),
    eth(ETHERTYPE.IPV4, ipv4(IPPROTO.UDP, udp(2152, 2152, gtp(0x32, 0xff, dns)))),
    eth(ETHERTYPE.IPV4, ipv4(IPPROTO.IPIP, bare)),
  ];
  for (const f of base) {
    const ip = 14;
    const v4 = f[ip] >> 4 === 4;
    for (const delta of [-8, -1, 1, 8]) {
      const g = Buffer.from(f);
      if (v4) g.writeUInt16BE(g.readUInt16BE(ip + 2) + delta, ip + 2);
      else g.writeUInt16BE(g.readUInt16BE(ip + 4) + delta, ip + 4);
      out.push(g);
    }
    out.push(Buffer.concat([f, Buffer.alloc(6)]), Buffer.concat([f, hex('deadbeef')]));
  }
  return out;
}

/** IPv4 and IPv6 packets for timestamp and truncate payload: header lengths, options with and without room. */
function ipEdges(): Buffer[] {
  const out: Buffer[] = [];
  const body = tcp(40000, 80, payload(20, 5));
  for (const options of [
    '',
    '01010100',
    '44 0c 05 01 00000000 00000000',
    '44 0c 0d 01 0a000001 00000001',
    '44 24 05 01' + '00'.repeat(32),
    '44 24 25 01' + '00'.repeat(32),
    '01'.repeat(28),
    '01'.repeat(29) + '000000',
    '01'.repeat(32),
    '01'.repeat(36),
    '01'.repeat(40),
    '00'.repeat(40),
    '44 04 05 01',
    '07 27 04' + '00'.repeat(36) + '00',
    '94 04 0000',
  ]) {
    const o = hex(options.replace(/ /g, ''));
    if (o.length % 4 !== 0) continue;
    out.push(ipv4(IPPROTO.TCP, body, { options: o }));
    out.push(ipv4(IPPROTO.UDP, udp(1000, 53, payload(8, 9)), { options: o }));
    out.push(ipv4(IPPROTO.UDP, udp(1000, 53, Buffer.alloc(0)), { options: o }));
  }
  // TCP header lengths: no options, options, data offset past the capture
  for (const off of [5, 6, 15, 4]) {
    const t = tcp(1, 80, payload(30, 3));
    t[12] = off << 4;
    out.push(ipv4(IPPROTO.TCP, t));
  }
  // payload lengths around the cuts of truncate payload (0, 1, 10, 60)
  for (const n of [0, 1, 9, 10, 11, 59, 60, 61])
    out.push(ipv4(IPPROTO.UDP, udp(7, 53, payload(n, 4))), ipv4(IPPROTO.TCP, tcp(7, 80, payload(n, 4))));
  for (const n of [0, 10, 60])
    out.push(ipv6(IPPROTO.UDP, udp(7, 53, payload(n, 6))), ipv6(IPPROTO.TCP, tcp(7, 80, payload(n, 6))));
  out.push(ipv6(IPPROTO.TCP, tcp(1, 2, payload(10, 1)), hex('3a000104 00000000')));
  out.push(
    ipv4(IPPROTO.ICMP, payload(30, 1)),
    ipv4(IPPROTO.TCP, body, { flags: 0x2000 }),
    ipv4(IPPROTO.TCP, body, { flags: 0x0010 }),
  );
  return out;
}

/** Ethernet frames of the IP edges, bare, tagged, padded; short frames; the tunnel edges. */
function ethernetFrames(): Rec[] {
  const frames: Buffer[] = [];
  for (const ip of ipEdges()) {
    const type = ip[0] >> 4 === 6 ? ETHERTYPE.IPV6 : ETHERTYPE.IPV4;
    frames.push(eth(type, ip), ethTagged([vlan(3)], type, ip), Buffer.concat([eth(type, ip), Buffer.alloc(10)]));
    frames.push(eth(ETHERTYPE.MPLS, mpls([40, 41], ip)));
  }
  frames.push(...tunnelEdges());
  for (let n = 0; n <= 20; n++) frames.push(eth(ETHERTYPE.IPV4, web).subarray(0, n));
  frames.push(ethTagged([vlan(1)], ETHERTYPE.IPV4, Buffer.alloc(0)), eth(0x05dc, payload(40)));
  const recs: Rec[] = frames.map((data) => ({ data, wireLen: data.length }));
  // cut by the capture at a few places (the wire length whole)
  for (const f of frames.slice())
    for (const cut of [14, 18, 34, 38, 42, 54, 58, 62, 74, 78, 90])
      if (cut < f.length && ((f.length * 7 + cut) & 3) === 0)
        recs.push({ data: f.subarray(0, cut), wireLen: f.length });
  return recs;
}

/** Fuzzed copies: bytes changed in the first 100, some cut, some with a wire length past the capture. */
function fuzz(recs: readonly Rec[], n: number, seed: number): Rec[] {
  return fc
    .sample(
      fc.tuple(
        fc.nat(recs.length - 1),
        fc.array(fc.tuple(fc.nat(100), fc.nat(255)), { minLength: 1, maxLength: 3 }),
        fc.nat(120),
        fc.boolean(),
      ),
      { numRuns: n, seed },
    )
    .map(([i, edits, cut, fcs]) => {
      const data = Buffer.from(recs[i].data);
      for (const [at, b] of edits) if (at < data.length) data[at] = b;
      const d = cut === 0 || cut > data.length ? data : data.subarray(0, cut);
      return { data: d, wireLen: Math.max(recs[i].wireLen, data.length) + (fcs ? 4 : 0) };
    });
}

/** The IP packets behind other link types: raw IP, Linux cooked (v1). */
function otherLinkFrames(link: number): Rec[] {
  const ips = [...ipEdges(), web, web6, dns];
  const tunnels = tunnelEdges()
    .filter((f) => f.readUInt16BE(12) === ETHERTYPE.IPV4 || f.readUInt16BE(12) === ETHERTYPE.IPV6)
    .map((f) => f.subarray(14));
  const frames = [...ips, ...tunnels].map((ip) =>
    link === LINKTYPE.RAW ? ip : sll(ip[0] >> 4 === 6 ? ETHERTYPE.IPV6 : ETHERTYPE.IPV4, ip),
  );
  const recs = frames.map((data) => ({ data, wireLen: data.length }));
  for (const f of frames.slice(0, 200))
    for (const cut of [10, 20, 30, 44]) if (cut < f.length) recs.push({ data: f.subarray(0, cut), wireLen: f.length });
  return recs;
}

/** Repeats `recs` in a seeded shuffle to `total`, so equal records meet every chunk edge and neighbour. */
function shuffled(recs: readonly Rec[], total: number, seed: number): Rec[] {
  const out: Rec[] = [...recs];
  let s = seed;
  while (out.length < total) {
    s = (s * 1103515245 + 12345) >>> 0;
    out.push(recs[s % recs.length]);
  }
  return out;
}

const GROUPS = `group all { tool a1 { output pcap "a1.pcap" } tool a2 { output pcapng "a2.pcapng" } balance session; strip all }
group tun { tool t { output pcap "t.pcap" precision ns } strip tunnels; truncate frame 96 }
group gres { tool g { output pcapng "g.pcapng" } strip gre, vlan }
group vxs { tool v { output pcap "v.pcap" } strip vxlan, geneve }
group gtps { tool p { output pcap "p.pcap" } strip gtp, mpls; truncate payload 10 }
group ipips { tool i { output pcap "i.pcap" } strip ipip, 6in4 }
group cut0 { tool c0 { output pcap "c0.pcap" } truncate payload 0 }
group cut60 { tool c6 { output pcapng "c6.pcapng" } truncate payload 60 }
group frame14 { tool f { output pcap "f.pcap" } truncate frame 14 }
group stamp { tool s { output pcap "s.pcap" } timestamp ip-option }
group stamp6 { tool s6 { output pcapng "s6.pcapng" } timestamp ip-option ipv6 hop-by-hop other trailer }
group trailer { tool tr { output pcap "tr.pcap" precision ns } timestamp trailer }
group vlans { tool vl { output pcap "vl.pcap" } strip vlan; truncate frame 60; timestamp trailer }
group plain { tool pl { output pcap "pl.pcap" } }
rule r1 from t match any to all
rule r2 from t match any to tun
rule r3 from t match any to gres
rule r4 from t match udp to vxs
rule r5 from t match any to gtps
rule r6 from t match any to ipips
rule r7 from t match tcp or udp to cut0
rule r8 from t match any to cut60
rule r9 from t match any to frame14
rule r10 from t match ip to stamp
rule r11 from t match any to stamp6
rule r12 from t match any to trailer
rule r13 from t match any to vlans
rule r14 from t match tcp port 80 to plain`;

const POLICIES = {
  marked: `tap t { source pcap "x.pcap"; mark vlan 100; mark comment }\n${GROUPS}`,
  vlanMark: `tap t { source pcap "x.pcap"; mark vlan 4094 priority 7 }\n${GROUPS}`,
  unmarked: `tap t { source pcap "x.pcap" }\n${GROUPS}`,
};

/**
 * Groups whose steps the chunk loop does (one pcap tool each: the tap's
 * marks, strip, truncate frame; a tunnel strip peels goes per record and
 * joins the runs), rules sending each record to a different subset, so
 * that edited runs have gaps and the records of one group differ in edits.
 */
const LOOP_GROUPS = `group all { tool a { output pcap "a.pcap" } strip all; truncate frame 96 }
group vlans { tool v { output pcap "v.pcap" } strip vlan }
group labels { tool m { output pcap "m.pcap" } strip mpls; truncate frame 60 }
group cut14 { tool c { output pcap "c.pcap" } truncate frame 14 }
group cut18 { tool c18 { output pcap "c18.pcap" } truncate frame 18 }
group gres { tool g { output pcap "g.pcap" } strip gre, vlan }
group vxs { tool x { output pcap "vx.pcap" } strip vxlan, geneve; truncate frame 70 }
group gtps { tool p { output pcap "p.pcap" } strip gtp, ipip, 6in4 }
group plain { tool pl { output pcap "pl.pcap" } }
rule r1 from t match any to all
rule r2 from t match vlan or udp to vlans
rule r3 from t match mpls or tcp to labels
rule r4 from t match udp port 53 or icmp to cut14
rule r5 from t match ip6 to cut18
rule r6 from t match any to gres
rule r7 from t match udp to vxs
rule r8 from t match ip or ip6 to gtps
rule r9 from t match tcp port 80 to plain`;

const LOOP_POLICIES = {
  marked: `tap t { source pcap "x.pcap"; mark vlan 100 }\n${LOOP_GROUPS}`,
  twoTags: `tap t { source pcap "x.pcap"; mark vlan 4094 priority 7; mark vlan 7 }\n${LOOP_GROUPS}`,
  unmarked: `tap t { source pcap "x.pcap" }\n${LOOP_GROUPS}`,
};

/**
 * Groups that all peel every tunnel (the loop peels a record's tunnel only
 * where each of its groups' strip does), differing in outer VLAN tags
 * (`strip tunnels` keeps them: per record), the carried frame's own tags,
 * cuts and which records they get: a tunnelled record goes through the
 * loop's edited runs with a lead (VXLAN, GRE bridging) or a drop and the
 * carried packet's EtherType (GRE, GTP-U, IP in IP), among others' records.
 */
const TUNNEL_GROUPS = `group all { tool a { output pcap "a.pcap" } strip all; truncate frame 96 }
group tv { tool v { output pcap "v.pcap" } strip tunnels, vlan }
group tn { tool n { output pcap "n.pcap" } strip tunnels; truncate frame 60 }
group tm { tool m { output pcap "m.pcap" } strip tunnels, mpls, vlan; truncate frame 14 }
group plain { tool pl { output pcap "pl.pcap" } }
rule r1 from t match any to all
rule r2 from t match udp or ip6 to tv
rule r3 from t match ip to tn
rule r4 from t match tcp or not ip to tm
rule r5 from t match tcp port 80 to plain`;

const TUNNEL_POLICIES = {
  marked: `tap t { source pcap "x.pcap"; mark vlan 100 }\n${TUNNEL_GROUPS}`,
  twoTags: `tap t { source pcap "x.pcap"; mark vlan 4094 priority 7; mark vlan 7 }\n${TUNNEL_GROUPS}`,
  unmarked: `tap t { source pcap "x.pcap" }\n${TUNNEL_GROUPS}`,
};

/**
 * Whole tunnelled frames of every kind PeeledTunnel.ofWalk knows (GRE with
 * and without key, sequence and checksum carrying IPv4, IPv6 and Ethernet
 * with or without its own tag; VXLAN; Geneve with options; GTP-U with and
 * without its optional word and extensions; IP in IP, 6in4, IPv6 in IPv6)
 * over IPv4 and IPv6 carriers, bare (no outer tags).
 */
function peelableTunnels(): Buffer[] {
  const bodies: [number, Buffer][] = [
    [ETHERTYPE.IPV4, web],
    [ETHERTYPE.IPV6, web6],
    [ETHERTYPE.IPV4, dns],
    [0x6558, innerEth],
    [0x6558, innerEthTagged],
  ];
  const payloads: [number, Buffer][] = [];
  for (const [type, body] of bodies)
    for (const flags of [0x0000, 0x2000, 0xb000]) payloads.push([IPPROTO.GRE, greWith(flags, type, body)]);
  for (const inner of [innerEth, innerEthTagged]) payloads.push([IPPROTO.UDP, udp(50000, 4789, vxlan(9, inner))]);
  for (const words of [0, 2])
    for (const [type, body] of bodies) payloads.push([IPPROTO.UDP, udp(50000, 6081, geneve(words, type, body))]);
  for (const flags of [0x30, 0x32, 0x34])
    for (const body of [web, web6, dns])
      payloads.push([IPPROTO.UDP, udp(2152, 2152, gtp(flags, 0xff, body, flags & 0x04 ? [hex('85 01 1000 00')] : []))]);
  payloads.push([IPPROTO.IPIP, web], [IPPROTO.IPIP, dns], [IPPROTO.IPV6, web6]);
  const out: Buffer[] = [];
  for (const [proto, body] of payloads)
    out.push(eth(ETHERTYPE.IPV4, ipv4(proto, body)), eth(ETHERTYPE.IPV6, ipv6(proto, body)));
  return out;
}

const BUFFERS = [97, 1517, 65536];

/** pcap records' bytes, for naming the first records that differ. */
function records(b: Buffer): string[] {
  const out: string[] = [];
  if (b.readUInt32LE(0) === 0x0a0d0d0a) return out;
  for (let at = 24; at + 16 <= b.length;) {
    const n = b.readUInt32LE(at + 8);
    out.push(b.subarray(at + 16, at + 16 + n).toString('hex'));
    at += 16 + n;
  }
  return out;
}

/** Each policy's artifact, built once. */
const artifacts = new Map<string, ReturnType<typeof artifactFor>>();

/** Differences between the generated path (chunk loop on, read buffer `size`) and the decoder's. */
async function differences(policy: string, file: string, size: number, taken?: number[]): Promise<string[]> {
  const a = artifacts.get(policy) ?? artifactFor(dir, policy);
  artifacts.set(policy, a);
  const gen = await singleThreadRun(dir, a, [[file]], 'generated', true, size);
  const dec = await singleThreadRun(dir, a, [[file]], 'decoder', false, 1 << 18);
  taken?.push(gen.taken);
  const bad: string[] = [];
  if (gen.stats !== dec.stats) bad.push(`stats (buffer ${size}): ${gen.stats}\n  decoder: ${dec.stats}`);
  gen.outputs.forEach((o, i) => {
    if (o.equals(dec.outputs[i])) return;
    const x = records(o);
    const y = records(dec.outputs[i]);
    const k = x.findIndex((r, j) => r !== y[j]);
    bad.push(`output ${i} (buffer ${size}): record ${k}: generated ${x[k]} decoder ${y[k]}`);
  });
  return bad;
}

describe('edited records at the edges: the generated path = the decoder path', () => {
  const ether = ethernetFrames();
  const etherAll = [...ether, ...fuzz(ether, 1500, 912)];
  for (const [name, policy] of Object.entries(POLICIES))
    it(`Ethernet tunnels, options, lengths, cuts (${name}), read buffers ${BUFFERS.join(', ')}`, async () => {
      const file = pcapFile(shuffled(etherAll, etherAll.length + 1500, 17), LINKTYPE.ETHERNET, name === 'vlanMark');
      const bad: string[] = [];
      for (const size of BUFFERS) bad.push(...(await differences(policy, file, size)));
      expect(bad).toEqual([]);
    });

  for (const [name, policy] of Object.entries(LOOP_POLICIES))
    it(`Ethernet edges through the chunk loop's edited runs (${name}), read buffers ${BUFFERS.join(', ')}`, async () => {
      const recs = shuffled(etherAll, etherAll.length + 1500, 23);
      const file = pcapFile(recs, LINKTYPE.ETHERNET, name === 'twoTags');
      const bad: string[] = [];
      const taken: number[] = [];
      for (const size of BUFFERS) bad.push(...(await differences(policy, file, size, taken)));
      expect(bad).toEqual([]);
      // the loop took records (those without a tunnel candidate, whole; most of these frames are tunnels)
      expect(taken[2]).toBeGreaterThan(recs.length * 0.03);
    });

  for (const [name, policy] of Object.entries(TUNNEL_POLICIES))
    it(`Ethernet edges through the chunk loop's edited runs, tunnels peeled in the loop (${name}), read buffers ${BUFFERS.join(', ')}`, async () => {
      const recs = shuffled(etherAll, etherAll.length + 1500, 29);
      const file = pcapFile(recs, LINKTYPE.ETHERNET, name === 'twoTags');
      const bad: string[] = [];
      for (const size of BUFFERS) bad.push(...(await differences(policy, file, size)));
      expect(bad).toEqual([]);
    });

  it(`tunnels the walk peels stay in the chunk loop (with a lead or a drop), read buffers ${BUFFERS.join(', ')}`, async () => {
    const tunnels = peelableTunnels();
    // plain frames between them (other groups' records in the runs' gaps), tagged ones (strip tunnels keeps the tags)
    const frames = [
      ...tunnels,
      eth(ETHERTYPE.IPV4, web),
      eth(ETHERTYPE.IPV4, dns),
      ethTagged([vlan(3)], ETHERTYPE.IPV6, web6),
    ];
    const recs = shuffled(
      frames.map((data) => ({ data, wireLen: data.length })),
      3000,
      31,
    );
    const file = pcapFile(recs, LINKTYPE.ETHERNET);
    const policy = `tap t { source pcap "x.pcap"; mark vlan 100 }
group all { tool a { output pcap "a.pcap" } strip all; truncate frame 80 }
group tv { tool v { output pcap "v.pcap" } strip tunnels, vlan }
rule r1 from t match any to all
rule r2 from t match udp or ip6 to tv`;
    const bad: string[] = [];
    const taken: number[] = [];
    for (const size of BUFFERS) bad.push(...(await differences(policy, file, size, taken)));
    expect(bad).toEqual([]);
    // every record but the first of each output (it declares the link type, per record) and those a chunk edge
    // cuts (the per-record path reads them across the edge)
    expect(taken[2]).toBeGreaterThan(recs.length - 10);
    expect(taken[1]).toBeGreaterThan(recs.length * 0.8);
    // the strip counters: every tunnelled record stripped (the loop's count, not the per-record path's)
    const a = artifactFor(dir, policy);
    const gen = await singleThreadRun(dir, a, [[file]], 'generated', true, 65536);
    const st = JSON.parse(gen.stats) as { groups: { actions: Record<string, Record<string, number>> }[] };
    const tunnelled = recs.filter((r) => tunnels.includes(r.data)).length;
    expect(st.groups[0].actions.strip.stripped).toBe(tunnelled + recs.filter((r) => r.data[12] === 0x81).length);
  });

  for (const link of [LINKTYPE.RAW, LINKTYPE.LINUX_SLL])
    it(`link type ${link}: strip's dummy Ethernet header, timestamp, truncate`, async () => {
      const recs = otherLinkFrames(link);
      const file = pcapFile(shuffled([...recs, ...fuzz(recs, 400, link)], recs.length + 1000, link), link);
      const bad: string[] = [];
      for (const [name, policy] of Object.entries(POLICIES))
        for (const size of [97, 65536])
          bad.push(...(await differences(policy, file, size)).map((b) => `${name}: ${b}`));
      expect(bad).toEqual([]);
    });
});

describe(`edited records over the corpus: the generated path = the decoder path${CORPUS_NOTE}`, () => {
  const rows = corpusManifest().filter((r) => r.packets > 0);
  it.skipIf(rows.length === 0)('every capture, the marked policies above', async () => {
    const bad: string[] = [];
    for (const r of rows)
      for (const [name, policy] of [
        ['marked', POLICIES.marked],
        ['loop, two tags', LOOP_POLICIES.twoTags],
      ])
        for (const size of [65536])
          bad.push(
            ...(await differences(policy, join(CORPUS_DIR, r.file), size)).map((b) => `${r.file} ${name}: ${b}`),
          );
    expect(bad).toEqual([]);
  });
});

const tshark = requirements({ tools: ['tshark'] });

describe(`walked strip and timestamp outputs: checksums tshark validates${tshark.note}`, () => {
  it.skipIf(tshark.skip)('frames whose checksums are all good stay good, stripped, stamped and marked', async () => {
    // whole frames only (no cuts, no fuzz, no lying lengths): tunnels with options, IPv4 options, IPv6; those tshark
    // finds all good (it does not check some packets inside tunnels)
    const whole = [
      ...tunnelEdges(false),
      ...ipEdges().map((ip) => eth(ip[0] >> 4 === 6 ? ETHERTYPE.IPV6 : ETHERTYPE.IPV4, ip)),
    ];
    const all = pcapFile(
      whole.map((data) => ({ data, wireLen: data.length })),
      LINKTYPE.ETHERNET,
    );
    const rows = await tsharkFields(all, STATUS, CHECKSUMS_ON);
    const good = whole.filter((_, i) => !rows[i].some((x) => x.split(',').includes('0')));
    expect(good.length).toBeGreaterThan(whole.length / 2);
    const file = pcapFile(
      shuffled(
        good.map((data) => ({ data, wireLen: data.length })),
        good.length * 3,
        5,
      ),
      LINKTYPE.ETHERNET,
    );
    const policy = `tap t { source pcap "x.pcap"; mark vlan 100 }
group tuns { tool a { output pcap "a.pcap" } strip tunnels }
group everything { tool b { output pcap "b.pcap" } strip all; truncate frame 1500 }
group stamp { tool c { output pcap "c.pcap" } timestamp ip-option }
group stamp6 { tool d { output pcap "d.pcap" } timestamp ip-option ipv6 hop-by-hop }
rule r1 from t match any to tuns
rule r2 from t match any to everything
rule r3 from t match ip or ip6 to stamp
rule r4 from t match any to stamp6`;
    const a = artifactFor(dir, policy);
    const bad: string[] = [];
    // with the chunk loop and without it (the walked steps record by record)
    for (const loop of [true, false]) {
      const gen = await singleThreadRun(dir, a, [[file]], 'generated', loop, 65536);
      const st = JSON.parse(gen.stats) as { groups: { actions: Record<string, Record<string, number>> }[] };
      expect(st.groups[0].actions.strip.stripped).toBeGreaterThan(200);
      expect(st.groups[2].actions.timestamp['ip-option']).toBeGreaterThan(200);
      for (const [i, o] of gen.outputs.entries()) {
        const p = join(dir, `checked${i}.pcap`);
        writeFileSync(p, o);
        const n = await badChecksums(p);
        if (n > 0) bad.push(`output ${i}${loop ? ' (loop)' : ''}: ${n} packets with a bad checksum`);
      }
    }
    expect(bad).toEqual([]);
  });
});

/**
 * Defects this check found (issue 12), each the smallest capture and policy
 * that showed it; fixed, so they stay as cases.
 */
describe('edited records: defects found (generated path = decoder path since fixed)', () => {
  /** 50 copies of one Ethernet/IPv4/UDP frame (port 1000 to 53, 12 bytes of payload). */
  const udpFrames = (): Rec[] => {
    const f = eth(ETHERTYPE.IPV4, ipv4(IPPROTO.UDP, udp(1000, 53, payload(12, 1))));
    return Array.from({ length: 50 }, () => ({ data: f, wireLen: f.length }));
  };
  const one = (steps: string, tap = '') =>
    `tap t { source pcap "x.pcap"${tap} }\ngroup g { tool a { output pcap "a.pcap" } ${steps} }\nrule r from t match any to g`;

  // WalkedSteps.loopEdit() handed the chunk loop the group's marks, strip and truncate frame but not its timestamp or
  // truncate payload, so after the first record (per record) the loop copied such a group's records unstamped / uncut
  // and uncounted
  for (const steps of ['timestamp trailer', 'timestamp ip-option', 'truncate payload 0', 'truncate payload 4'])
    for (const tap of ['', '; mark vlan 100'])
      it(`a group with ${steps}${tap ? ' (tap marked)' : ''}: the chunk loop's records get the step too`, async () => {
        const file = pcapFile(udpFrames(), LINKTYPE.ETHERNET);
        expect(await differences(one(steps, tap), file, 65536)).toEqual([]);
      });

  // the decoder counted MPLS in GRE cut in its label stack ('truncated-mpls', marked by gre.ts on the outer view) as
  // the frame's own header malformed; the walk, which does not read tunnels, did not: the tap's `malformed` differed
  it("MPLS in GRE cut in its labels: the tap's malformed counter", async () => {
    const frame = eth(ETHERTYPE.IPV4, ipv4(IPPROTO.GRE, greWith(0, ETHERTYPE.MPLS, mpls([16, 17], web))));
    // cut right after the GRE header (38 bytes) and in the second label
    const recs = [38, 44].map((n) => ({ data: frame.subarray(0, n), wireLen: frame.length }));
    const a = artifactFor(dir, one(''));
    const f = pcapFile(recs, LINKTYPE.ETHERNET);
    const gen = await singleThreadRun(dir, a, [[f]], 'generated', true, 65536);
    const dec = await singleThreadRun(dir, a, [[f]], 'decoder', false, 65536);
    expect(gen.stats).toBe(dec.stats);
  });
});
