import { read } from 'node:fs';

/**
 * Thrown by FileWindow.ensure() in read-ahead mode when the bytes asked for
 * are still on their way from the disk. Readers let it pass untouched (their
 * state is as before the record they were reading), readBatch stops there,
 * and the engine awaits `ready` before asking again.
 */
export class Starved {
  constructor(readonly ready: Promise<void>) {}
}

/**
 * Room kept in front of every chunk: the unread tail of the previous chunk
 * (the start of a record cut by the chunk boundary) is copied there, so a
 * record that straddles two chunks is contiguous without copying the chunk.
 */
export const HEADROOM = 64 * 1024;
export const CHUNK = 1024 * 1024;
/** Chunks in flight: enough that the disk stays ahead of a fast consumer. */
export const DEPTH = 4;

export interface Chunk {
  /** HEADROOM bytes of room, then up to CHUNK bytes of the file. */
  readonly buf: Uint8Array;
  /** Holders of a taken chunk: the window, plus every lease (see FileWindow.lease). */
  refs: number;
  readonly view: DataView;
  /** File offset of buf[HEADROOM]. */
  pos: number;
  /** Bytes read so far at buf[HEADROOM]. */
  len: number;
  /** True once full, or short because the file ended (len 0: at or past the end). */
  ready: boolean;
  error: unknown;
}

export interface ReadAheadOptions {
  /**
   * Chunks in SharedArrayBuffers, so worker threads can read the packets in
   * place while they are leased (see FileWindow.lease).
   */
  shared?: boolean;
  /**
   * Chunks allocated at most: DEPTH are always reading ahead; leased chunks
   * are replaced by new ones up to this bound, then reading waits for a lease
   * to end (backpressure, bounded memory). Default DEPTH.
   */
  maxChunks?: number;
}

/**
 * Positional reads of a regular file, DEPTH chunks ahead of the consumer, on
 * libuv's thread pool: the kernel's copy into our buffers then runs on the
 * other core while this thread decodes and classifies. Chunks come back in
 * file order through `take()`; a chunk whose holders have all let go
 * (`release()`) is filled again further on. Completions are seen when the
 * thread returns to the event loop, which the engine does between rounds.
 */
export class ReadAhead {
  private readonly queue: Chunk[] = [];
  private nextPos: number;
  private pending = 0;
  private closed = false;
  private onClosed: (() => void) | undefined;
  private wake: (() => void) | undefined;
  private waiting: Promise<void> | undefined;
  private allocated = 0;
  private readonly shared: boolean;
  private readonly maxChunks: number;

  constructor(
    private readonly fd: number,
    startPos: number,
    options: ReadAheadOptions = {},
  ) {
    this.nextPos = startPos;
    this.shared = options.shared ?? false;
    this.maxChunks = Math.max(DEPTH, options.maxChunks ?? DEPTH);
    for (let i = 0; i < DEPTH; i++) this.start(this.allocate());
  }

  private allocate(): Chunk {
    this.allocated++;
    const buf = new Uint8Array(
      this.shared ? new SharedArrayBuffer(HEADROOM + CHUNK) : new ArrayBuffer(HEADROOM + CHUNK),
    );
    return { buf, refs: 0, view: new DataView(buf.buffer), pos: 0, len: 0, ready: false, error: undefined };
  }

  /** The next chunk in file order if it has arrived; otherwise throws Starved. The caller holds it (refs 1). */
  take(): Chunk {
    const wait = this.wait();
    if (wait !== undefined) throw new Starved(wait);
    const c = this.queue.shift()!;
    c.refs = 1;
    return c;
  }

  /**
   * undefined when take() would return the next chunk now; otherwise the
   * promise of its arrival (what take() would throw in a Starved), so that a
   * caller can wait without a throw (~8,000 instructions to unwind).
   */
  wait(): Promise<void> | undefined {
    // leased chunks are out of the rotation: keep DEPTH reads ahead while memory allows
    while (this.queue.length < DEPTH && this.allocated < this.maxChunks && !this.closed) this.start(this.allocate());
    const c = this.queue[0];
    return c === undefined || !c.ready ? this.whenReady() : undefined;
  }

  /** One more holder of a taken chunk. */
  retain(c: Chunk): void {
    c.refs++;
  }

  /** A holder lets go; once none is left the buffer is filled with the next part of the file. */
  release(c: Chunk): void {
    if (--c.refs > 0 || this.closed) return;
    // chunks are kept once made (at most maxChunks): workers know shared ones by number
    this.start(c);
  }

  private whenReady(): Promise<void> {
    this.waiting ??= new Promise<void>((resolve) => (this.wake = resolve));
    return this.waiting;
  }

  private start(c: Chunk): void {
    c.pos = this.nextPos;
    c.len = 0;
    c.ready = false;
    c.error = undefined;
    this.nextPos += CHUNK;
    this.queue.push(c);
    this.issue(c);
  }

  private issue(c: Chunk): void {
    this.pending++;
    read(this.fd, c.buf, HEADROOM + c.len, CHUNK - c.len, c.pos + c.len, (err, n) => {
      this.pending--;
      if (this.closed) {
        if (this.pending === 0) this.onClosed?.();
        return;
      }
      if (err) c.error = err;
      else if (n > 0 && c.len + n < CHUNK) {
        // a short read before the end of the file: go on filling this chunk
        c.len += n;
        this.issue(c);
        return;
      } else c.len += n;
      c.ready = true;
      if (c === this.queue[0] && this.wake) {
        const w = this.wake;
        this.wake = undefined;
        this.waiting = undefined;
        w();
      }
    });
  }

  /** Stops reading; `done` runs once no read is in flight, so the fd can be closed safely. */
  close(done: () => void): void {
    this.closed = true;
    this.queue.length = 0;
    if (this.wake) this.wake();
    if (this.pending === 0) done();
    else this.onClosed = done;
  }
}
