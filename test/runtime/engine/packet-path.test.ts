/**
 * The run's two packet paths, end to end through the pipeline: the
 * generated path (walk + graph over the bytes, a view only for what reads
 * one) and the decoder path (every packet decoded, then classified) deliver
 * the same packets to the same tools with the same bytes, timestamps,
 * lengths and comments, in the same order, and count the same statistics
 * (packets, malformed, unmatched, per rule, per group, per action step).
 * Over generated frames on every link type, fuzzed frames (generated ones
 * with bytes changed, cut, on another link type), random bytes, and every
 * frame of every corpus capture; under policies testing every filter kind,
 * with balancing (outer and inner sessions), tap marks, dedup and action
 * steps, and random policies.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { Artifact } from '../../../src/artifact/types.js';
import { LINKTYPE } from '../../../src/fields/fields.js';
import type { PacketRecord } from '../../../src/runtime/capture/index.js';
import { packetPathChoice, type PacketPathChoice } from '../../../src/runtime/engine/packet-path-choice.js';
import { Walk } from '../../../src/runtime/walk/walk.js';
import { Pipeline, type PacketOutput } from '../../../src/runtime/engine/pipeline.js';
import { decodeFrame } from '../../../src/runtime/decode/decode.js';
import { PacketView } from '../../../src/runtime/decode/view.js';
import type { RunStats } from '../../../src/runtime/stats/stats.js';
import { CORPUS_NOTE, HAVE_CORPUS, corpusManifest } from '../../support/corpus.js';
import { FILTERS } from '../classify/filters.js';
import { loadCapture } from '../decode/corpus.js';
import { artifactFor } from '../support/artifact.js';
import { generatedFrames, otherLinkFrames, type TestFrame } from '../walk/frames.js';

const dir = mkdtempSync(join(tmpdir(), 'tmesc-packet-path-run-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** An output keeping what it is given as text; like a pcap file, it refuses link types other than its first one's when `oneLinkType`. */
class Recorder implements PacketOutput {
  readonly lines: string[] = [];
  private kept = -1;
  constructor(
    readonly path: string,
    private readonly oneLinkType: boolean,
  ) {}
  write(data: Uint8Array, s: number, ns: number, wire: number, lt: number, tap: number, comment?: string): boolean {
    if (this.oneLinkType) {
      if (this.kept < 0) this.kept = lt;
      else if (lt !== this.kept) return false;
    }
    this.lines.push(`${s}.${ns} ${wire} ${lt} ${tap} ${comment ?? ''} ${Buffer.from(data).toString('hex')}`);
    return true;
  }
}

/**
 * A Recorder that also takes records as they lie in the reader's buffer
 * (ToolOutput.writeRecord, with the mark's tags and a frame cut): what the
 * generated path's walked steps write (engine/walked-steps.ts).
 */
class RecordRecorder extends Recorder {
  walked = 0;
  writeRecord(
    rec: PacketRecord,
    wire: number,
    tap: number,
    comment: string | undefined,
    tags?: Uint8Array,
    cut = Infinity,
    drop = 0,
    etherType = 0,
    lead = 0,
  ): boolean {
    this.walked++;
    // a stripped tunnel's Ethernet frame: the bytes before its addresses go
    const whole = rec.bytes.subarray(rec.dataOffset + lead, rec.dataOffset + rec.capLen);
    const stripped = Uint8Array.from([...whole.subarray(0, 12), ...whole.subarray(12 + drop)]);
    // a stripped MPLS stack: the EtherType before it names the packet after it
    if (etherType !== 0) {
      if (stripped.length > 12) stripped[12] = etherType >>> 8;
      if (stripped.length > 13) stripped[13] = etherType & 0xff;
    }
    const frame = stripped.subarray(0, Math.min(stripped.length, cut));
    const data = tags ? Uint8Array.from([...frame.subarray(0, 12), ...tags, ...frame.subarray(12)]) : frame;
    return this.write(data, rec.tsSec, rec.tsNsec, wire, rec.linkType, tap, comment);
  }
}

