import { type DedupStage, MARKED_AS, packetKey } from '../dedup/dedup.js';
import type { PacketView } from '../decode/view.js';
import type { GroupStats } from '../stats/stats.js';
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
  /**
   * A group with a chain: the counters its steps count into (and its drops),
   * watched so that what each packet counted can be taken back if the main
   * thread finds it a duplicate (one thread leaves a duplicate out before
   * its steps run). Names are `kind/step/reason` (kind: actions, actionTotals, dropped).
   */
  private cells: Record<string, number>[] = [];
  private keys: string[] = [];
  readonly names: string[] = [];
  private before = new Float64Array(0);
  /** What the batch's packets counted: (entry, cell, amount) triples, entries ascending. */
  private counted: number[] = [];

  /** Watches the counters of a group whose chain runs here (see cells). */
  watch(gs: GroupStats): void {
    const add = (c: Record<string, number>, key: string, name: string) => {
      this.cells.push(c);
      this.keys.push(key);
      this.names.push(name);
    };
    for (const kind of ['actions', 'actionTotals'] as const)
      for (const [step, c] of Object.entries(gs[kind] ?? {}))
        for (const r of Object.keys(c)) add(c, r, `${kind}/${step}/${r}`);
    for (const r of Object.keys(gs.dropped)) add(gs.dropped as Record<string, number>, r, `dropped//${r}`);
    this.before = new Float64Array(this.cells.length);
  }

  /** What the last packet let through counted since it was let through. */
  private settle(): void {
    const cells = this.cells;
    if (this.count === 0 || cells.length === 0) return;
    const keys = this.keys;
    const before = this.before;
    for (let i = 0; i < cells.length; i++) {
      const d = cells[i][keys[i]] - before[i];
      if (d !== 0) this.counted.push(this.count - 1, i, d);
    }
  }

  isDuplicate(v: PacketView, d: Uint8Array, tsSec: number, tsNsec: number): boolean {
    if (this.cells.length !== 0) {
      this.settle();
      const cells = this.cells;
      const keys = this.keys;
      for (let i = 0; i < cells.length; i++) this.before[i] = cells[i][keys[i]];
    }
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

  /** The batch's entries and what its packets counted (watched groups), and a fresh start for the next batch. */
  take(): { entries: Float64Array; counted?: Float64Array } {
    this.settle();
    const entries = this.entries.slice(0, this.count * DUP_FIELDS);
    this.count = 0;
    if (this.cells.length === 0) return { entries };
    const counted = Float64Array.from(this.counted);
    this.counted = [];
    return { entries, counted };
  }
}
