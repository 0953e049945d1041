/**
 * The actions bench's compare policy (bench/actions.ts: a recorder that
 * strips all and cuts every packet to 128 bytes, web and DNS groups, the
 * tap's VLAN mark on every replica) run as `tmesc run` runs it, on the
 * generated path (plain packets' steps done from the walk, engine/
 * walked-steps.ts, their records edited as output runs are copied:
 * ToolOutput.writeRecord, putEditedRecords, one run going on across
 * records that drop different VLAN tags) and on the decoder path (every
 * packet through the full action chain and the encoder): the same files
 * byte for byte and the same statistics, over generated traffic with every
 * encapsulation the generator makes (VLAN, QinQ, MPLS, GRE, VXLAN, GTP-U,
 * IPv6, ARP), fuzzed copies of it (short and malformed frames) and random
 * bytes, across read-ahead chunks.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { ETHERTYPE } from '../../../src/fields/ethertype.js';
import { LINKTYPE } from '../../../src/fields/fields.js';
import { IPPROTO } from '../../../src/fields/ip-proto.js';
import { runArtifact } from '../../../src/runtime/run/run.js';
import {
  eth as ethFrame,
  ethTagged,
  gre,
  ipv4,
  ipv6,
  payload,
  qinq,
  tcp,
  udp,
  vlan,
  vntag,
  vxlan,
} from '../actions/frames.js';
import { artifactFor } from '../support/artifact.js';
import { generatedFrames, type TestFrame } from '../walk/frames.js';

const dir = mkdtempSync(join(tmpdir(), 'tmesc-walked-runs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A classic little-endian microsecond pcap file of Ethernet frames, 1 ms apart. */
function pcapFile(frames: readonly TestFrame[], name: string): string {
  const parts: Buffer[] = [];
  const head = Buffer.alloc(24);
  head.writeUInt32LE(0xa1b2c3d4, 0);
  head.writeUInt16LE(2, 4);
  head.writeUInt16LE(4, 6);
  head.writeUInt32LE(262144, 16);
  head.writeUInt32LE(LINKTYPE.ETHERNET, 20);
  parts.push(head);
  frames.forEach((f, i) => {
    const h = Buffer.alloc(16);
    h.writeUInt32LE(1_700_000_000 + Math.floor(i / 1000), 0);
    h.writeUInt32LE((i % 1000) * 1000, 4);
    h.writeUInt32LE(f.data.length, 8);
    h.writeUInt32LE(Math.max(f.wireLen, f.data.length), 12);
    parts.push(h, Buffer.from(f.data));
  });
  const p = join(dir, name);
  writeFileSync(p, Buffer.concat(parts));
  return p;
}

const eth = generatedFrames(3000, 29).filter((f) => f.linkType === LINKTYPE.ETHERNET);
const fuzzed: TestFrame[] = fc
  .sample(
    fc.tuple(
      fc.nat(eth.length - 1),
      fc.array(fc.tuple(fc.nat(96), fc.nat(255)), { minLength: 1, maxLength: 6 }),
      fc.nat(200),
    ),
    { numRuns: 1500, seed: 2612 },
  )
  .map(([i, edits, cut], k) => {
    const data = eth[i].data.slice();
    for (const [at, b] of edits) if (at < data.length) data[at] = b;
    return {
      data: data.subarray(0, cut === 0 ? data.length : Math.min(data.length, cut)),
      linkType: LINKTYPE.ETHERNET,
      wireLen: eth[i].wireLen,
      what: `fuzzed ${k}`,
    };
  });
const random: TestFrame[] = fc
  .sample(fc.tuple(fc.uint8Array({ maxLength: 90 }), fc.nat(200)), { numRuns: 500, seed: 2613 })
  .map(([data, wireLen], k) => ({ data, linkType: LINKTYPE.ETHERNET, wireLen, what: `random ${k}` }));

/** An MPLS label stack entry: label, bottom-of-stack bit, TTL 64. */
const label = (value: number, bottom: boolean) =>
  Buffer.from([value >>> 12, (value >>> 4) & 0xff, ((value & 0xf) << 4) | (bottom ? 1 : 0), 64]);
const stack = (n: number) => Buffer.concat(Array.from({ length: n }, (_, i) => label(16 + i * 1000, i === n - 1)));

/**
 * MPLS frames strip may take its stack off from the walk, and those it
 * may not: 1 to 3 labels and more than the 15 any decoder reads, IPv4 and
 * IPv6 after them, behind VLAN tags or QinQ, multicast MPLS, Ethernet
 * padding, a pseudowire's control word and an Ethernet pseudowire without
 * one (its MAC read as a version nibble, as strip reads it), other bytes,
 * cut in the labels, right after them and in the IP header.
 */
