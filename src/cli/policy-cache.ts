import { randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  fstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  type Stats,
  statSync,
  writeSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { ARTIFACT_FORMAT_VERSION, type Artifact } from '../artifact/types.js';
import type { ReadFile } from '../check/load.js';
import { MAX_FILE_BYTES, readPolicyBytes } from '../check/read-policy-file.js';
import { buildIdentity, sha256Hex } from './build-identity.js';
import type { Io } from './io.js';

/**
 * The compiled-policy cache of `tmesc run POLICY`: one entry per policy (and
 * working directory), holding the artifact, the hash of every file the
 * compile read and the identity of the tmesc that wrote it. An entry is used
 * only when all of these still match; a stale hit would send traffic to the
 * wrong tools, so anything doubtful is a miss, and a miss compiles as before.
 * Cache trouble never fails a run and prints nothing unless TMESC_CACHE_DEBUG
 * is set.
 */

// 2: a line of JSON (the entry but its artifact, with the artifact's sha256), then the artifact's JSON text as
// the compile wrote it: hashed and parsed as it lies, never escaped into a string (1 held the object, validated on each hit)
const FORMAT = 'tmesc-policy-cache-2';

/** $TMESC_CACHE_DIR, else $XDG_CACHE_HOME/tmesc, else ~/.cache/tmesc (XDG: a relative or empty value is ignored). */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.TMESC_CACHE_DIR) return resolve(env.TMESC_CACHE_DIR);
  if (env.XDG_CACHE_HOME && isAbsolute(env.XDG_CACHE_HOME)) return join(env.XDG_CACHE_HOME, 'tmesc');
  try {
    const home = homedir();
    return home ? join(home, '.cache', 'tmesc') : undefined;
  } catch {
    return undefined;
  }
}

/**
 * What the compiled artifact depends on besides the files' text: where the
 * policy is, and the working directory, because the artifact names the files
 * by their paths relative to it (policy.files, and so policy.sourceHash).
 */
interface Key {
  policy: string;
  cwd: string;
  /** Directories includes may read besides the policy's and the working directory: they decide what compiles. */
  includeRoots: string[];
}

interface Entry {
  format: typeof FORMAT;
  build: string;
  key: Key;
  /** Every file the compile read, the policy first, with the sha256 of the text it read. */
  files: { path: string; sha256: string }[];
  /** The artifact the compile built, as JSON text: a hit parses it only once its sha256 matches. */
  artifact: string;
  artifactSha256: string;
  /** What the compile printed on standard error (the policy's warnings), printed again on a hit. */
  warnings?: string;
}

/** The text the compile read from each file, by absolute path; `complete` is false when a read failed. */
export interface Reads {
  texts: Map<string, string>;
  complete: boolean;
}

/** A reader for checkPolicyFile that records what it read, so the entry names exactly the text that was compiled. */
export function recordingReader(reads: Reads): ReadFile {
  return (path, how = { include: false, maxBytes: MAX_FILE_BYTES }) => {
    let bytes: Buffer;
    try {
      bytes = readPolicyBytes(path, how);
    } catch (e) {
      reads.complete = false;
      throw e;
    }
    const text = bytes.toString('utf8');
    const before = reads.texts.get(path);
    // a file read twice must have read alike, and a pipe (or anything but a file) cannot be read again to check
    if ((before !== undefined && before !== text) || !isRegularFile(path)) reads.complete = false;
    if (before === undefined) reads.texts.set(path, text);
    return bytes;
  };
}

function isRegularFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** A file's text, read only when it is a regular file (a pipe read here would be drained for the compile); undefined otherwise. */
function readRegularFile(path: string): string | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    if (!fstatSync(fd).isFile()) return undefined;
    return readFileSync(fd, 'utf8');
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW, O_NONBLOCK, O_NOCTTY, O_DIRECTORY } = constants;

/**
 * Whether a cache directory or entry can be trusted: owned by whoever runs
 * tmesc and writable by nobody else. An entry is data that decides where
 * traffic goes; one planted in a shared directory by another user must not
 * be used (by root above all). Judged on an open descriptor (fstat), never
 * by path: the file checked is then the file read, whatever is renamed
 * into its place meanwhile.
 */
