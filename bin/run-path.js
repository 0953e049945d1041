// `tmesc run` starts here (bin/tmesc.js): dist/bundle/run-path.js, the CLI up to a run of a cached
// policy as one script (src/cli/run-bundle.ts), compiled with V8's code cache. Why: compiling
// ~40 modules and Node 20's ES module loader were most of what a cached run spends before its first
// packet (docs/design/measurements.md, "Start-up of tmesc run"), and Node 20 caches compiled code
// for scripts only (vm.Script cachedData). The cache is written after the first clean run with a
// build, into tmesc's cache directory, under the same ownership rules as the policy cache: V8 checks
// that a cache fits its version, flags and source and rejects (ignores) one that does not, but not
// that its code is what it would have compiled, so a cache file is used only from a directory and a
// file that are the user's alone, and only whole (its sha256, below).
'use strict';
const { createHash, randomBytes } = require('node:crypto');
const {
  closeSync,
  constants,
  fstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} = require('node:fs');
const { createRequire } = require('node:module');
const { homedir } = require('node:os');
const { isAbsolute, join, resolve } = require('node:path');
const { pathToFileURL } = require('node:url');
const { Script } = require('node:vm');

const BUNDLE = join(__dirname, '..', 'dist', 'bundle', 'run-path.js');
const BUNDLE_URL = pathToFileURL(BUNDLE);

/**
 * Runs `tmesc run ...` from the run-path bundle: the exit code, or undefined when it is not for the
 * bundle (no bundle, $TMESC_RUN_PATH=0, a run that needs the compiler or live capture): nothing has been
 * written then, and the caller runs the full CLI.
 */
async function runFromRunPath(argv, env = process.env) {
  // these need modules the bundle leaves out (or print before it would know): go straight to the full CLI
  if (env.TMESC_RUN_PATH === '0' || env.TMESC_CACHE_DEBUG || argv.includes('--no-cache') || argv.includes('--live'))
    return undefined;
  let source;
  try {
    source = readFileSync(BUNDLE, 'utf8');
  } catch {
    return undefined;
  }
  const cacheFile = codeCacheFile(env);
  const cached = cacheFile ? unsealed(readPrivately(cacheFile)) : undefined;
  const script = new Script(source, { filename: BUNDLE, cachedData: cached?.data });
  const bundle = { exports: {} };
  script.runInThisContext()(createRequire(BUNDLE), bundle, bundle.exports, BUNDLE_URL.href);
  const code = await bundle.exports.runPath(argv);
  // after a clean run, so that the cache holds every function the run compiled, not just the top level. V8
  // compiles lazily: a cache holds what the runs that wrote it used, so a run that used more (another action, an
  // output format: src/cli/run-features.ts) writes it again, with what it deserialized and what it compiled
  if (code === 0 && cacheFile) {
    const used = bundle.exports.runFeatures?.() ?? [];
    if (cached === undefined || script.cachedDataRejected) {
      writePrivately(cacheFile, sealed(used, script.createCachedData()));
    } else if (used.some((f) => !cached.features.includes(f))) {
      const features = [...new Set([...cached.features, ...used])].sort();
      writePrivately(cacheFile, sealed(features, script.createCachedData()));
    }
  }
  return code;
}

// V8 rejects a cache made for another version, flags or source, but a release build does not checksum
// the data itself (--verify-snapshot-checksum is off): damaged bytes crash the deserializer. So each
// file starts with the sha256 of the rest, and one that does not match is not given to V8. The rest:
// FEATURES_MAGIC, the byte length of the features (u32, little-endian), the features the runs that wrote
// it used (comma-separated), then V8's data.
const DIGEST = 32;
const FEATURES_MAGIC = Buffer.from('tmf1');
const sha256 = (data) => createHash('sha256').update(data).digest();

function sealed(features, data) {
  const names = Buffer.from(features.join(','));
  const head = Buffer.alloc(FEATURES_MAGIC.length + 4);
  FEATURES_MAGIC.copy(head);
  head.writeUInt32LE(names.length, FEATURES_MAGIC.length);
  const rest = Buffer.concat([head, names, data]);
  return Buffer.concat([sha256(rest), rest]);
}

/** { features, data } from a whole file; undefined when it is not one (then V8 is not given it). */
function unsealed(file) {
  if (!file || file.length <= DIGEST) return undefined;
  const rest = file.subarray(DIGEST);
  if (!sha256(rest).equals(file.subarray(0, DIGEST))) return undefined;
  const at = FEATURES_MAGIC.length + 4;
  if (rest.length <= at || !rest.subarray(0, FEATURES_MAGIC.length).equals(FEATURES_MAGIC)) return undefined;
  const end = at + rest.readUInt32LE(FEATURES_MAGIC.length);
  if (end >= rest.length) return undefined;
  const names = rest.subarray(at, end).toString();
  return { features: names === '' ? [] : names.split(','), data: rest.subarray(end) };
}

/** $TMESC_CACHE_DIR, else $XDG_CACHE_HOME/tmesc, else ~/.cache/tmesc: the policy cache's (src/cli/policy-cache.ts). */
function cacheDir(env) {
  if (env.TMESC_CACHE_DIR) return resolve(env.TMESC_CACHE_DIR);
  if (env.XDG_CACHE_HOME && isAbsolute(env.XDG_CACHE_HOME)) return join(env.XDG_CACHE_HOME, 'tmesc');
  try {
    const home = homedir();
    return home ? join(home, '.cache', 'tmesc') : undefined;
  } catch {
    return undefined;
  }
}

/** Named by the build (bundle-id.txt covers run-path.js) and the runtime, so a rebuild or another Node writes its own. */
function codeCacheFile(env) {
  const dir = cacheDir(env);
  if (!dir) return undefined;
  let id;
  try {
    id = readFileSync(new URL('bundle-id.txt', BUNDLE_URL), 'utf8').trim();
  } catch {
    return undefined;
  }
  if (!/^[0-9a-f]{64}$/.test(id)) return undefined;
  return join(dir, `run-path-${id.slice(0, 24)}-${process.version}-${process.arch}.v8cache`);
}

/** Owned by this user and writable by no one else (the policy cache's rule). */
function ownedPrivately(st) {
  if (typeof process.geteuid !== 'function') return true;
  return st.uid === process.geteuid() && (st.mode & 0o022) === 0;
}

function dirIsPrivate(dir) {
  let fd;
  try {
    fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
    return ownedPrivately(fstatSync(fd));
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** The file's bytes, judged on the descriptor they are read from; undefined when absent or not private. */
function readPrivately(file) {
  if (!dirIsPrivate(join(file, '..'))) return undefined;
  let fd;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    const st = fstatSync(fd);
    if (!st.isFile() || st.nlink !== 1 || !ownedPrivately(st)) return undefined;
    return readFileSync(fd);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Written whole under a temporary name, then renamed into place; any failure leaves no cache (never an error). */
function writePrivately(file, data) {
  const dir = join(file, '..');
  const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (!dirIsPrivate(dir)) return;
    const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    try {
      writeSync(fd, data);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch {
    rmSync(tmp, { force: true });
  }
}

module.exports = { runFromRunPath };
