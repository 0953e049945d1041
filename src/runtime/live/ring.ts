/**
 * A single-producer single-consumer ring of packet records in shared memory
 * (SharedArrayBuffer): how the capture thread hands packets to a worker and
 * a worker hands packets back, without messages and without copying more
 * than once (PF_RING's zbalance_ipc hands packets between processes the same
 * way). The ring's bytes are allocated once: it is the pool the packets live
 * in between threads.
 *
 * A record: a 24-byte header (captured length, a word for the owner's use,
 * seconds, nanoseconds, length on the wire, a second word) and the bytes,
 * padded to 8. A record that would not fit before the end of the ring goes
 * to its start, after a wrap mark. Positions are byte counters that only
 * grow (mod 2^32); the producer publishes its position after writing the
 * record, the consumer its own after reading it (Atomics: a release store
 * and an acquire load).
 *
 * Waking: a consumer that finds the ring empty says it sleeps, looks again,
 * and waits on the doorbell; a producer rings it only when someone sleeps,
 * so a busy ring costs no notify per packet.
 */

const WRITE = 0;
const READ = 1;
const DOORBELL = 2;
const SLEEPING = 3;
/** The ring's size in bytes, when the buffer also holds a scratch region after it (0: the ring is all of it). */
const SIZE = 4;
const CONTROL_BYTES = 64;
export const RECORD_HEADER = 24;
const WRAP = 0xffffffff;

/** Atomics.waitAsync (Node 16+), missing from the ES2022 library typings. */
type WaitAsync = (
  a: Int32Array,
  index: number,
  value: number,
  ms?: number,
) => { async: false; value: string } | { async: true; value: Promise<string> };
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;

export interface RingRecord {
  /** Offset of the bytes in `ring.bytes`. */
  offset: number;
  capLen: number;
  meta: number;
  tsSec: number;
  tsNsec: number;
  wireLen: number;
  aux: number;
}

export class Ring {
  readonly bytes: Uint8Array;
  private readonly ctl: Int32Array;
  /** Where the doorbell and the sleeping flag are: this ring's own words, or a bell several rings share. */
  private readonly bell: Int32Array;
  private readonly words: DataView;
  /** The bytes as 32-bit words: records start 8-aligned, so a frame copies out a word at a time. */
  private readonly words32: Int32Array;
  /** The whole shared buffer, for copyWithin from a record into the scratch region. */
  private readonly all: Uint8Array;
  /**
   * The consumer's scratch region after the ring (empty unless created with
   * one): a frame copies into it natively (copyWithin, within one buffer),
   * where a copy to another buffer needs a view of the record or a loop.
   */
  readonly scratch: Uint8Array;
  private readonly size: number;
  /** The consumer's position, kept here between commits. */
  private readAt: number;

  constructor(
    readonly buffer: SharedArrayBuffer,
    /** A bell shared by the rings one consumer reads (Ring.bell()): it sleeps on one doorbell for all. */
    bell?: SharedArrayBuffer,
  ) {
    this.ctl = new Int32Array(buffer, 0, CONTROL_BYTES / 4);
    this.bell = bell ? new Int32Array(bell) : this.ctl;
    this.size = Atomics.load(this.ctl, SIZE) || buffer.byteLength - CONTROL_BYTES;
    if (this.size & (this.size - 1)) throw new RangeError('ring size must be a power of two');
    this.all = new Uint8Array(buffer);
    this.scratch = new Uint8Array(buffer, CONTROL_BYTES + this.size);
    this.bytes = new Uint8Array(buffer, CONTROL_BYTES, this.size);
    this.words = new DataView(buffer, CONTROL_BYTES, this.size);
    this.words32 = new Int32Array(buffer, CONTROL_BYTES, this.size / 4);
    this.readAt = Atomics.load(this.ctl, READ) >>> 0;
  }

  /** A ring of at least `bytes` bytes, a power of two (positions count mod 2^32, which the size must divide). */
  static create(bytes: number, scratchBytes = 0): Ring {
    let size = 1024;
    while (size < bytes) size *= 2;
    const buffer = new SharedArrayBuffer(CONTROL_BYTES + size + ((scratchBytes + 7) & ~7));
    if (scratchBytes > 0) Atomics.store(new Int32Array(buffer, 0, CONTROL_BYTES / 4), SIZE, size);
    return new Ring(buffer);
  }

  /** A doorbell for several rings with one consumer. */
  static bell(): SharedArrayBuffer {
    return new SharedArrayBuffer(CONTROL_BYTES);
  }

  /** Bytes a record of `capLen` bytes takes. */
  static footprint(capLen: number): number {
    return RECORD_HEADER + ((capLen + 7) & ~7);
  }

  /** Bytes in use. */
  get used(): number {
    return ((Atomics.load(this.ctl, WRITE) >>> 0) - (Atomics.load(this.ctl, READ) >>> 0)) >>> 0;
  }

  get capacity(): number {
    return this.size;
  }

