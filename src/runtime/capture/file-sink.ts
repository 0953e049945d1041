import { closeSync, openSync, renameSync, unlinkSync, write, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { CaptureError, ioError } from './errors.js';

/** Cache-sized for the same reason as DEFAULT_READ_BUFFER. */
const DEFAULT_WRITE_BUFFER = 256 * 1024;

/** `.<name>.tmp-<pid>` beside the target, so the final rename stays on one file system. */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp-${process.pid}`);
}

/** Closes a finished temporary file and gives it its final name; on failure removes it. */
export function finishTemp(fd: number, tempPath: string, path: string): void {
  try {
    closeSync(fd);
    renameSync(tempPath, path);
  } catch (e) {
    removeTemp(tempPath);
    throw ioError(path, 'cannot finish the capture file', e);
  }
}

/** Closes and removes a temporary file; the final path is left as it was. */
export function dropTemp(fd: number, tempPath: string): void {
  try {
    closeSync(fd);
  } catch {
    // The temp file is removed below either way.
  }
  removeTemp(tempPath);
}

function removeTemp(tempPath: string): void {
  try {
    unlinkSync(tempPath);
  } catch {
    // Already gone.
  }
}

/**
 * Buffered output to a temporary file that becomes `path` only on commit, so
 * a reader of `path` never sees half a capture. Encoders reserve room, write
 * straight into `bytes` through `view`, then advance `pos`.
 *
 * With `writeBehind`, a full buffer is written at its file offset on libuv's
 * thread pool while encoding goes on in a spare one, so the kernel's copy runs
 * on the other core. When no spare buffer is free (the disk is slower than
 * the traffic) the write is done synchronously instead: backpressure, not
 * unbounded memory. Completions are seen when the thread returns to the event
 * loop; `drained()` waits for them all, and commit() needs them done.
 */
export class FileSink {
  bytes: Uint8Array;
  view: DataView;
  pos = 0;
  readonly tempPath: string;
  private fd: number | undefined;
  private flushed = 0;
  /** Write-behind: spare buffers, writes in flight, the first failure, who waits for the drain. */
  private readonly spare: Uint8Array[] = [];
  /** Spare buffers not made yet: made on demand, so an output that writes little never holds them. */
  private sparesToMake: number;
  private inFlight = 0;
  private failure: { error: unknown; offset: number } | undefined;
  private drainWaiters: (() => void)[] = [];
  private afterDrain: (() => void) | undefined;

  constructor(
    readonly path: string,
    bufferSize: number = DEFAULT_WRITE_BUFFER,
    writeBehind = 0,
  ) {
    this.sparesToMake = writeBehind;
    this.bytes = new Uint8Array(Math.max(bufferSize, 64));
    this.view = new DataView(this.bytes.buffer);
    this.tempPath = tempPathFor(path);
    try {
      this.fd = openSync(this.tempPath, 'w');
    } catch (e) {
      throw ioError(path, `cannot create ${this.tempPath}`, e);
    }
  }

  get isOpen(): boolean {
    return this.fd !== undefined;
  }

  /** Bytes handed to the sink so far, flushed or not. */
  get size(): number {
    return this.flushed + this.pos;
  }

  /** Makes room for n bytes at `pos`; may flush, or grow for a record larger than the buffer. */
  reserve(n: number): void {
    if (this.pos + n <= this.bytes.length) return;
    this.flush();
    if (n > this.bytes.length) {
      let size = this.bytes.length * 2;
      while (size < n) size *= 2;
      this.bytes = new Uint8Array(size);
      this.view = new DataView(this.bytes.buffer);
    }
  }

  flush(sync = false): void {
    const fd = this.requireOpen();
    this.throwFailure();
    if (this.pos === 0) return;
    if (!sync && this.spare.length === 0 && this.sparesToMake > 0) {
      this.sparesToMake--;
      this.spare.push(new Uint8Array(this.bytes.length));
    }
    const spare = sync ? undefined : this.spare.pop();
    if (spare && spare.length >= this.bytes.length) {
      this.writeAsync(fd, this.bytes, 0, this.pos, this.flushed);
      this.bytes = spare;
      this.view = new DataView(spare.buffer);
    } else {
      if (spare) this.spare.push(spare);
      let off = 0;
      try {
        // positional: writes still in flight may land before or after this one
        while (off < this.pos) off += writeSync(fd, this.bytes, off, this.pos - off, this.flushed + off);
      } catch (e) {
        throw ioError(this.path, 'write failed', e, this.flushed + off);
      }
    }
    this.flushed += this.pos;
    this.pos = 0;
  }

  private writeAsync(fd: number, buf: Uint8Array, off: number, len: number, at: number): void {
    this.inFlight++;
    write(fd, buf, off, len, at, (err, n) => {
      this.inFlight--;
      if (err) this.failure ??= { error: err, offset: at };
      else if (n < len) {
        this.writeAsync(fd, buf, off + n, len - n, at + n);
        return;
      }
      this.spare.push(buf);
      if (this.inFlight === 0) this.drainedNow();
    });
  }

  private drainedNow(): void {
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const w of waiters) w();
    const after = this.afterDrain;
    this.afterDrain = undefined;
    after?.();
  }

  /** Resolves once every write in flight has finished (successfully or not: commit() reports failures). */
  drained(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  private throwFailure(): void {
    if (this.failure) throw ioError(this.path, 'write failed', this.failure.error, this.failure.offset);
  }

  /** Flushes, closes and renames the temporary file to `path`. Writes in flight must be drained first. */
  commit(): void {
    if (this.inFlight > 0)
      throw new CaptureError('closed', this.path, 'commit() while writes are in flight: await drained() first');
    this.flush(true);
    this.throwFailure();
    const fd = this.requireOpen();
    this.fd = undefined;
    finishTemp(fd, this.tempPath, this.path);
  }

  /** Drops everything written; `path` is left as it was. */
  discard(): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    const drop = () => dropTemp(fd, this.tempPath);
    // a write in flight would land in whatever file reuses the fd next
    if (this.inFlight > 0) this.afterDrain = drop;
    else drop();
  }

  private requireOpen(): number {
    if (this.fd === undefined) throw new CaptureError('closed', this.path, 'the capture writer is already closed');
    return this.fd;
  }
}
