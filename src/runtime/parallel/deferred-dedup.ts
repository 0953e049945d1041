import { type DedupStage, MARKED_AS, packetKey } from '../dedup/dedup.js';
import type { PacketView } from '../decode/view.js';
import { DUP, DUP_FIELDS } from './protocol.js';

/**
 * De-duplication in a worker: whether a packet is a duplicate depends on every
 * packet before it, and workers see batches out of order. So the worker lets
 * every packet through, noting its key and where its copy was written; the
 * main thread decides in capture order when it commits the batch and leaves
 * the duplicates out of the file (see OrderedOutput).
 */
export class DeferredDedup implements DedupStage {
  private entries = new Float64Array(1024 * DUP_FIELDS);
  count = 0;
  /** Nothing is kept here: the main thread's Dedup counts its evictions. */
  readonly evicted = 0;

  isDuplicate(v: PacketView, d: Uint8Array, tsSec: number, tsNsec: number): boolean {
    if ((this.count + 1) * DUP_FIELDS > this.entries.length) {
      const bigger = new Float64Array(this.entries.length * 2);
      bigger.set(this.entries);
      this.entries = bigger;
    }
    const o = this.count++ * DUP_FIELDS;
    const e = this.entries;
    e[o + DUP.key] = packetKey(v, d);
    e[o + DUP.tsSec] = tsSec;
    e[o + DUP.tsNsec] = tsNsec;
    e[o + DUP.tool] = -1;
    e[o + DUP.commentLost] = 0;
    e[o + DUP.marked] = MARKED_AS.none;
    return false;
  }

  /** The last packet let through was counted under its tap's mark (taken back if it is a duplicate). */
  marked(as: number): void {
    this.entries[(this.count - 1) * DUP_FIELDS + DUP.marked] = as;
  }

  /** Where the last packet passed on was written (called by the tool's output). */
  placed(tool: number, start: number, length: number, dataLen: number): void {
    const o = (this.count - 1) * DUP_FIELDS;
    const e = this.entries;
    e[o + DUP.tool] = tool;
    e[o + DUP.start] = start;
    e[o + DUP.length] = length;
    e[o + DUP.dataLen] = dataLen;
  }

  /** The last packet placed came with comments its output cannot hold (counted lost unless it is a duplicate). */
  commentLost(): void {
    this.entries[(this.count - 1) * DUP_FIELDS + DUP.commentLost] = 1;
  }

  /** The batch's entries, and a fresh start for the next batch. */
  take(): Float64Array {
    const out = this.entries.slice(0, this.count * DUP_FIELDS);
    this.count = 0;
    return out;
  }
}