function ownedPrivately(st: Stats): boolean {
  if (typeof process.geteuid !== 'function') return true;
  return st.uid === process.geteuid() && (st.mode & 0o022) === 0;
}

/** Why the directory cannot hold trusted entries, or '' when it can (its own descriptor, links not followed). */
function directoryProblem(dir: string): string {
  let fd: number | undefined;
  try {
    fd = openSync(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
    return ownedPrivately(fstatSync(fd)) ? '' : NOT_YOURS;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'no cache directory';
    return code === 'ELOOP' || code === 'ENOTDIR'
      ? `${NOT_YOURS} (not a directory)`
      : `unreadable cache directory (${code})`;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

const NOT_YOURS = 'the cache directory or entry is not yours alone (owned by another user, or writable by others)';

/**
 * The entry's text, read through the one descriptor its checks were made on:
 * a regular file (O_NOFOLLOW: not a link; O_NONBLOCK: a FIFO cannot stall
 * the open), owned privately, with no other name (a hard link). A string
 * says why not.
 */
function readEntry(file: string): { text: string } | string {
  let fd: number;
  try {
    fd = openSync(file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'no entry';
    return code === 'ELOOP' ? 'the entry is a symbolic link' : `unreadable entry (${(e as Error).message})`;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return 'the entry is not a regular file';
    if (!ownedPrivately(st)) return NOT_YOURS;
    if (st.nlink !== 1) return 'the entry has other names (hard links)';
    return { text: readFileSync(fd, 'utf8') };
  } catch (e) {
    return `unreadable entry (${(e as Error).message})`;
  } finally {
    closeSync(fd);
  }
}

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

export class PolicyCache {
  /** After a hit: the warnings the compile printed, for the run to print again ('' when none). */
  warnings = '';

  private constructor(
    readonly file: string,
    private readonly dir: string,
    private readonly key: Key,
    private readonly build: string,
    private readonly debug: (m: string) => void,
  ) {}

  /** The cache for this policy, or undefined when there is none (no build identity, no cache directory). */
  static open(
    policyPath: string,
    io: Io,
    env: NodeJS.ProcessEnv = process.env,
    build: string | undefined = buildIdentity(),
    includeRoots: readonly string[] = [],
  ): PolicyCache | undefined {
    const debug = env.TMESC_CACHE_DEBUG ? (m: string) => io.err(`tmesc: cache: ${m}\n`) : () => {};
    const dir = cacheDir(env);
    // the compile resolves the policy against process.cwd() and names files relative to io.cwd: the key holds one cwd
    if (!build || !dir || io.cwd !== process.cwd()) {
      debug(
        !build
          ? 'off (not the built CLI: no bundle id)'
          : !dir
            ? 'off (no cache directory)'
            : 'off (io.cwd is not the process cwd)',
      );
      return undefined;
    }
    const key: Key = { policy: resolve(policyPath), cwd: io.cwd, includeRoots: [...includeRoots] };
    // a pipe or FIFO (run /dev/stdin, run <(...)) can be read once: the cache would drain it before the compile
    if (!isRegularFile(key.policy)) {
      debug('off (the policy is not a regular file)');
      return undefined;
    }
    // named by the key alone, so that edits and rebuilds overwrite the entry rather than add one
    const file = join(
      dir,
      `${sha256Hex(JSON.stringify([key.policy, key.cwd, ...key.includeRoots])).slice(0, 32)}.json`,
    );
    return new PolicyCache(file, dir, key, build, debug);
  }

  /**
   * The cached artifact, or undefined (a miss). It is what this build's
   * compiler produced for these very files (build id, file hashes), read
   * back byte for byte as it was written (its sha256): what `run --no-cache`
   * would run, which no one checks either. So the checks of `run --artifact`
   * (the schema validator: 8 to 11 ms of a hit's start-up) are not
   * repeated; an entry whose artifact does not read back as written is a
   * miss, never a crash.
   */
  lookup(): Artifact | undefined {
    const dirProblem = directoryProblem(this.dir);
    if (dirProblem) return this.miss(dirProblem === 'no cache directory' ? 'no entry' : dirProblem);
    const read = readEntry(this.file);
    if (typeof read === 'string') return this.miss(read);
    let entry: unknown;
    const nl = read.text.indexOf('\n');
    try {
      entry = JSON.parse(nl < 0 ? read.text : read.text.slice(0, nl));
    } catch (e) {
      return this.miss(`unreadable entry (${(e as Error).message})`);
    }
    if (isRecord(entry)) entry.artifact = nl < 0 ? undefined : read.text.slice(nl + 1);
    const why = this.staleness(entry);
    if (why) return this.miss(why);
    const e = entry as Entry;
    if (sha256Hex(e.artifact) !== e.artifactSha256) return this.miss('the artifact is not as it was written');
    let artifact: unknown;
    try {
      artifact = JSON.parse(e.artifact);
    } catch (err) {
      return this.miss(`unreadable artifact (${(err as Error).message})`);
    }
    if (
      !isRecord(artifact) ||
      artifact.format !== 'tmesc-artifact' ||
      artifact.formatVersion !== ARTIFACT_FORMAT_VERSION
    )
      return this.miss(`not a format ${ARTIFACT_FORMAT_VERSION} artifact`);
    this.warnings = e.warnings ?? '';
    this.debug(`hit ${this.file}`);
    return artifact as unknown as Artifact;
  }

  /** Why the entry cannot be used for this policy now, or '' when it can. */
  private staleness(e: unknown): string {
    if (!isRecord(e) || e.format !== FORMAT) return 'not an entry of this format';
    if (
      !isRecord(e.key) ||
      e.key.policy !== this.key.policy ||
      e.key.cwd !== this.key.cwd ||
      JSON.stringify(e.key.includeRoots) !== JSON.stringify(this.key.includeRoots)
    )
      return 'entry of another policy or directory';
    if (e.build !== this.build) return 'written by another tmesc build';
    const files = e.files;
    if (!Array.isArray(files) || files.length === 0 || !isRecord(files[0]) || files[0].path !== this.key.policy)
      return 'no file list';
    if (typeof e.artifact !== 'string' || typeof e.artifactSha256 !== 'string') return 'no artifact';
    if (e.warnings !== undefined && typeof e.warnings !== 'string') return 'bad warnings';
    for (const f of files) {
      if (!isRecord(f) || typeof f.path !== 'string' || typeof f.sha256 !== 'string') return 'bad file list';
      const text = readRegularFile(f.path);
      if (text === undefined) return `${f.path} unreadable, or not a regular file`;
      if (sha256Hex(text) !== f.sha256) return `${f.path} changed`;
    }
    return '';
  }

  private miss(why: string): undefined {
    this.debug(`miss (${why})`);
    return undefined;
  }

  /**
   * Writes the entry for a compile that read `reads` (atomically: a temporary
   * file created exclusively under a random name, then renamed); only into a
   * directory of the user's own. Failures are ignored.
   */
  store(artifact: Artifact, reads: Reads, warnings = ''): void {
    const root = reads.texts.get(this.key.policy);
    if (!reads.complete || root === undefined) {
      this.debug('not written (a file the compile read failed, was not a regular file, or read differently twice)');
      return;
    }
    // the policy first, as lookup expects
    const files = [this.key.policy, ...[...reads.texts.keys()].filter((p) => p !== this.key.policy)].map((path) => ({
      path,
      sha256: sha256Hex(reads.texts.get(path)!),
    }));
    const artifactText = JSON.stringify(artifact);
    const entry: Entry = {
      format: FORMAT,
      build: this.build,
      key: this.key,
      files,
      artifact: artifactText,
      artifactSha256: sha256Hex(artifactText),
      warnings,
    };
    const tmp = `${this.file}.${randomBytes(8).toString('hex')}.tmp`;
    try {
      const { artifact: text0, ...header } = entry;
      const text = `${JSON.stringify(header)}\n${text0}`;
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      const dirProblem = directoryProblem(this.dir);
      if (dirProblem) {
        this.debug(`not written (${dirProblem})`);
        return;
      }
      const fd = openSync(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600);
      try {
        const bytes = Buffer.from(text, 'utf8');
        for (let off = 0; off < bytes.length;) off += writeSync(fd, bytes, off);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, this.file);
      this.debug(`wrote ${this.file}`);
    } catch (e) {
      try {
        rmSync(tmp, { force: true });
      } catch {
        // nothing more to do: the cache is a convenience
      }
      this.debug(`not written (${(e as Error).message})`);
    }
  }
}