  /**
   * Producer: writes a record and publishes it; false when the ring is full
   * (the caller counts the packet as dropped). `src` is copied from `from`
   * for `capLen` bytes.
   */
  push(
    src: Uint8Array,
    from: number,
    capLen: number,
    meta: number,
    tsSec: number,
    tsNsec: number,
    wireLen: number,
    aux = 0,
  ): boolean {
    const need = Ring.footprint(capLen);
    const w = Atomics.load(this.ctl, WRITE) >>> 0;
    const r = Atomics.load(this.ctl, READ) >>> 0;
    const free = this.size - ((w - r) >>> 0);
    let at = w % this.size;
    let skip = 0;
    if (at + need > this.size) skip = this.size - at;
    if (need + skip > free) return false;
    if (skip) {
      // the rest of the ring is skipped: a wrap mark where a header fits, else implied
      if (skip >= 4) this.words.setUint32(at, WRAP, true);
      at = 0;
    }
    const v = this.words;
    v.setUint32(at, capLen, true);
    v.setUint32(at + 4, meta, true);
    v.setUint32(at + 8, tsSec, true);
    v.setUint32(at + 12, tsNsec, true);
    v.setUint32(at + 16, wireLen, true);
    v.setUint32(at + 20, aux, true);
    if (capLen === src.length && from === 0) this.bytes.set(src, at + RECORD_HEADER);
    // a Buffer copies out of its middle without a view made for it (one allocation less a packet)
    else if (Buffer.isBuffer(src)) src.copy(this.bytes, at + RECORD_HEADER, from, from + capLen);
    else this.bytes.set(src.subarray(from, from + capLen), at + RECORD_HEADER);
    Atomics.store(this.ctl, WRITE, (w + skip + need) | 0);
    if (Atomics.load(this.bell, SLEEPING) !== 0) this.ring();
    return true;
  }

  /** Wakes a sleeping consumer (also for news other than records: a stop, say). */
  ring(): void {
    Atomics.add(this.bell, DOORBELL, 1);
    Atomics.notify(this.bell, DOORBELL);
  }

  /** Consumer: the next record, or false when the ring is empty. Valid until `release()`. */
  peek(out: RingRecord): boolean {
    const w = Atomics.load(this.ctl, WRITE) >>> 0;
    let r = this.readAt;
    if (r === w) return false;
    let at = r % this.size;
    if (this.size - at < RECORD_HEADER || this.words.getUint32(at, true) === WRAP) {
      r = (r + (this.size - at)) >>> 0;
      this.readAt = r;
      at = 0;
      if (r === w) return false;
    }
    const v = this.words;
    out.capLen = v.getUint32(at, true);
    out.meta = v.getUint32(at + 4, true);
    out.tsSec = v.getUint32(at + 8, true);
    out.tsNsec = v.getUint32(at + 12, true);
    out.wireLen = v.getUint32(at + 16, true);
    out.aux = v.getUint32(at + 20, true);
    out.offset = at + RECORD_HEADER;
    return true;
  }

  /**
   * Consumer: copies the bytes of the record peeked into `into` without
   * making a view of them: natively when `into` lies in this ring's scratch
   * region (copyWithin), else a word at a time into `words` (32-bit words
   * over `into`, at least capLen rounded up to 4 bytes): set() or
   * Buffer.copy from the ring's middle would make a view, an allocation a
   * packet.
   */
  copyOut(rec: RingRecord, into: Uint8Array, words: Int32Array): void {
    if (into.buffer === this.buffer) {
      const from = CONTROL_BYTES + rec.offset;
      this.all.copyWithin(into.byteOffset, from, from + rec.capLen);
      return;
    }
    const src = this.words32;
    const from = rec.offset >>> 2;
    const n = (rec.capLen + 3) >>> 2;
    for (let i = 0; i < n; i++) words[i] = src[from + i];
  }

  /** Consumer: the record peeked is done with; its bytes go back to the producer. */
  release(out: RingRecord): void {
    this.readAt = (this.readAt + Ring.footprint(out.capLen)) >>> 0;
    Atomics.store(this.ctl, READ, this.readAt | 0);
  }

  /**
   * Consumer: blocks this thread until a record or a ring() comes, or `ms`
   * pass (undefined: no limit), when every ring of `all` (sharing this
   * ring's bell) is empty. For worker threads; an event-loop thread uses
   * waitAsync.
   */
  wait(ms: number | undefined, all: readonly Ring[] = [this]): void {
    const bell = Atomics.load(this.bell, DOORBELL);
    Atomics.store(this.bell, SLEEPING, 1);
    if (all.every((r) => r.isEmpty())) Atomics.wait(this.bell, DOORBELL, bell, ms);
    Atomics.store(this.bell, SLEEPING, 0);
  }

  /** The same without blocking: resolves when a record or a ring() comes, or `ms` pass. */
  async waitAsync(ms: number | undefined): Promise<void> {
    const bell = Atomics.load(this.bell, DOORBELL);
    Atomics.store(this.bell, SLEEPING, 1);
    if (this.isEmpty()) {
      const r = waitAsync(this.bell, DOORBELL, bell, ms);
      if (r.async) await r.value;
    }
    Atomics.store(this.bell, SLEEPING, 0);
  }

  isEmpty(): boolean {
    return this.readAt === Atomics.load(this.ctl, WRITE) >>> 0;
  }
}