/** What a record without a view carries as `data` (readers' `views: false`): reading it gives wrong results. */
const STALE = Uint8Array.of(0x45, 0, 0);

/**
 * A record of the frame as a reader hands it out: the frame inside a larger
 * read chunk, at an offset, with other bytes around it (a read past the
 * frame's end sees them); with its own `data` view only when `views`.
 */
function record(f: TestFrame, i: number, views: boolean): PacketRecord {
  const at = (i * 7) % 13;
  const chunk = new Uint8Array(at + f.data.length + 9).fill(0xa5);
  chunk.set(f.data, at);
  return {
    data: views ? chunk.subarray(at, at + f.data.length) : STALE,
    bytes: chunk,
    dataOffset: at,
    capLen: f.data.length,
    wireLen: f.wireLen,
    tsSec: 1_700_000_000 + Math.floor(i / 1000),
    tsNsec: (i % 1000) * 1_000_000,
    linkType: f.linkType,
    interfaceId: 0,
  } as PacketRecord;
}

/** What a pipeline on `path` makes of the frames: every output's packets, and the statistics (less the time). */
function runOn(
  a: Artifact,
  path: PacketPathChoice,
  frames: readonly TestFrame[],
  adaptWindow?: number,
  toolUp?: (group: number, tool: number) => boolean,
  records = false,
): { out: string[][]; stats: string; path: string; switches: number; walked: number } {
  const outputs = a.groups.map((g, gi) =>
    g.tools.map((t, ti) =>
      records ? new RecordRecorder(`${gi}/${ti}`, ti === 0) : new Recorder(`${gi}/${ti}`, ti === 0),
    ),
  );
  // the generated path as `tmesc run` feeds it (records without views); the decoder path both ways
  const views = path === 'decoder' && frames.length % 2 === 0;
  const p = new Pipeline(
    a,
    outputs,
    a.taps.map(() => []),
    { packetPath: path, adaptWindow, toolUp, recordViews: views },
  );
  frames.forEach((f, i) => p.handle(record(f, i, views), i % a.taps.length));
  p.finish();
  const { seconds: _s, ...stats } = p.collect();
  const walked = outputs.flat().reduce((n, o) => n + (o instanceof RecordRecorder ? o.walked : 0), 0);
  return {
    out: outputs.flat().map((o) => o.lines),
    stats: JSON.stringify(stats),
    path: p.path,
    switches: p.switches,
    walked,
  };
}

/** The first differences between the two paths, as text (empty when they agree). */
function differences(
  a: Artifact,
  frames: readonly TestFrame[],
  toolUp?: (group: number, tool: number) => boolean,
  records = false,
): string[] {
  const gen = runOn(a, 'generated', frames, undefined, toolUp, records);
  const dec = runOn(a, 'decoder', frames, undefined, toolUp, records);
  // outputs taking records: the generated path wrote the plain packets of walkable groups itself
  if (records) expect(gen.walked).toBeGreaterThan(0);
  expect([gen.path, dec.path]).toEqual(['generated', 'decoder']);
  const bad: string[] = [];
  if (gen.stats !== dec.stats) bad.push(`stats: ${gen.stats}\n  vs ${dec.stats}`);
  gen.out.forEach((lines, o) => {
    const want = dec.out[o];
    if (lines.length !== want.length) bad.push(`output ${o}: ${lines.length} packets vs ${want.length}`);
    const i = lines.findIndex((l, k) => l !== want[k]);
    if (i >= 0) bad.push(`output ${o} packet ${i + 1}: ${lines[i]}\n  vs ${want[i]}`);
  });
  return bad;
}

