import { CaptureWriter } from '../../../src/runtime/capture/capture-writer.js';
import { openCapture } from '../../../src/runtime/capture/open.js';
import { CHUNK, HEADROOM } from '../../../src/runtime/capture/read-ahead.js';
import type { PacketRecord } from '../../../src/runtime/capture/record.js';
import type { ReaderOptions } from '../../../src/runtime/capture/source.js';

// Inputs and a reading loop for the tests of outputs that copy records (copy-runs, edited-runs).

/** A deterministic random stream, so a failure can be replayed. */
export function rng(seed: number): (n: number) => number {
  let s = seed;
  return (n) => ((s = (s * 1103515245 + 12345) & 0x7fffffff), (s >>> 12) % n);
}

export function sizes(seed: number, total: number, big: boolean): number[] {
  const rnd = rng(seed);
  const out: number[] = [];
  let sum = 0;
  while (sum < total) {
    const pick = rnd(100);
    const n =
      big && pick < 2 ? HEADROOM + rnd(3 * HEADROOM) : pick < 5 ? rnd(14) : pick < 8 ? 14 + rnd(40) : 60 + rnd(1500);
    out.push(n);
    sum += n;
  }
  if (big) out.splice(out.length >> 1, 0, CHUNK + 12345);
  return out;
}

export function packet(i: number, n: number): Uint8Array {
  const d = new Uint8Array(n);
  for (let j = 0; j < n; j += 89) d[j] = (i * 7 + j) & 0xff;
  if (n > 0) d[0] = i & 0xff;
  if (n > 1) d[n - 1] = (i >> 8) & 0xff;
  return d;
}

export interface Input {
  path: string;
  resolution: 'us' | 'ns';
  count: number;
}

/** A pcap file of Ethernet records of random sizes (some past the read-ahead headroom and one past a chunk when big). */
export function writeInput(
  path: string,
  seed: number,
  total: number,
  big: boolean,
  resolution: 'us' | 'ns' = 'us',
): Input {
  const w = new CaptureWriter(path, { format: 'pcap', resolution, linkType: 1, snapLen: 2 * CHUNK });
  const all = sizes(seed, total, big);
  all.forEach((n, i) => w.writePacket(0, packet(i, n), 1_700_000_000 + (i >> 4), (i * 997_013) % 1e9, n + (i % 3)));
  w.close();
  return { path, resolution, count: all.length };
}

/** Reads every record of `path`, waiting for read-ahead as the engine does. */
export async function readAll(
  path: string,
  options: ReaderOptions,
  onPacket: (r: PacketRecord) => void,
): Promise<number> {
  const src = openCapture(path, { maxCapLen: 2 * CHUNK, ...options });
  let n = 0;
  const rnd = rng(5);
  for (;;) {
    // uneven batches: the reader's loop stops at every kind of place
    const got = src.readBatch(1 + rnd(700), (r) => {
      n++;
      onPacket(r);
    });
    if (src.waiting) await src.waiting;
    else if (got === 0) break;
  }
  src.close();
  return n;
}
