/**
 * The generated packet path's chunk loop (codegen/chunk-loop.ts,
 * runtime/engine/chunk-loop.ts): pcap files read as `tmesc run` reads them,
 * once with the loop walking each read chunk, once record by record on the
 * generated path, once on the decoder path. Every output file is the same
 * byte for byte, and the statistics are the same, over generated, fuzzed and
 * random frames on every link type, every corpus capture, small read buffers
 * (a chunk edge every few records), records the loop leaves to the
 * per-record path (normalised fractions, balanced groups, pcapng outputs,
 * refused link types, rules counted in tables, marked taps, big-endian and
 * nanosecond files), two taps merged in time order, and under auto. Each
 * case also checks that the loop took most of the packets it could.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { Artifact } from '../../../src/artifact/types.js';
import { generatePacketPath } from '../../../src/codegen/classifier.js';
import type { PacketPathChoice } from '../../../src/runtime/engine/packet-path-choice.js';
import { runArtifact } from '../../../src/runtime/run/run.js';
import { Walk } from '../../../src/runtime/walk/walk.js';
import { CORPUS_DIR, CORPUS_NOTE, HAVE_CORPUS, corpusManifest } from '../../support/corpus.js';
import { FILTERS } from '../classify/filters.js';
import { loadCapture } from '../decode/corpus.js';
import { artifactFor } from '../support/artifact.js';
import { type SingleThreadRun, singleThreadRun } from '../support/single-thread-run.js';
import { generatedFrames, otherLinkFrames, type TestFrame } from '../walk/frames.js';

const dir = mkdtempSync(join(tmpdir(), 'tmesc-chunk-loop-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface FileOpts {
  nanosecond?: boolean;
  bigEndian?: boolean;
  /** Every n-th record gets a fraction of a whole second or more (normalised by the reader). */
  overflowEvery?: number;
  /** Records 1 ms apart in blocks of `block`, a block's time left free after each (another tap's records fill it); `shift` ms later. */
  block?: number;
  shift?: number;
  /** The file header's snapshot length (default 262144). */
  snapLen?: number;
}

let files = 0;

/** A pcap file of `frames` (one link type, the first frame's), written by hand so that its records are exactly as asked. */
function pcapFile(frames: readonly TestFrame[], linkType: number, o: FileOpts = {}): string {
  const le = !o.bigEndian;
  const head = Buffer.alloc(24);
  const magic = o.nanosecond ? 0xa1b23c4d : 0xa1b2c3d4;
  if (le) head.writeUInt32LE(magic, 0);
  else head.writeUInt32BE(magic, 0);
  const u16 = (v: number, at: number, b: Buffer) => (le ? b.writeUInt16LE(v, at) : b.writeUInt16BE(v, at));
  const u32 = (v: number, at: number, b: Buffer) => (le ? b.writeUInt32LE(v, at) : b.writeUInt32BE(v, at));
  u16(2, 4, head);
  u16(4, 6, head);
  u32(o.snapLen ?? 262144, 16, head);
  u32(linkType, 20, head);
  const parts = [head];
  frames.forEach((f, i) => {
    const h = Buffer.alloc(16);
    const b = o.block ?? 0;
    const ms = (b === 0 ? i : Math.floor(i / b) * 2 * b + (i % b)) + (o.shift ?? 0);
    const sec = 1_700_000_000 + Math.floor(ms / 1000);
    let frac = (ms % 1000) * (o.nanosecond ? 1_000_000 : 1000);
    if (o.overflowEvery && i % o.overflowEvery === o.overflowEvery - 1) frac += o.nanosecond ? 1e9 : 1e6;
    u32(sec, 0, h);
    u32(frac, 4, h);
    u32(f.data.length, 8, h);
    u32(Math.max(f.wireLen, f.data.length), 12, h);
    parts.push(h, Buffer.from(f.data));
  });
  const p = join(dir, `in${files++}.pcap`);
  writeFileSync(p, Buffer.concat(parts));
  return p;
}

/** One file per link type (a pcap file holds one), in the order the link types first appear. */
function filesOf(frames: readonly TestFrame[], o: FileOpts = {}): string[] {
  const by = new Map<number, TestFrame[]>();
  for (const f of frames) {
    const l = by.get(f.linkType) ?? [];
    l.push(f);
    by.set(f.linkType, l);
  }
  return [...by].map(([lt, fs]) => pcapFile(fs, lt, o));
}