const TAPS = 'tap t { source pcap "x.pcap"; mark vlan 7 priority 3 }\ntap u { source pcap "y.pcap"; mark comment }';
const GROUPS = [
  'group g0 {\n  tool a0 { output pcap "a0.pcap"; rate 1 Gbps }\n  tool b0 { output pcap "b0.pcap"; rate 2 Gbps }\n  tool c0 { output pcapng "c0.pcapng"; rate 1 Gbps }\n  balance session symmetric\n}',
  'group g1 {\n  tool a1 { output pcapng "a1.pcapng" }\n  tool b1 { output pcapng "b1.pcapng" }\n  balance session symmetric inner\n}',
  'group g2 {\n  tool a2 { output pcap "a2.pcap" }\n}',
];
/** Groups whose stages read the decoder's view (the generated path makes it for the packets that reach them). */
const VIEW_GROUPS = [
  'group g0 {\n  tool a0 { output pcapng "a0.pcapng" }\n  tool b0 { output pcapng "b0.pcapng" }\n  balance session symmetric\n  dedup window 5 ms\n}',
  'group g1 {\n  tool a1 { output pcapng "a1.pcapng" }\n  strip vlan, mpls, pppoe, gre, gtp, vxlan\n  truncate payload 12\n}',
  'group g2 {\n  tool a2 { output pcapng "a2.pcapng" }\n  replace /GET|HTTP/ with "PUT"\n}',
];

/**
 * Groups whose steps the generated path does from the walk for plain
 * packets (strip finding nothing, truncate frame, the mark), and through
 * the chain for the others (engine/walked-steps.ts).
 */
const WALKED_GROUPS = [
  'group g0 {\n  tool a0 { output pcap "a0.pcap" }\n  strip all\n  truncate frame 128\n}',
  'group g1 {\n  tool a1 { output pcapng "a1.pcapng" }\n  strip vlan, gre, vxlan\n  truncate frame 14\n}',
  'group g2 {\n  tool a2 { output pcap "a2.pcap" }\n  truncate frame 60\n}',
];
/**
 * Groups whose steps the walk cannot do (mask, replace, dedup) next to a
 * walked group and a group without steps: the compare policy's shape (a
 * recorder of every packet, a masked web tool); the view and the chain for
 * the masking groups' packets only.
 */
const MASKED_GROUPS = [
  'group g0 {\n  tool a0 { output pcap "a0.pcap" }\n  strip all\n  truncate frame 128\n}',
  'group g1 {\n  tool a1 { output pcap "a1.pcap" }\n  mask card-number, credentials, /[0-9]{3,}|GET/ with "#"\n}',
  'group g2 {\n  tool a2 { output pcapng "a2.pcapng" }\n  tool b2 { output pcap "b2.pcap" }\n  balance session symmetric\n  dedup window 5 ms\n  replace /HTTP/ with "PTTH"\n}',
];
const MASKED_PLAIN = [MASKED_GROUPS[0], MASKED_GROUPS[1], GROUPS[2]];
/** Groups that mask first (then truncate frame, the mark): the walk feeds mask's TCP lookups (walked-steps.ts walkFedGroup). */
const MASK_ONLY = [
  'group g0 {\n  tool a0 { output pcap "a0.pcap" }\n  mask card-number\n}',
  'group g1 {\n  tool a1 { output pcapng "a1.pcapng" }\n  mask credentials\n  truncate frame 200\n}',
  'group g2 {\n  tool a2 { output pcap "a2.pcap" }\n  mask /[0-9]{3,}|GET/ with "#"\n}',
];
/** A step before mask changes the bytes the walk read (strip), another reads the view after it (truncate payload). */
const MASK_VIEWED = [
  'group g0 {\n  tool a0 { output pcap "a0.pcap" }\n  strip vlan\n  mask card-number\n}',
  'group g1 {\n  tool a1 { output pcapng "a1.pcapng" }\n  mask credentials\n  truncate payload 20\n}',
  'group g2 {\n  tool a2 { output pcap "a2.pcap" }\n  tool b2 { output pcap "b2.pcap" }\n  mask card-number\n}',
];
const STRIP_ONLY = [...WALKED_GROUPS.slice(0, 2), 'group g2 {\n  tool a2 { output pcap "a2.pcap" }\n  strip all\n}'];

