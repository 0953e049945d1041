import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CaptureWriter } from '../../../src/runtime/capture/capture-writer.js';
import { openCapture } from '../../../src/runtime/capture/open.js';
import { CHUNK, HEADROOM } from '../../../src/runtime/capture/read-ahead.js';
import type { CaptureFormat } from '../../../src/runtime/capture/record.js';
import { tempDir } from '../../support/tools.js';

const tmp = tempDir('tmesc-async-io-');
afterAll(tmp.cleanup);

/**
 * Record sizes chosen to put boundaries everywhere: small and mid-size
 * packets, and records larger than the read-ahead headroom (and one larger
 * than a whole chunk) so some straddle chunk boundaries the slow way.
 */
function sizes(): number[] {
  let seed = 99;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed % n);
  const out: number[] = [];
  let total = 0;
  while (total < 6 * CHUNK) {
    const pick = rnd(100);
    const n = pick < 2 ? HEADROOM + rnd(3 * HEADROOM) : pick < 3 ? 14 + rnd(40) : 60 + rnd(1500);
    out.push(n);
    total += n;
  }
  out.splice(out.length >> 1, 0, CHUNK + 12345);
  return out;
}

function packet(i: number, n: number): Uint8Array {
  const d = new Uint8Array(n);
  for (let j = 0; j < n; j += 97) d[j] = (i + j) & 0xff;
  d[0] = i & 0xff;
  d[n - 1] = (i >> 8) & 0xff;
  return d;
}

function writeCapture(path: string, format: CaptureFormat, writeBehind: number): void {
  const w = new CaptureWriter(path, { format, linkType: 1, snapLen: 2 * CHUNK, bufferSize: 64 * 1024, writeBehind });
  sizes().forEach((n, i) => w.writePacket(0, packet(i, n), 1_700_000_000 + i, i * 1000, n + 4));
  w.close();
}

async function writeCaptureBehind(path: string, format: CaptureFormat): Promise<void> {
  const w = new CaptureWriter(path, { format, linkType: 1, snapLen: 2 * CHUNK, bufferSize: 64 * 1024, writeBehind: 3 });
  const all = sizes();
  for (let i = 0; i < all.length; i++) {
    w.writePacket(0, packet(i, all[i]), 1_700_000_000 + i, i * 1000, all[i] + 4);
    // completions are only seen between turns of the event loop, as in the engine
    if (i % 50 === 0) await new Promise((r) => setImmediate(r));
  }
  await w.drained();
  w.close();
}

function digest(r: { data: Uint8Array; tsSec: number; tsNsec: number; wireLen: number; packetNumber: number }): string {
  return `${r.packetNumber} ${r.tsSec}.${r.tsNsec} ${r.wireLen} ${createHash('sha1').update(r.data).digest('hex')}`;
}

async function readAhead(path: string): Promise<{ records: string[]; waits: number }> {
  const src = openCapture(path, { readAhead: true, maxCapLen: 2 * CHUNK });
  const records: string[] = [];
  let waits = 0;
  for (;;) {
    const n = src.readBatch(64, (r) => records.push(digest(r)));
    if (src.waiting) {
      waits++;
      await src.waiting;
    } else if (n === 0) break;
  }
  src.close();
  return { records, waits };
}

function readSync(path: string): string[] {
  const src = openCapture(path, { maxCapLen: 2 * CHUNK });
  const out: string[] = [];
  src.readBatch(Infinity, (r) => out.push(digest(r)));
  return out;
}

describe('read-ahead and write-behind', () => {
  for (const format of ['pcap', 'pcapng'] as const) {
    it(`${format}: read-ahead hands out exactly the records a synchronous read does, across chunk boundaries`, async () => {
      const path = join(tmp.dir, `boundaries.${format}`);
      writeCapture(path, format, 0);
      const expected = readSync(path);
      expect(expected).toHaveLength(sizes().length);
      const { records, waits } = await readAhead(path);
      expect(records).toEqual(expected);
      // the reads really ran ahead: the reader had to wait for the disk at least once
      expect(waits).toBeGreaterThan(0);
    });

    it(`${format}: write-behind produces the same bytes as synchronous writes`, async () => {
      const a = join(tmp.dir, `sync.${format}`);
      const b = join(tmp.dir, `behind.${format}`);
      writeCapture(a, format, 0);
      await writeCaptureBehind(b, format);
      expect(readFileSync(b).equals(readFileSync(a))).toBe(true);
    });
  }

  it('a truncated final record is still reported as such with read-ahead', async () => {
    const path = join(tmp.dir, 'cut.pcap');
    writeCapture(path, 'pcap', 0);
    const whole = readFileSync(path);
    const cut = join(tmp.dir, 'cut-short.pcap');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(cut, whole.subarray(0, whole.length - 10));
    const src = openCapture(cut, { readAhead: true, maxCapLen: 2 * CHUNK });
    let n = 0;
    for (;;) {
      const got = src.readBatch(1000, () => n++);
      if (src.waiting) await src.waiting;
      else if (got === 0) break;
    }
    expect(n).toBe(sizes().length - 1);
    expect(src.truncatedAt?.packetNumber).toBe(sizes().length);
  });
});
