import { statSync } from 'node:fs';
import {
  type BufferLease,
  type CaptureWarning,
  openCapture,
  type CaptureSource,
  type PacketRecord,
  type ReaderOptions,
} from '../capture/index.js';

/**
 * A packet source as the execution engine sees it: asked for at most a quota
 * of packets per call, it says how many it handed out (0 when done). Capture
 * files now; live interfaces plug in behind the same interface.
 */
export interface PacketSource {
  readonly tap: number;
  /** Hands out at most `quota` packets; returns how many. */
  poll(quota: number, onPacket: (rec: PacketRecord) => void): number;
  /** True once the source has nothing more to give. */
  readonly finished: boolean;
  /** Set when the last poll stopped early to wait for I/O: resolves when polling can go on. */
  readonly waiting: Promise<void> | undefined;
  /** Bytes handed out and bytes in all, when the source knows its size (files do; live capture does not). */
  progress(): { done: number; total: number } | undefined;
  /** A hold on the buffer of the packet just handed out (see CaptureSource.lease); undefined: copy it. */
  lease(): BufferLease | undefined;
  close(): void;
}

/** True when a source polled for `quota` and handing out `n` stopped early to wait for the disk: see finishQuota. */
export function stoppedEarly(s: PacketSource, n: number, quota: number): boolean {
  return n < quota && s.waiting !== undefined && !s.finished;
}

/**
 * Goes on polling a source that stopped early for the disk until it has had
 * its whole quota, awaiting `wait` each time: taps then interleave the same
 * way whatever the I/O timing, so outputs (and which copy de-duplication
 * keeps) are reproducible. Both engines (one thread, and runtime/parallel)
 * call it after their own first poll, which stays outside any async function:
 * polling through one cost ~300 instructions a packet (npm run bench -- instructions).
 */
export async function finishQuota(
  s: PacketSource,
  n: number,
  quota: number,
  onPacket: (rec: PacketRecord) => void,
  wait: (waiting: Promise<void>) => Promise<unknown>,
): Promise<number> {
  while (n < quota && s.waiting && !s.finished) {
    await wait(s.waiting);
    n += s.poll(quota - n, onPacket);
  }
  return n;
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
}

/** The capture files of one tap, read one after the other. */
export class FileTapSource implements PacketSource {
  private current: CaptureSource | undefined;
  private next = 0;
  readonly stats: FileStats = { truncatedRecords: 0, warnings: 0 };
  readonly findings: FileFindings[] = [];
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

  poll(quota: number, onPacket: (rec: PacketRecord) => void): number {
    this.waiting = undefined;
    for (;;) {
      if (!this.current) {
        if (this.next >= this.paths.length) {
          this.finished = true;
          return 0;
        }
        this.current = openCapture(this.paths[this.next++], this.options);
      }
      const c = this.current;
      const n = c.readBatch(quota, onPacket);
      if (c.waiting) {
        this.waiting = c.waiting;
        return n;
      }
      if (n > 0) return n;
      this.finishFile();
    }
  }

  lease(): BufferLease | undefined {
    return this.current?.lease();
  }

  private finishFile(): void {
    const c = this.current!;
    if (this.sizes) this.doneBytes += this.sizes[this.next - 1];
    if (c.truncatedAt) this.stats.truncatedRecords++;
    this.stats.warnings += c.warningCount;
    if (c.warningCount > 0) this.findings.push({ path: c.path, warnings: c.warnings, warningCount: c.warningCount });
    c.close();
    this.current = undefined;
  }

  close(): void {
    if (this.current) this.finishFile();
  }
}
