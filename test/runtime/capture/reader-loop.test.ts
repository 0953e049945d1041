import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CaptureWriter } from '../../../src/runtime/capture/capture-writer.js';
import type { ChunkLoop } from '../../../src/runtime/capture/chunk-loop.js';
import { CaptureError } from '../../../src/runtime/capture/errors.js';
import { openCapture } from '../../../src/runtime/capture/open.js';
import { PcapReader } from '../../../src/runtime/capture/pcap-reader.js';
import { CHUNK, HEADROOM } from '../../../src/runtime/capture/read-ahead.js';
import type { PacketRecord } from '../../../src/runtime/capture/record.js';
import type { ReaderOptions } from '../../../src/runtime/capture/source.js';
import { tempDir } from '../../support/tools.js';

/**
 * The pcap reader walks the records wholly in its buffer by offset in one
 * loop and hands everything else (a buffer's edge, a length to refuse, a
 * fraction to normalise, the time bound) to the general path; the held head
 * goes back to the loop when it is still in the window.
 * Whatever the batch sizes and time bounds, it must hand out exactly what
 * next() does, one record at a time; records read in place (`views: false`)
 * give the same bytes through `data`, made on demand.
 */
const tmp = tempDir('tmesc-reader-loop-');
afterAll(tmp.cleanup);

function rng(seed: number): (n: number) => number {
  let s = seed;
  return (n) => ((s = (s * 1103515245 + 12345) & 0x7fffffff), (s >>> 12) % n);
}

function capture(name: string, resolution: 'us' | 'ns', seed: number): { path: string; count: number } {
  const rnd = rng(seed);
  const path = join(tmp.dir, name);
  const w = new CaptureWriter(path, { format: 'pcap', resolution, linkType: 1, snapLen: 2 * CHUNK });
  let total = 0;
  let i = 0;
  while (total < 3 * CHUNK) {
    const pick = rnd(200);
    const n = pick < 2 ? HEADROOM + rnd(2 * HEADROOM) : pick < 10 ? rnd(20) : 40 + rnd(1500);
    const d = new Uint8Array(n);
    for (let j = 0; j < n; j += 13) d[j] = (i + j) & 0xff;
    // timestamps mostly rising, some equal, some going back (as merged files can)
    w.writePacket(
      0,
      d,
      1_700_000_000 + (i >> 3) - (pick === 7 ? 2 : 0),
      ((i * 7919) % 4) * 1000 + (resolution === 'ns' ? i % 2 : 0),
      n + 2,
    );
    total += n;
    i++;
  }
  w.writePacket(0, new Uint8Array(CHUNK + 333).fill(7), 1_800_000_000, 5, CHUNK + 333);
  w.close();
  return { path, count: i + 1 };
}

const digest = (r: PacketRecord) =>
  `${r.packetNumber} ${r.byteOffset} ${r.tsSec}.${r.tsNsec} ${r.capLen}/${r.wireLen} ${r.linkType} ` +
  createHash('sha1').update(r.data).digest('hex');

function oneByOne(path: string): string[] {
  const src = openCapture(path, { maxCapLen: 2 * CHUNK });
  const out: string[] = [];
  for (let r; (r = src.next());) out.push(digest(r));
  src.close();
  return out;
}

/** Batches of random sizes, each bounded by a random time near the next packet's, as the engine merges taps. */
async function batched(path: string, options: ReaderOptions, seed: number): Promise<string[]> {
  const rnd = rng(seed);
  const src = openCapture(path, { maxCapLen: 2 * CHUNK, ...options });
  const out: string[] = [];
  for (;;) {
    const head = src.peek();
    if (!head) {
      if (src.waiting) {
        await src.waiting;
        continue;
      }
      break;
    }
    const bound = rnd(4);
    const untilSec = bound === 0 ? Infinity : head.tsSec + rnd(3);
    const untilNsec = rnd(4) * 1000;
    const got = src.readBatch(
      1 + rnd(400),
      (r) => {
        // nothing stamped after the bound: that packet is held as the next head
        if (r.tsSec > untilSec || (r.tsSec === untilSec && r.tsNsec > untilNsec))
          out.push(`past the bound: ${digest(r)}`);
        else out.push(digest(r));
      },
      untilSec,
      untilNsec,
    );
    if (src.waiting) await src.waiting;
    else if (got === 0 && src.done) break;
  }
  src.close();
  return out;
}