function mplsFrames(): TestFrame[] {
  const web = ipv4(IPPROTO.TCP, tcp(40000, 80, payload(60, 1)));
  const dns6 = ipv6(IPPROTO.UDP, udp(5353, 53, payload(30, 2)));
  const small = ipv4(IPPROTO.UDP, udp(1000, 53, payload(2, 3)));
  const inner = ethFrame(ETHERTYPE.IPV4, ipv4(IPPROTO.UDP, udp(1, 2, payload(20, 4))));
  const out: Buffer[] = [];
  for (const n of [1, 2, 3, 16])
    for (const body of [web, dns6, small]) {
      out.push(ethFrame(ETHERTYPE.MPLS, Buffer.concat([stack(n), body])));
      out.push(ethTagged([vlan(7)], ETHERTYPE.MPLS, Buffer.concat([stack(n), body])));
      out.push(ethTagged([qinq(8), vlan(9)], ETHERTYPE.MPLS, Buffer.concat([stack(n), body])));
      out.push(ethFrame(ETHERTYPE.MPLS_MULTICAST, Buffer.concat([stack(n), body])));
    }
  // padded to Ethernet's minimum: the padding stays after the IP packet
  out.push(Buffer.concat([ethFrame(ETHERTYPE.MPLS, Buffer.concat([stack(1), small])), Buffer.alloc(12)]));
  // control word, Ethernet pseudowires with and without one, a byte no version
  out.push(ethFrame(ETHERTYPE.MPLS, Buffer.concat([stack(2), Buffer.alloc(4), inner])));
  out.push(ethFrame(ETHERTYPE.MPLS, Buffer.concat([stack(1), inner])));
  out.push(ethFrame(ETHERTYPE.MPLS, Buffer.concat([stack(1), Buffer.from([0x45]), inner])));
  out.push(ethFrame(ETHERTYPE.MPLS, Buffer.concat([stack(1), Buffer.from([0x60, 0, 0, 0]), inner])));
  out.push(ethFrame(ETHERTYPE.MPLS, Buffer.concat([stack(1), Buffer.from([0x12, 0x34]), web])));
  const frames: TestFrame[] = out.map((data, k) => ({
    data,
    linkType: LINKTYPE.ETHERNET,
    wireLen: data.length,
    what: `mpls ${k}`,
  }));
  // cut by the capture: in the labels, right after them, in the IP header, in the transport header
  for (const f of frames.slice(0, 24))
    for (const cut of [16, 18, 22, 30, 40, 50])
      frames.push({ ...f, data: f.data.subarray(0, Math.min(cut, f.data.length)), what: `${f.what} cut ${cut}` });
  return frames;
}

/** A GTP-U header (version 1, protocol type GTP, no options; G-PDU) and its payload, in UDP to port 2152. */
const gtpu = (teid: number, body: Buffer) => {
  const h = Buffer.alloc(8);
  h[0] = 0x30;
  h[1] = 0xff;
  h.writeUInt16BE(body.length, 2);
  h.writeUInt32BE(teid, 4);
  return udp(2152, 2152, Buffer.concat([h, body]));
};

/**
 * Tunnelled frames strip may peel from the walk (one GRE, GTP-U, IP in IP
 * or 6in4 tunnel carrying an IP packet, VXLAN or GRE bridging carrying an
 * Ethernet frame, tagged or not, behind VLAN tags or QinQ, in IPv4 and IPv6
 * carriers) and those it may not (other tags, MPLS, 802.3 inside), nested tunnels (GRE in GRE, IP in IP in GTP-U,
 * GRE in VXLAN), fragments of the carrier and of the carried packet,
 * Ethernet padding and a trailer after the carrier's IP packet, a carried
 * packet that is no IP version, a carried IP length past the carrier's;
 * cut by the capture in every header.
 */