let runs = 0;

interface RunResult extends Omit<SingleThreadRun, 'outputs'> {
  /** Each output file as hex. */
  outputs: string[];
}

/** The run's single-thread assembly (runtime/run/run.ts), with a read buffer of `bufferSize` and the loop or not. */
async function runFiles(
  a: Artifact,
  tapFiles: string[][],
  path: PacketPathChoice,
  loop: boolean,
  bufferSize: number,
  adaptWindow?: number,
): Promise<RunResult> {
  const r = await singleThreadRun(dir, a, tapFiles, path, loop, bufferSize, adaptWindow);
  return { ...r, outputs: r.outputs.map((o) => o.toString('hex')) };
}

/** The differences between the loop's run and the decoder's and the per-record generated one's; and what the loop took. */
async function compare(
  a: Artifact,
  tapFiles: string[][],
  bufferSize = 4096,
  path: PacketPathChoice = 'generated',
  adaptWindow?: number,
): Promise<{ bad: string[]; taken: number; packets: number; switches: number }> {
  const withLoop = await runFiles(a, tapFiles, path, true, bufferSize, adaptWindow);
  const bad: string[] = [];
  for (const [name, other] of [
    ['decoder', await runFiles(a, tapFiles, 'decoder', false, bufferSize)],
    ['per-record', await runFiles(a, tapFiles, path, false, 1 << 18, adaptWindow)],
  ] as const) {
    expect(other.taken).toBe(0);
    if (withLoop.stats !== other.stats) bad.push(`stats vs ${name}: ${withLoop.stats}\n  vs ${other.stats}`);
    withLoop.outputs.forEach((o, i) => {
      if (o !== other.outputs[i]) {
        const at = [...o].findIndex((c, k) => c !== other.outputs[i][k]);
        bad.push(
          `output ${i} vs ${name}: ${o.length / 2} bytes vs ${other.outputs[i].length / 2}, first difference at byte ${at / 2}`,
        );
      }
    });
  }
  const packets = (JSON.parse(withLoop.stats) as { packetsRead: number }).packetsRead;
  return { bad, taken: withLoop.taken, packets, switches: withLoop.switches };
}

const TAP = 'tap t { source pcap "x.pcap" }';
const TWO_TAPS = 'tap t { source pcap "x.pcap" }\ntap u { source pcap "y.pcap" }';
const MARKED = 'tap t { source pcap "x.pcap" }\ntap u { source pcap "y.pcap"; mark vlan 7 }';
const GROUPS = [
  'group g0 {\n  tool a0 { output pcap "a0.pcap" }\n}',
  'group g1 {\n  tool a1 { output pcap "a1.pcap" }\n}',
  'group g2 {\n  tool a2 { output pcap "a2.pcap"; rate 1 Gbps }\n  tool b2 { output pcap "b2.pcap"; rate 2 Gbps }\n  balance session symmetric\n}',
  'group g3 {\n  tool a3 { output pcapng "a3.pcapng" }\n}',
];

function policy(taps: string, filters: readonly number[], groups = GROUPS.length): string {
  const lines = [taps, ...GROUPS.slice(0, groups)];
  filters.forEach((f, i) => lines.push(`rule r${i} from any match ${FILTERS[f]} to g${i % groups}`));
  return lines.join('\n');
}

const generated = generatedFrames(1200, 23);
const other = otherLinkFrames(generated.slice(0, 200));
const fuzzed: TestFrame[] = fc
  .sample(
    fc.tuple(
      fc.nat(generated.length - 1),
      fc.array(fc.tuple(fc.nat(96), fc.nat(255)), { minLength: 1, maxLength: 6 }),
      fc.nat(200),
    ),
    { numRuns: 2000, seed: 1415 },
  )
  .map(([i, edits, cut], k) => {
    const f = generated[i];
    const data = f.data.slice();
    for (const [at, b] of edits) if (at < data.length) data[at] = b;
    return {
      data: data.subarray(0, Math.min(data.length, cut === 0 ? data.length : cut)),
      linkType: f.linkType,
      wireLen: f.wireLen,
      what: `fuzzed ${k}`,
    };
  });
const random: TestFrame[] = fc
  .sample(fc.tuple(fc.uint8Array({ maxLength: 90 }), fc.nat(200)), { numRuns: 800, seed: 78 })
  .map(([data, wireLen], k) => ({ data, linkType: 1, wireLen, what: `random ${k}` }));

