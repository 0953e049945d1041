import { randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  fchmodSync,
  fchownSync,
  fstatSync,
  lstatSync,
  open,
  openSync,
  realpathSync,
  renameSync,
  type Stats,
  statSync,
  unlinkSync,
  write,
  writeSync,
} from 'node:fs';
import { Socket } from 'node:net';
import { basename, dirname, join } from 'node:path';
import { CaptureError, ioError } from './errors.js';

const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW, O_NOCTTY, O_NONBLOCK } = constants;

/**
 * Where an output's bytes go, opened safely.
 *
 * - A regular file (new, or one replaced) is written under a temporary name
 *   in its own directory, created exclusively (O_CREAT|O_EXCL|O_NOFOLLOW)
 *   with a random name, so no link planted there is followed and no other
 *   process's file is reused; commit() renames it into place, so a reader
 *   never sees half a capture and a failed run leaves the old file alone.
 *   A file replaced keeps its permissions (a capture made private stays so).
 * - A FIFO or a character device (a tool reading a named pipe, /dev/null,
 *   /dev/stdout) is written straight into, in order: renaming a regular file
 *   over it would delete the pipe the tool reads, or replace /dev/null.
 * - Anything else (a directory, a block device, a socket) is refused.
 * - A symbolic link is followed only when it belongs to the user running
 *   tmesc or to root: one planted by another user in a directory it can
 *   write could otherwise make tmesc (often root, for live capture)
 *   overwrite any file. A link to a regular file makes tmesc replace that
 *   file (the link stays); a dangling link is refused.
 *
 * Several outputs committed together (OutputSet) are all renamed only once
 * all of them are finished.
 */
export class OutputFile {
  /** Bytes are written straight to a FIFO or device: no temporary file, no rename, nothing to undo. */
  readonly streaming: boolean;
  /** The file that receives the capture: `path`, or what its link points to. */
  readonly target: string;
  /** The temporary file renamed to `target` on commit (regular files only). */
  readonly tempPath: string | undefined;
  private fd: number | undefined;
  /** Set once the fd is closed without error: the temporary file is complete. */
  private finished = false;
  /** Held by an OutputSet, which renames it with the others. */
  held = false;
  /** Streams: bytes handed to the device so far, and writes waiting their turn (streams take one at a time). */
  private streamed = 0;
  private queue: { buf: Uint8Array; off: number; len: number; cb: (err: Error | null) => void }[] = [];
  private writing = false;
  /**
   * A FIFO's writes in the background go through a second descriptor of it,
   * non-blocking, on the event loop (libuv's pipe handle), not on libuv's
   * thread pool: a write to a FIFO whose reader stalls would hold a pool
   * thread until the reader reads, and four such (UV_THREADPOOL_SIZE) would
   * take the whole pool, so the input's reads and every other output's
   * writes would stop with them. Opened at the first such write; `fd` stays
   * blocking for writeSync(), which never overtakes a write in flight.
   * Null: could not be opened (the pool writes instead).
   */
  private pipe: Socket | null | undefined;
  /** Asynchronous writes issued and not completed; a discard waits for them (the fd could be reused under them). */
  private pending = 0;
  /** Who waits for the asynchronous writes to be done (settled()). */
  private idleWaiters: (() => void)[] = [];
  private discardWhenIdle = false;

  /**
   * The temporary file another thread opened (tempPath), opened again for
   * writing here (a worker thread writing one group's outputs: group-split.ts).
   * Its finish() closes this descriptor only; the file is renamed into place
   * by the OutputFile that created it, and removed by it on failure.
   */
  static reopen(path: string, tempPath: string): OutputFile {
    let fd: number;
    try {
      fd = openSync(tempPath, O_WRONLY | O_NOFOLLOW | O_NOCTTY);
    } catch (e) {
      throw ioError(path, 'cannot open the capture file for writing', e);
    }
    const f = new OutputFile(path, tempPath, fd, false, undefined);
    f.held = true;
    return f;
  }

  /** Use open() or openWaiting(). */
  constructor(
    readonly path: string,
    target: string,
    fd: number,
    streaming: boolean,
    tempPath: string | undefined,
    /** A FIFO (streams only): written in the background through a pipe handle (`pipe`). */
    private readonly fifo = false,
  ) {
    this.target = target;
    this.fd = fd;
    this.streaming = streaming;
    this.tempPath = tempPath;
  }

  /**
   * Opens `path` for a capture. A FIFO nobody reads yet is an error here
   * (opening it would block this thread): use openWaiting().
   */
  static open(path: string): OutputFile {
    const plan = planOutput(path);
    if (plan.kind === 'file') return createTemp(path, plan.target, plan.replaces);
    return openStream(path, plan);
  }

