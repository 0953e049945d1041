import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../../src/gen/generate.js';
import { openCapture } from '../../src/runtime/capture/index.js';
import type { RunStats } from '../../src/runtime/stats/stats.js';
import { missingTools } from '../support/tools.js';
import { BIN, built } from './built.js';

/**
 * Ctrl-C during an offline run does what it does to tcpdump -w: reading
 * stops, the outputs are finished with what was written (a capture Wireshark
 * opens, in place under its own name) and the statistics are said; no
 * temporary file is left. The input is a FIFO the test feeds, so the signal
 * comes mid-run without timing: half the capture is fed, the output is seen
 * growing, the signal sent, and the rest fed only once tmesc said it stops.
 */
const dir = mkdtempSync(join(tmpdir(), 'tmesc-interrupted-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const need = missingTools('mkfifo');
const tshark = missingTools('tshark');
let capture: Buffer;
let total = 0;

beforeAll(() => {
  const input = join(dir, 'in.pcap');
  generate({ output: input, packets: 40000, seed: 5 });
  capture = readFileSync(input);
  const src = openCapture(input);
  while (src.next()) total++;
  src.close();
});

/** Whether a file's name is a run's temporary file (`.NAME.tmesc-RANDOM.tmp`). */
const isTemp = (f: string) => f.endsWith('.tmp');

/** With `--workers`, a masked group too: a group split (its files written by the worker) is finished the same way. */
const splits = (extra: readonly string[]) => extra.includes('--workers');

async function interrupted(name: string, sig: NodeJS.Signals, extra: string[]) {
  const run = join(dir, name);
  const fifo = join(run, 'in.fifo');
  spawnSync('mkdir', [run]);
  expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
  const policy = join(run, 'p.tmes');
  writeFileSync(
    policy,
    `policy "p"
tap t { source pcap "${fifo}" }
group all { tool a { output pcap "${run}/all.pcap" } tool n { output pcapng "${run}/all.pcapng" } }
rule all match any to all
${splits(extra) ? `group web { tool w { output pcap "${run}/web.pcap" } mask card-number, credentials }\nrule web match tcp to web\n` : ''}`,
  );
  const child = spawn(process.execPath, [BIN, 'run', '--no-progress', '--stats', 'json', ...extra, policy], {
    env: { ...process.env, TMESC_CACHE_DIR: join(run, 'cache') },
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d));
  child.stderr.on('data', (d: Buffer) => {
    err += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const feed = createWriteStream(fifo);
  const half = capture.length >> 1;
  // not awaited: the write ends only as tmesc reads it
  feed.write(capture.subarray(0, half));
  // the outputs' temporary files have taken packets: the run is under way
  const grown = () => readdirSync(run).some((f) => isTemp(f) && statSync(join(run, f)).size > 1 << 20);
  while (!grown()) {
    await new Promise((r) => setTimeout(r, 500));
  }
  child.kill(sig);
  // tmesc may be blocked reading the FIFO: more of the capture, a piece at a time, lets it see the signal
  // once tmesc has stopped it closes the FIFO: a write then fails (EPIPE), and every later one at once, without a
  // turn of the event loop in which its "stopping" could be read: so a failed write ends the feeding too
  let closed = false;
  feed.on('error', () => (closed = true));
  let at = half;
  while (!err.includes('stopping') && !closed && at < capture.length) {
    const piece = capture.subarray(at, (at += 1 << 16));
    await new Promise<void>((resolve) =>
      feed.write(piece, (e) => {
        if (e) closed = true;
        resolve();
      }),
    );
  }
  expect(at).toBeLessThan(capture.length);
  if (!closed) feed.end(capture.subarray(at));
  const code = await exited;
  return { run, code, out, err };
}

describe.skipIf(!built || need.skip)(`run: a signal during an offline run${need.note}`, () => {
  for (const [sig, status, extra] of [
    ['SIGINT', 130, []],
    ['SIGTERM', 143, []],
    ['SIGINT', 130, ['--workers', '1']],
  ] as const) {
    it(`${sig}${extra.length ? ' ' + extra.join(' ') : ''}: the outputs are finished with what was read, the stats said, no temporary file left`, async () => {
      const { run, code, out, err } = await interrupted(`${sig.toLowerCase()}${splits(extra) ? '-split' : ''}`, sig, [
        ...extra,
      ]);
      expect(err).toContain(`stopped by ${sig}`);
      expect(code).toBe(status);
      const files = readdirSync(run);
      expect(files.filter(isTemp)).toEqual([]);
      const outputs: [number, number, string][] = [
        [0, 0, 'all.pcap'],
        [0, 1, 'all.pcapng'],
      ];
      if (splits(extra)) {
        expect(err).toContain(`group 'web' runs on a worker thread`);
        outputs.push([1, 0, 'web.pcap']);
      }
      expect(files).toEqual(expect.arrayContaining(outputs.map(([, , f]) => f)));
      const stats = JSON.parse(out) as RunStats;
      expect(stats.packetsRead).toBeGreaterThan(0);
      expect(stats.packetsRead).toBeLessThan(total);
      // not vacuous: the worker's group had packets before the signal
      if (splits(extra)) expect(stats.groups[1].tools[0].packets).toBeGreaterThan(0);
      for (const [g, t, f] of outputs) {
        let n = 0;
        const src = openCapture(join(run, f));
        while (src.next()) n++;
        src.close();
        expect(n, f).toBe(stats.groups[g].tools[t].packets);
        if (!tshark.skip) {
          const r = spawnSync('tshark', ['-r', join(run, f), '-T', 'fields', '-e', 'frame.number'], {
            encoding: 'utf8',
          });
          expect(r.status, r.stderr).toBe(0);
          expect(r.stdout.trim().split('\n').length, f).toBe(n);
        }
      }
    });
  }
});