/**
 * Ethernet frames at each of the fast walk's tests (spine.ts fastEthernetWalk), each once on the side it takes
 * and once on the side it leaves: tags (none, one, two, cut), IPv4 (options, a bad header length or version,
 * fragments first and later, total lengths of 0, short, past the wire, short of the capture), IPv6 (payload
 * lengths of 0, past the wire, short; each extension header), TCP (data offsets below 5, past the segment; cut),
 * UDP (lengths of 0, below 8; cut), ICMP and ICMPv6 (whole and short), GRE (with nothing after the IP header
 * too), SCTP, ARP and RARP (Ethernet/IPv4 and others, address lengths that run past the frame); each cut at a
 * few lengths; wire lengths longer than captured.
 */
function fastWalkEdges(): TestFrame[] {
  const out: TestFrame[] = [];
  const be16 = (b: number[], at: number, v: number) => {
    b[at] = v >> 8;
    b[at + 1] = v & 0xff;
  };
  const l4 = (proto: number, o: { off?: number; ulen?: number; port?: number }): number[] => {
    const h = new Array<number>(proto === 6 ? 20 : 8).fill(0);
    be16(h, 0, 40000);
    be16(h, 2, o.port ?? (proto === 6 ? 80 : 53));
    if (proto === 6) h[12] = (o.off ?? 5) << 4;
    else be16(h, 4, o.ulen ?? 8 + 12);
    return [...h, ...new Array<number>(12).fill(0x61)];
  };
  const ip4 = (payload: number[], proto: number, o: { ihl?: number; ver?: number; ff?: number; tl?: number }) => {
    const ihl = o.ihl ?? 5;
    const h = new Array<number>(Math.max(20, ihl * 4)).fill(0);
    h[0] = ((o.ver ?? 4) << 4) | ihl;
    be16(h, 2, o.tl ?? h.length + payload.length);
    be16(h, 6, o.ff ?? 0);
    h[8] = 64;
    h[9] = proto;
    h.splice(12, 8, 10, 0, 0, 1, 10, 0, 0, 2);
    return [...h, ...payload];
  };
  const ip6 = (payload: number[], next: number, o: { pl?: number }) => {
    const h = new Array<number>(40).fill(0);
    h[0] = 0x60;
    be16(h, 4, o.pl ?? payload.length);
    h[6] = next;
    h[7] = 64;
    return [...h, ...payload];
  };
  const eth = (type: number, body: number[], tags: number[] = []) => {
    const h = [2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2];
    for (const t of tags) h.push(t >> 8, t & 0xff, 0x20, 100);
    h.push(type >> 8, type & 0xff);
    return [...h, ...body];
  };
  const push = (what: string, b: number[], wireExtra = 0) => {
    for (const cut of [b.length, b.length - 1, 14, 13, 30, 34, 38, 54, 58]) {
      if (cut > b.length || cut < 0) continue;
      out.push({
        data: Uint8Array.from(b.slice(0, cut)),
        linkType: 1,
        wireLen: b.length + wireExtra,
        what: `${what} cut ${cut}`,
      });
    }
  };
  const tcp = l4(6, {});
  const udp = l4(17, {});
  for (const tags of [[], [0x8100], [0x88a8], [0x9100], [0x88a8, 0x8100]]) {
    const w = `tags ${tags.length}`;
    push(`${w} ipv4 tcp`, eth(0x0800, ip4(tcp, 6, {}), tags));
    push(`${w} ipv4 udp`, eth(0x0800, ip4(udp, 17, {}), tags), 30);
    push(`${w} ipv6 tcp`, eth(0x86dd, ip6(tcp, 6, {}), tags));
    push(`${w} ipv6 udp`, eth(0x86dd, ip6(udp, 17, {}), tags), 4);
  }
  for (const [what, o] of [
    ['options', { ihl: 7 }],
    ['ihl 4', { ihl: 4 }],
    ['version 6', { ver: 6 }],
    ['first fragment', { ff: 0x2000 }],
    ['later fragment', { ff: 0x0010 }],
    ['later last fragment', { ff: 0x0001 }],
    ['total length 0', { tl: 0 }],
    ['total length 10', { tl: 10 }],
    ['total length 24', { tl: 24 }],
    ['total length past the wire', { tl: 300 }],
  ] as const) {
    push(`ipv4 ${what} tcp`, eth(0x0800, ip4(tcp, 6, o)));
    push(`ipv4 ${what} udp`, eth(0x0800, ip4(udp, 17, o)), 8);
  }
  push('ipv4 trailer', [...eth(0x0800, ip4(tcp, 6, {})), 0, 0, 0, 0]);
  for (const [what, o] of [
    ['payload length 0', { pl: 0 }],
    ['payload length 4', { pl: 4 }],
    ['payload length past the wire', { pl: 500 }],
  ] as const) {
    push(`ipv6 ${what} tcp`, eth(0x86dd, ip6(tcp, 6, o)));
    push(`ipv6 ${what} udp`, eth(0x86dd, ip6(udp, 17, o)));
  }
  push('ipv6 hop-by-hop', eth(0x86dd, ip6([6, 0, 0, 0, 0, 0, 0, 0, ...tcp], 0, {})));
  for (const off of [0, 4, 5, 6, 8, 15]) push(`tcp offset ${off}`, eth(0x0800, ip4(l4(6, { off }), 6, {})));
  for (const ulen of [0, 4, 7, 8, 9, 200]) push(`udp length ${ulen}`, eth(0x0800, ip4(l4(17, { ulen }), 17, {})));
  push('tunnel port', eth(0x0800, ip4(l4(17, { port: 4789 }), 17, {})));
  for (const icmp of [
    [8, 0, 0, 0, 0, 1, 0, 1],
    [3, 3, 0, 0, 0, 0, 0, 0, 0x45, 0],
    [8, 0, 0, 0],
  ]) {
    push(`icmp ${icmp.length}`, eth(0x0800, ip4(icmp, 1, {})));
    push(`icmp6 ${icmp.length}`, eth(0x86dd, ip6(icmp, 58, {})), 2);
  }
  // protocols the walk does not look into (GRE, with and without bytes after the IP header), and SCTP
  push('gre', eth(0x0800, ip4([0, 0, 0x08, 0x00, ...ip4(tcp, 6, {})], 47, {})));
  push('gre ipv6', eth(0x86dd, ip6([0, 0, 0x08, 0x00, ...ip4(udp, 17, {})], 47, {})));
  push('gre nothing after', eth(0x0800, ip4([], 47, {})));
  push('sctp', eth(0x0800, ip4(new Array<number>(16).fill(1), 132, {})));
  for (const next of [0, 43, 60, 135, 51, 44, 59])
    push(`ipv6 next header ${next}`, eth(0x86dd, ip6([6, 0, 0, 0, 0, 0, 0, 0, ...tcp], next, {})));
  const arp = (hrd: number, pro: number, hl: number, pl: number) => {
    const b = [0, hrd, pro >> 8, pro & 0xff, hl, pl, 0, 1];
    for (let i = 0; i < 2 * (hl + pl); i++) b.push(i === hl ? 10 : i + 1);
    return b;
  };
  for (const [type, a] of [
    [0x0806, arp(1, 0x0800, 6, 4)],
    [0x8035, arp(1, 0x0800, 6, 4)],
    [0x0806, arp(6, 0x0800, 6, 4)],
    [0x0806, arp(1, 0x86dd, 6, 16)],
    [0x0806, arp(1, 0x0800, 6, 5)],
  ] as const) {
    push(`arp ${type} ${a.length}`, eth(type, a));
    push(`arp ${type} ${a.length} tagged`, eth(type, a, [0x8100]));
  }
  return out;
}

