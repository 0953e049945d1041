import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

// The shipped CLI is the esbuild bundle (scripts/bundle.mjs); tests that need it run it as users do.
export const ROOT = join(import.meta.dirname, '..', '..');
export const BIN = join(ROOT, 'bin', 'tmesc.js');
export const built = existsSync(join(ROOT, 'dist', 'bundle', 'main.js'));

export interface Spawned {
  code: number;
  out: string;
  err: string;
  /** The signal that ended the process (a run past timeoutMs is killed with SIGTERM), or null. */
  signal: NodeJS.Signals | null;
}

/**
 * Runs `node BIN ARGS`. The policy cache goes to a directory of the test's
 * (`cacheDir`, or a fresh one), never the user's ~/.cache; `loadLog` names a
 * file that receives the URL of every module the process loads.
 */
export function spawnTmesc(
  args: string[],
  opts: {
    cwd?: string;
    cacheDir?: string;
    env?: Record<string, string>;
    loadLog?: string;
    bin?: string;
    input?: string;
    /** A guard against hangs, for fuzzing: kill the run after this long (none by default). */
    timeoutMs?: number;
  } = {},
): Spawned {
  const env: NodeJS.ProcessEnv = { ...process.env, TMESC_CACHE_DIR: opts.cacheDir ?? scratchCache() };
  // the shell the tests run in must not change what they see
  delete env.TMESC_CACHE_DEBUG;
  Object.assign(env, opts.env);
  const pre = opts.loadLog ? ['--import', pathToFileURL(loadHooks()).href] : [];
  if (opts.loadLog) env.TMESC_TEST_LOAD_LOG = opts.loadLog;
  const r = spawnSync(process.execPath, [...pre, opts.bin ?? BIN, ...args], {
    encoding: 'utf8',
    cwd: opts.cwd ?? ROOT,
    env,
    input: opts.input,
    timeout: opts.timeoutMs,
  });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr, signal: r.signal };
}

let hooks: string | undefined;
let cache: string | undefined;

/** One cache directory for the test file's runs that name none: at most one entry per policy, never ~/.cache. */
function scratchCache(): string {
  return (cache ??= mkdtempSync(join(tmpdir(), 'tmesc-cache-')));
}

/** A module that registers a loader hook appending each loaded URL to $TMESC_TEST_LOAD_LOG. */
function loadHooks(): string {
  if (hooks) return hooks;
  const dir = mkdtempSync(join(tmpdir(), 'tmesc-hooks-'));
  writeFileSync(
    join(dir, 'hooks.mjs'),
    `import { appendFileSync } from 'node:fs';
let log;
export function initialize(data) { log = data.log; }
export async function load(url, context, next) { appendFileSync(log, url + '\\n'); return next(url, context); }
`,
  );
  writeFileSync(
    join(dir, 'register.mjs'),
    `import { register } from 'node:module';\nregister('./hooks.mjs', import.meta.url, { data: { log: process.env.TMESC_TEST_LOAD_LOG } });\n`,
  );
  return (hooks = join(dir, 'register.mjs'));
}