function tunnelFrames(): TestFrame[] {
  const web = ipv4(IPPROTO.TCP, tcp(40000, 80, payload(60, 1)));
  const dns6 = ipv6(IPPROTO.UDP, udp(5353, 53, payload(30, 2)));
  const small = ipv4(IPPROTO.UDP, udp(1000, 53, payload(2, 3)));
  const innerEth = ethFrame(ETHERTYPE.IPV4, web);
  const carriers = (body: Buffer, proto: number): Buffer[] => [
    ethFrame(ETHERTYPE.IPV4, ipv4(proto, body, { src: '0a630001', dst: '0a630002' })),
    ethFrame(ETHERTYPE.IPV6, ipv6(proto, body)),
    ethTagged([vlan(7)], ETHERTYPE.IPV4, ipv4(proto, body)),
    ethTagged([qinq(8), vlan(9)], ETHERTYPE.IPV6, ipv6(proto, body)),
  ];
  const out: Buffer[] = [];
  for (const inner of [web, dns6, small]) {
    const type = inner === dns6 ? ETHERTYPE.IPV6 : ETHERTYPE.IPV4;
    out.push(...carriers(gre(type, inner), IPPROTO.GRE));
    out.push(...carriers(gtpu(0x1234, inner), IPPROTO.UDP));
    out.push(...carriers(inner, inner === dns6 ? IPPROTO.IPV6 : IPPROTO.IPIP));
  }
  // Ethernet inside: VXLAN, GRE bridging (Transparent Ethernet Bridging, 0x6558); with VLAN tags, QinQ, a VN-Tag,
  // ARP, IPv6, MPLS, a length field (802.3) inside
  const innerFrames = [
    innerEth,
    ethTagged([vlan(5)], ETHERTYPE.IPV4, web),
    ethTagged([qinq(6), vlan(7)], ETHERTYPE.IPV6, dns6),
    ethTagged([vntag()], ETHERTYPE.IPV4, web),
    ethFrame(ETHERTYPE.ARP, Buffer.from('0001080006040001020000000000000a000001000000000000000a000002', 'hex')),
    ethFrame(ETHERTYPE.MPLS, Buffer.concat([stack(1), web])),
    ethFrame(60, payload(60, 5)),
  ];
  for (const f of innerFrames) {
    out.push(...carriers(udp(50000, 4789, vxlan(42, f)), IPPROTO.UDP));
    out.push(...carriers(gre(0x6558, f), IPPROTO.GRE));
  }
  // nested: GRE in GRE, IP in IP in GTP-U, GRE in VXLAN
  out.push(...carriers(gre(ETHERTYPE.IPV4, ipv4(IPPROTO.GRE, gre(ETHERTYPE.IPV4, web))), IPPROTO.GRE));
  out.push(...carriers(gtpu(7, ipv4(IPPROTO.IPIP, web)), IPPROTO.UDP));
  out.push(
    ...carriers(udp(50000, 4789, vxlan(9, ethFrame(ETHERTYPE.IPV4, ipv4(IPPROTO.GRE, gre(0x0800, web))))), IPPROTO.UDP),
  );
  // fragments: the carrier (more fragments; an offset), the carried packet
  out.push(ethFrame(ETHERTYPE.IPV4, ipv4(IPPROTO.GRE, gre(ETHERTYPE.IPV4, web), { flags: 0x2000 })));
  out.push(ethFrame(ETHERTYPE.IPV4, ipv4(IPPROTO.GRE, gre(ETHERTYPE.IPV4, web), { flags: 0x0010 })));
  out.push(ethFrame(ETHERTYPE.IPV4, ipv4(IPPROTO.GRE, gre(ETHERTYPE.IPV4, ipv4(IPPROTO.TCP, web, { flags: 0x2000 })))));
  // padding to Ethernet's minimum and a 4-byte trailer after the carrier's IP packet: strip ends the packet before them
  out.push(
    Buffer.concat([
      ethFrame(ETHERTYPE.IPV4, ipv4(IPPROTO.IPIP, ipv4(IPPROTO.UDP, udp(1, 2, Buffer.alloc(0))))),
      Buffer.alloc(6),
    ]),
  );
  out.push(
    Buffer.concat([ethFrame(ETHERTYPE.IPV4, ipv4(IPPROTO.GRE, gre(ETHERTYPE.IPV4, small))), Buffer.from([1, 2, 3, 4])]),
  );
  // a carried packet that is no IP version; one whose IP length is past the carrier's
  out.push(
    ethFrame(ETHERTYPE.IPV4, ipv4(IPPROTO.GRE, gre(ETHERTYPE.IPV4, Buffer.concat([Buffer.from([0x12, 0x34]), web])))),
  );
  const long = Buffer.from(web);
  long.writeUInt16BE(web.length + 40, 2);
  out.push(ethFrame(ETHERTYPE.IPV4, ipv4(IPPROTO.GRE, gre(ETHERTYPE.IPV4, long))));
  const frames: TestFrame[] = out.map((data, k) => ({
    data,
    linkType: LINKTYPE.ETHERNET,
    wireLen: data.length,
    what: `tunnel ${k}`,
  }));
  // cut by the capture (the wire length whole): in the carrier, in the tunnel header, in the carried packet's headers
  for (const f of frames.slice(0, 36 + 8))
    for (const cut of [20, 36, 40, 46, 58, 70, 90, 100])
      if (cut < f.data.length) frames.push({ ...f, data: f.data.subarray(0, cut), what: `${f.what} cut ${cut}` });
  return frames;
}

/** Generated, fuzzed and random frames shuffled together (seeded), repeated past a few read-ahead chunks. */
function mixed(total: number, extra: readonly TestFrame[] = []): TestFrame[] {
  const pool = [...eth, ...fuzzed, ...random, ...extra];
  const out: TestFrame[] = [];
  let s = 99;
  while (out.length < total) {
    s = (s * 1103515245 + 12345) >>> 0;
    out.push(pool[s % pool.length]);
  }
  return out;
}