  /** As open(), but a FIFO without a reader is waited for (on libuv's pool), as `tcpdump -w FIFO` waits. */
  static async openWaiting(path: string, onWait?: (message: string) => void): Promise<OutputFile> {
    const plan = planOutput(path);
    if (plan.kind === 'file') return createTemp(path, plan.target, plan.replaces);
    try {
      return openStream(path, plan);
    } catch (e) {
      if (!(e instanceof NoReader)) throw e;
    }
    onWait?.(`waiting for a reader on FIFO ${path}`);
    // a plain descriptor (not a FileHandle, which would close it again when collected)
    const fd = await new Promise<number>((resolve, reject) =>
      open(path, O_WRONLY | O_NOCTTY | plan.noFollow, (err, fd) =>
        err ? reject(ioError(path, 'cannot open the FIFO', err)) : resolve(fd),
      ),
    );
    return checkStream(path, fd, plan);
  }

  get isOpen(): boolean {
    return this.fd !== undefined && !this.discardWhenIdle;
  }

  private requireFd(): number {
    if (this.fd === undefined || this.discardWhenIdle)
      throw new CaptureError('closed', this.path, 'the output is already closed');
    return this.fd;
  }

  /** Writes len bytes of buf at file offset `at` (streams: at the end, `at` must follow on). */
  writeSync(buf: Uint8Array, off: number, len: number, at: number): void {
    const fd = this.requireFd();
    if (this.streaming) this.expectSequential(at);
    let done = 0;
    try {
      while (done < len) done += writeSync(fd, buf, off + done, len - done, this.streaming ? null : at + done);
    } catch (e) {
      throw ioError(this.path, 'write failed', e, at + done);
    }
    if (this.streaming) this.streamed += len;
  }

  /**
   * Writes on libuv's pool; cb once all len bytes are written or on the first
   * error. Files take writes at their offsets in any order; a stream takes
   * them one at a time, in the order given.
   */
  write(buf: Uint8Array, off: number, len: number, at: number, cb: (err: Error | null) => void): void {
    const fd = this.requireFd();
    if (this.streaming) this.expectSequential(at);
    this.pending++;
    const done = (err: Error | null) => {
      this.pending--;
      cb(err);
      if (this.pending === 0 && this.discardWhenIdle) this.discardNow();
      if (this.pending === 0) for (const w of this.idleWaiters.splice(0)) w();
    };
    if (!this.streaming) {
      writeAll(fd, buf, off, len, at, done);
      return;
    }
    this.streamed += len;
    this.queue.push({ buf, off, len, cb: done });
    if (!this.writing) this.pump(fd);
  }

  private pump(fd: number): void {
    const next = this.queue.shift();
    if (!next) {
      this.writing = false;
      return;
    }
    this.writing = true;
    const after = (err: Error | null | undefined) => {
      next.cb(err ?? null);
      this.pump(fd);
    };
    const pipe = this.fifo ? this.pipeOf(fd) : null;
    if (pipe) pipe.write(next.buf.subarray(next.off, next.off + next.len), after);
    else writeAll(fd, next.buf, next.off, next.len, null, after);
  }

  /** The FIFO's pipe handle (see `pipe`), opened on first use; null where it cannot be had. */
  private pipeOf(fd: number): Socket | null {
    if (this.pipe !== undefined) return this.pipe;
    this.pipe = null;
    let second: number;
    try {
      // the FIFO this descriptor is open on, not whatever the path names now; a reader is there, so this does not block
      second = openSync(`/proc/self/fd/${fd}`, O_WRONLY | O_NOCTTY | O_NONBLOCK);
    } catch {
      return null;
    }
    const a = fstatSync(fd);
    const b = fstatSync(second);
    if (a.dev !== b.dev || a.ino !== b.ino || !b.isFIFO()) {
      closeSync(second);
      return null;
    }
    const pipe = new Socket({ fd: second, readable: false, writable: true });
    // a failed write (EPIPE: the reader went away) reaches its callback; the event itself needs a listener
    pipe.on('error', () => undefined);
    this.pipe = pipe;
    return pipe;
  }

  /** Closes the pipe handle (its descriptor with it); what it had not written yet is dropped. */
  private closePipe(): void {
    const pipe = this.pipe;
    this.pipe = null;
    pipe?.destroy();
  }

  /** Streams have no offsets: a write that does not follow the last would be a bug in the writer. */
  private expectSequential(at: number): void {
    if (at !== this.streamed)
      throw new CaptureError('io', this.path, `out-of-order write to a stream (at ${at}, expected ${this.streamed})`);
  }