describe('the pcap reader loop', () => {
  for (const resolution of ['us', 'ns'] as const) {
    const c = capture(`loop-${resolution}.pcap`, resolution, resolution === 'us' ? 1 : 2);
    const expected = oneByOne(c.path);

    it(`${resolution}: batches and time bounds hand out what next() does (read-ahead, views made on demand)`, async () => {
      expect(expected).toHaveLength(c.count);
      expect(await batched(c.path, { readAhead: true, views: false, copyRuns: true }, 3)).toEqual(expected);
      expect(await batched(c.path, { readAhead: true }, 4)).toEqual(expected);
    });

    it(`${resolution}: the same through a small synchronous buffer`, async () => {
      expect(await batched(c.path, { bufferSize: 1000, views: false }, 5)).toEqual(expected);
    });
  }

  it('a fraction past the second is normalised as before, in the middle of a batch', async () => {
    const c = capture('frac.pcap', 'us', 9);
    const b = readFileSync(c.path);
    // the 40th record's fraction: 2,500,000 us
    let p = 24;
    for (let i = 0; i < 39; i++) p += 16 + b.readUInt32LE(p + 8);
    b.writeUInt32LE(2_500_000, p + 4);
    const sec = b.readUInt32LE(p);
    writeFileSync(c.path, b);
    const all = oneByOne(c.path);
    expect(all[39]).toContain(` ${sec + 2}.500000000 `);
    expect(await batched(c.path, { readAhead: true, views: false }, 6)).toEqual(all);
  });

  it('a lying length in the middle of a batch: the error names the file, packet number and byte offset', async () => {
    const c = capture('lying.pcap', 'us', 10);
    const b = readFileSync(c.path);
    let p = 24;
    for (let i = 0; i < 99; i++) p += 16 + b.readUInt32LE(p + 8);
    b.writeUInt32LE(0x7fff_0000, p + 8);
    writeFileSync(c.path, b);
    const src = openCapture(c.path, { readAhead: true, views: false });
    let n = 0;
    let err: unknown;
    try {
      for (;;) {
        const got = src.readBatch(1000, () => n++);
        if (src.waiting) await src.waiting;
        else if (got === 0) break;
      }
    } catch (e) {
      err = e;
    }
    expect(n).toBe(99);
    expect(err).toBeInstanceOf(CaptureError);
    const ce = err as CaptureError;
    expect(ce.message).toContain(c.path);
    expect(ce.packetNumber).toBe(100);
    expect(ce.byteOffset).toBe(p);
  });
});

describe('records read in place (views: false)', () => {
  it('pcapng: the same packets, bytes, interfaces and comments as with views', async () => {
    const path = join(tmp.dir, 'inplace.pcapng');
    const w = new CaptureWriter(path, { format: 'pcapng', snapLen: 2 * CHUNK });
    const a = w.interfaceFor(1, 'a');
    const b = w.interfaceFor(101, 'b');
    const rnd = rng(21);
    for (let i = 0; i < 3000; i++) {
      const n = i % 500 === 7 ? HEADROOM + rnd(HEADROOM) : rnd(1600);
      const d = new Uint8Array(n).map((_, j) => (i * 31 + j) & 0xff);
      w.writePacket(i % 3 === 0 ? b : a, d, 1_700_000_000 + i, i, n + 1, i % 10 === 0 ? `c${i}` : undefined);
    }
    w.close();
    const read = async (views: boolean) => {
      const src = openCapture(path, { readAhead: true, views, maxCapLen: 2 * CHUNK });
      const out: string[] = [];
      for (;;) {
        const got = src.readBatch(100, (r) => out.push(`${digest(r)} ${r.interfaceName} ${r.comment}`));
        if (src.waiting) await src.waiting;
        else if (got === 0) break;
      }
      src.close();
      return out;
    };
    const withViews = await read(true);
    expect(withViews).toHaveLength(3000);
    expect(await read(false)).toEqual(withViews);
  });
});

/** A consumer's loop that takes every record wholly in the chunk, noting what it took. */
class TakeAll implements ChunkLoop {
  handled = 0;
  readonly seen: string[] = [];
  run(bytes: Uint8Array, view: DataView, start: number, end: number, quota: number): number {
    let p = start;
    this.handled = 0;
    while (this.handled < quota && end - p >= 16) {
      const capLen = view.getUint32(p + 8, true);
      if (end - p < 16 + capLen) break;
      const data = bytes.subarray(p + 16, p + 16 + capLen);
      this.seen.push(
        `${view.getUint32(p, true)}.${view.getUint32(p + 4, true) * 1000} ${capLen}/${view.getUint32(p + 12, true)} ${createHash('sha1').update(data).digest('hex')}`,
      );
      p += 16 + capLen;
      this.handled++;
    }
    return p;
  }
}

