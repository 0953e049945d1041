import { CaptureError, type CaptureWarning, type CaptureWarningKind, WarningLog } from './errors.js';
import { type BufferLease, FileWindow } from './file-window.js';
import { type ReadAheadOptions, Starved } from './read-ahead.js';
import { type CaptureFormat, emptyRecord, type InterfaceInfo, type PacketRecord } from './record.js';

/** Where a file ended in the middle of a record: the packets before it were delivered. */
export interface TruncationPoint {
  readonly packetNumber: number;
  readonly byteOffset: number;
  /** Bytes present of the record that was cut. */
  readonly bytesPresent: number;
}

/**
 * A pull source of packets for an execution engine. Reads are synchronous and
 * bounded by `quota`, so an engine can interleave several sources fairly.
 */
export interface CaptureSource {
  readonly path: string;
  readonly format: CaptureFormat;
  /** Interfaces seen so far (pcapng declares them as it goes; pcap has one). */
  readonly interfaces: readonly InterfaceInfo[];
  /** Packets delivered so far; also the number of the last one delivered. */
  readonly packetsRead: number;
  /** True once the end of the file (or a truncated final record) was reached. */
  readonly done: boolean;
  readonly truncatedAt: TruncationPoint | undefined;
  /** The first warnings in full (bounded), and how many there were in all. */
  readonly warnings: readonly CaptureWarning[];
  readonly warningCount: number;
  /**
   * Delivers up to `quota` packets, one reused record at a time (its `data` is
   * valid only during the callback). Returns how many it delivered: fewer than
   * `quota` only at the end of the file, 0 once there is nothing left.
   */
  readBatch(quota: number, onPacket: (rec: PacketRecord) => void): number;
  /**
   * With read-ahead, set when the last readBatch stopped early because the
   * next bytes are still being read (not at the end): await it, then go on.
   */
  readonly waiting: Promise<void> | undefined;
  /** File offset up to which packets have been handed out (for progress). */
  readonly bytesConsumed: number;
  /** The next packet as the reused record, valid until the next call; null at the end. */
  next(): PacketRecord | null;
  /**
   * A hold on the buffer the last record's data lies in, keeping it valid
   * after the reader moves on; undefined when that buffer cannot be shared
   * (see FileWindow.lease): copy the data instead.
   */
  lease(): BufferLease | undefined;
  /** Releases the file; safe to call twice. Sources also close themselves at the end. */
  close(): void;
}

export interface ReaderOptions {
  /** Initial read buffer size in bytes (default 256 KiB); grows for larger records. */
  bufferSize?: number;
  /** Largest captured length accepted before the file is deemed corrupt (default 262144). */
  maxCapLen?: number;
  /**
   * False: records carry only `bytes` and `dataOffset`, not a `data` view,
   * for consumers that hand packets on by position (runtime/parallel): a view
   * per packet is most of what reading costs. Default true.
   */
  views?: boolean;
  /** Read ahead on libuv's thread pool (regular files); readBatch may then stop early, see `waiting`. */
  readAhead?: boolean | ReadAheadOptions;
}

const DEFAULT_MAX_CAPLEN = 262144;

export abstract class ReaderBase implements CaptureSource {
  abstract readonly format: CaptureFormat;
  protected readonly rec: PacketRecord = emptyRecord();
  protected readonly log = new WarningLog();
  protected readonly maxCapLen: number;
  protected readonly views: boolean;
  packetsRead = 0;
  done = false;
  truncatedAt: TruncationPoint | undefined;

  constructor(
    readonly path: string,
    protected readonly win: FileWindow,
    options: ReaderOptions,
  ) {
    this.maxCapLen = options.maxCapLen ?? DEFAULT_MAX_CAPLEN;
    this.views = options.views ?? true;
  }

  abstract get interfaces(): readonly InterfaceInfo[];

  get warnings(): readonly CaptureWarning[] {
    return this.log.kept;
  }

  get warningCount(): number {
    return this.log.count;
  }

  /** Fills `this.rec` with the next packet; false at the end. */
  protected abstract advance(): boolean;

  waiting: Promise<void> | undefined;

  get bytesConsumed(): number {
    return this.win.offset;
  }

  readBatch(quota: number, onPacket: (rec: PacketRecord) => void): number {
    let n = 0;
    this.waiting = undefined;
    try {
      while (n < quota && !this.done && this.advanceGuarded()) {
        onPacket(this.rec);
        n++;
      }
    } catch (e) {
      if (!(e instanceof Starved)) throw e;
      this.waiting = e.ready;
    }
    return n;
  }

  next(): PacketRecord | null {
    try {
      return !this.done && this.advanceGuarded() ? this.rec : null;
    } catch (e) {
      if (e instanceof Starved) throw new Error('next() cannot wait for read-ahead; use readBatch', { cause: e });
      throw e;
    }
  }

  lease(): BufferLease | undefined {
    return this.win.lease();
  }

  close(): void {
    this.done = true;
    this.win.close();
  }

  private advanceGuarded(): boolean {
    let ok: boolean;
    try {
      ok = this.advance();
    } catch (e) {
      if (e instanceof Starved) throw e;
      this.close();
      if (e instanceof CaptureError) throw e;
      // A parser bug must still reach the engine as a capture problem of this file.
      throw new CaptureError('bad-record', this.path, `unexpected reader failure: ${String(e)}`, {
        packetNumber: this.packetsRead + 1,
        byteOffset: this.win.offset,
        cause: e,
      });
    }
    if (!ok) this.close();
    return ok;
  }

  protected warn(kind: CaptureWarningKind, message: string, byteOffset: number): void {
    this.log.add(kind, message, this.packetsRead + 1, byteOffset);
  }

  /** Ends the file at a record cut short; counted, not thrown. */
  protected truncated(what: string): false {
    const byteOffset = this.win.offset;
    const bytesPresent = this.win.available;
    this.truncatedAt = { packetNumber: this.packetsRead + 1, byteOffset, bytesPresent };
    this.warn('truncated', `${what} cut short: ${bytesPresent} bytes present at the end of the file`, byteOffset);
    return false;
  }

  protected fail(
    code: 'bad-header' | 'bad-block' | 'bad-record' | 'bad-interface',
    detail: string,
    byteOffset: number,
  ): never {
    throw new CaptureError(code, this.path, detail, { packetNumber: this.packetsRead + 1, byteOffset });
  }
}