  /** Closes the file; the temporary file is complete and waits for publish(). Writes must have landed. */
  finish(): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    this.closePipe();
    try {
      closeSync(fd);
    } catch (e) {
      this.removeTemp();
      throw ioError(this.path, 'cannot finish the capture file', e);
    }
    this.finished = true;
  }

  /** Renames the finished temporary file into place (streams: nothing to do). */
  publish(): void {
    if (this.streaming || !this.finished || this.tempPath === undefined) return;
    this.finished = false;
    try {
      refuseNonRegular(this.target, lstatIfAny(this.target));
      renameSync(this.tempPath, this.target);
    } catch (e) {
      this.removeTemp();
      if (e instanceof CaptureError) throw e;
      throw ioError(this.path, 'cannot put the capture file in place', e);
    }
  }

  /** finish() and, unless an OutputSet holds the file, publish(). */
  commit(): void {
    this.finish();
    if (!this.held) this.publish();
  }

  /**
   * Closes and removes the temporary file; the target is left as it was (a
   * stream keeps what it was sent). With writes in flight, once they are done.
   */
  discard(): void {
    // a pipe handle's writes are cancelled with it (no descriptor is reused under them): no need to wait for a
    // reader that may never read again
    if (this.pending > 0 && !this.pipe) {
      this.discardWhenIdle = true;
      return;
    }
    this.discardNow();
  }

  private discardNow(): void {
    this.discardWhenIdle = false;
    this.closePipe();
    if (this.fd !== undefined) {
      const fd = this.fd;
      this.fd = undefined;
      try {
        closeSync(fd);
      } catch {
        // the temporary file is removed below either way
      }
    }
    this.finished = false;
    this.removeTemp();
  }

  /**
   * Resolves once no asynchronous write is in flight (a discard waiting for
   * them has then removed the temporary file). A stream resolves at once: its
   * reader may never take what is in flight, and it has no file to remove.
   */
  settled(): Promise<void> {
    if (this.pending === 0 || this.streaming) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** True when a stream was sent bytes: a failed run cannot take them back. */
  get sentSomething(): boolean {
    return this.streaming && this.streamed > 0;
  }

  private removeTemp(): void {
    if (this.tempPath === undefined) return;
    try {
      unlinkSync(this.tempPath);
    } catch {
      // already gone
    }
  }
}

/** Thrown by a stream open that would block: the FIFO has no reader yet. */
class NoReader extends CaptureError {}

type Plan =
  | { kind: 'file'; target: string; replaces: Stats | undefined }
  | { kind: 'fifo' | 'device'; st: Stats; noFollow: number };

function lstatIfAny(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw ioError(path, 'cannot examine the output path', e);
  }
}

