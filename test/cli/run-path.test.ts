import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Script } from 'node:vm';
import { afterAll, describe, expect, it } from 'vitest';
import { built, ROOT, spawnTmesc } from './built.js';

// `tmesc run` starts from dist/bundle/run-path.js, compiled with a V8 code cache kept in the cache
// directory (bin/run-path.js); the ES module bundle runs it otherwise ($TMESC_RUN_PATH=0, and every run
// the run path leaves out). Both must be one and the same tmesc: same outputs, same messages, same exit
// codes. A code cache V8 does not take (damaged, another script's, another Node's) only costs time.

const RUN_PATH = join(ROOT, 'dist', 'bundle', 'run-path.js');
const TMP = mkdtempSync(join(tmpdir(), 'tmesc-run-path-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

const SAMPLE = join(ROOT, 'samples', 'sample.pcap');
// actions that rewrite packets, balancing and two output formats: much of the runtime runs
const POLICY = `policy "run-path"
tap s { source pcap "${SAMPLE}"; mark vlan 103 }
group ids {
  tool a { output pcap "out/a.pcap" }
  tool b { output pcap "out/b.pcap" }
  balance session symmetric
}
group rec {
  tool r { output pcapng "out/r.pcapng" }
  strip mpls, gre, vxlan
  mask credentials
}
group probe {
  tool p { output pcap "out/p.pcap" }
  truncate payload 64
}
rule web from s match tcp port 80 or tcp port 443 to ids, probe
rule dns from s match udp port 53 to rec
rule rest from s match ip to probe
`;

interface Run {
  code: number;
  out: string;
  err: string;
  files: Record<string, string>;
}

const policyDirs = new Map<string, string>();

/**
 * One run of the policy (one file per cache directory: entries are keyed on its path) into a fresh output
 * directory; the stats without their one clock reading, and each output file's bytes (hex).
 */
function run(cacheDir: string, env: Record<string, string> = {}, extra: string[] = []): Run {
  let dir = policyDirs.get(cacheDir);
  if (!dir) {
    dir = mkdtempSync(join(TMP, 'policy-'));
    writeFileSync(join(dir, 'p.tmes'), POLICY);
    policyDirs.set(cacheDir, dir);
  }
  const out = mkdtempSync(join(TMP, 'out-'));
  const r = spawnTmesc(['run', 'p.tmes', '--out-dir', out, '--stats', 'json', '--no-progress', ...extra], {
    cwd: dir,
    cacheDir,
    env,
  });
  const files: Record<string, string> = {};
  for (const f of readdirSync(out).sort()) files[f] = readFileSync(join(out, f)).toString('hex');
  const mask = (s: string) => s.replaceAll(out, '<out>').replaceAll(dir, '<dir>');
  let stats = r.out;
  try {
    const parsed = JSON.parse(r.out) as { seconds?: number };
    delete parsed.seconds;
    stats = JSON.stringify(parsed);
  } catch {
    // not JSON: compared as it is
  }
  return { code: r.code, out: mask(stats), err: mask(r.err), files };
}

/** A code cache file as bin/run-path.js writes it: sha256 of the rest; 'tmf1', the features' length, the features; V8's data. */
function seal(features: string[], data: Buffer): Buffer {
  const names = Buffer.from(features.join(','));
  const head = Buffer.alloc(8);
  head.write('tmf1');
  head.writeUInt32LE(names.length, 4);
  const rest = Buffer.concat([head, names, data]);
  return Buffer.concat([createHash('sha256').update(rest).digest(), rest]);
}

/** The features a code cache file says the runs that wrote it used. */
function featuresOf(path: string): string[] {
  const rest = readFileSync(path).subarray(32);
  expect(rest.subarray(0, 4).toString()).toBe('tmf1');
  return rest
    .subarray(8, 8 + rest.readUInt32LE(4))
    .toString()
    .split(',');
}

const codeCaches = (cache: string) =>
  existsSync(cache) ? readdirSync(cache).filter((f) => f.endsWith('.v8cache')) : [];

describe.skipIf(!built || !existsSync(RUN_PATH))('tmesc run from the run path (one script, V8 code cache)', () => {
  if (!built) console.warn('skipped: the CLI is not built (npm run build)');

  const plainCache = mkdtempSync(join(TMP, 'plain-'));
  const fastCache = mkdtempSync(join(TMP, 'fast-'));
  const PLAIN = { TMESC_RUN_PATH: '0' };

  it('a miss, a hit that writes the code cache and a hit that reads it give what the ES module bundle gives, byte for byte', () => {
    const plainMiss = run(plainCache, PLAIN);
    const plainHit = run(plainCache, PLAIN);
    expect(plainMiss.code, plainMiss.err).toBe(0);
    expect(Object.keys(plainMiss.files).length).toBe(4);
    expect(plainHit).toEqual(plainMiss);
    expect(codeCaches(plainCache)).toEqual([]);

    // a miss needs the compiler: the run path leaves it to the ES module bundle and writes no code cache
    expect(run(fastCache)).toEqual(plainMiss);
    expect(codeCaches(fastCache)).toEqual([]);
    // the first hit runs from the run path and keeps what V8 compiled
    expect(run(fastCache)).toEqual(plainMiss);
    const [cacheFile] = codeCaches(fastCache);
    expect(cacheFile).toMatch(new RegExp(`^run-path-[0-9a-f]{24}-${process.version}-${process.arch}\\.v8cache$`));
    const path = join(fastCache, cacheFile);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    // the next hit takes it: the file is left as it is (a rejected cache is written anew, a new inode)
    const { ino } = statSync(path);
    expect(run(fastCache)).toEqual(plainMiss);
    expect(statSync(path).ino).toBe(ino);
  });

  it('errors and usage messages are the same from both', () => {
    for (const extra of [['--stats', 'xml'], ['--workers', 'many'], ['-i', 'nosuchtap=x.pcap'], ['--frobnicate']]) {
      const plain = run(plainCache, PLAIN, extra);
      expect(plain.code, extra.join(' ')).toBe(2);
      expect(run(fastCache, {}, extra), extra.join(' ')).toEqual(plain);
    }
  });

  it('a damaged, foreign or shared code cache is ignored: the run is the same, and the cache is written anew', () => {
    const expected = run(plainCache, PLAIN);
    const [cacheFile] = codeCaches(fastCache);
    const path = join(fastCache, cacheFile);
    const good = readFileSync(path);
    const foreign = new Script('(function () { return 1; })', { filename: RUN_PATH }).createCachedData();
    const damaged = Buffer.from(good);
    for (let i = 64; i < damaged.length; i += 97) damaged[i] ^= 0x5a;
    const cases: [string, Buffer, number][] = [
      ['random bytes', randomBytes(good.length), 0o600],
      ['empty', Buffer.alloc(0), 0o600],
      ['cut short', good.subarray(0, good.length >> 1), 0o600],
      ['bytes flipped', damaged, 0o600],
      // whole (its sha256 matches) but made for another source: V8 itself rejects it
      ["another script's, whole", seal(['artifact'], foreign), 0o600],
      // whole, but without the features the runs that wrote it used (bin/run-path.js): not given to V8
      [
        "another script's, whole, no features",
        Buffer.concat([createHash('sha256').update(foreign).digest(), foreign]),
        0o600,
      ],
      ["another script's, bare", foreign, 0o600],
      // a good cache that others may write is not read at all
      ['writable by others', good, 0o666],
    ];
    for (const [what, bytes, mode] of cases) {
      rmSync(path, { force: true });
      writeFileSync(path, bytes, { mode });
      chmodSync(path, mode);
      const { ino } = statSync(path);
      expect(run(fastCache), what).toEqual(expected);
      // rejected (or not trusted), so written again after the clean run
      expect(statSync(path).ino, what).not.toBe(ino);
      expect(statSync(path).mode & 0o777, what).toBe(0o600);
    }
  });

  it('a run that uses what the code cache lacks (another action, output format) writes it again, with both', () => {
    // V8 compiles lazily: a plain run's cache holds no masking code, which every masking run would compile again
    const cache = mkdtempSync(join(TMP, 'features-'));
    const dir = mkdtempSync(join(TMP, 'policy-'));
    const policy = (name: string, group: string) => {
      writeFileSync(
        join(dir, `${name}.tmes`),
        `policy "${name}"\ntap s { source pcap "${SAMPLE}" }\ngroup g {\n  ${group}\n}\nrule r from s match any to g\n`,
      );
      return `${name}.tmes`;
    };
    const plain = policy('plain', 'tool a { output pcap "out/a.pcap" }');
    const masked = policy('masked', 'tool a { output pcapng "out/a.pcapng" }\n  mask credentials');
    const runIt = (p: string) => {
      const out = mkdtempSync(join(TMP, 'out-'));
      const r = spawnTmesc(['run', p, '--out-dir', out, '--no-progress'], { cwd: dir, cacheDir: cache });
      expect(r.code, r.err).toBe(0);
    };
    // the first run of each policy compiles it (the full CLI, no code cache); the second writes the cache
    runIt(plain);
    runIt(plain);
    const [file] = codeCaches(cache);
    const path = join(cache, file);
    expect(featuresOf(path)).toEqual(['out:pcap', 'policy']);
    const plainIno = statSync(path).ino;
    runIt(masked);
    runIt(masked);
    expect(statSync(path).ino).not.toBe(plainIno);
    expect(featuresOf(path)).toEqual([
      'mask:credentials',
      'out:pcap',
      'out:pcapng',
      'policy',
      'step:balance',
      'step:mark',
      'step:mask',
    ]);
    // covered now, by either policy: left as it is
    const { ino } = statSync(path);
    runIt(masked);
    runIt(plain);
    expect(statSync(path).ino).toBe(ino);
    expect(codeCaches(cache)).toEqual([file]);
  });

  it('a cache directory others may write gets no code cache (and the run is the same)', () => {
    const expected = run(plainCache, PLAIN);
    const cache = join(mkdtempSync(join(TMP, 'shared-')), 'cache');
    mkdirSync(cache, { mode: 0o700 });
    expect(run(cache).code).toBe(0);
    chmodSync(cache, 0o777);
    expect(run(cache)).toEqual(expected);
    expect(run(cache)).toEqual(expected);
    expect(codeCaches(cache)).toEqual([]);
  });
});
