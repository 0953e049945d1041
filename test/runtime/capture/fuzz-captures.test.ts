/**
 * Fuzzing the capture readers and the runtime (issue 19): real pcap and
 * pcapng files (the corpus, and files generated for every link type the
 * runtime decodes) mutated at random, then read and run. Any crash, internal
 * error or silent skip fails: a reader either
 *   - refuses the file on opening (bad magic or header: a CaptureError), or
 *   - reads it to the end, accounting for every byte: the packets delivered
 *     take it up to bytesConsumed, the record cut at the end (if any) the rest, or
 *   - stops with a CaptureError at the record that cannot be real, naming the
 *     file, the packet number after the last one delivered and the byte
 *     offset where reading stopped;
 * and `tmesc run` over the file delivers exactly what the reader read, or
 * fails with that same error. Hangs would time the test out.
 *
 * Bounded by count, not time: TMESC_FUZZ_RUNS scales it (default 400 files a
 * format), TMESC_FUZZ_SEED replays a failure (fast-check prints the seed).
 */
import fc from 'fast-check';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Artifact } from '../../../src/artifact/types.js';
import { LINKTYPE } from '../../../src/fields/fields.js';
import { generate } from '../../../src/gen/generate.js';
import { CaptureWriter } from '../../../src/runtime/capture/capture-writer.js';
import { CaptureError } from '../../../src/runtime/capture/errors.js';
import { openCapture } from '../../../src/runtime/capture/open.js';
import { runArtifact } from '../../../src/runtime/run/run.js';
import { CORPUS_DIR, HAVE_CORPUS } from '../../support/corpus.js';
import { artifactFor } from '../support/artifact.js';

const RUNS = Number(process.env.TMESC_FUZZ_RUNS ?? 400);
const SEED = process.env.TMESC_FUZZ_SEED === undefined ? 19 : Number(process.env.TMESC_FUZZ_SEED);
/** One file in this many is also run through `runArtifact` (the runtime costs ~10 ms a file). */
const RUN_EVERY = 4;