function describe(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  if (st.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file, FIFO or character device';
}

/** Only a regular file (or nothing) may be replaced by a rename. */
function refuseNonRegular(path: string, st: Stats | undefined): void {
  if (st && !st.isFile())
    throw new CaptureError('io', path, `the output path is ${describe(st)}, which tmesc will not replace`);
}

/** Links made by the user running tmesc, or by root (/dev/stdout), are followed; others are refused. */
function linkTrusted(st: Stats): boolean {
  if (typeof process.geteuid !== 'function') return true;
  return st.uid === process.geteuid() || st.uid === 0;
}

function planOutput(path: string): Plan {
  const st = lstatIfAny(path);
  if (st === undefined) return { kind: 'file', target: path, replaces: undefined };
  if (st.isFile()) return { kind: 'file', target: path, replaces: st };
  if (st.isFIFO()) return { kind: 'fifo', st, noFollow: O_NOFOLLOW };
  if (st.isCharacterDevice()) return { kind: 'device', st, noFollow: O_NOFOLLOW };
  if (!st.isSymbolicLink()) refuseNonRegular(path, st);
  if (!linkTrusted(st))
    throw new CaptureError(
      'io',
      path,
      `the output path is a symbolic link owned by another user (uid ${st.uid}); tmesc follows only links of its own user or root, since a planted link could make it overwrite any file`,
    );
  let to: Stats;
  try {
    to = statSync(path);
  } catch (e) {
    throw ioError(path, 'the output path is a symbolic link to nothing', e);
  }
  if (to.isFIFO()) return { kind: 'fifo', st: to, noFollow: 0 };
  if (to.isCharacterDevice()) return { kind: 'device', st: to, noFollow: 0 };
  if (!to.isFile()) refuseNonRegular(path, to);
  // replace the file the link points to, under a temporary name in its own directory
  let target: string;
  try {
    target = realpathSync(path);
  } catch (e) {
    throw ioError(path, 'cannot resolve the symbolic link', e);
  }
  return { kind: 'file', target, replaces: to };
}

/** `.NAME.tmesc-RANDOM.tmp` beside the target, so the final rename stays on one file system. */
function tempName(target: string): string {
  return join(dirname(target), `.${basename(target)}.tmesc-${randomBytes(8).toString('hex')}.tmp`);
}

function createTemp(path: string, target: string, replaces: Stats | undefined): OutputFile {
  for (let attempt = 0; ; attempt++) {
    const tempPath = tempName(target);
    let fd: number;
    try {
      fd = openSync(tempPath, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o666);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST' && attempt < 8) continue;
      throw ioError(path, `cannot create a temporary file in ${dirname(target)}`, e);
    }
    if (replaces) keepAccess(fd, replaces);
    return new OutputFile(path, target, fd, false, tempPath);
  }
}

/** The replaced file's permissions (and, for root, its owner) carry over to the new one. */
function keepAccess(fd: number, old: Stats): void {
  try {
    fchmodSync(fd, old.mode & 0o777);
    if (process.geteuid?.() === 0) fchownSync(fd, old.uid, old.gid);
  } catch {
    // best effort: the new file has the default permissions
  }
}

function openStream(path: string, plan: Extract<Plan, { kind: 'fifo' | 'device' }>): OutputFile {
  let fd: number;
  try {
    // O_NONBLOCK: a FIFO with no reader fails (ENXIO) instead of blocking this thread
    const probe = openSync(path, O_WRONLY | O_NOCTTY | plan.noFollow | (plan.kind === 'fifo' ? O_NONBLOCK : 0));
    if (plan.kind === 'fifo') {
      // a reader is there, so a blocking open returns at once; writes then wait for the reader instead of failing
      try {
        fd = openSync(path, O_WRONLY | O_NOCTTY | plan.noFollow);
      } finally {
        closeSync(probe);
      }
    } else fd = probe;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENXIO' && plan.kind === 'fifo')
      throw new NoReader('io', path, 'no process reads this FIFO: start the tool that reads it first');
    throw ioError(path, `cannot open the ${plan.kind === 'fifo' ? 'FIFO' : 'device'}`, e);
  }
  return checkStream(path, fd, plan);
}

/** The opened descriptor must be the FIFO or device examined: not something swapped in meanwhile. */
function checkStream(path: string, fd: number, plan: Extract<Plan, { kind: 'fifo' | 'device' }>): OutputFile {
  const st = fstatSync(fd);
  const same = st.dev === plan.st.dev && st.ino === plan.st.ino && (st.isFIFO() || st.isCharacterDevice());
  if (!same) {
    closeSync(fd);
    throw new CaptureError('io', path, 'the output path changed while it was being opened');
  }
  return new OutputFile(path, path, fd, true, undefined, st.isFIFO());
}

function writeAll(
  fd: number,
  buf: Uint8Array,
  off: number,
  len: number,
  at: number | null,
  cb: (err: Error | null) => void,
): void {
  write(fd, buf, off, len, at, (err, n) => {
    if (err) cb(err);
    else if (n < len) writeAll(fd, buf, off + n, len - n, at === null ? null : at + n, cb);
    else cb(null);
  });
}

/**
 * Outputs committed together: each is finished on its own (where a full disk
 * shows), and the temporary files are renamed into place only once all of
 * them are: a failed run replaces none of the files it was to write.
 */
export class OutputSet {
  readonly files: OutputFile[] = [];

  add(file: OutputFile): OutputFile {
    file.held = true;
    this.files.push(file);
    return file;
  }

  /**
   * Renames every finished file into place. A rename can still fail (the
   * directory removed meanwhile); then the error says which outputs were
   * already in place and which were not written.
   */
  publishAll(): void {
    const placed: string[] = [];
    for (let i = 0; i < this.files.length; i++) {
      const f = this.files[i];
      try {
        f.publish();
        if (!f.streaming) placed.push(f.target);
      } catch (e) {
        const rest = this.files.slice(i + 1).filter((x) => !x.streaming);
        for (const x of rest) x.discard();
        const reason = e instanceof Error ? e.message : String(e);
        throw new CaptureError(
          'io',
          f.path,
          `${reason}; ${placed.length ? `already in place: ${placed.join(', ')}` : 'no output was put in place'}` +
            `${rest.length ? `; not written: ${rest.map((x) => x.target).join(', ')}` : ''}`,
          { cause: e },
        );
      }
    }
  }

  /** Resolves once every file's writes in flight are done (see OutputFile.settled). */
  async settled(): Promise<void> {
    await Promise.all(this.files.map((f) => f.settled()));
  }

  /** Removes every temporary file; returns the streams that had already been sent part of a capture. */
  discardAll(): string[] {
    for (const f of this.files) f.discard();
    return this.files.filter((f) => f.sentSomething).map((f) => f.path);
  }
}
