import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  lchownSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../../src/gen/generate.js';
import { openCapture } from '../../src/runtime/capture/open.js';
import { BIN, built, type Spawned, spawnTmesc } from './built.js';

/**
 * Outputs are written safely (issue 19): never through a planted link,
 * straight into FIFOs and devices, never replacing what is not a regular
 * file, never two outputs into one file, and all renamed into place
 * together or none. Each test runs the built CLI as users do.
 */

const dir = mkdtempSync(join(tmpdir(), 'tmesc-output-safety-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const isRoot = process.geteuid?.() === 0;
const have = (tool: string) => spawnSync('which', [tool]).status === 0;

let input: string;
beforeAll(() => {
  input = join(dir, 'in.pcap');
  generate({ output: input, packets: 200, seed: 3 });
});

let n = 0;
/** A fresh directory with a policy whose tools write the given outputs (pcap unless the name ends in .pcapng). */
function policy(outputs: Record<string, string>): { home: string; file: string } {
  const home = join(dir, `case-${++n}`);
  mkdirSync(home, { recursive: true });
  const tools = Object.entries(outputs)
    .map(([tool, path]) => `  tool ${tool} { output ${path.endsWith('.pcapng') ? 'pcapng' : 'pcap'} "${path}" }`)
    .join('\n');
  const file = join(home, 'p.tmes');
  writeFileSync(
    file,
    `policy "p"\ntap t { source pcap "${input}" }\ngroup g {\n${tools}\n}\nrule all from any match ip or ip6 or arp to g\n`,
  );
  return { home, file };
}

function run(file: string, ...more: string[]): Spawned {
  return spawnTmesc(['run', '--no-progress', file, ...more]);
}

/** Packets a capture holds, read by our own reader (the oracles check the bytes elsewhere). */
function packets(path: string): number {
  const src = openCapture(path);
  let k = 0;
  while (src.next()) k++;
  return k;
}

/** Temporary files left beside the outputs. */
function temps(d: string): string[] {
  return readdirSync(d).filter((f) => f.includes('.tmesc-') || f.includes('.tmp'));
}

function exited(p: ChildProcess): Promise<number> {
  return new Promise((resolve) => p.on('close', (code) => resolve(code ?? -1)));
}

describe.skipIf(!built)('outputs do not follow planted links', () => {
  it('a link planted at the old temporary name (.NAME.tmp-PID) leaves its target alone: run --out-dir', () => {
    const { file } = policy({ a: 'out/a.pcap' });
    const out = join(dir, `planted-${n}`);
    mkdirSync(out);
    const victim = join(dir, `victim-${n}`);
    writeFileSync(victim, 'precious');
    // exec keeps the shell's pid: the link names the temporary file tmesc used to open
    const r = spawnSync(
      'sh',
      [
        '-c',
        'ln -s "$VICTIM" "$OUT/.a.pcap.tmp-$$" && exec "$@"',
        'sh',
        process.execPath,
        BIN,
        'run',
        file,
        '--out-dir',
        out,
      ],
      { encoding: 'utf8', env: { ...process.env, VICTIM: victim, OUT: out, TMESC_CACHE_DIR: join(dir, 'cache') } },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(victim, 'utf8')).toBe('precious');
    expect(packets(join(out, 'a.pcap'))).toBeGreaterThan(0);
  });

  it('a link planted at the old temporary name leaves its target alone: compile -o', () => {
    const { file } = policy({ a: 'out/a.pcap' });
    const victim = join(dir, `victim-${n}`);
    writeFileSync(victim, 'precious');
    const target = join(dir, `artifact-${n}.json`);
    const r = spawnSync(
      'sh',
      [
        '-c',
        'ln -s "$VICTIM" "$DIR/.artifact-$N.json.tmp-$$" && exec "$@"',
        'sh',
        process.execPath,
        BIN,
        'compile',
        file,
        '-o',
        target,
      ],
      { encoding: 'utf8', env: { ...process.env, VICTIM: victim, DIR: dir, N: String(n) } },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(victim, 'utf8')).toBe('precious');
    expect(JSON.parse(readFileSync(target, 'utf8')).formatVersion).toBe(2);
  });

  it('no temporary file is left behind', () => {
    const { home, file } = policy({ a: 'out/a.pcap', b: 'out/b.pcapng' });
    expect(run(file).code).toBe(0);
    expect(temps(join(home, 'out'))).toEqual([]);
  });

  it('an output that is my own link to a regular file replaces that file (mode kept); the link stays', () => {
    const { home, file } = policy({ a: 'out/a.pcap' });
    mkdirSync(join(home, 'out'));
    const real = join(home, 'real.pcap');
    writeFileSync(real, 'old');
    chmodSync(real, 0o600);
    symlinkSync(real, join(home, 'out', 'a.pcap'));
    const r = run(file);
    expect(r.code, r.err).toBe(0);
    expect(lstatSync(join(home, 'out', 'a.pcap')).isSymbolicLink()).toBe(true);
    expect(packets(real)).toBeGreaterThan(0);
    expect(statSync(real).mode & 0o777).toBe(0o600);
    expect(temps(home)).toEqual([]);
  });

  it('a dangling link is refused', () => {
    const { home, file } = policy({ a: 'out/a.pcap' });
    mkdirSync(join(home, 'out'));
    symlinkSync(join(home, 'nowhere.pcap'), join(home, 'out', 'a.pcap'));
    const r = run(file);
    expect(r.code).toBe(2);
    expect(r.err).toContain('symbolic link to nothing');
    expect(existsSync(join(home, 'nowhere.pcap'))).toBe(false);
  });

  it.skipIf(!isRoot)('a link owned by another user is refused, and its target left alone (as root)', () => {
    const { home, file } = policy({ a: 'out/a.pcap' });
    mkdirSync(join(home, 'out'));
    const victim = join(home, 'victim');
    writeFileSync(victim, 'precious');
    symlinkSync(victim, join(home, 'out', 'a.pcap'));
    lchownSync(join(home, 'out', 'a.pcap'), 65534, 65534);
    const r = run(file);
    expect(r.code).toBe(2);
    expect(r.err).toContain('symbolic link owned by another user (uid 65534)');
    expect(readFileSync(victim, 'utf8')).toBe('precious');
    const c = spawnTmesc(['compile', file, '-o', join(home, 'out', 'a.pcap')]);
    expect(c.code).toBe(2);
    expect(readFileSync(victim, 'utf8')).toBe('precious');
  });
});

describe.skipIf(!built)('FIFOs and devices are written into, not replaced', () => {
  it('a FIFO output streams a valid capture to its reader (cat), and the FIFO stays', async () => {
    for (const workers of ['0', '2']) {
      const { home, file } = policy({ a: 'out/a.pcap', b: 'out/b.pcapng' });
      mkdirSync(join(home, 'out'));
      const fifo = join(home, 'out', 'a.pcap');
      execFileSync('mkfifo', [fifo]);
      const got = join(home, 'got.pcap');
      const cat = spawn('sh', ['-c', 'exec cat "$0" > "$1"', fifo, got]);
      const r = run(file, '--workers', workers, '--stats', 'json');
      expect(r.code, r.err).toBe(0);
      expect(await exited(cat)).toBe(0);
      expect(lstatSync(fifo).isFIFO()).toBe(true);
      const stats = JSON.parse(r.out);
      expect(packets(got)).toBe(stats.groups[0].tools[0].packets);
      expect(packets(join(home, 'out', 'b.pcapng'))).toBe(stats.groups[0].tools[1].packets);
    }
  });

  it.skipIf(!have('tshark'))(
    'a FIFO read by tshark -r - gets every packet; a run started first waits for its reader',
    async () => {
      const { home, file } = policy({ a: 'out/a.pcapng' });
      mkdirSync(join(home, 'out'));
      const fifo = join(home, 'out', 'a.pcapng');
      execFileSync('mkfifo', [fifo]);
      const tmesc = spawn(process.execPath, [BIN, 'run', '--no-progress', '--stats', 'json', file], {
        env: { ...process.env, TMESC_CACHE_DIR: join(dir, 'cache') },
      });
      let out = '';
      let err = '';
      tmesc.stdout.on('data', (d) => (out += d));
      tmesc.stderr.on('data', (d) => (err += d));
      // the reader comes second: tmesc waits for it (as tcpdump -w FIFO does), saying so
      while (!err.includes('waiting for a reader')) await new Promise((r) => setTimeout(r, 20));
      const tshark = spawn('sh', ['-c', 'exec tshark -r - -T fields -e frame.number < "$0"', fifo]);
      let frames = '';
      tshark.stdout.on('data', (d) => (frames += d));
      expect(await exited(tmesc)).toBe(0);
      expect(await exited(tshark)).toBe(0);
      expect(frames.trim().split('\n').length).toBe(JSON.parse(out).groups[0].tools[0].packets);
    },
  );

  it('/dev/null stays a device, and compile -o /dev/null works', () => {
    const { file } = policy({ a: '/dev/null' });
    const before = statSync('/dev/null');
    const r = run(file);
    expect(r.code, r.err).toBe(0);
    const after = lstatSync('/dev/null');
    expect(after.isCharacterDevice()).toBe(true);
    expect([after.ino, after.rdev]).toEqual([before.ino, before.rdev]);
    expect(spawnTmesc(['compile', file, '-o', '/dev/null']).code).toBe(0);
    expect(lstatSync('/dev/null').isCharacterDevice()).toBe(true);
  });

  it('compile -o FIFO streams the artifact to the reader', async () => {
    const { home, file } = policy({ a: 'out/a.pcap' });
    const fifo = join(home, 'artifact.fifo');
    execFileSync('mkfifo', [fifo]);
    const got = join(home, 'artifact.json');
    const cat = spawn('sh', ['-c', 'exec cat "$0" > "$1"', fifo, got]);
    const r = spawnTmesc(['compile', file, '-o', fifo]);
    expect(r.code, r.err).toBe(0);
    expect(await exited(cat)).toBe(0);
    expect(JSON.parse(readFileSync(got, 'utf8')).formatVersion).toBe(2);
    expect(lstatSync(fifo).isFIFO()).toBe(true);
  });

  it('a directory, a socket and (as root) a block device are refused, not replaced', async () => {
    const { home, file } = policy({ a: 'out/a.pcap' });
    mkdirSync(join(home, 'out', 'a.pcap'), { recursive: true });
    let r = run(file);
    expect(r.code).toBe(2);
    expect(r.err).toContain('is a directory, which tmesc will not replace');
    rmSync(join(home, 'out', 'a.pcap'), { recursive: true });
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(join(home, 'out', 'a.pcap'), resolve));
    r = run(file);
    server.close();
    expect(r.code).toBe(2);
    expect(r.err).toContain('is a socket');
    if (isRoot) {
      rmSync(join(home, 'out', 'a.pcap'), { force: true });
      execFileSync('mknod', [join(home, 'out', 'a.pcap'), 'b', '7', '200']);
      r = run(file);
      expect(r.code).toBe(2);
      expect(r.err).toContain('is a block device');
      expect(lstatSync(join(home, 'out', 'a.pcap')).isBlockDevice()).toBe(true);
    }
  });
});

describe.skipIf(!built)('two outputs that are one file', () => {
  it('through a symbolic link to a directory: validate reports TMES0402 and run refuses before writing', () => {
    const { home, file } = policy({ a: 'real/x.pcap', b: 'link/x.pcap' });
    // compiled while the paths were two files: the run must catch what the artifact cannot know
    const artifact = join(home, 'p.json');
    expect(spawnTmesc(['compile', file, '-o', artifact]).code).toBe(0);
    mkdirSync(join(home, 'real'));
    symlinkSync(join(home, 'real'), join(home, 'link'));
    const v = spawnTmesc(['validate', file], { cwd: home });
    expect(v.code, v.out + v.err).toBe(1);
    expect(v.out).toContain('TMES0402');
    expect(v.out).toContain("(reached through a link), as tool 'a' already does");
    const r = spawnTmesc(['run', '--artifact', artifact]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(
      `tools 'a' and 'b' would both write one file: ${join(home, 'real', 'x.pcap')} and ${join(home, 'link', 'x.pcap')} are the same file`,
    );
    expect(readdirSync(join(home, 'real'))).toEqual([]);
    // once the file exists, by device and inode
    writeFileSync(join(home, 'real', 'x.pcap'), 'old');
    expect(spawnTmesc(['run', '--artifact', artifact]).err).toContain('are the same file');
    expect(readFileSync(join(home, 'real', 'x.pcap'), 'utf8')).toBe('old');
  });

  it('an output that is an input through a link: TMES0406 in the policy, refused at run time for --input', () => {
    const { home, file } = policy({ a: 'out/in-again.pcap' });
    mkdirSync(join(home, 'out'));
    symlinkSync(input, join(home, 'out', 'in-again.pcap'));
    const r = run(file);
    expect(r.code).toBe(1);
    expect(r.err + r.out).toContain('TMES0406');
    const { home: h2, file: f2 } = policy({ a: 'out/a.pcap' });
    mkdirSync(join(h2, 'out'));
    writeFileSync(join(h2, 'out', 'a.pcap'), readFileSync(input));
    symlinkSync(join(h2, 'out', 'a.pcap'), join(h2, 'again.pcap'));
    const again = run(f2, '--input', `t=${join(h2, 'again.pcap')}`);
    expect(again.code).toBe(2);
    expect(again.err).toContain(`tool 'a' would overwrite input ${join(h2, 'again.pcap')}`);
    expect(packets(join(h2, 'out', 'a.pcap'))).toBe(200);
  });
});

describe.skipIf(!built)('outputs are committed together', () => {
  it('when the second output fails (ENOSPC on /dev/full), the first is not put in place, and no temporary file is left', () => {
    const { home, file } = policy({ a: 'out/a.pcap', b: '/dev/full' });
    mkdirSync(join(home, 'out'));
    writeFileSync(join(home, 'out', 'a.pcap'), 'old');
    for (const workers of ['0', '2']) {
      const r = run(file, '--workers', workers);
      expect(r.code).toBe(2);
      expect(r.err).toContain('/dev/full: write failed: ENOSPC');
      expect(readFileSync(join(home, 'out', 'a.pcap'), 'utf8')).toBe('old');
      expect(temps(join(home, 'out'))).toEqual([]);
    }
  });

  describe.skipIf(!isRoot)('on a full file system (a 64 KiB tmpfs, as root)', () => {
    let mnt: string;
    let mounted = false;
    beforeAll(() => {
      mnt = join(dir, 'tmpfs');
      mkdirSync(mnt);
      mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmesc-capture-test', mnt]).status === 0;
    });
    afterAll(() => {
      if (mounted) spawnSync('umount', [mnt]);
    });

    it('the output that fits is not renamed into place when the other cannot be finished', (ctx) => {
      if (!mounted) ctx.skip();
      const big = join(dir, 'big.pcap');
      generate({ output: big, packets: 3000, seed: 5 });
      const { home, file } = policy({ a: 'out/a.pcap', b: join(mnt, 'b.pcap') });
      writeFileSync(file, readFileSync(file, 'utf8').replace(input, big));
      mkdirSync(join(home, 'out'));
      writeFileSync(join(home, 'out', 'a.pcap'), 'old');
      for (const workers of ['0', '2']) {
        const r = run(file, '--workers', workers);
        expect(r.code).toBe(2);
        expect(r.err).toContain('ENOSPC');
        expect(readFileSync(join(home, 'out', 'a.pcap'), 'utf8')).toBe('old');
        expect(temps(join(home, 'out'))).toEqual([]);
        expect(readdirSync(mnt)).toEqual([]);
      }
    });
  });
});
