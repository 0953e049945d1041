import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../../src/gen/generate.js';
import { readPackets } from '../runtime/actions/support.js';
import { missingTools } from '../support/tools.js';
import { BIN, built, spawnTmesc } from './built.js';

/**
 * The end of a run closes every output even when closing one fails: the
 * others are still flushed (a FIFO's reader gets the whole capture) and the
 * run reports every failure, not only the first.
 */
const dir = mkdtempSync(join(tmpdir(), 'tmesc-close-all-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const cache = join(dir, 'cache');
const need = missingTools('sh', 'mkfifo', 'dd');
const FULL = '/dev/full';

let input: string;
beforeAll(() => {
  input = join(dir, 'in.pcap');
  // small: everything is still buffered when the outputs close, where the failures show
  generate({ output: input, packets: 200, seed: 8 });
});

function policy(name: string, outputs: string[]): string {
  const file = join(dir, `${name}.tmes`);
  writeFileSync(
    file,
    [
      'policy "p"',
      `tap t { source pcap "${input}" }`,
      ...outputs.map((o, i) => `group g${i} { tool w${i} { output pcap "${o}" } }`),
      `rule all from any match any to ${outputs.map((_, i) => `g${i}`).join(', ')}`,
    ].join('\n') + '\n',
  );
  return file;
}

describe.skipIf(!built || need.skip)(`run: every output closed${need.note}`, () => {
  it('two outputs failing as they close (EFBIG past ulimit -f): both named, neither left behind', () => {
    const out = join(dir, 'efbig');
    const targets = [join(out, 'a.pcap'), join(out, 'b.pcap')];
    const file = policy('efbig', targets);
    // compile and cache the policy first: the limit must hit the outputs, not the cache's files
    expect(spawnTmesc(['run', '--no-progress', file], { cacheDir: cache }).code).toBe(0);
    rmSync(out, { recursive: true });
    // 20 blocks of 512 bytes: less than either output
    const r = spawnSync(
      'sh',
      ['-c', 'ulimit -f 20 && exec "$0" "$@"', process.execPath, BIN, 'run', '--no-progress', file],
      {
        encoding: 'utf8',
        env: { ...process.env, TMESC_CACHE_DIR: cache },
      },
    );
    expect(r.status).toBe(2);
    expect(r.signal).toBeNull();
    for (const t of targets) {
      expect(r.stderr).toContain(t);
      expect(existsSync(t)).toBe(false);
    }
    expect(r.stderr).toMatch(/write failed: .*(EFBIG|too large)/);
    expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
  });

  it.skipIf(!existsSync(FULL))(
    'an output that fails (/dev/full) does not keep a FIFO after it from its last packets',
    async () => {
      const fifo = join(dir, 'w.fifo');
      expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
      const got = join(dir, 'from-fifo.pcap');
      const reader = spawn('dd', [`if=${fifo}`, `of=${got}`, 'bs=4096', 'status=none']);
      const read = new Promise<number>((resolve) => reader.on('close', (code) => resolve(code ?? -1)));
      const run = spawn(process.execPath, [BIN, 'run', '--no-progress', policy('full', [FULL, fifo])], {
        env: { ...process.env, TMESC_CACHE_DIR: cache },
      });
      let stderr = '';
      run.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const code = await new Promise<number>((resolve) => run.on('close', (c) => resolve(c ?? -1)));
      expect(await read).toBe(0);
      expect(code).toBe(2);
      expect(stderr).toMatch(/\/dev\/full: write failed: .*ENOSPC/);
      expect(readPackets(got).map((p) => p.data.toString('hex'))).toEqual(
        readPackets(input).map((p) => p.data.toString('hex')),
      );
    },
  );
});