function policy(
  rules: { f: number[]; op: 'and' | 'or'; not: boolean; g: number; drop: boolean }[],
  groups = GROUPS,
): string {
  const lines = [TAPS, ...groups];
  rules.forEach((r, i) => {
    const body = r.f.map((x) => `(${FILTERS[x]})`).join(` ${r.op} `);
    lines.push(`rule r${i} from any match ${r.not ? `not (${body})` : body} ${r.drop ? 'drop' : 'to'} g${r.g}`);
  });
  for (let g = 0; g < 3; g++) lines.push(`rule all${g} from any match ${FILTERS[g * 7]} to g${g}`);
  return lines.join('\n');
}

const everyFilter = FILTERS.map((_, i) => ({ f: [i], op: 'and' as const, not: false, g: i % 3, drop: false }));

const generated = generatedFrames(700, 17);
const LINK_TYPES = [0, 1, 9, 12, 50, 101, 104, 108, 113, 228, 229, 276, 147];
const sources = [...generated.slice(0, 300), ...otherLinkFrames(generated.slice(0, 60))];
const fuzzed: TestFrame[] = fc
  .sample(
    fc.tuple(
      fc.nat(sources.length - 1),
      fc.array(fc.tuple(fc.nat(96), fc.nat(255)), { minLength: 1, maxLength: 6 }),
      fc.constantFrom(...LINK_TYPES),
      fc.boolean(),
      fc.nat(200),
    ),
    { numRuns: 2500, seed: 1414 },
  )
  .map(([i, edits, otherLink, keepLink, cut], k) => {
    const f = sources[i];
    const data = f.data.slice();
    for (const [at, b] of edits) if (at < data.length) data[at] = b;
    return {
      data: data.subarray(0, Math.min(data.length, cut === 0 ? data.length : cut)),
      linkType: keepLink ? f.linkType : otherLink,
      wireLen: f.wireLen,
      what: `fuzzed ${k}`,
    };
  });
const random: TestFrame[] = fc
  .sample(fc.tuple(fc.uint8Array({ maxLength: 90 }), fc.constantFrom(...LINK_TYPES), fc.nat(200)), {
    numRuns: 1500,
    seed: 77,
  })
  .map(([data, linkType, wireLen], k) => ({ data, linkType, wireLen, what: `random ${k}` }));
const mixed = [...generated, ...otherLinkFrames(generated.slice(0, 150)), ...fuzzed, ...random];