const COMPARE = `tap t { source pcap "x.pcap"; mark vlan 100 }
group rec { tool rec { output pcap "rec.pcap" } strip all; truncate frame 128 }
group web { tool web { output pcap "web.pcap" } }
group dns { tool dns { output pcap "dns.pcap" } }
group vlans { tool v { output pcap "vlans.pcap" } strip vlan }
group labels { tool m { output pcap "labels.pcap" } strip mpls }
group cut14 { tool c { output pcap "cut14.pcap" } strip all; truncate frame 14 }
group gres { tool g { output pcap "gre.pcap" } strip gre, vlan }
group tuns { tool n { output pcap "tunnels.pcap" } strip tunnels }
rule all from t match any to rec
rule web from t match tcp port 80 to web
rule dns from t match udp port 53 to dns
rule vlans from t match any to vlans
rule labels from t match any to labels
rule cut14 from t match any to cut14
rule gres from t match any to gres
rule tuns from t match any to tuns`;

const FILES = ['rec', 'web', 'dns', 'vlans', 'labels', 'cut14', 'gre', 'tunnels'];

let runs = 0;

/** Unmarked: plain runs of records copied as they are, which a stripped record must not join. */
const UNMARKED = `tap t { source pcap "x.pcap" }
group rec { tool rec { output pcap "rec.pcap" } strip all }
group web { tool web { output pcap "web.pcap" } }
group dns { tool dns { output pcap "dns.pcap" } strip tunnels }
group vlans { tool v { output pcap "vlans.pcap" } strip vlan }
group labels { tool m { output pcap "labels.pcap" } strip vxlan, gre }
group cut14 { tool c { output pcap "cut14.pcap" } truncate frame 40 }
group gres { tool g { output pcap "gre.pcap" } strip gre, vlan }
group tuns { tool n { output pcap "tunnels.pcap" } strip tunnels; truncate frame 100 }
rule all from t match any to rec
rule web from t match tcp port 80 to web
rule dns from t match any to dns
rule vlans from t match any to vlans
rule labels from t match any to labels
rule cut14 from t match any to cut14
rule gres from t match any to gres
rule tuns from t match any to tuns`;

async function runBoth(
  input: string,
  policy = COMPARE,
): Promise<{ gen: { stats: string; files: string[] }; dec: typeof gen }> {
  const a = artifactFor(dir, policy);
  const res: { stats: string; files: string[] }[] = [];
  for (const packetPath of ['generated', 'decoder'] as const) {
    const out = join(dir, `run-${packetPath}-${runs++}`);
    const st = await runArtifact(a, { inputs: new Map([['t', [input]]]), outDir: out, workers: 0, packetPath });
    const { seconds: _s, ...rest } = st;
    res.push({
      stats: JSON.stringify(rest).replaceAll(out, 'OUT'),
      files: FILES.map((f) => readFileSync(join(out, `${f}.pcap`)).toString('hex')),
    });
  }
  const gen = res[0];
  return { gen, dec: res[1] };
}

type WalkedStats = { groups: { actions: Record<string, Record<string, number>> }[] };

/** Runs both paths; expects the same statistics and files, none empty; returns the statistics. */
async function sameOnBoth(input: string, policy = COMPARE): Promise<WalkedStats> {
  const { gen, dec } = await runBoth(input, policy);
  expect(gen.stats).toBe(dec.stats);
  FILES.forEach((name, i) => {
    expect(gen.files[i].length, name).toBeGreaterThan(48);
    expect(gen.files[i] === dec.files[i], `${name}.pcap: generated path = decoder path`).toBe(true);
  });
  return JSON.parse(gen.stats) as WalkedStats;
}

