import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { built, ROOT, spawnTmesc } from './built.js';

/**
 * cap is an optional dependency: without it (no libpcap to build it
 * against), tmesc installs and everything but live capture works, and a
 * live run says how to enable it. The built CLI runs here from a copy
 * whose node_modules holds every package but cap.
 */
describe.skipIf(!built)('tmesc without the optional cap package', () => {
  let dir: string;
  let bin: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tmesc-nocap-'));
    cpSync(join(ROOT, 'bin'), join(dir, 'bin'), { recursive: true });
    cpSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
    cpSync(join(ROOT, 'dist', 'bundle'), join(dir, 'dist', 'bundle'), { recursive: true });
    mkdirSync(join(dir, 'node_modules'));
    for (const name of readdirSync(join(ROOT, 'node_modules')))
      if (name !== 'cap' && name !== '.bin')
        symlinkSync(join(ROOT, 'node_modules', name), join(dir, 'node_modules', name));
    bin = join(dir, 'bin', 'tmesc.js');
    writeFileSync(
      join(dir, 'p.tmes'),
      [
        'policy "p"',
        'tap span { source interface "eth9" }',
        'group web { tool ids { output pcap "web.pcap" } }',
        'rule w match tcp port 80 to web',
      ].join('\n') + '\n',
    );
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('runs over capture files, and compiles the kernel filters', () => {
    const gen = spawnTmesc(['gen', '-o', join(dir, 'in.pcap'), '-n', '300', '--seed', '3'], { bin, cwd: dir });
    expect(gen.code, gen.err).toBe(0);
    const run = spawnTmesc(['run', 'p.tmes', '--input', 'span=in.pcap', '--out-dir', 'out'], { bin, cwd: dir });
    expect(run.code, run.err).toBe(0);
    expect(readdirSync(join(dir, 'out'))).toEqual(['web.pcap']);
    const bpf = spawnTmesc(['compile', 'p.tmes', '--emit', 'bpf'], { bin, cwd: dir });
    expect(bpf.code, bpf.err).toBe(0);
    expect(JSON.parse(bpf.out)).toHaveProperty('span');
  });

  it('a live run says how to enable live capture (exit 2), and writes nothing', () => {
    const r = spawnTmesc(['run', 'p.tmes', '--live', '--out-dir', 'live-out'], { bin, cwd: dir });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/live capture needs the optional 'cap' package, built against libpcap/);
    expect(r.err).toMatch(/apt-get install libpcap-dev/);
    expect(readdirSync(dir)).not.toContain('live-out');
  });
});