const dir = mkdtempSync(join(tmpdir(), 'tmesc-fuzz-captures-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Link types the runtime decodes, and how to turn an Ethernet frame into one of theirs. */
const LINK_TYPES: [name: string, linkType: number, frame: (eth: Uint8Array) => Uint8Array][] = [
  ['ethernet', LINKTYPE.ETHERNET, (e) => e],
  ['null', LINKTYPE.NULL, (e) => withHeader(e, [ipv6(e) ? 24 : 2, 0, 0, 0])],
  ['loop', LINKTYPE.LOOP, (e) => withHeader(e, [0, 0, 0, ipv6(e) ? 24 : 2])],
  ['ppp', LINKTYPE.PPP, (e) => withHeader(e, ipv6(e) ? [0x00, 0x57] : [0x00, 0x21])],
  ['ppp-hdlc', 50, (e) => withHeader(e, ipv6(e) ? [0xff, 0x03, 0x00, 0x57] : [0xff, 0x03, 0x00, 0x21])],
  ['c-hdlc', 104, (e) => withHeader(e, [0x0f, 0x00, e[12], e[13]])],
  ['raw', LINKTYPE.RAW, (e) => e.subarray(14)],
  ['raw-dlt12', 12, (e) => e.subarray(14)],
  ['ipv4', LINKTYPE.IPV4, (e) => e.subarray(14)],
  ['ipv6', LINKTYPE.IPV6, (e) => e.subarray(14)],
  ['sll', LINKTYPE.LINUX_SLL, (e) => withHeader(e, [0, 0, 0, 1, 0, 6, ...e.subarray(6, 12), 0, 0, e[12], e[13]])],
  [
    'sll2',
    LINKTYPE.LINUX_SLL2,
    (e) => withHeader(e, [e[12], e[13], 0, 0, 0, 0, 0, 2, 0, 1, 0, 6, ...e.subarray(6, 12), 0, 0]),
  ],
];

function ipv6(eth: Uint8Array): boolean {
  return eth[12] === 0x86 && eth[13] === 0xdd;
}

/** The frame's network layer behind another link header. */
function withHeader(eth: Uint8Array, header: number[]): Uint8Array {
  const out = new Uint8Array(header.length + eth.length - 14);
  out.set(header);
  out.set(eth.subarray(14), header.length);
  return out;
}

interface Seed {
  name: string;
  bytes: Uint8Array;
}
const seeds: Record<'pcap' | 'pcapng', Seed[]> = { pcap: [], pcapng: [] };
let artifact: Artifact;

beforeAll(() => {
  // generated traffic with every encapsulation, IP only (so each link type can carry it)
  const gen = join(dir, 'gen.pcap');
  generate({
    output: gen,
    packets: 24,
    seed: 5,
    mix: { tcp: 4, dns: 2, udp: 1, icmp: 1 },
    encap: { vlan: 0.1, mpls: 0.1, gre: 0.1, vxlan: 0.1, gtpu: 0.1 },
  });
  const frames: { data: Uint8Array; sec: number; nsec: number }[] = [];
  const src = openCapture(gen);
  for (let r = src.next(); r; r = src.next()) {
    const d = Uint8Array.from(r.data);
    if (d[12] === 0x08 || ipv6(d)) frames.push({ data: d, sec: r.tsSec, nsec: r.tsNsec });
  }
  for (const [name, linkType, convert] of LINK_TYPES)
    for (const [format, resolution] of [
      ['pcap', 'us'],
      ['pcap', 'ns'],
      ['pcapng', 'ns'],
    ] as const) {
      const path = join(dir, `${name}-${resolution}.${format}`);
      const w = new CaptureWriter(path, { format, resolution, linkType });
      for (const f of frames) w.writePacket(0, convert(f.data), f.sec, f.nsec);
      w.close();
      seeds[format].push({ name: `${name} (${format}, ${resolution})`, bytes: readFileSync(path) });
    }
  // pcapng with several interfaces, names, comments
  const multi = join(dir, 'multi.pcapng');
  const w = new CaptureWriter(multi, { format: 'pcapng' });
  frames.forEach((f, i) => {
    const [name, linkType, convert] = LINK_TYPES[i % LINK_TYPES.length];
    w.writePacket(w.interfaceFor(linkType, name), convert(f.data), f.sec, f.nsec, undefined, i % 3 ? undefined : 'c');
  });
  w.close();
  seeds.pcapng.push({ name: 'several interfaces (pcapng)', bytes: readFileSync(multi) });
  if (HAVE_CORPUS) {
    for (const file of readdirSync(CORPUS_DIR).sort()) {
      if (!/\.pcap(ng)?$/.test(file) || statSync(join(CORPUS_DIR, file)).size > 64 * 1024) continue;
      const bytes = readFileSync(join(CORPUS_DIR, file));
      const format = bytes[0] === 0x0a && bytes[1] === 0x0d ? 'pcapng' : 'pcap';
      seeds[format].push({ name: `corpus ${file}`, bytes });
    }
  }
  artifact = artifactFor(
    dir,
    `tap t { source pcap "${gen}" }
group all { tool a { output pcapng "${join(dir, 'out', 'all.pcapng')}" } }
group web { tool w { output pcap "${join(dir, 'out', 'web.pcap')}" } dedup window 1 ms }
rule everything from t match ip or ip6 or arp or not ip to all
rule web from t match tcp port 80 or udp port 53 to web`,
  );
});

/** Ways to damage a file, each aimed where a reader could go wrong. */
type Mutation =
  | { kind: 'byte'; at: number; value: number }
  | { kind: 'word'; at: number; value: number; le: boolean }
  | { kind: 'cut'; at: number }
  | { kind: 'delete'; at: number; len: number }
  | { kind: 'insert'; at: number; bytes: number[] };

/** Lengths that tend to find the edges: 0, small, the limits, near the file's own size. */
const WORDS = [0, 1, 4, 8, 11, 12, 13, 16, 20, 28, 32, 0x7fffffff, 0xffffffff, 65535, 262144, 262145, 0x1000000];

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('byte' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({
    kind: fc.constant('word' as const),
    // aligned to 4: where pcapng lengths and pcap header fields lie
    at: fc.nat().map((n) => n * 4),
    value: fc.oneof(fc.constantFrom(...WORDS), fc.nat(), fc.integer({ min: -64, max: 64 })),
    le: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 64 }) }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    bytes: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 40 }),
  }),
);

function mutate(bytes: Uint8Array, ms: Mutation[]): Uint8Array {
  let b = Uint8Array.from(bytes);
  for (const m of ms) {
    if (b.length === 0) break;
    const at = m.kind === 'word' ? m.at % Math.max(1, b.length - 3) : m.at % b.length;
    switch (m.kind) {
      case 'byte':
        b[at] = m.value;
        break;
      case 'word': {
        if (b.length < 4) break;
        // small values are taken relative to the file's size: lengths just past or short of the end
        const v = m.value >= -64 && m.value <= 64 && !WORDS.includes(m.value) ? b.length - at + m.value : m.value;
        new DataView(b.buffer).setUint32(at, v >>> 0, m.le);
        break;
      }
      case 'cut':
        b = b.slice(0, at);
        break;
      case 'delete':
        b = Uint8Array.from([...b.subarray(0, at), ...b.subarray(at + m.len)]);
        break;
      case 'insert':
        b = Uint8Array.from([...b.subarray(0, at), ...m.bytes, ...b.subarray(at)]);
        break;
    }
  }
  return b;
}

