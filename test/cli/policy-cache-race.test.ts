import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIdentity } from '../../src/cli/build-identity.js';
import type { Io } from '../../src/cli/io.js';
import { PolicyCache } from '../../src/cli/policy-cache.js';
import { built, ROOT, spawnTmesc } from './built.js';
import { parseEntry, withArtifact } from './cache-entry.js';

/**
 * Issue 19: the cache read an entry by path and checked its owner by path
 * afterwards, so an entry renamed in between (by whoever could write the
 * cache directory's parent) was used: 5 runs in 20. Here a second process
 * swaps a planted entry (writable by others: what another user could leave)
 * in and out of place, or the whole directory, in a tight loop while lookups
 * run; the planted entry must never be used. Lookups run in this process
 * (with the built bundle's identity) so that hundreds of them are cheap.
 */

const TMP = mkdtempSync(join(tmpdir(), 'tmesc-cache-race-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

const LOOKUPS = 300;

/** Puts a fresh copy of the planted entry in place, then of the real one, atomically (rename), forever. */
const SWAP_ENTRY = `
const { copyFileSync, renameSync } = require('node:fs');
const [entry, real, planted] = process.argv.slice(1);
const tmp = entry + '.swap';
process.stdout.write('go\\n');
for (;;) { copyFileSync(planted, tmp); renameSync(tmp, entry); copyFileSync(real, tmp); renameSync(tmp, entry); }
`;

/** Moves the real directory aside and the planted one into its place, and back, forever. */
const SWAP_DIR = `
const { renameSync } = require('node:fs');
const [dir, parked, planted] = process.argv.slice(1);
const mv = (a, b) => { try { renameSync(a, b); } catch {} };
const pause = () => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
process.stdout.write('go\\n');
for (;;) { mv(dir, parked); mv(planted, dir); pause(); mv(dir, planted); mv(parked, dir); pause(); }
`;

function swapper(script: string, ...args: string[]): Promise<ChildProcess> {
  const p = spawn(process.execPath, ['-e', script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve) => p.stdout!.once('data', () => resolve(p)));
}

let policy: string;
let cache: string;
let build: string | undefined;
let legit: string;
let legitText: string;

beforeAll(() => {
  if (!built) return;
  const dir = mkdtempSync(join(TMP, 'p-'));
  policy = join(dir, 'p.tmes');
  writeFileSync(
    policy,
    `policy "cache-race"\ntap s { source pcap "${join(ROOT, 'samples', 'sample.pcap')}" }\ngroup g { tool w { output pcap "out/w.pcap" } }\nrule all from s match ip to g\n`,
  );
  cache = join(TMP, 'cache');
  // the entry's key holds the working directory: the run's must be this process's
  const r = spawnTmesc(['run', policy, '--no-progress', '--out-dir', join(dir, 'out')], {
    cacheDir: cache,
    cwd: process.cwd(),
  });
  expect(r.code, r.err).toBe(0);
  build = buildIdentity(pathToFileURL(join(ROOT, 'dist', 'bundle', 'main.js')));
  [legit] = readdirSync(cache).filter((f) => f.endsWith('.json'));
  legitText = readFileSync(join(cache, legit), 'utf8');
});

/** Stops a swapper, then puts the real entry back in place, alone. */
async function stop(p: ChildProcess): Promise<void> {
  const gone = new Promise((resolve) => p.once('exit', resolve));
  p.kill();
  await gone;
  for (const stray of ['cache-parked', 'planted-dir'])
    try {
      rmSync(join(TMP, stray), { recursive: true, force: true });
    } catch {
      // not there
    }
  mkdirSync(cache, { recursive: true, mode: 0o700 });
  for (const f of readdirSync(cache)) rmSync(join(cache, f));
  writeFileSync(join(cache, legit), legitText, { mode: 0o600 });
}

/**
 * A race's lookups (`race`): at least LOOKUPS, and on until the race has
 * shown both sides (the planted entry found in place and refused, the real
 * one used), at most RACE_LOOKUPS: on a loaded machine the swapper may get
 * no turn in 300 lookups, and a count, not a clock, bounds the wait.
 */
const RACE_LOOKUPS = 20_000;

/** What the lookups found: the policy name of each hit, and each miss's reason. */
function lookups(race = false): { hits: string[]; misses: string[] } {
  const hits: string[] = [];
  const misses: string[] = [];
  let refused = false;
  let used = false;
  for (let i = 0; i < (race ? RACE_LOOKUPS : LOOKUPS) && !(i >= LOOKUPS && refused && used); i++) {
    let err = '';
    const io: Io = { out: () => {}, err: (s) => (err += s), cwd: process.cwd(), isTTY: false };
    const c = PolicyCache.open(policy, io, { TMESC_CACHE_DIR: cache, TMESC_CACHE_DEBUG: '1' }, build);
    const a = c!.lookup();
    if (a) {
      hits.push(a.policy.name);
      used ||= a.policy.name === 'cache-race';
    } else {
      misses.push(err);
      refused ||= err.includes('not yours alone');
    }
  }
  return { hits, misses };
}

/** An entry for the same policy that matches every file but sends its traffic elsewhere (here: renames the policy). */
function plantedText(): string {
  const entry = parseEntry(readFileSync(join(cache, legit), 'utf8'));
  return withArtifact(entry, (a) => ({ ...a, policy: { ...(a.policy as object), name: 'planted' } }));
}

describe.skipIf(!built)('the compiled-policy cache under a swap race', () => {
  it('the build identity of this process is the bundle’s, so lookups here are real hits', () => {
    expect(build).toBeDefined();
    expect(lookups().hits.every((n) => n === 'cache-race')).toBe(true);
    expect(lookups().hits).toHaveLength(LOOKUPS);
  });

  it('a planted entry renamed in and out during lookups is never used', async () => {
    const planted = join(TMP, 'planted.json');
    writeFileSync(planted, plantedText());
    chmodSync(planted, 0o666);
    const real = join(TMP, 'real.json');
    writeFileSync(real, legitText, { mode: 0o600 });
    const p = await swapper(SWAP_ENTRY, join(cache, legit), real, planted);
    let seen: { hits: string[]; misses: string[] };
    try {
      seen = lookups(true);
    } finally {
      await stop(p);
    }
    expect(seen.hits).not.toContain('planted');
    // the race was live: the planted entry was found in place (and refused), and the real one was used
    expect(seen.misses.some((m) => m.includes('not yours alone'))).toBe(true);
    expect(seen.hits).toContain('cache-race');
  });

  it('a planted directory renamed in and out of the cache’s place is never used', async () => {
    const other = join(TMP, 'planted-dir');
    mkdirSync(other);
    writeFileSync(join(other, legit), plantedText());
    chmodSync(join(other, legit), 0o666);
    chmodSync(other, 0o777);
    const p = await swapper(SWAP_DIR, cache, join(TMP, 'cache-parked'), other);
    let seen: { hits: string[]; misses: string[] };
    try {
      seen = lookups(true);
    } finally {
      await stop(p);
    }
    expect(seen.hits).not.toContain('planted');
    expect(seen.misses.some((m) => m.includes('not yours alone'))).toBe(true);
    expect(seen.hits).toContain('cache-race');
  });
});
