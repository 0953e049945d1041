import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CaptureWriter } from '../../../src/runtime/capture/capture-writer.js';
import { PCAP_MAGIC_US } from '../../../src/runtime/capture/magic.js';
import { openCapture } from '../../../src/runtime/capture/open.js';
import { CHUNK } from '../../../src/runtime/capture/read-ahead.js';
import { RECORD_LAYOUT } from '../../../src/runtime/capture/record.js';
import type { ReaderOptions } from '../../../src/runtime/capture/source.js';
import { ToolOutput } from '../../../src/runtime/output/tool-output.js';
import { tempDir } from '../../support/tools.js';
import { type Input, packet, readAll, rng, writeInput } from './records.js';

/**
 * pcap outputs take records whose bytes are already what they would write
 * (ToolOutput.writeRecord) and copy runs of consecutive ones at once, from
 * the reader's buffer, before it moves on (CopyRuns). The files must be the
 * ones the record-by-record encoder writes, byte for byte, whatever the
 * records' sizes and where they fall: across read-ahead chunks, larger than
 * the headroom, larger than a chunk, in small synchronous read buffers.
 */
const tmp = tempDir('tmesc-copy-runs-');
afterAll(tmp.cleanup);
const input = (name: string, seed: number, total: number, big: boolean, resolution: 'us' | 'ns' = 'us') =>
  writeInput(join(tmp.dir, name), seed, total, big, resolution);

function output(name: string, format: 'pcap' | 'pcapng', nanosecond: boolean): ToolOutput {
  return new ToolOutput({
    path: join(tmp.dir, name),
    format,
    nanosecond,
    taps: [{ name: 't', snapLen: 262144, nanosecond }],
  });
}

/**
 * The same selection of records written twice: as runs (the reader with
 * copyRuns, views false) and record by record (the encoder, from `data`).
 */
async function both(
  inp: Input,
  keep: (i: number) => boolean,
  options: ReaderOptions,
  format: 'pcap' | 'pcapng' = 'pcap',
  nanosecond = inp.resolution === 'ns',
): Promise<{ runs: Buffer; encoded: Buffer; kept: number; verbatim: number }> {
  const tag = Math.random().toString(36).slice(2);
  const a = output(`runs-${tag}.${format}`, format, nanosecond);
  const b = output(`enc-${tag}.${format}`, format, nanosecond);
  let i = 0;
  let kept = 0;
  let verbatim = 0;
  await readAll(inp.path, { ...options, copyRuns: true, views: false }, (r) => {
    if (!keep(i++)) return;
    kept++;
    if (r.verbatim) verbatim++;
    expect(a.writeRecord(r, r.wireLen, 0, undefined)).toBe(true);
  });
  i = 0;
  await readAll(inp.path, {}, (r) => {
    if (keep(i++)) b.write(r.data, r.tsSec, r.tsNsec, r.wireLen, r.linkType, 0, undefined);
  });
  await a.close();
  await b.close();
  expect(a.packets).toBe(kept);
  expect(a.bytes).toBe(b.bytes);
  return { runs: readFileSync(a.path), encoded: readFileSync(b.path), kept, verbatim };
}

