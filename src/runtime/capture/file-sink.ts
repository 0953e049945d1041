import { closeSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { CaptureError, ioError } from './errors.js';

/** Cache-sized for the same reason as DEFAULT_READ_BUFFER. */
export const DEFAULT_WRITE_BUFFER = 256 * 1024;

/** `.<name>.tmp-<pid>` beside the target, so the final rename stays on one file system. */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp-${process.pid}`);
}

/**
 * Buffered output to a temporary file that becomes `path` only on commit, so
 * a reader of `path` never sees half a capture. Encoders reserve room, write
 * straight into `bytes` through `view`, then advance `pos`.
 */
export class FileSink {
  bytes: Uint8Array;
  view: DataView;
  pos = 0;
  readonly tempPath: string;
  private fd: number | undefined;
  private flushed = 0;

  constructor(
    readonly path: string,
    bufferSize: number = DEFAULT_WRITE_BUFFER,
  ) {
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

  flush(): void {
    const fd = this.requireOpen();
    let off = 0;
    try {
      while (off < this.pos) off += writeSync(fd, this.bytes, off, this.pos - off);
    } catch (e) {
      throw ioError(this.path, 'write failed', e, this.flushed + off);
    }
    this.flushed += this.pos;
    this.pos = 0;
  }

  /** Flushes, closes and renames the temporary file to `path`. */
  commit(): void {
    this.flush();
    const fd = this.requireOpen();
    this.fd = undefined;
    try {
      closeSync(fd);
      renameSync(this.tempPath, this.path);
    } catch (e) {
      this.removeTemp();
      throw ioError(this.path, 'cannot finish the capture file', e);
    }
  }

  /** Drops everything written; `path` is left as it was. */
  discard(): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    try {
      closeSync(fd);
    } catch {
      // The temp file is removed below either way.
    }
    this.removeTemp();
  }

  private removeTemp(): void {
    try {
      unlinkSync(this.tempPath);
    } catch {
      // Already gone.
    }
  }

  private requireOpen(): number {
    if (this.fd === undefined) throw new CaptureError('closed', this.path, 'the capture writer is already closed');
    return this.fd;
  }
}
