import { CaptureError, ioError } from './errors.js';
import { OutputFile } from './output-file.js';

/** Cache-sized for the same reason as DEFAULT_READ_BUFFER. */
const DEFAULT_WRITE_BUFFER = 256 * 1024;

/**
 * Buffered output to a temporary file that becomes `path` only on commit, so
 * a reader of `path` never sees half a capture (or straight into a FIFO or
 * device: see OutputFile). Encoders reserve room, write straight into
 * `bytes` through `view`, then advance `pos`.
 *
 * With `writeBehind`, a full buffer is written at its file offset on libuv's
 * thread pool while encoding goes on in a spare one, so the kernel's copy runs
 * on the other core. When no spare buffer is free (the disk is slower than
 * the traffic) the write is done synchronously instead: backpressure, not
 * unbounded memory. Completions are seen when the thread returns to the event
 * loop; `drained()` waits for them all, and commit() needs them done.
 *
 * A stream (FIFO, pipe, device) takes its writes in order, one at a time
 * (OutputFile's queue), so a synchronous write may not overtake one in
 * flight. Its write-behind is `paced` only: when no spare buffer is free the
 * full one joins the queue anyway and a new one is made, and the caller must
 * await congestion() between stretches of packets (the run's pace), which
 * holds the run until the stream is back within its spares. So a tool that
 * reads its FIFO slowly holds libuv's thread in write(), not this one: the
 * run goes on filling the next buffer (and the other tools' outputs) while
 * the tool reads. Unpaced, a stream's writes stay synchronous.
 */
export class FileSink {
  bytes: Uint8Array;
  view: DataView;
  pos = 0;
  readonly path: string;
  private readonly file: OutputFile;
  private flushed = 0;
  /** Write-behind: spare buffers, writes in flight, the first failure, who waits for the drain. */
  private readonly spare: Uint8Array[] = [];
  /** Spare buffers not made yet: made on demand, so an output that writes little never holds them. */
  private sparesToMake: number;
  private inFlight = 0;
  private failure: { error: unknown; offset: number } | undefined;
  /** Writes in flight within bounds (writeBehind): past them a paced stream is congested. */
  private readonly maxSpare: number;
  /** Spare buffers kept: a paced stream keeps one more, the one made when it went past its spares (made once, not per stretch). */
  private readonly keepSpare: number;
  /** A stream with write-behind: full buffers beyond the spares join its queue, the caller paces (congestion()). */
  private readonly pacedStream: boolean;
  private reliefWaiters: (() => void)[] = [];
  private drainWaiters: (() => void)[] = [];
  private afterDrain: (() => void) | undefined;

  /**
   * `output`: a path opened here with OutputFile.open, or an output opened by the caller (OutputSet).
   * `paced`: the caller awaits congestion() between stretches, so a stream may write behind too.
   */
  constructor(output: string | OutputFile, bufferSize: number = DEFAULT_WRITE_BUFFER, writeBehind = 0, paced = false) {
    this.file = typeof output === 'string' ? OutputFile.open(output) : output;
    this.path = this.file.path;
    // an unpaced stream takes its writes synchronously: never racing one in flight, never more buffers
    this.pacedStream = this.file.streaming && paced && writeBehind > 0;
    this.sparesToMake = this.file.streaming && !this.pacedStream ? 0 : writeBehind;
    this.maxSpare = this.sparesToMake;
    this.keepSpare = this.pacedStream ? this.maxSpare + 1 : this.maxSpare;
    this.bytes = new Uint8Array(Math.max(bufferSize, 64));
    this.view = new DataView(this.bytes.buffer);
  }

  /** The temporary file that becomes `path` on commit; undefined when writing straight into a FIFO or device. */
  get tempPath(): string | undefined {
    return this.file.tempPath;
  }

  get isOpen(): boolean {
    return this.file.isOpen;
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
    this.requireOpen();
    this.throwFailure();
    if (this.pos === 0) return;
    if (!sync && this.spare.length === 0 && this.sparesToMake > 0) {
      this.sparesToMake--;
      this.spare.push(new Uint8Array(this.bytes.length));
    }
    const spare = sync ? undefined : this.spare.pop();
    if (spare && spare.length >= this.bytes.length) {
      this.writeAsync(this.bytes, this.pos, this.flushed);
      this.bytes = spare;
      this.view = new DataView(spare.buffer);
    } else if (this.pacedStream && this.inFlight > 0) {
      // behind a write in flight: a synchronous one would overtake it; queue this one, go on in a new buffer
      // (a spare too small for a grown buffer is dropped: the new one replaces it)
      this.writeAsync(this.bytes, this.pos, this.flushed);
      this.bytes = new Uint8Array(this.bytes.length);
      this.view = new DataView(this.bytes.buffer);
    } else {
      if (spare) this.spare.push(spare);
      // positional: writes still in flight may land before or after this one
      this.file.writeSync(this.bytes, 0, this.pos, this.flushed);
    }
    this.flushed += this.pos;
    this.pos = 0;
  }

  private writeAsync(buf: Uint8Array, len: number, at: number): void {
    this.inFlight++;
    this.file.write(buf, 0, len, at, (err) => {
      this.inFlight--;
      if (err) this.failure ??= { error: err, offset: at };
      if (this.spare.length < this.keepSpare) this.spare.push(buf);
      if (this.inFlight <= this.maxSpare && this.reliefWaiters.length > 0) {
        const waiters = this.reliefWaiters;
        this.reliefWaiters = [];
        for (const w of waiters) w();
      }
      if (this.inFlight === 0) this.drainedNow();
    });
  }

  /**
   * A paced stream with more writes in flight than its spares (its reader is
   * slower than the traffic): resolves once it is back within them, or has
   * failed. Undefined when there is nothing to wait for.
   */
  congestion(): Promise<void> | undefined {
    if (this.inFlight <= this.maxSpare) return undefined;
    return new Promise((resolve) => this.reliefWaiters.push(resolve));
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

  /**
   * Flushes, closes and renames the temporary file to `path` (unless an
   * OutputSet holds it: then the set renames it with the others). Writes in
   * flight must be drained first. On failure the temporary file is removed.
   */
  commit(): void {
    if (this.inFlight > 0)
      throw new CaptureError('closed', this.path, 'commit() while writes are in flight: await drained() first');
    try {
      this.flush(true);
      this.throwFailure();
    } catch (e) {
      this.file.discard();
      throw e;
    }
    this.file.commit();
  }

  /** Drops everything written; `path` is left as it was. */
  discard(): void {
    if (!this.file.isOpen) return;
    const drop = () => this.file.discard();
    // a write in flight would land in whatever file reuses the fd next
    if (this.inFlight > 0) this.afterDrain = drop;
    else drop();
  }

  private requireOpen(): void {
    if (!this.file.isOpen) throw new CaptureError('closed', this.path, 'the capture writer is already closed');
  }
}