interface Read {
  packets: number;
  truncated: boolean;
  /** Set when the file was refused on opening or reading stopped at a record that cannot be real. */
  error: CaptureError | undefined;
  opened: boolean;
}

/** Reads a file as the runtime does, checking the reader's promises on the way. */
function readChecked(path: string, size: number, readAhead: boolean): Read {
  let src;
  try {
    src = openCapture(path, { readAhead, bufferSize: 4096 });
  } catch (e) {
    expectCaptureError(e, path);
    expect(['empty', 'bad-magic', 'bad-header', 'io']).toContain((e as CaptureError).code);
    return { packets: 0, truncated: false, error: e as CaptureError, opened: false };
  }
  let packets = 0;
  let error: CaptureError | undefined;
  try {
    for (let r = src.next(); r; r = src.next()) {
      packets++;
      expect(r.packetNumber).toBe(packets);
      expect(r.capLen).toBe(r.data.length);
      expect(r.byteOffset).toBeLessThan(size);
    }
  } catch (e) {
    expectCaptureError(e, path);
    error = e as CaptureError;
    // where it stopped: the packet after the last one delivered, at the offset reading reached
    expect(error.packetNumber).toBe(packets + 1);
    expect(error.byteOffset).toBe(src.bytesConsumed);
  }
  if (!error) {
    // every byte accounted for: read, or the record cut by the end of the file
    expect(src.bytesConsumed + (src.truncatedAt?.bytesPresent ?? 0)).toBe(size);
    if (src.truncatedAt) expect(src.truncatedAt.packetNumber).toBe(packets + 1);
  }
  return { packets, truncated: src.truncatedAt !== undefined, error, opened: true };
}

function expectCaptureError(e: unknown, path: string): void {
  if (!(e instanceof CaptureError)) throw new Error(`not a CaptureError: ${(e as Error)?.stack ?? String(e)}`);
  expect(e.message).toContain(path);
  // the reader's guard around a parser bug
  expect(e.message).not.toContain('unexpected reader failure');
}

let fileNo = 0;

async function check(format: 'pcap' | 'pcapng', seed: Seed, ms: Mutation[]): Promise<void> {
  const bytes = mutate(seed.bytes, ms);
  const path = join(dir, `fuzz-${++fileNo}.${format}`);
  writeFileSync(path, bytes);
  const read = readChecked(path, bytes.length, false);
  // read-ahead (regular files, libuv's pool) must agree with plain reads
  expect(await readAhead(path)).toEqual({ packets: read.packets, error: read.error?.message });
  if (fileNo % RUN_EVERY === 0) await runChecked(path, read);
  rmSync(path);
}

/** The same file through read-ahead (libuv's pool), as the runtime reads: the same packets, the same end. */
async function readAhead(path: string): Promise<{ packets: number; error: string | undefined }> {
  let src;
  try {
    src = openCapture(path, { readAhead: true });
  } catch (e) {
    expectCaptureError(e, path);
    return { packets: 0, error: (e as Error).message };
  }
  let packets = 0;
  try {
    for (;;) {
      const got = src.readBatch(64, () => packets++);
      if (src.waiting) await src.waiting;
      else if (got === 0) break;
    }
  } catch (e) {
    expectCaptureError(e, path);
    return { packets, error: (e as Error).message };
  } finally {
    src.close();
  }
  return { packets, error: undefined };
}

async function runChecked(path: string, read: Read): Promise<void> {
  const outDir = join(dir, `out-${fileNo}`);
  try {
    const stats = await runArtifact(artifact, { inputs: new Map([['t', [path]]]), outDir, workers: 0 });
    expect(read.error).toBeUndefined();
    const tap = stats.taps[0];
    expect(tap.packets).toBe(read.packets);
    expect(tap.truncatedRecords).toBe(read.truncated ? 1 : 0);
    for (const g of stats.groups) {
      const dropped = Object.values(g.dropped).reduce((a, b) => a + b, 0);
      expect(g.in).toBe(g.delivered + dropped);
    }
  } catch (e) {
    if (!read.error) throw e;
    expectCaptureError(e, path);
    expect((e as CaptureError).message).toBe(read.error.message);
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

describe('fuzzing the capture readers and the runtime', () => {
  for (const format of ['pcap', 'pcapng'] as const) {
    it(`${format}: mutated files are read, refused or stopped with a located error; never a crash or a silent skip`, async () => {
      expect(seeds[format].length).toBeGreaterThan(LINK_TYPES.length);
      await fc.assert(
        fc.asyncProperty(
          fc.nat({ max: seeds[format].length - 1 }),
          fc.array(mutation, { minLength: 1, maxLength: 4 }),
          async (i, ms) => check(format, seeds[format][i], ms),
        ),
        { numRuns: RUNS, seed: SEED },
      );
    });
  }
});
