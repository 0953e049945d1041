import { statSync } from 'node:fs';
import {
  type BufferLease,
  type CaptureWarning,
  openCapture,
  type CaptureSource,
  type InterfaceInfo,
  type PacketRecord,
  type ReaderOptions,
} from '../capture/index.js';
import type { ChunkLoop, PcapRecordFormat } from '../capture/chunk-loop.js';
import { PcapReader } from '../capture/pcap-reader.js';
import { isDecodedLink } from '../actions/l2-layout.js';

/**
 * A packet source as the execution engine sees it: asked for at most a quota
 * of packets per call, and at most up to a time, it says how many it handed
 * out. Capture files now; live interfaces plug in behind the same interface.
 */
export interface PacketSource {
  readonly tap: number;
  /**
   * Hands out at most `quota` packets, stopping before one stamped after
   * (`untilSec`, `untilNsec`): that one becomes the head. Returns how many.
   */
  poll(quota: number, onPacket: (rec: PacketRecord) => void, untilSec?: number, untilNsec?: number): number;
  /** The next packet, read and not handed out; null when the source has nothing more, or is `waiting`. */
  peek(): PacketRecord | null;
  /** Set when the last poll or peek stopped to wait for I/O: resolves when polling can go on. */
  readonly waiting: Promise<void> | undefined;
  /** Bytes handed out and bytes in all, when the source knows its size (files do; live capture does not). */
  progress(): { done: number; total: number } | undefined;
  /** A hold on the buffer of the packet just handed out (see CaptureSource.lease); undefined: copy it. */
  lease(): BufferLease | undefined;
  close(): void;
}

/** Bytes handed out and bytes in all over several sources; undefined when one of them cannot tell. */
export function progressOf(sources: readonly PacketSource[]): { done: number; total: number } | undefined {
  let done = 0;
  let total = 0;
  for (const s of sources) {
    const p = s.progress();
    if (!p) return undefined;
    done += p.done;
    total += p.total;
  }
  return { done, total };
}

export interface FileStats {
  truncatedRecords: number;
  warnings: number;
}

/** What a finished file had to say: for the user, on standard error. */
export interface FileFindings {
  readonly path: string;
  /** The first warnings in full (a truncated last record among them), and how many there were. */
  readonly warnings: readonly CaptureWarning[];
  readonly warningCount: number;
  /**
   * Link types the file declares that tmesc does not decode (NFLOG, 802.11
   * radio headers): no filter that tests a header matches their packets.
   */
  readonly undecodedLinkTypes: readonly number[];
}

/** The capture files of one tap, read one after the other. */
export class FileTapSource implements PacketSource {
  private current: CaptureSource | undefined;
  private next = 0;
  readonly stats: FileStats = { truncatedRecords: 0, warnings: 0 };
  readonly findings: FileFindings[] = [];
  /** True once every file was read. */
  finished = false;
  waiting: Promise<void> | undefined;

  /** Sizes of the files, and the bytes of the files already finished. */
  private readonly sizes: number[] | undefined;
  private doneBytes = 0;

  constructor(
    readonly tap: number,
    private readonly paths: readonly string[],
    private readonly options: ReaderOptions = { readAhead: true },
  ) {
    try {
      this.sizes = paths.map((p) => {
        const st = statSync(p);
        if (!st.isFile()) throw new Error('not a regular file');
        return st.size;
      });
    } catch {
      // pipes or files that cannot be read: no progress, and opening reports the problem
      this.sizes = undefined;
    }
  }

  progress(): { done: number; total: number } | undefined {
    if (!this.sizes) return undefined;
    const total = this.sizes.reduce((a, b) => a + b, 0);
    return { done: this.finished ? total : this.doneBytes + (this.current?.bytesConsumed ?? 0), total };
  }

  poll(quota: number, onPacket: (rec: PacketRecord) => void, untilSec = Infinity, untilNsec = 0): number {
    this.waiting = undefined;
    for (;;) {
      const c = this.current ?? this.openNext();
      if (!c) return 0;
      const n = c.readBatch(quota, onPacket, untilSec, untilNsec);
      if (c.waiting) {
        this.waiting = c.waiting;
        return n;
      }
      // not done: stopped at the time bound, the next packet held as the head
      if (n > 0 || !c.done) return n;
      this.finishFile();
    }
  }

  peek(): PacketRecord | null {
    this.waiting = undefined;
    for (;;) {
      const c = this.current ?? this.openNext();
      if (!c) return null;
      const r = c.peek();
      if (r) return r;
      if (c.waiting) {
        this.waiting = c.waiting;
        return null;
      }
      this.finishFile();
    }
  }

  /** Interfaces of the file being read (after peek(): at least the first packet's). */
  get interfaces(): readonly InterfaceInfo[] {
    return this.current?.interfaces ?? [];
  }

  /** The tap's files not opened yet. */
  get unopened(): readonly string[] {
    return this.paths.slice(this.next);
  }

  private chunkLoops: ((format: PcapRecordFormat) => ChunkLoop | undefined) | undefined = undefined;

  /**
   * Each pcap file's reader, the one open now included, is offered a chunk
   * loop for its record format (the generated packet path's, Pipeline.chunkLoop).
   */
  useChunkLoops(make: (format: PcapRecordFormat) => ChunkLoop | undefined): void {
    this.chunkLoops = make;
    const c = this.current;
    if (c instanceof PcapReader) c.chunkLoop = make(c.recordFormat);
  }

  private openNext(): CaptureSource | undefined {
    if (this.next >= this.paths.length) {
      this.finished = true;
      return undefined;
    }
    const c = openCapture(this.paths[this.next++], this.options);
    if (this.chunkLoops !== undefined && c instanceof PcapReader) c.chunkLoop = this.chunkLoops(c.recordFormat);
    return (this.current = c);
  }

  lease(): BufferLease | undefined {
    return this.current?.lease();
  }

  private finishFile(): void {
    const c = this.current!;
    if (this.sizes) this.doneBytes += this.sizes[this.next - 1];
    if (c.truncatedAt) this.stats.truncatedRecords++;
    this.stats.warnings += c.warningCount;
    const undecodedLinkTypes = [...new Set(c.interfaces.map((i) => i.linkType).filter((t) => !isDecodedLink(t)))];
    if (c.warningCount > 0 || undecodedLinkTypes.length > 0)
      this.findings.push({ path: c.path, warnings: c.warnings, warningCount: c.warningCount, undecodedLinkTypes });
    c.close();
    this.current = undefined;
  }

  close(): void {
    if (this.current) this.finishFile();
  }
}
