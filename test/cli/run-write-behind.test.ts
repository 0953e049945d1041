import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../../src/gen/generate.js';
import { PARALLEL_MIN_BYTES } from '../../src/runtime/run/run.js';
import { missingTools } from '../support/tools.js';
import { BIN, built, spawnTmesc } from './built.js';

/**
 * `tmesc run` writes its outputs behind (libuv's pool, bounded buffers): a
 * write that fails in the middle of a run still fails the run with the
 * output named, and a FIFO read slowly by its tool still gets every byte,
 * in order, as a file would. Each test runs the built CLI as users do.
 */

const dir = mkdtempSync(join(tmpdir(), 'tmesc-write-behind-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const cache = join(dir, 'cache');
const need = missingTools('sh', 'mkfifo', 'dd');

let input: string;
let inputBytes: number;
beforeAll(() => {
  input = join(dir, 'in.pcap');
  // 20 MB: many 1 MiB write buffers (writes in flight when one fails), and past PARALLEL_MIN_BYTES for --workers
  inputBytes = generate({ output: input, packets: 50000, seed: 21 }).bytes;
});

function policy(name: string, output: string): string {
  const file = join(dir, `${name}.tmes`);
  writeFileSync(
    file,
    `policy "p"\ntap t { source pcap "${input}" }\ngroup g {\n  tool w { output pcap "${output}" }\n}\nrule all from any match ip or ip6 or arp to g\n`,
  );
  return file;
}

describe.skipIf(!built || need.skip)(`run: outputs written behind${need.note}`, () => {
  it('a write failing mid-run (EFBIG past ulimit -f) fails the run, names the output, leaves neither it nor a temporary file', () => {
    const out = join(dir, 'big-out');
    mkdirSync(out);
    const target = join(out, 'w.pcap');
    const file = policy('efbig', target);
    // compile and cache the policy first: the limit must hit the output, not the cache's files
    expect(spawnTmesc(['run', '--no-progress', file], { cacheDir: cache }).code).toBe(0);
    rmSync(target);
    // ulimit -f counts 512-byte blocks in sh; the output would be about the input's size
    const blocks = Math.floor(inputBytes / 2 / 512);
    expect(blocks * 512).toBeGreaterThan(3 << 20);
    expect(inputBytes).toBeGreaterThan(PARALLEL_MIN_BYTES);
    // one thread (the source's copy runs flushed again as it closes) and the workers' ordered outputs
    for (const workers of ['0', '2']) {
      const r = spawnSync(
        'sh',
        [
          '-c',
          `ulimit -f ${blocks} && exec "$0" "$@"`,
          process.execPath,
          BIN,
          'run',
          '--no-progress',
          '--workers',
          workers,
          file,
        ],
        { encoding: 'utf8', env: { ...process.env, TMESC_CACHE_DIR: cache } },
      );
      expect(r.status).toBe(2);
      expect(r.signal).toBeNull();
      expect(r.stderr).toContain(target);
      expect(r.stderr).toMatch(/write failed: .*(EFBIG|too large)/);
      expect(existsSync(target)).toBe(false);
      expect(readdirSync(out)).toEqual([]);
    }
  });

  it('a FIFO read slowly by its tool gets the same bytes as a file, and the run counts the same', async () => {
    const asFile = join(dir, 'file-out', 'w.pcap');
    mkdirSync(join(dir, 'file-out'));
    const f = spawnTmesc(['run', '--no-progress', '--stats', 'json', policy('to-file', asFile)], { cacheDir: cache });
    expect(f.code).toBe(0);
    const fifo = join(dir, 'w.fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const got = join(dir, 'from-fifo.pcap');
    // the tool's side: small reads, the slow end of the pipe
    const reader = spawn('dd', [`if=${fifo}`, `of=${got}`, 'bs=1024', 'status=none']);
    const read = new Promise<number>((resolve) => reader.on('close', (code) => resolve(code ?? -1)));
    const run = spawn(process.execPath, [BIN, 'run', '--no-progress', '--stats', 'json', policy('to-fifo', fifo)], {
      env: { ...process.env, TMESC_CACHE_DIR: cache },
    });
    let stdout = '';
    let stderr = '';
    run.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    run.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number>((resolve) => run.on('close', (c) => resolve(c ?? -1)));
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(await read).toBe(0);
    expect(readFileSync(got).equals(readFileSync(asFile))).toBe(true);
    const counts = (s: string) => {
      const stats = JSON.parse(s) as { seconds?: number; groups: { tools: { output: string }[] }[] };
      delete stats.seconds;
      for (const g of stats.groups) for (const t of g.tools) t.output = '';
      return stats;
    };
    expect(counts(stdout)).toEqual(counts(f.out));
  });
});
