/** Room for the largest frame cap hands over (its snap length) and then some, a multiple of 4. */
export const PACKET_BUFFER_BYTES = 65536;

/**
 * A buffer a packet is copied into, with the exact-length views the packet
 * path takes of it (decode, classify and the outputs read `data.length`):
 * one view per length, made the first time that length is seen and kept, so
 * a buffer that has carried every frame size allocates nothing more.
 */
export class PacketBuffer {
  bytes: Uint8Array;
  /** The same bytes as 32-bit words, for copying in a word at a time. */
  words: Int32Array;
  private views: (Uint8Array | undefined)[] = [];

  constructor(
    /** Its bytes: a new buffer, or a region of another (4-aligned) the frames are copied into natively. */
    bytes: Uint8Array,
    private readonly pool: PacketPool,
  ) {
    this.bytes = bytes;
    this.words = new Int32Array(bytes.buffer, bytes.byteOffset, bytes.length >>> 2);
  }

  /** Grows to hold `size` bytes (a frame longer than any before); the contents are not kept. */
  reserve(size: number): void {
    if (size <= this.bytes.length) return;
    this.bytes = new Uint8Array((Math.max(size, this.bytes.length * 2) + 3) & ~3);
    this.words = new Int32Array(this.bytes.buffer);
    this.views = [];
    this.pool.grown++;
  }

  /** The first `length` bytes as a view of exactly that length. */
  view(length: number): Uint8Array {
    let v = this.views[length];
    if (v === undefined) {
      v = this.views[length] = new Uint8Array(this.bytes.buffer, this.bytes.byteOffset, length);
      this.pool.viewsCreated++;
    }
    return v;
  }
}

/**
 * Packet buffers for a worker's sources: a frame is copied out of the ring
 * it arrived on into a buffer taken from here, handled, and the buffer goes
 * back once every replica of the packet is written. Steps that hold a replica
 * back (replace, shape) keep their own copy (Verdict.Hold), so a buffer is
 * free again as soon as handle() returns; a holder that kept the pooled
 * bytes instead would keep the buffer out (release it later). The counters
 * say what was allocated, for the tests that the per-packet path allocates
 * nothing once warm.
 */
export class PacketPool {
  private readonly free: PacketBuffer[] = [];
  buffersCreated = 0;
  viewsCreated = 0;
  /** Buffers grown for a frame longer than they held. */
  grown = 0;

  constructor(
    readonly bufferBytes = PACKET_BUFFER_BYTES,
    /** A region the pool's first buffer lies in (a ring's scratch region: Ring.copyOut copies into it natively). */
    region?: Uint8Array,
  ) {
    if (region !== undefined && region.length >= 4) this.free.push(new PacketBuffer(region, this));
  }

  acquire(): PacketBuffer {
    const b = this.free.pop();
    if (b !== undefined) return b;
    this.buffersCreated++;
    return new PacketBuffer(new Uint8Array((this.bufferBytes + 3) & ~3), this);
  }

  release(b: PacketBuffer): void {
    this.free.push(b);
  }
}