describe('pcap outputs copying runs of records', () => {
  const big = input('big.pcap', 1, 6 * CHUNK, true);
  const small = input('small.pcap', 2, CHUNK, false);
  const ns = input('ns.pcap', 3, CHUNK, false, 'ns');
  const selections: [string, (i: number) => boolean][] = [
    ['every record', () => true],
    ['every other record', (i) => (i & 1) === 0],
    ['random runs', (i) => ((i * 2654435761) >>> 0) % 7 < 4],
    ['one in a hundred', (i) => i % 100 === 0],
    ['none', () => false],
  ];

  for (const [what, keep] of selections) {
    it(`${what}, read ahead across 1 MiB chunks, with records past the headroom and one past a chunk: the encoder's bytes`, async () => {
      const r = await both(big, keep, { readAhead: true });
      expect(r.runs.equals(r.encoded)).toBe(true);
      // the runs were taken (not the encoder's fallback)
      expect(r.verbatim).toBe(r.kept);
    });

    it(`${what}, through a small synchronous read buffer (slides and regrowth): the encoder's bytes`, async () => {
      const r = await both(big, keep, { bufferSize: 4096 });
      expect(r.runs.equals(r.encoded)).toBe(true);
      expect(r.verbatim).toBe(r.kept);
    });
  }

  it('all records kept: the output is the input file, but for the header it writes itself', async () => {
    const r = await both(small, () => true, { readAhead: true });
    const whole = readFileSync(small.path);
    expect(r.runs.subarray(24).equals(whole.subarray(24))).toBe(true);
    expect(r.runs.readUInt32LE(0)).toBe(PCAP_MAGIC_US);
  });

  it('nanosecond input to a nanosecond output: runs; to a microsecond output or to pcapng: encoded, same bytes', async () => {
    const same = await both(ns, (i) => i % 3 !== 1, { readAhead: true });
    expect(same.runs.equals(same.encoded)).toBe(true);
    expect(same.verbatim).toBe(same.kept);
    const coarser = await both(ns, (i) => i % 3 !== 1, { readAhead: true }, 'pcap', false);
    expect(coarser.runs.equals(coarser.encoded)).toBe(true);
    const toMicro = await both(small, () => true, { readAhead: true }, 'pcap', true);
    expect(toMicro.runs.equals(toMicro.encoded)).toBe(true);
    const ng = await both(small, (i) => i % 2 === 0, { readAhead: true }, 'pcapng');
    expect(ng.runs.equals(ng.encoded)).toBe(true);
  });

  it('records a writer would write otherwise are encoded: big-endian files, fractions past the second, a changed wire length', async () => {
    // big-endian copy of `small`, with one record's fraction at 1,000,000 us (normalised on reading)
    const le = readFileSync(small.path);
    const be = Buffer.alloc(le.length);
    be.writeUInt32BE(0xa1b2c3d4, 0);
    be.writeUInt16BE(2, 4);
    be.writeUInt16BE(4, 6);
    be.writeUInt32BE(le.readUInt32LE(16), 16);
    be.writeUInt32BE(le.readUInt32LE(20), 20);
    const overflow = join(tmp.dir, 'overflow.pcap');
    const lec = Buffer.from(le);
    for (let p = 24, i = 0; p < le.length; i++) {
      const cap = le.readUInt32LE(p + 8);
      for (const k of [0, 4, 8, 12]) be.writeUInt32BE(le.readUInt32LE(p + k), p + k);
      le.copy(be, p + 16, p + 16, p + 16 + cap);
      if (i === 5) lec.writeUInt32LE(1_000_000, p + 4);
      p += 16 + cap;
    }
    const bePath = join(tmp.dir, 'be.pcap');
    writeFileSync(bePath, be);
    writeFileSync(overflow, lec);
    const fromBe = await both({ ...small, path: bePath }, () => true, { readAhead: true });
    expect(fromBe.verbatim).toBe(0);
    expect(fromBe.runs.equals(fromBe.encoded)).toBe(true);
    const fromOverflow = await both({ ...small, path: overflow }, () => true, { readAhead: true });
    expect(fromOverflow.verbatim).toBe(small.count - 1);
    expect(fromOverflow.runs.equals(fromOverflow.encoded)).toBe(true);

    // a mark's wire length: the record is encoded with it, between runs
    const a = output('wire-runs.pcap', 'pcap', false);
    const b = output('wire-enc.pcap', 'pcap', false);
    let i = 0;
    await readAll(small.path, { readAhead: true, copyRuns: true, views: false }, (r) => {
      a.writeRecord(r, i % 5 === 0 ? r.wireLen + 4 : r.wireLen, 0, undefined);
      i++;
    });
    i = 0;
    await readAll(small.path, {}, (r) => {
      b.write(r.data, r.tsSec, r.tsNsec, i % 5 === 0 ? r.wireLen + 4 : r.wireLen, r.linkType, 0, undefined);
      i++;
    });
    await a.close();
    await b.close();
    expect(readFileSync(a.path).equals(readFileSync(b.path))).toBe(true);
  });

  it('two readers interleaved into one output, and writes of other frames between runs: in order', async () => {
    const other = input('other.pcap', 4, CHUNK, false);
    const taps = [
      { name: 'a', snapLen: 262144, nanosecond: false },
      { name: 'b', snapLen: 262144, nanosecond: false },
    ];
    const a = new ToolOutput({ path: join(tmp.dir, 'mix-runs.pcap'), format: 'pcap', nanosecond: false, taps });
    const b = new ToolOutput({ path: join(tmp.dir, 'mix-enc.pcap'), format: 'pcap', nanosecond: false, taps });
    const extra = packet(9999, 77);
    // the engine's way: a batch from one source, then one from the other
    for (const w of ['runs', 'enc'] as const) {
      const out = w === 'runs' ? a : b;
      // synchronous reads (small buffers: slides), so both passes interleave the sources alike
      const opts: ReaderOptions =
        w === 'runs' ? { bufferSize: 8192, copyRuns: true, views: false } : { bufferSize: 8192 };
      const s1 = openCapture(small.path, opts);
      const s2 = openCapture(other.path, opts);
      let left = 2;
      let k = 0;
      const rr = rng(3);
      while (left > 0) {
        left = 0;
        for (const [tap, s] of [
          [0, s1],
          [1, s2],
        ] as const) {
          if (s.done) continue;
          left++;
          s.readBatch(1 + rr(50), (r) => {
            k++;
            if (k % 11 === 0) out.write(extra, 1, 0, 77, 1, tap, undefined);
            if (w === 'runs') out.writeRecord(r, r.wireLen, tap, undefined);
            else out.write(r.data, r.tsSec, r.tsNsec, r.wireLen, r.linkType, tap, undefined);
          });
        }
      }
      s1.close();
      s2.close();
    }
    await a.close();
    await b.close();
    expect(a.packets).toBe(small.count + other.count + Math.floor((small.count + other.count) / 11));
    expect(readFileSync(a.path).equals(readFileSync(b.path))).toBe(true);
  });

  it('a record of another link type than the pcap file holds is refused, and the runs around it kept', async () => {
    const out = output('refuse.pcap', 'pcap', false);
    let i = 0;
    let refused = 0;
    await readAll(small.path, { readAhead: true, copyRuns: true, views: false }, (r) => {
      if (i++ === 10) {
        // as if this record were of another link type
        const lt = r.linkType;
        r.linkType = 101;
        if (!out.writeRecord(r, r.wireLen, 0, undefined)) refused++;
        r.linkType = lt;
      } else out.writeRecord(r, r.wireLen, 0, undefined);
    });
    await out.close();
    expect(refused).toBe(1);
    expect(out.packets).toBe(small.count - 1);
    let n = 0;
    await readAll(out.path, {}, () => n++);
    expect(n).toBe(small.count - 1);
  });

  it('records carry no verbatim layout without copyRuns, and never from pcapng', async () => {
    let seen = 0;
    await readAll(small.path, { readAhead: true }, (r) => (seen += r.verbatim ?? 0));
    expect(seen).toBe(0);
    const ngPath = join(tmp.dir, 'ng.pcapng');
    const w = new CaptureWriter(ngPath, { format: 'pcapng', linkType: 1 });
    for (let k = 0; k < 50; k++) w.writePacket(0, packet(k, 60 + k), 1, k, 60 + k);
    w.close();
    await readAll(ngPath, { copyRuns: true, views: false }, (r) => (seen += r.verbatim ?? 0));
    expect(seen).toBe(0);
    expect(RECORD_LAYOUT.NONE).toBe(0);
  });
});
