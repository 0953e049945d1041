/**
 * `tmesc run` never falls over on policies of any shape and size: generated
 * policies (test/runtime/support/policy-fuzz.ts, bench/policy-gen.ts,
 * bench/policy-shapes.ts) of 1 to a few thousand rules, each run over
 * generated traffic (VLAN, QinQ, MPLS, GRE, VXLAN, GTP-U, IPv6, IPv4
 * fragments) on several taps of different link types (Ethernet, raw IP,
 * Linux cooked SLL/SLL2, PPP, ...), three ways: the generated path with its
 * chunk loop, the generated path record by record, the decoder path. No
 * exception, the same output files byte for byte and the same counters.
 * The sizes sit on the code generator's thresholds (unroll 16, hashMin 8,
 * LEAF_ARRAY_MIN 4, the code budget that leaves the rest in tables).
 *
 * Why: a policy of 8 or more `rule rN match udp port N to g` stopped `tmesc
 * run` with "internal error: Identifier 'l10' has already been declared"
 * (a leaf array and the local graph's function had one name), and no test
 * had run such a policy through the generated chunk loop.
 *
 * TMESC_SHAPES_SWEEP=1 runs a longer sweep (more seeds and sizes).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generatePolicy } from '../../../bench/policy-gen.js';
import { hostRules, independentGroups, overlappingRanges, portRules } from '../../../bench/policy-shapes.js';
import type { Artifact } from '../../../src/artifact/types.js';
import { generatePacketPath } from '../../../src/codegen/classifier.js';
import { LINKTYPE } from '../../../src/fields/fields.js';
import type { PacketPathChoice } from '../../../src/runtime/engine/packet-path-choice.js';
import { artifactFor } from '../support/artifact.js';
import { type FuzzOptions, fuzzPolicy, LIBRARY } from '../support/policy-fuzz.js';
import { singleThreadRun } from '../support/single-thread-run.js';
import { generatedFrames, otherLinkFrames, type TestFrame } from '../walk/frames.js';

const SWEEP = process.env.TMESC_SHAPES_SWEEP === '1';
const dir = mkdtempSync(join(tmpdir(), 'tmesc-policy-shapes-run-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'lib.tmes'), LIBRARY);

let files = 0;
/** A little-endian microsecond pcap file of `frames`, 1 ms apart from `shift` ms. */
function pcapFile(frames: readonly TestFrame[], linkType: number, shift = 0): string {
  const head = Buffer.alloc(24);
  head.writeUInt32LE(0xa1b2c3d4, 0);
  head.writeUInt16LE(2, 4);
  head.writeUInt16LE(4, 6);
  head.writeUInt32LE(262144, 16);
  head.writeUInt32LE(linkType, 20);
  const parts = [head];
  frames.forEach((f, i) => {
    const h = Buffer.alloc(16);
    const ms = i * 2 + shift;
    h.writeUInt32LE(1_700_000_000 + Math.floor(ms / 1000), 0);
    h.writeUInt32LE((ms % 1000) * 1000, 4);
    h.writeUInt32LE(f.data.length, 8);
    h.writeUInt32LE(Math.max(f.wireLen, f.data.length), 12);
    parts.push(h, Buffer.from(f.data));
  });
  const p = join(dir, `in${files++}.pcap`);
  writeFileSync(p, Buffer.concat(parts));
  return p;
}

/** IPv4 fragments (first, middle, last) of untagged Ethernet IPv4 frames: the generator sends whole datagrams only. */
function fragments(frames: readonly TestFrame[]): TestFrame[] {
  const out: TestFrame[] = [];
  frames.forEach((f, k) => {
    if (f.data.length < 34 || f.data[12] !== 0x08 || f.data[13] !== 0x00) return;
    const data = f.data.slice();
    const flags = [0x2000, 0x2000 | 0x00b9, 0x0040][k % 3];
    data[20] = flags >> 8;
    data[21] = flags & 0xff;
    out.push({ data, linkType: f.linkType, wireLen: f.wireLen, what: `${f.what} fragment ${k % 3}` });
  });
  return out;
}

const ethernet = generatedFrames(SWEEP ? 900 : 500, 31);
const ethernetFiles = [pcapFile([...ethernet, ...fragments(ethernet.slice(0, 150))], LINKTYPE.ETHERNET)];
const others = otherLinkFrames(ethernet.slice(0, 60));
const byLinkType = new Map<number, TestFrame[]>();
for (const f of others) byLinkType.set(f.linkType, [...(byLinkType.get(f.linkType) ?? []), f]);
const otherFiles = [...byLinkType].map(([lt, fs], i) => pcapFile(fs, lt, i + 1));
const rawFile = otherFiles[[...byLinkType.keys()].indexOf(LINKTYPE.RAW)];
const sllFile = otherFiles[[...byLinkType.keys()].indexOf(LINKTYPE.LINUX_SLL)];
const second = generatedFrames(200, 57);

/** The taps' files: Ethernet; every other link type; Ethernet of other traffic then raw IP and Linux cooked. */
function tapFiles(taps: number): string[][] {
  const all = [ethernetFiles, otherFiles, [pcapFile(second, LINKTYPE.ETHERNET, 1), rawFile, sllFile]];
  return Array.from({ length: taps }, (_, t) => all[t % all.length]);
}

interface Outcome {
  bad: string[];
  packets: number;
  taken: number;
}