/** Reads `src` to its end through a TakeAll loop (waiting for read-ahead); `one`: records handed out one by one. */
async function throughLoop(src: ReturnType<typeof openCapture>): Promise<{ loop: TakeAll; one: number }> {
  const loop = new TakeAll();
  (src as PcapReader).chunkLoop = loop;
  let one = 0;
  for (;;) {
    const got = src.readBatch(1000, () => one++);
    if (src.waiting) await src.waiting;
    else if (got === 0 && src.done) break;
  }
  return { loop, one };
}

describe('a chunk loop over the reader', () => {
  const c = capture('edges.pcap', 'us', 12);
  const expected = oneByOne(c.path).map((d) => {
    const [, , ts, len, , hash] = d.split(' ');
    return `${ts} ${len} ${hash}`;
  });

  for (const [what, options] of [
    ['read-ahead chunks (waited for as they arrive)', { readAhead: true, views: false, copyRuns: true }],
    ['a small synchronous buffer', { bufferSize: 5000, views: false }],
  ] as const)
    it(`${what}: records cut by the buffer's end go to the loop once the window has moved, not record by record`, async () => {
      const src = openCapture(c.path, { maxCapLen: 2 * CHUNK, ...options });
      expect(src).toBeInstanceOf(PcapReader);
      const { loop, one } = await throughLoop(src);
      src.close();
      // the end of the file is found by the general path, which hands out no record
      expect(one).toBe(0);
      expect(loop.seen).toEqual(expected);
    });

  for (const [what, options] of [
    ['read-ahead chunks', { readAhead: true, views: false, copyRuns: true }],
    ['a small synchronous buffer', { bufferSize: 5000, views: false }],
  ] as const)
    it(`${what}: the head peeked before each batch (as the engine does) goes to the loop with the records after it`, async () => {
      const src = openCapture(c.path, { maxCapLen: 2 * CHUNK, ...options });
      const loop = new TakeAll();
      (src as PcapReader).chunkLoop = loop;
      let one = 0;
      let heads = 0;
      for (;;) {
        // a peek at the window's end waits for the next chunk (waiting), it does not throw
        const head = src.peek();
        if (!head) {
          if (src.waiting) {
            await src.waiting;
            continue;
          }
          break;
        }
        heads++;
        src.readBatch(1000, () => one++);
        if (src.waiting) await src.waiting;
      }
      src.close();
      expect(heads).toBeGreaterThan(expected.length / 1000);
      expect(one).toBe(0);
      expect(loop.seen).toEqual(expected);
      expect(src.packetsRead).toBe(expected.length);
    });
});

describe('a file that ends inside a record (read-ahead, chunk loop)', () => {
  const c = capture('cut-short.pcap', 'us', 31);
  const whole = readFileSync(c.path);
  /** Record starts, to cut the file inside a header, inside data, and right at a read-ahead chunk's end. */
  const starts: number[] = [];
  for (let p = 24; p < whole.length; p += 16 + whole.readUInt32LE(p + 8)) starts.push(p);
  // the file offset where the first read-ahead chunk ends (the headers were read first, synchronously, 256 KiB)
  const firstChunkEnd = 256 * 1024 + CHUNK;
  const big = starts.find((p) => whole.readUInt32LE(p + 8) > HEADROOM)!;
  const cuts: [string, number][] = [
    ['inside a header', starts[50] + 7],
    ['inside the data', starts[60] + 16 + 3],
    ['one byte before a chunk ends', firstChunkEnd - 1],
    ['exactly where a chunk ends', firstChunkEnd],
    ['one byte after a chunk ends', firstChunkEnd + 1],
    ['inside a record larger than the headroom', big + 16 + HEADROOM + 5],
    ['inside the last record, larger than a chunk', whole.length - 100],
  ];

  for (const [what, at] of cuts)
    it(`${what}: the same records, then the same truncation, as one by one`, async () => {
      const path = join(tmp.dir, `cut-${at}.pcap`);
      writeFileSync(path, whole.subarray(0, at));
      const sync = openCapture(path, { maxCapLen: 2 * CHUNK });
      const expected: string[] = [];
      for (let r; (r = sync.next());) expected.push(digest(r));
      const expectedCut = sync.truncatedAt;
      sync.close();
      expect(expectedCut).toBeDefined();

      const src = openCapture(path, { maxCapLen: 2 * CHUNK, readAhead: true, views: false, copyRuns: true });
      const { loop, one } = await throughLoop(src);
      expect(src.truncatedAt).toEqual(expectedCut);
      src.close();
      expect(one).toBe(0);
      expect(loop.seen).toEqual(
        expected.map((d) => {
          const [, , ts, len, , hash] = d.split(' ');
          return `${ts} ${len} ${hash}`;
        }),
      );
    });
});
