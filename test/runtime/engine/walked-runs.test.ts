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
import { eth as ethFrame, ethTagged, ipv4, ipv6, payload, qinq, tcp, udp, vlan } from '../actions/frames.js';
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
rule all from t match any to rec
rule web from t match tcp port 80 to web
rule dns from t match udp port 53 to dns
rule vlans from t match any to vlans
rule labels from t match any to labels
rule cut14 from t match any to cut14`;

const FILES = ['rec', 'web', 'dns', 'vlans', 'labels', 'cut14'];

let runs = 0;

async function runBoth(input: string): Promise<{ gen: { stats: string; files: string[] }; dec: typeof gen }> {
  const a = artifactFor(dir, COMPARE);
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

describe("the compare policy's walked steps and edited runs against the full action chain", () => {
  it('generated (VLAN, QinQ, MPLS, tunnels, IPv6), fuzzed and random frames across read-ahead chunks: the same files and statistics', async () => {
    const frames = mixed(9000);
    const { gen, dec } = await runBoth(pcapFile(frames, 'mixed.pcap'));
    expect(gen.stats).toBe(dec.stats);
    FILES.forEach((name, i) => {
      expect(gen.files[i].length, name).toBeGreaterThan(48);
      expect(gen.files[i] === dec.files[i], `${name}.pcap: generated path = decoder path`).toBe(true);
    });
    // the walk did the steps of most packets, and runs went on across VLAN and untagged records
    const st = JSON.parse(gen.stats) as { groups: { actions: Record<string, Record<string, number>> }[] };
    expect(st.groups[0].actions.strip.stripped).toBeGreaterThan(100);
    expect(st.groups[3].actions.strip.stripped).toBeGreaterThan(100);
    expect(st.groups[3].actions.strip['nothing-to-strip']).toBeGreaterThan(100);
  });

  it('MPLS stacks (labels, IPv4 and IPv6 after them, VLAN tags in front, control words, pseudowires, other payloads, cut captures): the same files and statistics', async () => {
    const mpls = mplsFrames();
    // every MPLS frame a few times, among the generated ones, across read-ahead chunks
    const frames = mixed(6000, [...mpls, ...mpls, ...mpls, ...mpls, ...mpls, ...mpls]);
    const { gen, dec } = await runBoth(pcapFile(frames, 'mpls.pcap'));
    expect(gen.stats).toBe(dec.stats);
    FILES.forEach((name, i) => {
      expect(gen.files[i].length, name).toBeGreaterThan(48);
      expect(gen.files[i] === dec.files[i], `${name}.pcap: generated path = decoder path`).toBe(true);
    });
    const st = JSON.parse(gen.stats) as { groups: { actions: Record<string, Record<string, number>> }[] };
    expect(st.groups[4].actions.strip.stripped).toBeGreaterThan(100);
    expect(st.groups[4].actions.strip['not-ip-payload']).toBeGreaterThan(10);
  });
});
