import { copyBytes } from './replica.js';

/**
 * The last bytes a TCP direction fed to its scanners, in stream offsets, so
 * that a segment carrying bytes already searched (a retransmission, an
 * overlap) can be told apart: the same bytes are masked as the first copy
 * was (the recorded spans), other bytes are searched on their own as well.
 * A ring of `size` bytes; what it holds is contiguous, [from, to).
 */
export class RecentBytes {
  readonly ring: Uint8Array;
  /** Stream offsets of the bytes held: contiguous, at most `size` of them. */
  from = 0;
  to = 0;

  constructor(readonly size: number) {
    this.ring = new Uint8Array(size);
  }

  /** Starts over at `offset` (the first bytes, or after a gap: nothing before it is held). */
  restart(offset: number): void {
    this.from = offset;
    this.to = offset;
  }

  /** Appends bytes[a, b), the stream's bytes from `this.to` on. */
  push(bytes: Uint8Array, a: number, b: number): void {
    const size = this.size;
    const end = this.to + (b - a);
    // only the last `size` bytes can stay
    const n = b - a > size ? size : b - a;
    a = b - n;
    // ring position of the first byte written
    const at = (end - n) % size;
    const first = Math.min(n, size - at);
    copyBytes(this.ring, at, bytes, a, first);
    if (first < n) copyBytes(this.ring, 0, bytes, a + first, n - first);
    this.to = end;
    if (this.to - this.from > size) this.from = this.to - size;
  }

  /** The stream's byte at `offset`, or -1 when it is not held. */
  at(offset: number): number {
    return offset >= this.from && offset < this.to ? this.ring[offset % this.size] : -1;
  }

  /** Whether bytes[a, a + (to - from)) are the stream's bytes [from, to): false when some of them are not held. */
  same(bytes: Uint8Array, a: number, from: number, to: number): boolean {
    if (from < this.from || to > this.to) return false;
    const size = this.size;
    const ring = this.ring;
    for (let o = from; o < to; o++) if (ring[o % size] !== bytes[a + o - from]) return false;
    return true;
  }
}