describe("the compare policy's walked steps and edited runs against the full action chain", () => {
  it('generated (VLAN, QinQ, MPLS, tunnels, IPv6), fuzzed and random frames across read-ahead chunks: the same files and statistics', async () => {
    const frames = mixed(9000);
    const st = await sameOnBoth(pcapFile(frames, 'mixed.pcap'));
    // the walk did the steps of most packets, and runs went on across VLAN and untagged records
    expect(st.groups[0].actions.strip.stripped).toBeGreaterThan(100);
    expect(st.groups[3].actions.strip.stripped).toBeGreaterThan(100);
    expect(st.groups[3].actions.strip['nothing-to-strip']).toBeGreaterThan(100);
  });

  it('MPLS stacks (labels, IPv4 and IPv6 after them, VLAN tags in front, control words, pseudowires, other payloads, cut captures): the same files and statistics', async () => {
    const mpls = mplsFrames();
    // every MPLS frame a few times, among the generated ones, across read-ahead chunks
    const frames = mixed(6000, [...mpls, ...mpls, ...mpls, ...mpls, ...mpls, ...mpls]);
    const st = await sameOnBoth(pcapFile(frames, 'mpls.pcap'));
    expect(st.groups[4].actions.strip.stripped).toBeGreaterThan(100);
    expect(st.groups[4].actions.strip['not-ip-payload']).toBeGreaterThan(10);
  });

  it('tunnels (GRE, GTP-U, IP in IP, 6in4; VXLAN, GRE bridging, nested, fragments, padding, trailers, cut captures): the same files and statistics', async () => {
    const tunnels = tunnelFrames();
    // every tunnelled frame at least once, in order, then again among the generated ones, across read-ahead chunks
    const frames = [...tunnels, ...mixed(6000, [...tunnels, ...tunnels, ...tunnels, ...tunnels, ...tunnels])];
    const st = await sameOnBoth(pcapFile(frames, 'tunnels.pcap'));
    for (const g of [0, 6, 7]) expect(st.groups[g].actions.strip.stripped, `group ${g}`).toBeGreaterThan(300);
    expect(st.groups[6].actions.strip['nothing-to-strip']).toBeGreaterThan(100);
    expect(st.groups[7].actions.strip.fragmented).toBeGreaterThan(5);
  });

  it('tunnels, unmarked (plain runs beside stripped records): the same files and statistics', async () => {
    const tunnels = tunnelFrames();
    const frames = [...tunnels, ...mixed(4000, [...tunnels, ...tunnels, ...tunnels])];
    const st = await sameOnBoth(pcapFile(frames, 'tunnels-unmarked.pcap'), UNMARKED);
    for (const g of [0, 2, 4, 6, 7]) expect(st.groups[g].actions.strip.stripped, `group ${g}`).toBeGreaterThan(300);
    expect(st.groups[6].actions.strip['nothing-to-strip']).toBeGreaterThan(100);
    expect(st.groups[7].actions.strip.fragmented).toBeGreaterThan(5);
  });
});

/** The same groups writing pcapng, and nanosecond pcap (a layout other than the input's: records not copied as they lie). */
const OTHER_FORMATS = `tap t { source pcap "x.pcap"; mark vlan 100 }
group rec { tool rec { output pcapng "rec.pcap" } strip all; truncate frame 128 }
group web { tool web { output pcap "web.pcap" precision ns } strip tunnels }
group dns { tool dns { output pcapng "dns.pcap" } strip tunnels }
group vlans { tool v { output pcap "vlans.pcap" } strip vxlan, gre, vlan; truncate frame 60 }
group labels { tool m { output pcapng "labels.pcap" } strip vxlan, gre }
group cut14 { tool c { output pcap "cut14.pcap" precision ns } strip tunnels; truncate frame 40 }
group gres { tool g { output pcapng "gre.pcap" } strip gre, vlan; truncate frame 70 }
group tuns { tool n { output pcap "tunnels.pcap" } strip tunnels }
rule all from t match any to rec
rule web from t match any to web
rule dns from t match any to dns
rule vlans from t match any to vlans
rule labels from t match any to labels
rule cut14 from t match any to cut14
rule gres from t match any to gres
rule tuns from t match any to tuns`;

describe('walked tunnel strip: wire lengths other than the captured bytes, other output formats', () => {
  it('frames captured without their FCS (wire 4 bytes longer), into pcapng and nanosecond pcap: the same files and statistics', async () => {
    const tunnels = tunnelFrames().map((f) => ({ ...f, wireLen: Math.max(f.wireLen, f.data.length) + 4 }));
    const frames = [...tunnels, ...mixed(3000, [...tunnels, ...tunnels])];
    for (const policy of [COMPARE, OTHER_FORMATS]) {
      const st = await sameOnBoth(pcapFile(frames, 'tunnels-fcs.pcap'), policy);
      expect(st.groups[7].actions.strip.stripped).toBeGreaterThan(300);
    }
  });
});