describe('the generated and the decoder packet paths of a run agree', () => {
  it('every filter kind, balanced groups, marks: generated, other link types, fuzzed and random frames', () => {
    expect(differences(artifactFor(dir, policy(everyFilter)), mixed)).toEqual([]);
  });

  it('groups with dedup and action steps (the view made for the packets that reach them)', () => {
    expect(differences(artifactFor(dir, policy(everyFilter, VIEW_GROUPS)), mixed)).toEqual([]);
  });

  it("groups that strip and cut frames, their plain packets done from the walk: the chain's bytes and counters", () => {
    expect(differences(artifactFor(dir, policy(everyFilter, WALKED_GROUPS)), mixed, undefined, true)).toEqual([]);
    expect(differences(artifactFor(dir, policy(everyFilter, STRIP_ONLY)), mixed, undefined, true)).toEqual([]);
  });

  it('groups that mask next to walked groups: the view and the chain for their packets only, the same as the decoder', () => {
    for (const groups of [MASKED_GROUPS, MASKED_PLAIN]) {
      const a = artifactFor(dir, policy(everyFilter, groups));
      expect(differences(a, mixed, undefined, true)).toEqual([]);
      // auto keeps the generated path; with small windows it may switch, and the run stays the same
      const auto = runOn(a, 'auto', mixed, 16, undefined, true);
      const dec = runOn(a, 'decoder', mixed, undefined, undefined, true);
      expect(auto.path).toBe('generated');
      expect(auto.walked).toBeGreaterThan(0);
      expect(auto.stats).toBe(dec.stats);
      expect(auto.out).toEqual(dec.out);
    }
  });

  it('tools down (live): failover within a balanced group, drops where none is up', () => {
    // g0's second tool, g1's both, g2's only one down
    const up = (g: number, t: number) => !(g === 0 && t === 1) && g !== 1 && g !== 2;
    expect(differences(artifactFor(dir, policy(everyFilter)), mixed, up)).toEqual([]);
  });

  it('random policies', () => {
    const rule = fc.record({
      f: fc.array(fc.nat(FILTERS.length - 1), { minLength: 1, maxLength: 3 }),
      op: fc.constantFrom('and' as const, 'or' as const),
      not: fc.boolean(),
      g: fc.nat(2),
      drop: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(rule, { minLength: 1, maxLength: 6 }), fc.boolean(), (rules, viewGroups) => {
        expect(
          differences(artifactFor(dir, policy(rules, viewGroups ? VIEW_GROUPS : GROUPS)), mixed.slice(0, 1500)),
        ).toEqual([]);
      }),
      { numRuns: 12, seed: 14 },
    );
  });

  it('auto takes the generated path for plain groups, the decoder path where stages read every packet they get', () => {
    const auto = (a: Artifact) =>
      new Pipeline(
        a,
        a.groups.map((g) => g.tools.map((t) => new Recorder(t.name, false))),
        [[], []],
        {
          packetPath: 'auto',
        },
      ).path;
    const few = [0, 3, 20, 36].map((f, i) => ({ f: [f], op: 'and' as const, not: false, g: i % 3, drop: false }));
    expect(auto(artifactFor(dir, policy(few)))).toBe('generated');
    // dedup and action steps read the decoded packet
    expect(auto(artifactFor(dir, policy(few, VIEW_GROUPS)))).toBe('decoder');
    // strip, truncate frame and the mark: done from the walk for plain packets
    expect(auto(artifactFor(dir, policy(few, WALKED_GROUPS)))).toBe('generated');
    // a masking group next to them: its packets get the view, the others' stay on the generated path
    expect(auto(artifactFor(dir, policy(few, MASKED_GROUPS)))).toBe('generated');
    expect(auto(artifactFor(dir, policy(few, MASKED_PLAIN)))).toBe('generated');
    // groups that mask first, then only mark or cut frames: mask reads a plain TCP segment from the walk
    expect(auto(artifactFor(dir, policy(few, MASK_ONLY)))).toBe('generated');
    // strip before mask, truncate payload after it, balance over two tools: the view of every packet
    expect(auto(artifactFor(dir, policy(few, MASK_VIEWED)))).toBe('decoder');
    // counting tables (rules counted apart from the graph's leaves) are generated code too
    const counted = artifactFor(dir, policy(everyFilter));
    expect(counted.graph.counting?.length).toBeGreaterThan(0);
    expect(auto(counted)).toBe('generated');
  });

  it('auto leaves the generated path while most packets need the decoder anyway, and comes back: the same run', () => {
    const w = new Walk();
    const isCand = (f: TestFrame) => {
      w.start(f.data, 0, f.data.length, f.wireLen, f.linkType, 0);
      return w.cand !== 0;
    };
    const tunnels = generated.filter(isCand);
    const plain = generated.filter((f) => !isCand(f));
    expect(tunnels.length).toBeGreaterThan(60);
    // tunnel stretches (a view each: the policy reads inside their tunnels) between plain ones
    const frames = [...tunnels, ...plain, ...tunnels, ...plain.slice(0, 100), ...tunnels, ...plain];
    const few = [0, 3, 20, 36].map((f, i) => ({ f: [f], op: 'and' as const, not: false, g: i % 3, drop: false }));
    const a = artifactFor(dir, policy(few));
    const auto = runOn(a, 'auto', frames, 16);
    const dec = runOn(a, 'decoder', frames);
    expect(auto.path).toBe('generated');
    expect(auto.switches).toBeGreaterThanOrEqual(2);
    expect(auto.stats).toBe(dec.stats);
    expect(auto.out).toEqual(dec.out);
  });

  it("auto counts only packets that need the decoder: a masking group's plain TCP packets do not, unless masked", () => {
    const w = new Walk();
    // plain TCP over Ethernet: what the recorder's steps take from the walk, and what the masking group reads
    const tcp = generated.filter((f) => {
      w.start(f.data, 0, f.data.length, f.wireLen, f.linkType, 0);
      return (
        f.linkType === LINKTYPE.ETHERNET && w.cand === 0 && w.proto === 6 && w.frag <= 0 && w.bad === 0 && w.mc === 0
      );
    });
    expect(tcp.length).toBeGreaterThan(64);
    const masked = (recorder: boolean) =>
      [
        'tap t { source pcap "x.pcap" }',
        MASKED_GROUPS[0],
        MASKED_GROUPS[1],
        ...(recorder ? ['rule all from t match any to g0'] : []),
        'rule web from t match tcp to g1',
      ].join('\n');
    for (const recorder of [true, false]) {
      const a = artifactFor(dir, masked(recorder));
      const auto = runOn(a, 'auto', tcp, 16, undefined, true);
      const dec = runOn(a, 'decoder', tcp, undefined, undefined, true);
      expect(auto.path).toBe('generated');
      // with the recorder, every packet is walked for it; without, a packet needs the view only when mask writes
      // into it (its plain TCP lookups are the walk's: tcp-stream findWalked), 26 of these 174: the path stays
      expect(auto.switches).toBe(0);
      expect(auto.stats).toBe(dec.stats);
      expect(auto.out).toEqual(dec.out);
    }
  });

  it("malformed counts the frames whose own headers are, on both paths: not their tunnels' or inner packets'", () => {
    const v = new PacketView();
    let own = 0;
    let insideOnly = 0;
    for (const f of mixed) {
      decodeFrame(v, f.data, f.data.length, f.wireLen, f.linkType);
      if (v.headersMalformed) own++;
      else if (v.malformed) insideOnly++;
    }
    // frames the narrower count leaves out (a cut inner packet, a bad tunnel header), and frames it counts
    expect(insideOnly).toBeGreaterThan(10);
    expect(own).toBeGreaterThan(100);
    // a policy that never reads a tunnel (the generated path decodes none) and one that reads inside them
    for (const few of [
      [0, 3, 20],
      [36, 34],
    ]) {
      const a = artifactFor(dir, policy(few.map((f, i) => ({ f: [f], op: 'and', not: false, g: i % 3, drop: false }))));
      for (const path of ['generated', 'decoder'] as const) {
        const st = JSON.parse(runOn(a, path, mixed).stats) as RunStats;
        expect(st.taps.reduce((n, t) => n + t.malformed, 0)).toBe(own);
      }
    }
  });

  it('TMESC_PACKET_PATH chooses, and a wrong value is said', () => {
    expect(packetPathChoice({})).toBe('auto');
    expect(packetPathChoice({ TMESC_PACKET_PATH: 'decoder' })).toBe('decoder');
    expect(() => packetPathChoice({ TMESC_PACKET_PATH: 'fast' })).toThrow(
      /TMESC_PACKET_PATH=fast: expected one of auto, generated, decoder/,
    );
  });
});

describe.skipIf(!HAVE_CORPUS)(`the two packet paths on the corpus${CORPUS_NOTE}`, () => {
  it('every frame of every capture, under every filter kind, plain and view-reading groups', async () => {
    const frames: TestFrame[] = [];
    for (const e of corpusManifest()) {
      const capture = await loadCapture(e.file);
      if (typeof capture === 'string') continue;
      capture.frames.forEach((f, i) =>
        frames.push({
          data: f.data.subarray(0, f.capLen),
          linkType: capture.linkType,
          wireLen: f.wireLen,
          what: `${e.file} #${i + 1}`,
        }),
      );
    }
    expect(frames.some((f) => f.linkType !== LINKTYPE.ETHERNET)).toBe(true);
    expect(differences(artifactFor(dir, policy(everyFilter)), frames)).toEqual([]);
    expect(differences(artifactFor(dir, policy(everyFilter, VIEW_GROUPS)), frames)).toEqual([]);
    expect(differences(artifactFor(dir, policy(everyFilter, WALKED_GROUPS)), frames, undefined, true)).toEqual([]);
    expect(differences(artifactFor(dir, policy(everyFilter, MASKED_GROUPS)), frames, undefined, true)).toEqual([]);
  }, 600_000);
});
