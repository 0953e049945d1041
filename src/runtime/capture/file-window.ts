import { closeSync, openSync, readSync } from 'node:fs';
import { CaptureError, ioError } from './errors.js';

/**
 * Small enough that the read buffer, the write buffer and the kernel's copies
 * stay in L2 cache: measured 30-40% faster for a pcap copy than 4 MiB buffers,
 * while still amortising the syscalls (one per 256 KiB).
 */
export const DEFAULT_READ_BUFFER = 256 * 1024;

/**
 * A sliding window over a file read with synchronous reads into one large
 * buffer. Parsers look at `bytes[start..end)`; `ensure(n)` slides the unread
 * tail to the front and refills, growing the buffer only for a record larger
 * than it, so memory stays bounded by the largest record, not the file size.
 * Reads use the fd's own position so pipes and FIFOs work too.
 */
export class FileWindow {
  bytes: Uint8Array;
  view: DataView;
  start = 0;
  end = 0;
  /** File offset of bytes[0]. */
  private base = 0;
  private fd: number | undefined;
  private eof = false;

  constructor(
    readonly path: string,
    bufferSize: number = DEFAULT_READ_BUFFER,
  ) {
    this.bytes = new Uint8Array(Math.max(bufferSize, 64));
    this.view = new DataView(this.bytes.buffer);
    try {
      this.fd = openSync(path, 'r');
    } catch (e) {
      throw ioError(path, 'cannot open', e);
    }
  }

  get available(): number {
    return this.end - this.start;
  }

  /** File offset of the next unread byte. */
  get offset(): number {
    return this.base + this.start;
  }

  /** True when n bytes are readable at `start`; false when the file ends first. */
  ensure(n: number): boolean {
    return this.end - this.start >= n || this.fill(n);
  }

  private fill(n: number): boolean {
    if (this.start > 0) {
      this.bytes.copyWithin(0, this.start, this.end);
      this.base += this.start;
      this.end -= this.start;
      this.start = 0;
    }
    if (n > this.bytes.length) this.grow(n);
    while (this.end < n && !this.eof) {
      if (this.fd === undefined) throw new CaptureError('closed', this.path, 'read after close');
      let got: number;
      try {
        got = readSync(this.fd, this.bytes, this.end, this.bytes.length - this.end, null);
      } catch (e) {
        throw ioError(this.path, 'read failed', e, this.base + this.end);
      }
      if (got === 0) this.eof = true;
      this.end += got;
    }
    return this.end >= n;
  }

  private grow(n: number): void {
    let size = this.bytes.length * 2;
    while (size < n) size *= 2;
    const bigger = new Uint8Array(size);
    bigger.set(this.bytes.subarray(0, this.end));
    this.bytes = bigger;
    this.view = new DataView(bigger.buffer);
  }

  close(): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    try {
      closeSync(fd);
    } catch {
      // Nothing useful to do: the data was already read.
    }
  }
}