/** Carriers and tunnels with variable headers and lengths that disagree: what strip's own checks decide. */
function oddTunnelFrames(): TestFrame[] {
  const web = ipv4(IPPROTO.TCP, tcp(40000, 80, payload(60, 1)));
  const small = ipv4(IPPROTO.UDP, udp(1000, 53, payload(2, 3)));
  const hopByHop = Buffer.from([IPPROTO.GRE, 0, 1, 4, 0, 0, 0, 0]);
  const greKey = (proto: number, body: Buffer) =>
    Buffer.concat([Buffer.from([0x20, 0, proto >> 8, proto & 0xff, 0, 0, 0, 9]), body]);
  const greSumSeq = (proto: number, body: Buffer) =>
    Buffer.concat([Buffer.from([0x90, 0, proto >> 8, proto & 0xff, 0, 0, 0, 0, 0, 0, 0, 1]), body]);
  const gtpExt = (body: Buffer) => {
    // flags: version 1, PT, E (an extension header: PDU session container)
    const h = Buffer.from([0x34, 0xff, 0, 0, 0, 0, 0, 7, 0, 0, 0, 0x85, 1, 0x10, 0x09, 0]);
    h.writeUInt16BE(body.length + 8, 2);
    return Buffer.concat([h, body]);
  };
  const withUdpLen = (u: Buffer, len: number) => {
    const c = Buffer.from(u);
    c.writeUInt16BE(len, 4);
    return c;
  };
  const vx = udp(50000, 4789, vxlan(3, ethFrame(ETHERTYPE.IPV4, small)));
  // an inner Ethernet frame padded to the minimum after its IP packet
  const padded = udp(50000, 4789, vxlan(4, Buffer.concat([ethFrame(ETHERTYPE.IPV4, small), Buffer.alloc(8)])));
  // bytes after the carried IP packet, inside the tunnel
  const trailing = gre(ETHERTYPE.IPV4, Buffer.concat([small, Buffer.from([9, 9, 9])]));
  const out: Buffer[] = [
    ethFrame(ETHERTYPE.IPV4, ipv4(IPPROTO.GRE, gre(ETHERTYPE.IPV4, web), { options: Buffer.from([1, 1, 1, 0]) })),
    ethFrame(ETHERTYPE.IPV6, ipv6(0, gre(ETHERTYPE.IPV4, web), hopByHop)),
    ethFrame(ETHERTYPE.IPV4, ipv4(IPPROTO.GRE, greKey(ETHERTYPE.IPV4, web))),
    ethFrame(ETHERTYPE.IPV4, ipv4(IPPROTO.GRE, greSumSeq(ETHERTYPE.IPV4, web))),
    ethFrame(ETHERTYPE.IPV4, ipv4(IPPROTO.GRE, greKey(0x6558, ethFrame(ETHERTYPE.IPV4, web)))),
    ethFrame(ETHERTYPE.IPV4, ipv4(IPPROTO.UDP, udp(2152, 2152, gtpExt(web)))),
    ethFrame(ETHERTYPE.IPV4, ipv4(IPPROTO.UDP, withUdpLen(vx, 0))),
    ethFrame(ETHERTYPE.IPV4, ipv4(IPPROTO.UDP, withUdpLen(vx, vx.length - 4))),
    ethFrame(ETHERTYPE.IPV4, ipv4(IPPROTO.UDP, withUdpLen(vx, vx.length + 4))),
    ethFrame(ETHERTYPE.IPV4, ipv4(IPPROTO.UDP, padded)),
    ethFrame(ETHERTYPE.IPV6, ipv6(IPPROTO.UDP, padded)),
    ethFrame(ETHERTYPE.IPV4, ipv4(IPPROTO.GRE, trailing)),
    ethFrame(ETHERTYPE.IPV6, ipv6(IPPROTO.GRE, trailing)),
  ];
  const frames: TestFrame[] = out.map((data, k) => ({
    data,
    linkType: LINKTYPE.ETHERNET,
    wireLen: data.length,
    what: `odd ${k}`,
  }));
  for (const f of frames.slice())
    for (const cut of [40, 60, 80]) if (cut < f.data.length) frames.push({ ...f, data: f.data.subarray(0, cut) });
  return frames;
}

describe('walked tunnel strip: carrier options, extension headers, tunnel options, lengths that disagree', () => {
  it('the same files and statistics on both paths', async () => {
    const odd = oddTunnelFrames();
    const frames = [...odd, ...mixed(2000, [...odd, ...odd, ...odd])];
    for (const policy of [COMPARE, UNMARKED]) {
      await sameOnBoth(pcapFile(frames, 'tunnels-odd.pcap'), policy);
    }
  });
});

/**
 * Shaped groups (shape last, after strip, truncate and the tap's marks):
 * a packet that leaves on arrival with nothing waiting is written from the
 * walk (ShapeStep.passes), any other goes through the chain's shape, which
 * holds, delays or drops it; both share the group's bucket. Rates from far
 * above the traffic's to far below it, so that runs of passed packets and
 * waiting ones alternate; two comment marks on the tap (mark adds one each
 * before shape), pcapng outputs that keep them.
 */
const SHAPED = `tap t { source pcap "x.pcap"; mark vlan 100; mark comment; mark comment }
group rec { tool rec { output pcapng "rec.pcap"; rate 300 kbps } strip all; truncate frame 128; shape burst 4 KB }
group web { tool web { output pcap "web.pcap"; rate 400 kbps } shape burst 4 KB }
group dns { tool dns { output pcap "dns.pcap"; rate 16 kbps } strip all; shape burst 2 KB }
group vlans { tool v { output pcapng "vlans.pcap"; rate 400 kbps } strip vlan; truncate frame 60; shape burst 8 KB }
group labels { tool m { output pcap "labels.pcap"; rate 2 Mbps } strip mpls; shape burst 3 KB }
group cut14 { tool c { output pcap "cut14.pcap" precision ns; rate 250 kbps } strip tunnels; truncate frame 40; shape burst 2 KB }
group gres { tool g { output pcap "gre.pcap"; rate 1 Gbps } strip gre, vlan; shape burst 256 KB }
group tuns { tool n { output pcap "tunnels.pcap" } strip tunnels }
rule all from t match any to rec
rule web from t match tcp port 80 to web
rule dns from t match udp port 53 to dns
rule vlans from t match any to vlans
rule labels from t match any to labels
rule cut14 from t match any to cut14
rule gres from t match any to gres
rule tuns from t match any to tuns`;

