import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BUNDLE_ID_FILE, bundleId } from '../../src/cli/build-identity.js';
import { BIN, built, ROOT, spawnTmesc, type Spawned } from './built.js';
import { entryArtifact, entryText, parseEntry, withArtifact, withArtifactText } from './cache-entry.js';

// `tmesc run POLICY` and its compiled-policy cache, through the built CLI (the
// cache is on only there: it needs the bundle's id). TMESC_CACHE_DEBUG=1 makes
// it say what it did; a loader hook shows which modules a run loaded.

const SAMPLE = join(ROOT, 'samples', 'sample.pcap');
const LIB = 'define ports WEB = 80, 443\n';
// the and/or mix draws a warning, which run prints, hit or miss
const POLICY = `policy "cache-test"
include "lib.tmes"
tap s { source pcap "${SAMPLE}" }
group g { tool w { output pcap "out/w.pcap" } }
rule web from s match tcp and port WEB or udp port 53 to g
`;

// everything the tests write (policies, caches, outputs, a copy of the bundle) is under here
const TMP = mkdtempSync(join(tmpdir(), 'tmesc-pc-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

/** A policy (including lib.tmes) in a new directory, and a cache directory of its own. */
function setup(): { dir: string; policy: string; lib: string; cache: string } {
  const dir = mkdtempSync(join(TMP, 'p-'));
  writeFileSync(join(dir, 'lib.tmes'), LIB);
  writeFileSync(join(dir, 'p.tmes'), POLICY);
  return { dir, policy: join(dir, 'p.tmes'), lib: join(dir, 'lib.tmes'), cache: join(dir, 'cache') };
}

/** `tmesc run POLICY --stats json`, writing into a new directory; `debug` turns on the cache's notes. */
function run(
  policy: string,
  cache: string,
  opts: { debug?: boolean; extra?: string[]; loadLog?: string; bin?: string; cwd?: string } = {},
): Spawned & { outDir: string } {
  const outDir = mkdtempSync(join(TMP, 'out-'));
  const r = spawnTmesc(
    ['run', policy, '--out-dir', outDir, '--stats', 'json', '--no-progress', ...(opts.extra ?? [])],
    {
      cacheDir: cache,
      env: opts.debug ? { TMESC_CACHE_DEBUG: '1' } : {},
      loadLog: opts.loadLog,
      bin: opts.bin,
      cwd: opts.cwd,
    },
  );
  expect(r.code, r.err).toBe(0);
  return { ...r, outDir };
}

/** The statistics without what differs between any two runs (time, output directory). */
function stats(out: string): unknown {
  const s = JSON.parse(out);
  return {
    ...s,
    seconds: 0,
    groups: s.groups.map((g: { tools: { output: string }[] }) => ({
      ...g,
      tools: g.tools.map((t) => ({ ...t, output: t.output.split('/').pop() })),
    })),
  };
}

/** The cache's own notes on stderr (TMESC_CACHE_DEBUG), without the policy's warnings that run prints too. */
const cacheNotes = (err: string) =>
  err
    .split('\n')
    .filter((l) => l.startsWith('tmesc: cache:'))
    .map((l) => l + '\n')
    .join('');
// the policy entries: the directory also holds the run path's code cache (bin/run-path.js), *.v8cache
const entries = (cache: string) => (existsSync(cache) ? readdirSync(cache).filter((f) => f.endsWith('.json')) : []);
const entryFile = (cache: string) => {
  const [e] = entries(cache);
  return join(cache, e);
};
const loaded = (log: string) => readFileSync(log, 'utf8');
const ruleMatches = (out: string) => JSON.parse(out).rules[0].matches as number;

/** Rewrites a file with new text of the same length and the same modification time: only its content tells. */
function sneakyEdit(path: string, from: string, to: string) {
  const { atime, mtime } = statSync(path);
  const text = readFileSync(path, 'utf8');
  expect(text).toContain(from);
  expect(to.length).toBe(from.length);
  writeFileSync(path, text.replace(from, to));
  utimesSync(path, atime, mtime);
}

describe.skipIf(!built)('tmesc run: the compiled-policy cache', () => {
  it('a second run is a hit: the front end and compiler never load, and stats, outputs and messages equal the miss', () => {
    const { policy, cache, dir } = setup();
    const missLog = join(dir, 'miss.log');
    const hitLog = join(dir, 'hit.log');
    const miss = run(policy, cache, { loadLog: missLog });
    const hit = run(policy, cache, { loadLog: hitLog });
    // the hook sees the parser load when compiling, so its absence on the hit means something
    expect(loaded(missLog)).toMatch(/chevrotain\.min\.mjs/);
    expect(loaded(missLog)).toMatch(/\/load-policy-\w+\.js/);
    expect(loaded(hitLog)).not.toMatch(/chevrotain|\/load-policy-\w+\.js|\/compile-\w+\.js/);
    expect(entries(cache)).toHaveLength(1);
    expect(stats(hit.out)).toEqual(stats(miss.out));
    expect(ruleMatches(hit.out)).toBeGreaterThan(0);
    expect(readFileSync(join(hit.outDir, 'w.pcap')).equals(readFileSync(join(miss.outDir, 'w.pcap')))).toBe(true);
    // the policy's warning is printed by both: the hit prints what the compile stored
    expect(miss.err).toMatch(/warning TMES\d+/);
    expect(hit.err).toBe(miss.err);
    expect(run(policy, cache, { debug: true }).err).toBe(`tmesc: cache: hit ${entryFile(cache)}\n${miss.err}`);
  });

  it('editing the policy invalidates its entry, even keeping its size and time', () => {
    const { policy, cache } = setup();
    const before = run(policy, cache);
    sneakyEdit(policy, 'udp port 53', 'udp port 54');
    const after = run(policy, cache, { debug: true });
    expect(after.err).toContain(`miss (${policy} changed)`);
    expect(after.err).toContain('wrote');
    expect(stats(after.out)).toEqual(stats(run(policy, cache, { extra: ['--no-cache'] }).out));
    expect(ruleMatches(after.out)).not.toBe(ruleMatches(before.out));
    expect(run(policy, cache, { debug: true }).err).toMatch(/cache: hit/);
    expect(entries(cache)).toHaveLength(1);
  });

  it('editing an included file invalidates the entry', () => {
    const { policy, lib, cache } = setup();
    const before = run(policy, cache);
    sneakyEdit(lib, '80, 443', '88, 443');
    const after = run(policy, cache, { debug: true });
    expect(after.err).toContain(`miss (${lib} changed)`);
    expect(stats(after.out)).toEqual(stats(run(policy, cache, { extra: ['--no-cache'] }).out));
    expect(ruleMatches(after.out)).not.toBe(ruleMatches(before.out));
    expect(run(policy, cache, { debug: true }).err).toMatch(/cache: hit/);
  });

  it('an entry another build wrote is a miss, and is replaced', () => {
    const { policy, cache } = setup();
    run(policy, cache);
    const file = entryFile(cache);
    const entry = parseEntry(readFileSync(file, 'utf8'));
    writeFileSync(
      file,
      entryText({ ...entry, build: (entry.build as string).replace(/"bundle":"[0-9a-f]/, '"bundle":"x') }),
    );
    expect(run(policy, cache, { debug: true }).err).toContain('miss (written by another tmesc build)');
    expect(parseEntry(readFileSync(file, 'utf8')).build).toBe(entry.build);
    expect(run(policy, cache, { debug: true }).err).toMatch(/cache: hit/);
  });

  it('a rebuild with any change to the code, or another package version, invalidates entries', () => {
    const { policy, cache, dir } = setup();
    // a second install of the same build: bin, the bundle and package.json, beside node_modules
    const copy = join(dir, 'install');
    mkdirSync(join(copy, 'dist'), { recursive: true });
    cpSync(join(ROOT, 'bin'), join(copy, 'bin'), { recursive: true });
    cpSync(join(ROOT, 'dist', 'bundle'), join(copy, 'dist', 'bundle'), { recursive: true });
    cpSync(join(ROOT, 'package.json'), join(copy, 'package.json'));
    symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
    const bin = join(copy, 'bin', 'tmesc.js');
    expect(BIN).not.toBe(bin);
    run(policy, cache);
    expect(run(policy, cache, { debug: true, bin }).err, 'the same build, installed elsewhere').toMatch(/cache: hit/);

    // what scripts/bundle.mjs does after building: the changed bundle gets a new id
    const bundle = join(copy, 'dist', 'bundle');
    const chunk = readdirSync(bundle).find((f) => f.startsWith('run-'))!;
    writeFileSync(join(bundle, chunk), readFileSync(join(bundle, chunk), 'utf8') + '\n// a change\n');
    writeFileSync(join(bundle, BUNDLE_ID_FILE), bundleId(bundle) + '\n');
    expect(run(policy, cache, { debug: true, bin }).err).toContain('miss (written by another tmesc build)');
    expect(run(policy, cache, { debug: true }).err).toContain('miss (written by another tmesc build)');

    // back to the same code, under another version number
    cpSync(join(ROOT, 'dist', 'bundle'), bundle, { recursive: true });
    expect(run(policy, cache, { debug: true, bin }).err).toMatch(/cache: hit/);
    const pkg = JSON.parse(readFileSync(join(copy, 'package.json'), 'utf8'));
    writeFileSync(join(copy, 'package.json'), JSON.stringify({ ...pkg, version: `${pkg.version}-next` }));
    expect(run(policy, cache, { debug: true, bin }).err).toContain('miss (written by another tmesc build)');
  });

  it('a corrupt or invalid entry falls back to compiling and is rewritten', () => {
    const { policy, cache } = setup();
    const good = run(policy, cache);
    const file = entryFile(cache);
    const entry = parseEntry(readFileSync(file, 'utf8'));

    writeFileSync(file, readFileSync(file, 'utf8').slice(0, 100));
    let r = run(policy, cache, { debug: true });
    expect(r.err).toMatch(/miss \(unreadable entry/);
    expect(stats(r.out)).toEqual(stats(good.out));
    expect(parseEntry(readFileSync(file, 'utf8'))).toEqual(entry);

    // the files match, but the artifact is not the one written: edited (an extra member, a changed port,
    // one byte), or cut short. The hash says so before anything reads it; a hit would run it unchecked
    const text = entry.artifact as string;
    for (const artifact of [
      JSON.stringify({ ...entryArtifact(entry), graph: { ...entryArtifact(entry).graph, extra: true } }),
      text.replace('"cuts":[', '"cuts":[1,'),
      text.slice(0, -1) + (text.endsWith('}') ? ']' : '}'),
      text.slice(0, text.length >> 1),
    ]) {
      expect(artifact).not.toBe(text);
      writeFileSync(file, entryText({ ...entry, artifact }));
      r = run(policy, cache, { debug: true });
      expect(r.err).toContain('cache: miss (the artifact is not as it was written)');
      expect(stats(r.out)).toEqual(stats(good.out));
      expect(parseEntry(readFileSync(file, 'utf8'))).toEqual(entry);
    }
    // an artifact that matches its hash but is not JSON, or not a format 2 artifact (only its owner could write one)
    for (const [planted, why] of [
      [withArtifactText(entry, '{'), 'unreadable artifact'],
      [withArtifact(entry, (a) => ({ ...a, formatVersion: 1 })), 'not a format 2 artifact'],
    ]) {
      writeFileSync(file, planted);
      expect(run(policy, cache, { debug: true }).err).toContain(`cache: miss (${why}`);
      expect(parseEntry(readFileSync(file, 'utf8'))).toEqual(entry);
    }
    expect(run(policy, cache, { debug: true }).err).toMatch(/cache: hit/);
  });

  it('an entry is used only for its own policy and working directory', () => {
    const a = setup();
    const b = setup();
    run(a.policy, a.cache);
    const [ea] = entries(a.cache);
    run(b.policy, a.cache);
    const eb = entries(a.cache).find((e) => e !== ea)!;
    // an entry copied over another policy's is not taken for it
    cpSync(join(a.cache, ea), join(a.cache, eb));
    expect(run(b.policy, a.cache, { debug: true }).err).toContain('miss (entry of another policy or directory)');
    expect(run(b.policy, a.cache, { debug: true }).err).toMatch(/cache: hit/);
    // the artifact names files relative to the working directory: another one is another entry
    expect(run(a.policy, a.cache, { debug: true, cwd: a.dir }).err).toContain('miss (no entry)');
    expect(entries(a.cache)).toHaveLength(3);
    expect(run(a.policy, a.cache, { debug: true }).err).toMatch(/cache: hit/);
  });

  it('--no-cache neither reads nor writes the cache', () => {
    const { policy, cache } = setup();
    run(policy, cache, { extra: ['--no-cache'] });
    expect(existsSync(cache)).toBe(false);
    // an entry that says something else (but still matches the files): a run that reads it shows it
    run(policy, cache);
    const file = entryFile(cache);
    const entry = parseEntry(readFileSync(file, 'utf8'));
    writeFileSync(
      file,
      withArtifact(entry, (a) => ({ ...a, policy: { ...(a.policy as object), name: 'from-the-cache' } })),
    );
    const before = statSync(file);
    const bytes = readFileSync(file);
    const r = run(policy, cache, { debug: true, extra: ['--no-cache'] });
    expect(cacheNotes(r.err)).toBe('');
    expect(JSON.parse(r.out).policy).toBe('cache-test');
    expect(readFileSync(file).equals(bytes)).toBe(true);
    expect(statSync(file).mtimeMs).toBe(before.mtimeMs);
    expect(readdirSync(cache)).toEqual([file.split('/').pop()]);
    expect(JSON.parse(run(policy, cache).out).policy).toBe('from-the-cache');
  });

  it('an unusable cache directory means no caching, quietly', () => {
    const { policy, dir } = setup();
    writeFileSync(join(dir, 'a-file'), '');
    // under a regular file: no one, not even root, can create it
    const cache = join(dir, 'a-file', 'cache');
    const first = run(policy, cache);
    expect(cacheNotes(first.err)).toBe('');
    expect(ruleMatches(first.out)).toBeGreaterThan(0);
    const second = run(policy, cache, { debug: true });
    expect(cacheNotes(second.err)).toMatch(/^tmesc: cache: miss \(.*\)\ntmesc: cache: not written \(ENOTDIR/);
    expect(stats(second.out)).toEqual(stats(first.out));
  });

  it('a policy read from a pipe is never cached: each run compiles what it is given', () => {
    const { dir, cache } = setup();
    // includes resolve against the policy's directory; from /dev/stdin that is /dev, so inline the definitions
    const piped = (port: string) =>
      POLICY.replace('include "lib.tmes"\n', LIB).replace('udp port 53', `udp port ${port}`);
    // through a real pipe, as `cat p.tmes | tmesc run /dev/stdin` gives one (spawnSync's input is a socket, which /dev/stdin cannot open)
    const fromPipe = (text: string) => {
      const file = join(dir, 'piped.tmes');
      writeFileSync(file, text);
      const out = mkdtempSync(join(TMP, 'out-'));
      const r = spawnSync(
        '/bin/sh',
        [
          '-c',
          'cat "$1" | "$2" "$3" run /dev/stdin --out-dir "$4" --stats json --no-progress',
          'sh',
          file,
          process.execPath,
          BIN,
          out,
        ],
        {
          encoding: 'utf8',
          cwd: dir,
          env: { ...process.env, TMESC_CACHE_DIR: cache, TMESC_CACHE_DEBUG: '1' },
        },
      );
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toContain('cache: off (the policy is not a regular file)');
      return ruleMatches(r.stdout);
    };
    const dns = fromPipe(piped('53'));
    const none = fromPipe(piped('54'));
    expect(dns).toBeGreaterThan(none);
    expect(fromPipe(piped('53'))).toBe(dns);
    expect(entries(cache)).toEqual([]);
  });

  it('an entry others could have written (writable by group or world) is not used, and is replaced', () => {
    const { policy, cache } = setup();
    const first = run(policy, cache);
    const file = entryFile(cache);
    const entry = parseEntry(readFileSync(file, 'utf8'));
    // what another user could plant: an entry that matches every file but says something else
    writeFileSync(
      file,
      withArtifact(entry, (a) => ({ ...a, policy: { ...(a.policy as object), name: 'planted' } })),
    );
    chmodSync(file, 0o666);
    const r = run(policy, cache, { debug: true });
    expect(r.err).toMatch(/cache: miss \(the cache directory or entry is not yours alone/);
    expect(JSON.parse(r.out).policy).toBe('cache-test');
    expect(stats(r.out)).toEqual(stats(first.out));
    expect(statSync(entryFile(cache)).mode & 0o777).toBe(0o600);
    // the same for the directory
    chmodSync(cache, 0o777);
    expect(run(policy, cache, { debug: true }).err).toMatch(/not yours alone/);
    chmodSync(cache, 0o700);
    expect(run(policy, cache, { debug: true }).err).toMatch(/cache: hit/);
  });

  it('a policy with errors is not cached and fails as without the cache', () => {
    const { policy, cache } = setup();
    writeFileSync(policy, POLICY.replace('to g', 'to nowhere'));
    const args = ['run', policy, '--no-progress'];
    const cached = spawnTmesc(args, { cacheDir: cache });
    const uncached = spawnTmesc([...args, '--no-cache'], { cacheDir: cache });
    expect(cached.code).toBe(1);
    expect(cached.err).toContain('nowhere');
    expect(cached).toEqual(uncached);
    expect(entries(cache)).toEqual([]);
  });
});
