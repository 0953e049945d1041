import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generate } from '../../src/gen/generate.js';
import { BIN, built } from './built.js';

/**
 * An --out-dir that cannot be made. Under /proc mkdir says ENOENT although the
 * parent exists, and Node's mkdirSync(..., { recursive: true }) then loops
 * for ever on the main thread: tmesc spun at full CPU, deaf to SIGTERM (its
 * handler never gets a turn). It must exit 2 naming the directory, as for
 * any other output it cannot write. Run as a child: a hang here would block
 * the test's own event loop, so the guard is a SIGKILL (SIGTERM is caught).
 */

const dir = mkdtempSync(join(tmpdir(), 'tmesc-out-dir-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!built || !existsSync('/proc/self'))('tmesc run --out-dir that cannot be made', () => {
  it('newuser D3: --out-dir under /proc exits 2 naming it, not a busy loop', () => {
    generate({ output: join(dir, 'g.pcap'), packets: 10, seed: 3 });
    const policy = join(dir, 'p.tmes');
    writeFileSync(
      policy,
      `policy "p"\ntap t { source pcap "g.pcap" }\ngroup g { tool a { output pcap "out/a.pcap" } }\nrule r from t match any to g\n`,
    );
    const target = '/proc/tmesc-no-such-dir/out';
    const r = spawnSync(process.execPath, [BIN, 'run', '--no-progress', '--no-cache', policy, '--out-dir', target], {
      encoding: 'utf8',
      timeout: 60_000,
      killSignal: 'SIGKILL',
    });
    expect(r.signal).toBeNull();
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('/proc/tmesc-no-such-dir');
  });
});