describe('walked shape: packets that leave on arrival from the walk, the others through the chain', () => {
  it('the same files and statistics on both paths, with packets passed, delayed and dropped in the same groups', async () => {
    const tunnels = tunnelFrames();
    const frames = [...tunnels, ...mixed(6000, [...tunnels, ...mplsFrames()])];
    const st = (await sameOnBoth(pcapFile(frames, 'shaped.pcap'), SHAPED)) as WalkedStats & {
      groups: { dropped: Record<string, number> }[];
    };
    const shape = (g: number) => st.groups[g].actions.shape;
    for (const g of [0, 1, 2, 3, 4, 5]) {
      expect(shape(g).passed, `group ${g} passed`).toBeGreaterThan(20);
      expect(shape(g).delayed, `group ${g} delayed`).toBeGreaterThan(20);
    }
    expect(st.groups[5].dropped.shaping).toBeGreaterThan(10);
    // a bucket far above its traffic: every packet passes
    expect(shape(6).passed).toBe(frames.length);
  });
});

/**
 * Frames for the walked timestamp: IPv4 options of every kind (none, a
 * Timestamp option with room, full, prespecified, flag 0; options filling
 * the header; malformed options), padding after the packet, IPv6 (one with
 * a payload length of 0), behind 13 to 15 VLAN tags (the mark's tag then
 * makes 15 or more), in PPPoE, ARP; whole and cut by the capture.
 */
function stampFrames(): TestFrame[] {
  const body = tcp(40000, 80, payload(30, 5));
  const opt = (hexes: string) => Buffer.from(hexes.replace(/\s/g, ''), 'hex');
  const v4 = [
    ipv4(IPPROTO.TCP, body),
    ipv4(IPPROTO.UDP, udp(1000, 53, payload(12, 6)), { options: opt('44 0c 05 01 00000000 00000000') }),
    ipv4(IPPROTO.UDP, udp(1000, 53, payload(12, 6)), { options: opt('44 0c 0d 01 0a000001 00000001') }),
    ipv4(IPPROTO.UDP, udp(1000, 53, payload(12, 6)), { options: opt('44 0c 05 03 0a000001 00000000') }),
    ipv4(IPPROTO.UDP, udp(1000, 53, payload(12, 6)), { options: opt('44 08 05 00 00000000') }),
    ipv4(IPPROTO.TCP, body, { options: opt('01 01 01 00') }),
    ipv4(IPPROTO.TCP, body, { options: Buffer.alloc(36, 1) }),
    ipv4(IPPROTO.TCP, body, { options: opt('07 09 00 00') }),
    ipv4(IPPROTO.ICMP, payload(8, 7), { flags: 0x2000 }),
  ];
  const zeroLength = Buffer.from(ipv4(IPPROTO.TCP, body));
  zeroLength.writeUInt16BE(0, 2);
  v4.push(zeroLength);
  const v6 = [
    ipv6(IPPROTO.UDP, udp(5353, 53, payload(30, 2))),
    ipv6(IPPROTO.TCP, body, Buffer.from('3a00010400000000', 'hex')),
  ];
  const jumbo = Buffer.from(ipv6(IPPROTO.UDP, udp(5353, 53, payload(10, 2))));
  jumbo.writeUInt16BE(0, 4);
  v6.push(jumbo);
  const tags = (n: number) => Array.from({ length: n }, (_, i) => vlan(10 + i));
  const frames: Buffer[] = [];
  for (const ip of v4) {
    frames.push(ethFrame(ETHERTYPE.IPV4, ip), ethTagged([vlan(7)], ETHERTYPE.IPV4, ip));
    frames.push(Buffer.concat([ethFrame(ETHERTYPE.IPV4, ip), Buffer.alloc(9, 0xee)]));
  }
  for (const ip of v6) frames.push(ethFrame(ETHERTYPE.IPV6, ip), ethTagged([qinq(3), vlan(4)], ETHERTYPE.IPV6, ip));
  for (const n of [13, 14, 15]) frames.push(ethTagged(tags(n), ETHERTYPE.IPV4, v4[0]));
  const ppp = Buffer.concat([Buffer.from('0021', 'hex'), v4[0]]);
  frames.push(ethFrame(0x8864, Buffer.concat([Buffer.from('11000001', 'hex'), Buffer.from([0, ppp.length]), ppp])));
  frames.push(
    ethFrame(
      ETHERTYPE.ARP,
      Buffer.from('0001080006040001020000000001 0a000001 000000000000 0a000002'.replace(/ /g, ''), 'hex'),
    ),
  );
  const out: TestFrame[] = [];
  frames.forEach((f, k) => {
    out.push({ data: f, linkType: LINKTYPE.ETHERNET, wireLen: f.length, what: `stamp ${k}` });
    // cut by the capture inside and after the IP header
    for (const cut of [20, 30, 40, f.length - 4])
      if (cut < f.length)
        out.push({
          data: f.subarray(0, cut),
          linkType: LINKTYPE.ETHERNET,
          wireLen: f.length,
          what: `stamp ${k} cut ${cut}`,
        });
  });
  return out;
}

