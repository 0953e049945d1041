import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, built, ROOT, spawnTmesc } from './built.js';

const quickstart = join(ROOT, 'rules', 'examples', 'quickstart.tmes');

/** Runs the built CLI with its standard output closed by the reader before it writes (`tmesc ... | head -c 0`). */
function withStdoutClosed(args: string[]): Promise<{ code: number | null; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, TMESC_CACHE_DIR: mkdtempSync(join(tmpdir(), 'tmesc-pipe-cache-')) },
    });
    child.stdout.destroy();
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, err }));
  });
}

describe.skipIf(!built)('a reader that closes standard output', () => {
  if (!built) console.warn('skipped: dist/bundle is missing; `npm test` builds it (npm run build)');

  it('run finishes its outputs and exits as usual, with no stack trace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tmesc-pipe-'));
    const whole = spawnTmesc(['run', quickstart, '--out-dir', join(dir, 'a'), '--stats', 'json', '--no-progress']);
    expect(whole.code, whole.err).toBe(0);
    const cut = await withStdoutClosed([
      'run',
      quickstart,
      '--out-dir',
      join(dir, 'b'),
      '--stats',
      'json',
      '--no-progress',
    ]);
    expect(cut.err).not.toMatch(/EPIPE|\n\s+at /);
    expect(cut.code).toBe(0);
    expect(readFileSync(join(dir, 'b', 'quickstart.pcap'))).toEqual(readFileSync(join(dir, 'a', 'quickstart.pcap')));
  });

  it('validate and explain exit with their own codes', async () => {
    const v = await withStdoutClosed(['validate', quickstart]);
    expect(v.err).not.toMatch(/EPIPE|\n\s+at /);
    expect(v.code).toBe(0);
    const e = await withStdoutClosed(['explain', quickstart, '--packet', 'tcp 10.0.0.1:1234 > 10.0.0.2:80']);
    expect(e.err).not.toMatch(/EPIPE|\n\s+at /);
    expect(e.code).toBe(0);
  });
});
