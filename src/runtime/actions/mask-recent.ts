import { copyBytes } from './replica.js';

/** The first ring a direction gets: most directions carry far less than `size` (a request, a short answer). */
const FIRST_RING = 1024;

/**
 * The last bytes a TCP direction fed to its scanners, in stream offsets, so
 * that a segment carrying bytes already searched (a retransmission, an
 * overlap) can be told apart: the same bytes are masked as the first copy
 * was (the recorded spans), other bytes are searched on their own as well.
 * A ring of the last `size` bytes; what it holds is contiguous, [from, to).
 * The ring starts small and doubles (up to `size`) as the direction's bytes
 * need: a new 8 KiB ring a direction, zeroed, was a tenth of the mask
 * step's own time in session 12's profiles; what it holds is the same
 * either way.
 */
export class RecentBytes {
  ring: Uint8Array;
  /**
   * The ring's length, as a field of its own: a typed array's length is a machine word to V8, and `% ring.length` a
   * call to fmod (a float remainder) where `% cap`, a small integer, is one instruction.
   */
  private cap: number;
  /** Stream offsets of the bytes held: contiguous, at most `size` of them. */
  from = 0;
  to = 0;

  constructor(readonly size: number) {
    this.cap = size < FIRST_RING ? size : FIRST_RING;
    this.ring = new Uint8Array(this.cap);
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
    // what the ring will hold: a ring too small for it grows first (the bytes it holds kept)
    const keep = end - this.from > size ? size : end - this.from;
    if (keep > this.cap) this.grow(keep);
    const cap = this.cap;
    // ring position of the first byte written
    const at = (end - n) % cap;
    const first = Math.min(n, cap - at);
    copyBytes(this.ring, at, bytes, a, first);
    if (first < n) copyBytes(this.ring, 0, bytes, a + first, n - first);
    this.to = end;
    if (this.to - this.from > cap) this.from = this.to - cap;
  }

  /** A ring of at least `need` bytes (doubling, up to `size`), holding the bytes held at their new positions. */
  private grow(need: number): void {
    const was = this.cap;
    let cap = was;
    while (cap < need) cap *= 2;
    if (cap > this.size) cap = this.size;
    const old = this.ring;
    const ring = new Uint8Array(cap);
    // the bytes held, in runs contiguous in both rings
    for (let o = this.from; o < this.to;) {
      const at = o % was;
      const to = o % cap;
      const n = Math.min(this.to - o, was - at, cap - to);
      copyBytes(ring, to, old, at, n);
      o += n;
    }
    this.ring = ring;
    this.cap = cap;
  }

  /** The stream's byte at `offset`, or -1 when it is not held. */
  at(offset: number): number {
    return offset >= this.from && offset < this.to ? this.ring[offset % this.cap] : -1;
  }

  /** Whether bytes[a, a + (to - from)) are the stream's bytes [from, to): false when some of them are not held. */
  same(bytes: Uint8Array, a: number, from: number, to: number): boolean {
    if (from < this.from || to > this.to) return false;
    const cap = this.cap;
    const ring = this.ring;
    for (let o = from; o < to; o++) if (ring[o % cap] !== bytes[a + o - from]) return false;
    return true;
  }
}
