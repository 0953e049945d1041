import type { EncodeTarget } from './encoders.js';

/**
 * An encode target in memory that doubles when a record does not fit. With
 * `shared`, its bytes live in a SharedArrayBuffer a worker thread can hand to
 * the main thread without a copy.
 */
export class GrowBuffer implements EncodeTarget {
  bytes: Uint8Array;
  view: DataView;
  pos = 0;

  constructor(
    initial: number | Uint8Array,
    private readonly shared = false,
  ) {
    this.bytes = typeof initial === 'number' ? this.make(Math.max(initial, 64)) : initial;
    this.view = new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
  }

  /** Starts over in `bytes` (a buffer of the same kind handed back for reuse). */
  reset(bytes?: Uint8Array): void {
    if (bytes) {
      this.bytes = bytes;
      this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }
    this.pos = 0;
  }

  reserve(n: number): void {
    if (this.pos + n <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < this.pos + n) size *= 2;
    const bigger = this.make(size);
    bigger.set(this.bytes.subarray(0, this.pos));
    this.bytes = bigger;
    this.view = new DataView(bigger.buffer);
  }

  private make(size: number): Uint8Array {
    return new Uint8Array(this.shared ? new SharedArrayBuffer(size) : new ArrayBuffer(size));
  }
}