const STAMPED = `tap t { source pcap "x.pcap"; mark vlan 100; mark comment; mark comment }
group rec { tool rec { output pcapng "rec.pcap" } timestamp ip-option }
group web { tool web { output pcap "web.pcap" } timestamp trailer }
group dns { tool dns { output pcap "dns.pcap" precision ns } timestamp ip-option ipv6 trailer other trailer }
group vlans { tool v { output pcapng "vlans.pcap" } timestamp ip-option ipv6 hop-by-hop }
group labels { tool m { output pcap "labels.pcap" } timestamp ip-option ipv6 skip other skip }
group cut14 { tool c { output pcap "cut14.pcap" } truncate frame 40; timestamp trailer }
group gres { tool g { output pcap "gre.pcap" } strip gre; timestamp ip-option }
group tuns { tool n { output pcap "tunnels.pcap" } timestamp trailer }
rule all from t match any to rec
rule web from t match any to web
rule dns from t match any to dns
rule vlans from t match any to vlans
rule labels from t match any to labels
rule cut14 from t match any to cut14
rule gres from t match any to gres
rule tuns from t match udp to tuns`;

describe('walked timestamp: the stamp from the walk, the tags as the output writes', () => {
  const frames = () => {
    const stamps = stampFrames();
    return [...stamps, ...mixed(5000, [...stamps, ...stamps, ...stamps, ...tunnelFrames(), ...mplsFrames()])];
  };
  for (const [what, policy] of [
    ['marked (a VLAN tag and two comments)', STAMPED],
    ['a VLAN mark only', STAMPED.replace('; mark comment; mark comment', '')],
    ['unmarked', STAMPED.replace('; mark vlan 100; mark comment; mark comment', '')],
  ] as const)
    it(`${what}: the same files and statistics on both paths`, async () => {
      const st = await sameOnBoth(pcapFile(frames(), `stamped-${what.length}.pcap`), policy);
      const ts = (g: number) => st.groups[g].actions.timestamp;
      expect(ts(0)['ip-option']).toBeGreaterThan(1000);
      expect(ts(0)['ip-option-filled']).toBeGreaterThan(10);
      expect(ts(0)['ip-option-overflow']).toBeGreaterThan(10);
      expect(ts(0)['no-room']).toBeGreaterThan(10);
      expect(ts(1).trailer).toBeGreaterThan(1000);
      expect(ts(1)['trailer-after-cut']).toBeGreaterThan(100);
      expect(ts(4).skipped).toBeGreaterThan(100);
    });
});

const CUT_PAYLOADS = `tap t { source pcap "x.pcap"; mark vlan 100; mark comment }
group rec { tool rec { output pcap "rec.pcap" } truncate payload 0 }
group web { tool web { output pcapng "web.pcap" } truncate payload 10 }
group dns { tool dns { output pcap "dns.pcap" } truncate payload 4 }
group vlans { tool v { output pcap "vlans.pcap"; rate 2 Mbps } truncate payload 0; shape burst 8 KB }
group labels { tool m { output pcap "labels.pcap" } strip mpls; truncate payload 0 }
group cut14 { tool c { output pcap "cut14.pcap" precision ns } truncate payload 100 }
group gres { tool g { output pcap "gre.pcap" } truncate payload 0 }
group tuns { tool n { output pcap "tunnels.pcap" } truncate payload 2 }
rule all from t match any to rec
rule web from t match tcp to web
rule dns from t match udp to dns
rule vlans from t match any to vlans
rule labels from t match any to labels
rule cut14 from t match any to cut14
rule gres from t match vlan to gres
rule tuns from t match any to tuns`;

describe('walked truncate payload: the cut after the walk’s TCP or UDP header', () => {
  for (const [what, policy] of [
    ['marked', CUT_PAYLOADS],
    ['unmarked', CUT_PAYLOADS.replace('; mark vlan 100; mark comment', '')],
  ] as const)
    it(`${what}: the same files and statistics on both paths`, async () => {
      const tunnels = tunnelFrames();
      const frames = [...tunnels, ...mixed(6000, [...tunnels, ...mplsFrames(), ...stampFrames()])];
      const st = await sameOnBoth(pcapFile(frames, `cut-payloads-${what}.pcap`), policy);
      const tr = (g: number) => st.groups[g].actions.truncate;
      expect(tr(0).cut).toBeGreaterThan(3000);
      expect(tr(0)['short-enough']).toBeGreaterThan(10);
      expect(tr(0)['no-payload']).toBeGreaterThan(10);
      expect(tr(5)['short-enough']).toBeGreaterThan(1000);
    });
});
