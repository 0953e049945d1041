import { spawnSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../../../src/gen/generate.js';
import { CaptureError } from '../../../src/runtime/capture/errors.js';
import { openCapture } from '../../../src/runtime/capture/open.js';
import type { TruncationPoint } from '../../../src/runtime/capture/source.js';
import { concat, frame, ng, pcapFile } from './support/synth.js';
import { CORPUS_DIR, CORPUS_NOTE, corpusManifest, HAVE_CORPUS } from '../../support/corpus.js';
import { missingTools, tempDir } from '../../support/tools.js';

/**
 * A record whose length word lies hides every record after it from a reader
 * that trusts it: tmesc must say so (an error naming file, packet and byte
 * offset), while a file genuinely cut short stays a counted warning. The
 * oracles: tcpdump reads the same packets before a cut, and exits non-zero
 * for both kinds (it cannot tell them apart; tmesc can, and must never take
 * a cut file for a lie).
 */

const tmp = tempDir('tmesc-lying-length-');
afterAll(tmp.cleanup);

interface Outcome {
  packets: number;
  error: CaptureError | undefined;
  truncatedAt: TruncationPoint | undefined;
  /** Bytes of the file the reader went through: up to the cut record, or the whole file. */
  consumed: number;
}

function readAll(path: string, readAhead = false, bufferSize?: number): Outcome {
  let packets = 0;
  let error: CaptureError | undefined;
  const src = openCapture(path, { readAhead, bufferSize });
  try {
    for (let r = src.next(); r; r = src.next()) packets++;
  } catch (e) {
    if (!(e instanceof CaptureError)) throw e;
    error = e;
  }
  return { packets, error, truncatedAt: src.truncatedAt, consumed: src.bytesConsumed };
}

function put(name: string, bytes: Uint8Array): string {
  const path = join(tmp.dir, name);
  writeFileSync(path, bytes);
  return path;
}

let genPcap: Uint8Array;
let genPcapng: Uint8Array;

beforeAll(() => {
  generate({ output: join(tmp.dir, 'g.pcap'), packets: 30, seed: 7 });
  generate({ output: join(tmp.dir, 'g.pcapng'), packets: 40, seed: 7, format: 'pcapng' });
  genPcap = readFileSync(join(tmp.dir, 'g.pcap'));
  genPcapng = readFileSync(join(tmp.dir, 'g.pcapng'));
});

/** Offsets of each pcap record header (after the 24-byte file header). */
function pcapRecords(b: Uint8Array): number[] {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: number[] = [];
  for (let p = 24; p + 16 <= b.length; p += 16 + dv.getUint32(p + 8, true)) out.push(p);
  return out;
}

/** [offset, type] of each pcapng block. */
function pcapngBlocks(b: Uint8Array): [number, number][] {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: [number, number][] = [];
  for (let p = 0; p + 12 <= b.length; p += dv.getUint32(p + 4, true)) out.push([p, dv.getUint32(p, true)]);
  return out;
}

function withU32(b: Uint8Array, at: number, v: number): Uint8Array {
  const c = Uint8Array.from(b);
  new DataView(c.buffer).setUint32(at, v, true);
  return c;
}

describe('a length that lies', () => {
  it('pcap: a first record claiming 200,000 bytes is an error naming file, packet and offset, not a truncation', () => {
    const path = put('lie-first.pcap', withU32(genPcap, 24 + 8, 200_000));
    for (const readAhead of [false, true]) {
      const o = readAll(path, readAhead);
      expect(o.packets).toBe(0);
      expect(o.truncatedAt).toBeUndefined();
      expect(o.error?.code).toBe('bad-record');
      expect(o.error?.packetNumber).toBe(1);
      expect(o.error?.byteOffset).toBe(24);
      expect(o.error?.message).toContain(path);
      expect(o.error?.message).toContain('record claims 200000 captured bytes');
      expect(o.error?.message).toContain('29 well-formed records run from byte offset');
    }
  });

  it('pcap: a record in the middle claiming less than the snaplen but past the end is caught too', () => {
    const at = pcapRecords(genPcap)[9];
    const o = readAll(put('lie-middle.pcap', withU32(genPcap, at + 8, 60_000)));
    expect(o.packets).toBe(9);
    expect(o.error?.packetNumber).toBe(10);
    expect(o.error?.byteOffset).toBe(at);
    expect(o.error?.message).toContain('20 well-formed records');
  });

  it('pcap: a caplen above the snaplen or the link type maximum cannot be real', () => {
    const small = pcapFile({ le: true, snapLen: 64 }, [
      { sec: 1, frac: 0, data: frame(60, 1) },
      { sec: 2, frac: 0, data: frame(65, 2) },
    ]);
    const o = readAll(put('over-snap.pcap', small));
    expect([o.packets, o.error?.packetNumber, o.error?.byteOffset]).toEqual([1, 2, 24 + 16 + 60]);
    expect(o.error?.message).toContain("more than the file's snapshot length of 64");
    const huge = readAll(put('over-max.pcap', withU32(genPcap, 24 + 8, 262145)));
    expect(huge.error?.message).toContain('more than the 262144-byte maximum for link type 1');
  });

  it('pcapng: an interface block claiming 16 MiB is an error, not a truncation', () => {
    const [idb] = pcapngBlocks(genPcapng).find(([, t]) => t === 1)!;
    const path = put('lie-idb.pcapng', withU32(genPcapng, idb + 4, 16 * 1024 * 1024));
    for (const readAhead of [false, true]) {
      const o = readAll(path, readAhead);
      expect(o.truncatedAt).toBeUndefined();
      expect(o.error?.code).toBe('bad-block');
      expect(o.error?.byteOffset).toBe(idb);
      expect(o.error?.message).toContain('interface description) claims a length of 16777216 bytes');
      expect(o.error?.message).toContain('40 well-formed blocks');
    }
  });

  it('pcapng: a packet block claiming more than the file holds is caught in the middle of a file', () => {
    const blocks = pcapngBlocks(genPcapng).filter(([, t]) => t === 6);
    const [at] = blocks[19];
    const o = readAll(put('lie-epb.pcapng', withU32(genPcapng, at + 4, 1 << 20)));
    expect([o.packets, o.error?.packetNumber, o.error?.byteOffset]).toEqual([19, 20, at]);
  });

  it('pcapng: lengths below the minimum, not a multiple of 4, above the maximum, or disagreeing with the trailer', () => {
    const [at] = pcapngBlocks(genPcapng).filter(([, t]) => t === 6)[3];
    const len = new DataView(genPcapng.buffer, genPcapng.byteOffset).getUint32(at + 4, true);
    const cases: [string, Uint8Array, string][] = [
      ['short', withU32(genPcapng, at + 4, 8), 'below the 12-byte minimum'],
      ['odd', withU32(genPcapng, at + 4, len + 2), 'not a multiple of 4'],
      ['huge', withU32(genPcapng, at + 4, 0x7ffffffc), 'above the 16777216-byte maximum'],
      [
        'trailer',
        withU32(genPcapng, at + len - 4, len + 4),
        `a length of ${len} at its start and ${len + 4} at its end`,
      ],
    ];
    for (const [name, bytes, says] of cases) {
      const path = put(`bad-${name}.pcapng`, bytes);
      const o = readAll(path);
      expect(o.error?.message, name).toContain(says);
      expect(o.error?.message, name).toContain(`${path}: `);
      expect([o.packets, o.error?.packetNumber, o.error?.byteOffset], name).toEqual([3, 4, at]);
    }
  });
});

describe('a file cut short', () => {
  /** Every cut of the file is a truncation (never an error), and the reader accounts for every byte. */
  /** Every byte of the first two records, of two in the middle and of the last two, and either side of every record boundary. */
  function everyCut(
    name: string,
    whole: Uint8Array,
    starts: number[],
    firstCut: number,
    complete: (cut: number) => number,
  ): void {
    const ends = [...starts.slice(1), whole.length];
    const cuts = new Set<number>();
    const m = starts.length >> 1;
    for (const i of [0, 1, m, m + 1, starts.length - 2, starts.length - 1])
      for (let c = starts[i]; c <= ends[i]; c++) cuts.add(c);
    for (const e of ends) for (const c of [e - 1, e + 1]) cuts.add(c);
    for (const cut of [...cuts].filter((c) => c >= firstCut && c < whole.length)) {
      // a small buffer: thousands of opens
      const o = readAll(put(name, whole.subarray(0, cut)), false, 4096);
      if (o.error) throw new Error(`cut at ${cut}: ${o.error.message}`);
      expect(o.packets, `cut at ${cut}`).toBe(complete(cut));
      // packets delivered up to `consumed`, then the cut record's bytes: nothing unaccounted
      expect(o.consumed + (o.truncatedAt?.bytesPresent ?? 0), `cut at ${cut}`).toBe(cut);
    }
  }

  it('pcap: anywhere, a warning with the cut record, never an error', () => {
    const starts = pcapRecords(genPcap);
    const ends = starts.map((p, i, all) => all[i + 1] ?? genPcap.length);
    everyCut('cut.pcap', genPcap, starts, 25, (cut) => ends.filter((e) => e <= cut).length);
  });

  it('pcapng: anywhere, a warning with the cut block, never an error', () => {
    const blocks = pcapngBlocks(genPcapng);
    const ends = blocks.map((_, i) => [blocks[i + 1]?.[0] ?? genPcapng.length, blocks[i][1]] as const);
    everyCut(
      'cut.pcapng',
      genPcapng,
      blocks.map(([p]) => p),
      // a cut inside the section header's first 28 bytes is not a capture at all (an error on opening)
      28,
      (cut) => ends.filter(([e, t]) => e <= cut && t === 6).length,
    );
  });

  it('a cut packet full of zeros or of record-like bytes is still a truncation', () => {
    // a 16-byte run of zeros looks like a pcap header of caplen 0; the data of a capture of a capture looks like records
    const inner = pcapFile({ le: true }, [
      { sec: 1_700_000_000, frac: 5, data: frame(40, 1) },
      { sec: 1_700_000_000, frac: 6, data: frame(40, 2) },
    ]).subarray(24);
    const packets = [
      { sec: 1_700_000_000, frac: 1, data: frame(60, 1) },
      { sec: 1_700_000_000, frac: 2, data: new Uint8Array(1000) },
    ];
    const zeros = pcapFile({ le: true }, packets);
    for (const cut of [zeros.length - 1, zeros.length - 100, zeros.length - 512]) {
      const o = readAll(put('zeros.pcap', zeros.subarray(0, cut)));
      expect([o.packets, o.error, o.truncatedAt?.packetNumber]).toEqual([1, undefined, 2]);
    }
    const nested = pcapFile({ le: true }, [
      packets[0],
      { sec: 1_700_000_000, frac: 3, data: concat(inner, frame(500, 3)) },
    ]);
    const o = readAll(put('nested.pcap', nested.subarray(0, nested.length - 400)));
    expect([o.packets, o.error, o.truncatedAt?.packetNumber]).toEqual([1, undefined, 2]);
    const ngZeros = concat(ng.shb(true), ng.idb(true, 1, 0), ng.epb(true, 0, 0, 1, new Uint8Array(2000)));
    const n = readAll(put('zeros.pcapng', ngZeros.subarray(0, ngZeros.length - 700)));
    expect([n.packets, n.error, n.truncatedAt?.packetNumber]).toEqual([0, undefined, 1]);
  });
});

const tools = missingTools('tcpdump');
describe.skipIf(tools.skip)(`verdicts beside tcpdump's${tools.note}`, () => {
  function tcpdump(path: string): { code: number; packets: number; err: string } {
    // --count: one line of output per packet would miscount packets tcpdump prints on several lines
    const r = spawnSync('tcpdump', ['--count', '-r', path], { encoding: 'utf8' });
    const packets = /^(\d+) packets?$/m.exec(r.stdout)?.[1];
    return { code: r.status ?? -1, packets: Number(packets ?? -1), err: r.stderr };
  }

  it('a cut file: the packets before the cut are those tcpdump reads, and both say the file was cut', () => {
    for (const [name, whole] of [
      ['cut-td.pcap', genPcap],
      ['cut-td.pcapng', genPcapng],
    ] as const) {
      const path = put(name, whole.subarray(0, whole.length - 37));
      const ours = readAll(path);
      const theirs = tcpdump(path);
      expect(theirs.err).toContain('truncated');
      expect(theirs.code).not.toBe(0);
      expect(ours.packets).toBe(theirs.packets);
      expect(ours.truncatedAt).toBeDefined();
    }
  });

  it('a lying length: tcpdump stops there too (with no packet), and both exit non-zero', () => {
    const path = put('lie-td.pcap', withU32(genPcap, 24 + 8, 200_000));
    expect(tcpdump(path)).toMatchObject({ packets: 0 });
    expect(tcpdump(path).code).not.toBe(0);
    expect(readAll(path).error).toBeDefined();
  });
});

describe.skipIf(!HAVE_CORPUS)(`the corpus: truncated and malformed captures${CORPUS_NOTE}`, () => {
  const rows = HAVE_CORPUS
    ? corpusManifest().filter((r) => r.categories.includes('truncated') || r.categories.includes('malformed'))
    : [];

  it('has such captures', () => {
    expect(rows.length).toBeGreaterThan(5);
  });

  // packets cut by the snapshot length, or malformed inside: whole files all the same (capinfos exits 0 on each)
  it.each(rows.map((r) => [r.file, r]))('%s is read whole', (_, row) => {
    const path = join(CORPUS_DIR, row.file);
    const o = readAll(path);
    expect(o.error).toBeUndefined();
    expect(o.truncatedAt).toBeUndefined();
    expect(o.packets).toBe(row.packets);
    expect(o.consumed).toBe(statSync(path).size);
  });

  it.each(rows.map((r) => [r.file, r]))('%s cut short is a truncation at its last packet', (_, row) => {
    const whole = readFileSync(join(CORPUS_DIR, row.file));
    const cut = readAll(put(`corpus-cut-${row.file}`, whole.subarray(0, whole.length - 3)));
    expect(cut.error).toBeUndefined();
    expect(cut.truncatedAt?.packetNumber).toBe(row.packets);
    expect(cut.packets).toBe(row.packets - 1);
  });
});

describe.skipIf(!HAVE_CORPUS)(`the corpus: a lying first length${CORPUS_NOTE}`, () => {
  it('in every pcap capture of two packets or more is an error at packet 1, not a truncation', () => {
    let lied = 0;
    for (const row of HAVE_CORPUS ? corpusManifest().filter((r) => r.packets >= 2) : []) {
      const path = join(CORPUS_DIR, row.file);
      if (openCapture(path).format !== 'pcap') continue;
      const whole = readFileSync(path);
      const dv = new DataView(whole.buffer, whole.byteOffset, whole.byteLength);
      const le = [0xa1b2c3d4, 0xa1b23c4d, 0xa1b2cd34].includes(dv.getUint32(0, true));
      const lie = Uint8Array.from(whole);
      // one byte more than the file has left: above the snapshot length, or hiding the records after it
      new DataView(lie.buffer).setUint32(24 + 8, whole.length - 24 - 16 + 1, le);
      const o = readAll(put(`corpus-lie-${row.file}`, lie));
      expect([o.truncatedAt, o.error?.packetNumber, o.error?.byteOffset], row.file).toEqual([undefined, 1, 24]);
      lied++;
    }
    expect(lied).toBeGreaterThan(50);
  });
});
