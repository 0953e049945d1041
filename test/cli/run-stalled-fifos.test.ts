import { spawn, spawnSync } from 'node:child_process';
import { closeSync, constants, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../../src/gen/generate.js';
import { missingTools } from '../support/tools.js';
import { BIN, built, spawnTmesc } from './built.js';

/**
 * FIFO outputs whose readers stall must not stop the rest of the run before
 * its pace says so (a tool falling more than three buffers behind): a write
 * to such a FIFO once held one of libuv's four pool threads, so four of them
 * took the whole pool and the input's reads and every other output's writes
 * stopped. Here four tools stall until a fifth has received a part of the
 * capture that the run reaches well before any of the four is three buffers
 * behind: the run must get there (it hung before), and every tool gets what
 * a run into files writes.
 */
const dir = mkdtempSync(join(tmpdir(), 'tmesc-stalled-fifos-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const cache = join(dir, 'cache');
const need = missingTools('mkfifo');
const STALLED = 4;
/** What the fifth tool must receive while the four stall: past where a full pool stopped the run (about 7 MB here). */
const RELEASE_AT = 14 << 20;

let input: string;
beforeAll(() => {
  input = join(dir, 'in.pcap');
  // about 58 MB, a fifth of it UDP: the stalled tools are sent a fifth of what the fifth tool is
  generate({ output: input, packets: 100000, seed: 3 });
});

function policy(name: string, outputs: string[]): string {
  const file = join(dir, `${name}.tmes`);
  writeFileSync(
    file,
    [
      'policy "p"',
      `tap t { source pcap "${input}" }`,
      ...outputs.map((o, i) => `group g${i} { tool w${i} { output pcap "${o}" } }`),
      `rule some from any match udp to ${outputs
        .slice(0, STALLED)
        .map((_, i) => `g${i}`)
        .join(', ')}`,
      `rule all from any match any to g${STALLED}`,
    ].join('\n') + '\n',
  );
  return file;
}

/** Reads a FIFO opened (non-blocking) here into memory; resolves with its bytes at end of file. */
function drain(fd: number): Promise<Buffer> {
  const s = new Socket({ fd, readable: true, writable: false });
  const parts: Buffer[] = [];
  return new Promise((resolve, reject) => {
    s.on('data', (d: Buffer) => parts.push(d));
    s.on('end', () => resolve(Buffer.concat(parts)));
    s.on('error', reject);
  });
}

describe.skipIf(!built || need.skip)(`run: FIFO outputs whose tools stall${need.note}`, () => {
  it(`${STALLED} stalled tools do not stop the input and the other outputs before the run's pace does`, async () => {
    const names = Array.from({ length: STALLED + 1 }, (_, i) => `w${i}`);
    const files = join(dir, 'files');
    mkdirSync(files);
    const expected = spawnTmesc(
      [
        'run',
        '--no-progress',
        policy(
          'files',
          names.map((n) => join(files, `${n}.pcap`)),
        ),
      ],
      {
        cacheDir: cache,
      },
    );
    expect(expected.code).toBe(0);
    const fifos = names.map((n) => join(dir, `${n}.fifo`));
    for (const f of fifos) expect(spawnSync('mkfifo', [f]).status).toBe(0);
    // every tool opens its FIFO first (tmesc waits for readers); the four read nothing until released
    const fds = fifos.map((f) => openSync(f, constants.O_RDONLY | constants.O_NONBLOCK));
    const run = spawn(process.execPath, [BIN, 'run', '--no-progress', policy('fifos', fifos)], {
      env: { ...process.env, TMESC_CACHE_DIR: cache },
    });
    let stderr = '';
    run.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // descriptors handed to a Socket are its to close
    const owned = new Set<number>();
    const exited = new Promise<number>((resolve) => run.on('close', (c) => resolve(c ?? -1)));
    try {
      const got: Promise<Buffer>[] = [];
      let released = false;
      const release = () => {
        released = true;
        for (let i = 0; i < STALLED; i++) {
          owned.add(fds[i]);
          got[i] = drain(fds[i]);
        }
      };
      // the fifth tool reads all along; once it has RELEASE_AT bytes the four start reading
      owned.add(fds[STALLED]);
      const fifth = new Socket({ fd: fds[STALLED], readable: true, writable: false });
      const parts: Buffer[] = [];
      let n = 0;
      const last = new Promise<Buffer>((resolve, reject) => {
        fifth.on('data', (d: Buffer) => {
          parts.push(d);
          n += d.length;
          if (!released && n >= RELEASE_AT) release();
        });
        fifth.on('end', () => resolve(Buffer.concat(parts)));
        fifth.on('error', reject);
      });
      const code = await exited;
      expect(stderr).toBe('');
      expect(code).toBe(0);
      expect(released).toBe(true);
      got[STALLED] = last;
      const bytes = await Promise.all(got);
      names.forEach((name, i) =>
        expect(bytes[i].equals(readFileSync(join(files, `${name}.pcap`))), `${name} as written to a file`).toBe(true),
      );
    } finally {
      run.kill();
      for (const fd of fds) if (!owned.has(fd)) closeSync(fd);
    }
  });
});
