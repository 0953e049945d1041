import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileSink } from '../../../src/runtime/capture/file-sink.js';
import { OutputFile } from '../../../src/runtime/capture/output-file.js';
import { missingTools, tempDir } from '../../support/tools.js';

/**
 * A paced stream (a FIFO the run writes to a tool) writes behind like a file:
 * full buffers go to libuv's pool in order, the main thread goes on, and the
 * caller waits on congestion() when the reader is behind. These tests hold
 * the thread without yielding while many buffers fill, so every flush past
 * the spares happens with writes in flight (the case a synchronous write
 * would overtake), and check the reader gets every byte in order. A regular
 * file under the same pressure writes synchronously at its offset instead.
 */

const tmp = tempDir('tmesc-stream-behind-');
afterAll(tmp.cleanup);
const need = missingTools('mkfifo', 'dd');

const BUFFER = 64 * 1024;
const SPARES = 2;

/** Deterministic bytes, different in every position of a buffer and from one buffer to the next. */
function content(total: number): Uint8Array {
  const d = new Uint8Array(total);
  let x = 12345;
  for (let i = 0; i < total; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    d[i] = x >>> 16;
  }
  return d;
}

function fifo(name: string): string {
  const p = join(tmp.dir, name);
  expect(spawnSync('mkfifo', [p]).status).toBe(0);
  return p;
}

/** A reader of the FIFO into a file: `dd bs` small, so the reader is the slow side of the pipe. */
function reader(
  path: string,
  out: string,
  bs: number,
  ...more: string[]
): { proc: ChildProcess; done: Promise<number> } {
  const proc = spawn('dd', [`if=${path}`, `of=${out}`, `bs=${bs}`, 'status=none', ...more]);
  const done = new Promise<number>((resolve) => proc.on('close', (code) => resolve(code ?? -1)));
  return { proc, done };
}

/** Hands `data` to the sink in pieces of varying size without returning to the event loop in between. */
function fill(sink: FileSink, data: Uint8Array, from: number, to: number): void {
  let at = from;
  let step = 1;
  while (at < to) {
    const n = Math.min(to - at, 1 + ((step++ * 7919) % 9000));
    sink.reserve(n);
    sink.bytes.set(data.subarray(at, at + n), sink.pos);
    sink.pos += n;
    at += n;
  }
}

describe.skipIf(need.skip)(`write-behind to a FIFO, paced${need.note}`, () => {
  it('keeps the bytes in order when every spare is in flight, and says so through congestion()', async () => {
    const path = fifo('order');
    const out = join(tmp.dir, 'order.out');
    const r = reader(path, out, 4096);
    const file = await OutputFile.openWaiting(path);
    expect(file.streaming).toBe(true);
    const sink = new FileSink(file, BUFFER, SPARES, true);
    const data = content(40 * BUFFER + 777);
    let congested = 0;
    // stretches of 6 buffers without a turn: past the spares each time, then the pace the run keeps
    const stretch = 6 * BUFFER;
    for (let at = 0; at < data.length; at += stretch) {
      fill(sink, data, at, Math.min(data.length, at + stretch));
      const c = sink.congestion();
      if (c) {
        congested++;
        await c;
        // back within the spares once it resolves
        expect(sink.congestion()).toBeUndefined();
      }
    }
    // a stretch of six buffers cannot all be in flight within two spares: the pace had to wait
    expect(congested).toBeGreaterThan(0);
    await sink.drained();
    sink.commit();
    expect(await r.done).toBe(0);
    expect(Buffer.from(readFileSync(out)).equals(Buffer.from(data))).toBe(true);
  });

  it('an unpaced stream writes synchronously, as before: nothing is in flight after a flush', async () => {
    const path = fifo('unpaced');
    const out = join(tmp.dir, 'unpaced.out');
    const r = reader(path, out, 65536);
    const file = await OutputFile.openWaiting(path);
    const sink = new FileSink(file, BUFFER, SPARES, false);
    const data = content(5 * BUFFER + 3);
    fill(sink, data, 0, data.length);
    expect(sink.congestion()).toBeUndefined();
    sink.commit();
    expect(await r.done).toBe(0);
    expect(Buffer.from(readFileSync(out)).equals(Buffer.from(data))).toBe(true);
  });

  it('a reader that goes away fails the next flush with the FIFO named (EPIPE), and commit then throws too', async () => {
    const path = fifo('gone');
    // reads one small block, then exits: the writer's next writes find no reader
    const r = reader(path, join(tmp.dir, 'gone.out'), 512, 'count=1');
    const file = await OutputFile.openWaiting(path);
    const sink = new FileSink(file, BUFFER, SPARES, true);
    const data = content(8 * BUFFER);
    let failed: unknown;
    try {
      for (let round = 0; round < 50 && failed === undefined; round++) {
        fill(sink, data, 0, data.length);
        await (sink.congestion() ?? sink.drained());
      }
    } catch (e) {
      failed = e;
    }
    expect(failed).toBeInstanceOf(Error);
    expect(String((failed as Error).message)).toContain(path);
    expect(String((failed as Error).message)).toMatch(/write failed: .*EPIPE|broken pipe/i);
    await sink.drained();
    expect(() => sink.commit()).toThrow(/EPIPE|broken pipe/i);
    expect(await r.done).toBe(0);
  });
});

describe('write-behind to a regular file under backpressure', () => {
  it('writes synchronously at its offset when every spare is in flight, and the file comes out in order', async () => {
    const path = join(tmp.dir, 'file-behind.bin');
    const sink = new FileSink(path, BUFFER, SPARES);
    const data = content(30 * BUFFER + 4321);
    // stretches of 7 buffers without a turn: the spares run out, the rest go synchronously past writes in flight
    const stretch = 7 * BUFFER;
    for (let at = 0; at < data.length; at += stretch) {
      fill(sink, data, at, Math.min(data.length, at + stretch));
      // a file never queues past its spares: nothing for a pace to wait on
      expect(sink.congestion()).toBeUndefined();
      await new Promise((r) => setImmediate(r));
    }
    await sink.drained();
    sink.commit();
    expect(Buffer.from(readFileSync(path)).equals(Buffer.from(data))).toBe(true);
  });
});