/** Plain filters (the loop takes their packets) and a few that read tunnels or payloads (the view, for some). */
const PLAIN = [0, 1, 3, 11, 16, 20, 27];
const VIEWING = [0, 32, 41];
/** Filters that read only the walk's state: the loop runs the graph over the walk's locals (spine.ts localGraph). */
const LOCAL = [0, 1, 2, 3, 4, 6, 8, 9, 11, 12, 13, 14, 15, 16, 18, 19, 20, 29, 30, 56];

describe('the chunk loop delivers what the per-record paths deliver', () => {
  it('generated, other link types, fuzzed and random frames; small read buffers; every group kind', async () => {
    const frames = [...generated, ...other, ...fuzzed, ...random];
    const tapFiles = [filesOf(frames, { overflowEvery: 97 })];
    for (const filters of [PLAIN, VIEWING]) {
      const r = await compare(artifactFor(dir, policy(TAP, filters)), tapFiles);
      expect(r.bad).toEqual([]);
      // the loop took most packets: the rest went to the balanced group or pcapng, or were normalised, refused or cut by an edge
      expect(r.taken).toBeGreaterThan(r.packets * 0.3);
    }
  });

  it("a graph that reads only the walked state runs over the walk's locals (lgraph), balanced groups too", async () => {
    const frames = [...generated, ...other, ...fuzzed, ...random];
    const tapFiles = [filesOf(frames, { overflowEvery: 97 })];
    for (const [filters, groups] of [
      [LOCAL, 2],
      [LOCAL.slice(0, 9), 3],
      [[12, 19, 6], 1],
    ] as const) {
      const a = artifactFor(dir, policy(TAP, filters, groups));
      const g = a.graph;
      // the loop's graph takes the walk's locals as arguments (several of them, so an argument out of place shows)
      const js = generatePacketPath(
        g,
        undefined,
        (g.counting ?? []).map((t) => t.root),
      ).js;
      expect(js).toMatch(/function lgraph\(d, \w+, \w+/);
      // the local graph's functions read nothing of W but the link type and tap (the loop stores no walked state there)
      const local = js.split('\n').filter((l) => /^function l(n\d+|graph)\(/.test(l));
      expect(local.length).toBeGreaterThan(1);
      expect(local.join('\n')).not.toMatch(/\bW\.(?!tap\b|lt\b)/);
      const r = await compare(a, tapFiles);
      expect(r.bad).toEqual([]);
      expect(r.taken).toBeGreaterThan(r.packets * 0.3);
    }
  });

  it('policies of many port rules: leaf tables beside the local graph, no generated name declared twice', async () => {
    // a wide port node gets its leaves in an array `l<id>`, the local graph's functions were `l<id>` too (and the
    // walk's locals l2..l4): from 8 such rules on, the loop's code did not compile ("internal error: Identifier 'l2'
    // has already been declared")
    const frames = [...generated, ...other];
    const tapFiles = [filesOf(frames, { overflowEvery: 97 })];
    const WELL_KNOWN = [53, 80, 443, 22, 25, 123, 161, 8080, 3306, 5060, 4789, 2152];
    for (const n of [6, 8, 9, 13, 20, 40, 100]) {
      const rules = Array.from({ length: n }, (_, i) => {
        const port = i < WELL_KNOWN.length ? WELL_KNOWN[i] : 1000 + i * 7;
        return `rule r${i} from any match udp port ${i + 1} or tcp port ${port} to g${i % 2}`;
      });
      const a = artifactFor(dir, [TAP, ...GROUPS.slice(0, 2), ...rules].join('\n'));
      const js = generatePacketPath(a.graph, { linkTypes: [1, 101, 113] }, []).js;
      expect(() => new Function('state', 'preds', 'walk', 'step', js), `${n} rules`).not.toThrow();
      const r = await compare(a, tapFiles);
      expect(r.bad, `${n} rules`).toEqual([]);
      expect(r.taken, `${n} rules`).toBeGreaterThan(r.packets * 0.3);
    }
  });

  it("the fast walk's edges: every way an Ethernet record can leave it goes to the general walk, which gets it right", async () => {
    const a = artifactFor(
      dir,
      [
        TAP,
        ...GROUPS.slice(0, 2),
        'rule r0 from any match tcp port 80 or udp port 53 to g0',
        'rule r1 from any match ip6 and tcp or ip and udp to g1',
        'rule r2 from any match vlan and tcp dst port 80 to g1',
        'rule r3 from any match vlan 100 to g0',
        'rule r4 from any match icmp type echo-request or icmp6 or icmp code 3 to g1',
        'rule r5 from any match src net 10.0.0.0/8 to g0',
        'rule r6 from any match ip proto 47 or ip6 and ip proto 0 to g1',
      ].join('\n'),
    );
    // the Ethernet loop has the fast walk (it leaves it with break f, skips the general walk with break g)
    const js = generatePacketPath(a.graph, undefined, []).js;
    expect(js).toMatch(/break f;/);
    expect(js).toMatch(/break g;/);
    const frames = fastWalkEdges();
    const r = await compare(a, [filesOf(frames)]);
    expect(r.bad).toEqual([]);
    expect(r.taken).toBeGreaterThan(r.packets * 0.9);
  });

  it("edited records: the tap's mark, strip from the walk and truncate frame in the loop, the rest per record", async () => {
    // groups whose steps the loop does (VLAN tags and MPLS stacks stripped, cut, tagged), tunnels and PPPoE left to
    // the per-record path record by record, a group that shapes (all its records per record), cuts at and past the addresses and type
    const groups = [
      'group rec { tool rec { output pcap "rec.pcap" } strip all; truncate frame 128 }',
      'group web { tool web { output pcap "web.pcap" } }',
      'group vlans { tool v { output pcap "vlans.pcap" } strip vlan }',
      'group labels { tool m { output pcap "labels.pcap" } strip mpls; truncate frame 60 }',
      'group cut14 { tool c { output pcap "cut14.pcap" } strip all; truncate frame 14 }',
      'group cut20 { tool x { output pcap "cut20.pcap" } truncate frame 20 }',
      'group shaped { tool s { output pcap "shaped.pcap"; rate 10 Gbps } strip vlan; shape burst 256 KB }',
      'group tuns { tool n { output pcap "tunnels.pcap" } strip tunnels }',
    ];
    const rules = [
      'rule all from any match any to rec',
      'rule web from any match tcp port 80 to web',
      'rule vlans from any match vlan or udp to vlans',
      'rule labels from any match mpls or tcp to labels',
      'rule cut14 from any match udp port 53 or icmp to cut14',
      'rule cut20 from any match arp to cut20',
      'rule shaped from any match tcp port 443 to shaped',
      'rule tuns from any match ip6 to tuns',
    ];
    const eth = [...generated, ...fuzzed, ...random, ...fastWalkEdges()].filter((f) => f.linkType === 1);
    for (const taps of [
      'tap t { source pcap "x.pcap"; mark vlan 100 }',
      'tap t { source pcap "x.pcap"; mark vlan 100; mark vlan 7 priority 3; mark comment }',
      TAP,
    ]) {
      const a = artifactFor(dir, [taps, ...groups, ...rules].join('\n'));
      for (const size of [4096, 65536]) {
        const r = await compare(a, [filesOf(eth)], size);
        expect(r.bad).toEqual([]);
        // most records: the loop's (tunnels, malformed frames and the shaped group's go record by record)
        expect(r.taken).toBeGreaterThan(r.packets * 0.3);
      }
    }
  });

  it('chunk edges at every offset: read buffers of many sizes', async () => {
    const tapFiles = [filesOf(generated.filter((f) => f.linkType === 1))];
    const a = artifactFor(dir, policy(TAP, PLAIN, 2));
    for (const size of [64, 1000, 1517, 3001, 65536]) {
      const r = await compare(a, tapFiles, size);
      expect(r.bad).toEqual([]);
      expect(r.taken).toBeGreaterThan(r.packets * (size < 1000 ? 0 : 0.5));
    }
  });

  it('nanosecond and big-endian files (the latter record by record), rules counted in tables', async () => {
    const eth = generated.filter((f) => f.linkType === 1);
    const ns = await compare(artifactFor(dir, policy(TAP, PLAIN, 2)), [
      filesOf(eth, { nanosecond: true, overflowEvery: 13 }),
    ]);
    expect(ns.bad).toEqual([]);
    expect(ns.taken).toBeGreaterThan(ns.packets * 0.5);
    const be = await compare(artifactFor(dir, policy(TAP, PLAIN, 2)), [filesOf(eth, { bigEndian: true })]);
    expect(be.bad).toEqual([]);
    expect(be.taken).toBe(0);
    // many rules over few groups: counted apart from the graph's leaves, in tables read per packet
    const counted = artifactFor(dir, policy(TAP, [...PLAIN, 2, 4, 5, 8, 9, 12, 17, 18, 19, 21, 22], 2));
    expect(counted.graph.counting?.length).toBeGreaterThan(0);
    const c = await compare(counted, [filesOf(eth)]);
    expect(c.bad).toEqual([]);
    expect(c.taken).toBeGreaterThan(0);
  });

  it('two taps merged in time order, one of them marked (record by record), and under auto', async () => {
    const eth = generated.filter((f) => f.linkType === 1);
    const half = Math.floor(eth.length / 2);
    // in time order, blocks of 40 records of one tap, then of the other; equal times at the seams
    const x = [pcapFile(eth.slice(0, half), 1, { block: 40 })];
    const y = [pcapFile(eth.slice(half), 1, { block: 40, shift: 39 })];
    for (const taps of [TWO_TAPS, MARKED]) {
      const a = artifactFor(dir, policy(taps, PLAIN, 2));
      const r = await compare(a, [x, y]);
      expect(r.bad).toEqual([]);
      expect(r.taken).toBeGreaterThan(r.packets * 0.2);
      const auto = await compare(a, [x, y], 4096, 'auto');
      expect(auto.bad).toEqual([]);
      expect(auto.taken).toBe(r.taken);
    }
  });

  it('auto with the loop: it leaves the generated path while most packets need the decoder, and comes back', async () => {
    const w = new Walk();
    const eth = generated.filter((f) => f.linkType === 1);
    const isCand = (f: TestFrame) => {
      w.start(f.data, 0, f.data.length, f.wireLen, f.linkType, 0);
      return w.cand !== 0;
    };
    const tunnels = eth.filter(isCand);
    const plain = eth.filter((f) => !isCand(f));
    expect(tunnels.length).toBeGreaterThan(60);
    const frames = [...tunnels, ...plain, ...tunnels, ...plain.slice(0, 100), ...tunnels, ...plain];
    // a policy that reads inside tunnels: the decoder's view for every tunnel candidate
    const a = artifactFor(dir, policy(TAP, [0, 36, 37], 2));
    const r = await compare(a, [filesOf(frames)], 4096, 'auto', 16);
    expect(r.bad).toEqual([]);
    expect(r.switches).toBeGreaterThanOrEqual(2);
    expect(r.taken).toBeGreaterThan(r.packets * 0.2);
  });

  it('a record longer than the snapshot length is refused, as the per-record path refuses it', async () => {
    const eth = generated.filter((f) => f.linkType === 1);
    const long = eth.findIndex((f) => f.data.length > 120);
    expect(long).toBeGreaterThan(3);
    const short = eth.slice(0, long).filter((f) => f.data.length <= 120);
    const input = [pcapFile([...short, eth[long], ...short], 1, { snapLen: 120 })];
    const a = artifactFor(dir, policy(TAP, PLAIN, 2));
    for (const loop of [true, false])
      await expect(runFiles(a, [input], 'generated', loop, 1 << 16)).rejects.toThrow(
        new RegExp(
          `record claims ${eth[long].data.length} captured bytes, more than the file's snapshot length of 120`,
        ),
      );
  });

  it('tmesc run (read-ahead chunks of 1 MiB) on a capture of several chunks: the same files and statistics as the decoder path', async () => {
    const eth = generated.filter((f) => f.linkType === 1);
    const many: TestFrame[] = [];
    while (many.length < 12000) many.push(...eth);
    const input = pcapFile(many, 1);
    const a = artifactFor(dir, policy(TAP, PLAIN, 2));
    const stats: string[] = [];
    const outs: string[][] = [];
    for (const path of ['generated', 'decoder'] as const) {
      const out = join(dir, `run-${path}-${runs++}`);
      const st = await runArtifact(a, { inputs: new Map([['t', [input]]]), outDir: out, workers: 0, packetPath: path });
      const { seconds: _s, ...rest } = st;
      stats.push(JSON.stringify(rest).replaceAll(out, 'OUT'));
      outs.push(['a0.pcap', 'a1.pcap'].map((f) => readFileSync(join(out, f)).toString('hex')));
    }
    expect(stats[0]).toBe(stats[1]);
    expect(outs[0]).toEqual(outs[1]);
  });
});

describe.skipIf(!HAVE_CORPUS)(`the chunk loop on the corpus${CORPUS_NOTE}`, () => {
  it('every capture, as it is and as frames rewritten into classic pcap files', async () => {
    const frames: TestFrame[] = [];
    const originals: string[] = [];
    for (const e of corpusManifest()) {
      const capture = await loadCapture(e.file);
      if (typeof capture === 'string') continue;
      originals.push(join(CORPUS_DIR, e.file));
      capture.frames.forEach((f, i) =>
        frames.push({
          data: f.data.subarray(0, f.capLen),
          linkType: capture.linkType,
          wireLen: f.wireLen,
          what: `${e.file} #${i + 1}`,
        }),
      );
    }
    for (const filters of [PLAIN, VIEWING]) {
      const a = artifactFor(dir, policy(TAP, filters, 2));
      const r = await compare(a, [filesOf(frames)]);
      expect(r.bad).toEqual([]);
      expect(r.taken).toBeGreaterThan(r.packets * 0.3);
      for (const f of originals) {
        const o = await compare(a, [[f]], 1 << 16);
        expect(o.bad, f).toEqual([]);
      }
    }
  }, 600_000);
});