/** The three runs of `a` over `files`, and how the loop's run differs from the other two. */
async function threeWays(a: Artifact, files: string[][], bufferSize: number): Promise<Outcome> {
  const run = (path: PacketPathChoice, loop: boolean) => singleThreadRun(dir, a, files, path, loop, bufferSize);
  const loop = await run('generated', true);
  const bad: string[] = [];
  for (const [name, other] of [
    ['decoder', await run('decoder', false)],
    ['per-record generated', await run('generated', false)],
  ] as const) {
    if (loop.stats !== other.stats) bad.push(`counters vs ${name}:\n  ${loop.stats}\n  ${other.stats}`);
    loop.outputs.forEach((o, i) => {
      if (!o.equals(other.outputs[i]))
        bad.push(`output ${i} vs ${name}: ${o.length} bytes vs ${other.outputs[i].length}`);
    });
  }
  const packets = (JSON.parse(loop.stats) as { packetsRead: number }).packetsRead;
  return { bad, packets, taken: loop.taken };
}

/** The code generator's strategies the policies made it use (the last test checks that they made it use each). */
const STRATEGIES = new Set<string>();

const BUFFERS = [8192, 1024, 65536, 3000];
let checks = 0;

/** Checks `body`, generates its packet path for every link type the taps read, runs it three ways. */
async function check(what: string, body: string, taps: number): Promise<Outcome> {
  const a = artifactFor(dir, body);
  const linkTypes = [LINKTYPE.ETHERNET, ...byLinkType.keys()];
  const tableRoots = (a.graph.counting ?? []).map((c) => c.root);
  const g = generatePacketPath(a.graph, { linkTypes }, tableRoots);
  expect(g.generated, what).toBe(true);
  expect(() => new Function('state', 'preds', 'walk', 'step', g.js), what).not.toThrow();
  for (const [strategy, seen] of [
    ['counting tables', tableRoots.length > 0],
    ['hashed lookups', g.js.includes('table([')],
    ['leaf arrays', /\bconst l\d+ = /.test(g.js)],
    ['walked arrays', /\bconst w\d+ = /.test(g.js)],
    ['nodes left in tables', /\bwalk\(\d+, /.test(g.js)],
    ['the local graph', g.js.includes('function lgraph(')],
  ] as const)
    if (seen) STRATEGIES.add(strategy);
  // read buffers from a few records (a chunk edge every few records) to many
  const r = await threeWays(a, tapFiles(taps), BUFFERS[checks++ % BUFFERS.length]);
  expect(r.bad, what).toEqual([]);
  expect(r.packets, what).toBeGreaterThan(0);
  return r;
}

/** The rule counts either side of the code generator's thresholds. */
const THRESHOLDS = [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33];

describe('tmesc run on generated policies: the chunk loop, the generated path and the decoder deliver the same', () => {
  it('`rule rN match udp port N to g`, one group, at every threshold up to 65 rules', async () => {
    for (const n of [...THRESHOLDS, 64, 65]) {
      const p = fuzzPolicy(1, n, { kind: 'udp-ports', taps: 1, groups: 1, actions: false });
      const r = await check(`${n} udp port rules`, p.body, 1);
      // an Ethernet capture on one tap of plain filters: the loop takes much of it (tunnelled and fragmented packets go record by record)
      expect(r.taken, `${n} udp port rules`).toBeGreaterThan(r.packets * 0.3);
    }
  });

  for (const kind of ['ports', 'hosts', 'nets', 'vlans', 'tunnels', 'payload'] as const)
    it(`${kind}: sizes at the thresholds, several groups and taps of different link types`, async () => {
      const sizes = SWEEP ? [...THRESHOLDS, 100, 300] : [1, 8, 17, 33];
      for (const n of sizes) {
        const o: FuzzOptions = { kind, taps: 1 + (n % 3), groups: 1 + (n % 5) };
        const p = fuzzPolicy(n, n, o);
        await check(`${kind}, ${n} rules, seed ${n}`, p.body, p.taps);
      }
    });

  it('mixed policies with actions, balanced groups, marks, includes, drop rules', async () => {
    const seeds = SWEEP ? 40 : 5;
    for (let seed = 1; seed <= seeds; seed++) {
      const n = [3, 8, 12, 20, 40, 70][seed % 6];
      const p = fuzzPolicy(seed, n);
      await check(`mixed, ${n} rules, seed ${seed}`, p.body, p.taps);
    }
  });

  it('the benchmark policies (bench/policy-gen.ts) of 10 to 300 rules on four taps', async () => {
    for (const n of SWEEP ? [10, 50, 100, 300, 1000] : [10, 200]) {
      const text = generatePolicy(n, 8, 4).replace(/^policy .*\n/, '');
      await check(`policy-gen ${n}`, text, 4);
    }
  });

  it('the compile benchmark shapes, cut to a size a test runs (bench/policy-shapes.ts)', async () => {
    const shapes = [
      portRules(40, 1, 'udp '),
      portRules(200, 3),
      hostRules(200, 5),
      independentGroups(39),
      overlappingRanges(60, 12),
      ...(SWEEP ? [portRules(2000, 10), hostRules(2000, 10), independentGroups(200)] : []),
    ];
    for (const s of shapes) await check(s.name, s.text.replace(/^policy .*\n/, ''), 2);
  });

  it('a few thousand rules: the code budget leaves the rest in tables, and the run is the same', async () => {
    const p = fuzzPolicy(3, SWEEP ? 5000 : 2000, { kind: 'ports', taps: 2, groups: 6 });
    await check('2000 port rules', p.body, p.taps);
  });

  it('the policies above made the code generator use each of its strategies', () => {
    expect([...STRATEGIES].sort()).toEqual([
      'counting tables',
      'hashed lookups',
      'leaf arrays',
      'nodes left in tables',
      'the local graph',
      'walked arrays',
    ]);
  });
});
