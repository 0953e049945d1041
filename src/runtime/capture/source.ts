import { CaptureError, type CaptureWarning, type CaptureWarningKind, WarningLog } from './errors.js';
import { type BufferLease, FileWindow } from './file-window.js';
import { maxSnapLenFor } from './magic.js';
import { type ReadAheadOptions, Starved } from './read-ahead.js';
import type { Continuation } from './resync.js';
import { type CaptureFormat, CopyRuns, type InterfaceInfo, type PacketRecord, ReaderRecord } from './record.js';

/** Where a file ended in the middle of a record: the packets before it were delivered. */
export interface TruncationPoint {
  readonly packetNumber: number;
  readonly byteOffset: number;
  /** Bytes present of the record that was cut. */
  readonly bytesPresent: number;
  /** Bytes the record needed (its header and length word, or just its header when that was cut). */
  readonly bytesNeeded: number;
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
   * `quota` only at the end of the file, 0 once there is nothing left, or when
   * the next packet's timestamp is after (`untilSec`, `untilNsec`): that packet
   * is then kept, unread by anyone, as the one peek() shows and the next call
   * delivers first (how an engine merges several captures in time order).
   */
  readBatch(quota: number, onPacket: (rec: PacketRecord) => void, untilSec?: number, untilNsec?: number): number;
  /**
   * The next packet, read but not handed out (the next readBatch or next()
   * delivers it first); null at the end, or while `waiting` for read-ahead.
   */
  peek(): PacketRecord | null;
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
  /**
   * Largest captured length accepted before the file is deemed corrupt;
   * default: libpcap's for the link type (262144 for most, more for D-Bus,
   * USBPcap and EBHSCR). A file's or interface's snapshot length lowers it.
   */
  maxCapLen?: number;
  /**
   * False: records carry only `bytes` and `dataOffset`, not a `data` view,
   * for consumers that hand packets on by position (runtime/parallel): a view
   * per packet is most of what reading costs. Default true.
   */
  views?: boolean;
  /** Read ahead on libuv's thread pool (regular files); readBatch may then stop early, see `waiting`. */
  readAhead?: boolean | ReadAheadOptions;
  /**
   * Records an output may copy as they are (pcap to pcap of the same
   * precision) say so in `verbatim`, and outputs may then keep runs of them
   * in the read buffer until the reader moves on (CopyRuns). Default false.
   */
  copyRuns?: boolean;
}

/** How a reader describes a record that claims more bytes than the file has left, for truncated(). */
export interface Overrun {
  /** What was cut: 'record', 'pcapng block of type 0x6 (enhanced packet)'... */
  readonly what: string;
  /** What its length word says, for the error: '200000 captured bytes'. */
  readonly claim: string;
  readonly bytesNeeded: number;
  /** What follows when the length is corrupt: 'records', 'blocks'. */
  readonly units: string;
  /** Looks for well-formed records running from inside the claimed span to the end of the file. */
  readonly resume?: () => Continuation | undefined;
  readonly code: 'bad-record' | 'bad-block';
}

export abstract class ReaderBase implements CaptureSource {
  abstract readonly format: CaptureFormat;
  protected readonly rec = new ReaderRecord();
  /** Outputs holding runs of this reader's records (options.copyRuns), flushed before the window moves. */
  protected readonly runs: CopyRuns | undefined;
  protected readonly log = new WarningLog();
  private readonly maxCapLenOption: number | undefined;
  protected readonly views: boolean;
  packetsRead = 0;
  done = false;
  truncatedAt: TruncationPoint | undefined;

  constructor(
    readonly path: string,
    protected readonly win: FileWindow,
    options: ReaderOptions,
  ) {
    this.maxCapLenOption = options.maxCapLen;
    this.views = options.views ?? true;
    if (options.copyRuns) {
      const runs = new CopyRuns();
      this.runs = runs;
      this.rec.runs = runs;
      win.onMove = () => runs.flush();
    }
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

  /** True while `rec` holds a packet read ahead (peek, or a bounded readBatch) and not handed out yet. */
  protected pending = false;

  readBatch(quota: number, onPacket: (rec: PacketRecord) => void, untilSec = Infinity, untilNsec = 0): number {
    let n = 0;
    this.waiting = undefined;
    const rec = this.rec;
    try {
      while (n < quota) {
        if (this.pending) this.pending = false;
        else if (this.done || !this.advanceGuarded()) break;
        if (rec.tsSec > untilSec || (rec.tsSec === untilSec && rec.tsNsec > untilNsec)) {
          this.pending = true;
          break;
        }
        onPacket(rec);
        n++;
      }
    } catch (e) {
      if (!(e instanceof Starved)) throw e;
      this.waiting = e.ready;
    }
    return n;
  }

  peek(): PacketRecord | null {
    if (this.pending) return this.rec;
    this.waiting = undefined;
    try {
      if (this.done || !this.advanceGuarded()) return null;
    } catch (e) {
      if (!(e instanceof Starved)) throw e;
      this.waiting = e.ready;
      return null;
    }
    this.pending = true;
    return this.rec;
  }

  next(): PacketRecord | null {
    if (this.pending) {
      this.pending = false;
      return this.rec;
    }
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
    this.pending = false;
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

  /** The longest packet a record of this link type may hold (see ReaderOptions.maxCapLen). */
  protected capLimit(linkType: number): number {
    return this.maxCapLenOption ?? maxSnapLenFor(linkType);
  }

  /**
   * The file ends inside the record at the window's start. Either the file was
   * cut short there (counted, not thrown: the packets before it were
   * delivered), or the record's length is corrupt and well-formed records
   * follow inside the span it claims: then it is an error, since trusting the
   * length would skip them without a word.
   */
  protected truncated(o: Overrun): false {
    const win = this.win;
    const byteOffset = win.offset;
    const bytesPresent = win.available;
    const resumed = o.resume?.();
    if (resumed) {
      const at = byteOffset + (resumed.at - win.start);
      this.fail(
        o.code,
        `${o.what} claims ${o.claim}, but the file ends ${bytesPresent} bytes after its start, and ` +
          `${resumed.records} well-formed ${o.units} run from byte offset ${at} to the end of the file: ` +
          `its length is corrupt, and trusting it would skip them; nothing after it was read`,
        byteOffset,
      );
    }
    this.truncatedAt = { packetNumber: this.packetsRead + 1, byteOffset, bytesPresent, bytesNeeded: o.bytesNeeded };
    this.warn(
      'truncated',
      `the file ends inside a ${o.what}: ${bytesPresent} of its ${o.bytesNeeded} bytes present (the file was cut short)`,
      byteOffset,
    );
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
