import type { Artifact } from '../../artifact/types.js';
import type { OutputSpec } from '../output/output-spec.js';
import type { RunStats } from '../stats/stats.js';
import type { PacketPathChoice } from '../engine/packet-path-choice.js';

/**
 * Messages between the main thread and its workers. Packets never travel in
 * messages: a batch names the shared buffers its packets lie in (read-ahead
 * chunks, leased) and an index of where; outputs come back the same way.
 */

/** One record of a batch index: numbers per packet in a Float64Array. */
export const REC = { slot: 0, offset: 1, capLen: 2, wireLen: 3, tsSec: 4, tsNsec: 5, linkType: 6, tap: 7 } as const;
export const REC_FIELDS = 8;

/** One run of a tool's share of a batch: records of one tap and link type, back to back. */
export const RUN = { linkType: 0, tap: 1, start: 2, end: 3, packets: 4, bytes: 5, commentsLost: 6 } as const;
export const RUN_FIELDS = 7;

/** One packet a de-duplicating group passed on, for the ordered commit to decide. */
export const DUP = {
  key: 0,
  tsSec: 1,
  tsNsec: 2,
  tool: 3,
  start: 4,
  length: 5,
  dataLen: 6,
  commentLost: 7,
  /** MARKED_AS: what the tap's mark was counted as in a group without a chain. */
  marked: 8,
} as const;
export const DUP_FIELDS = 9;

/**
 * A SharedArrayBuffer crosses a message port once, with a number; later
 * messages name it by that number. (Each crossing costs tens of microseconds:
 * more than the batch's packets do, at four buffers a batch.)
 */
export interface Shared {
  id: number;
  buffer: SharedArrayBuffer;
}

export type ToWorker =
  | {
      type: 'init';
      artifact: Artifact;
      outputs: OutputSpec[][];
      tapFiles: string[][];
      packetPath: PacketPathChoice | undefined;
    }
  /** `slots`: the buffers REC.slot refers to, by number, or a buffer used for this batch only. */
  | {
      type: 'batch';
      id: number;
      count: number;
      index: number;
      slots: (number | SharedArrayBuffer)[];
      share: Shared[];
      /** The packets that came with comments: [index in the batch, comments] (BatchBuilder.comments). */
      comments?: [number, string][];
    }
  /** Output buffers written out by the main thread, for the worker to fill again. */
  | { type: 'free'; buffers: number[] }
  | { type: 'finish' }
  /**
   * A group split (group-split.ts): the worker's pipeline delivers only to
   * `groups`, writing their outputs into the temporary files the main thread
   * opened (`files[group][tool]`); batches follow, and at `finish` it ends
   * its steps and files and answers with its counters.
   */
  | {
      type: 'groups';
      artifact: Artifact;
      outputs: OutputSpec[][];
      tapFiles: string[][];
      packetPath: PacketPathChoice | undefined;
      groups: number[];
      files: (string | undefined)[][];
      dedupMaxEntries: number | undefined;
    };

/** A tool's share of a batch: encoded records (no file header) and their runs. */
export interface ToolSlice {
  group: number;
  tool: number;
  /** The worker's output buffer, by number. */
  buffer: number;
  length: number;
  runs: number[];
}

export interface DedupSlice {
  group: number;
  entries: Float64Array;
  /** A group with a chain: what each entry's packet counted, as (entry, cell, amount) triples (DeferredDedup.watch). */
  counted?: Float64Array;
  /** The cells `counted` names, as `kind/step/reason`. */
  cells?: string[];
}

export type FromWorker =
  /** `share`: output buffers new to the main thread; `forget`: ones the worker let go (outgrown). */
  | { type: 'done'; id: number; slices: ToolSlice[]; dedups: DedupSlice[]; share: Shared[]; forget: number[] }
  | { type: 'stats'; stats: RunStats }
  /** A group split's output refused a link type (a pcap file holds one): said by the main thread. */
  | { type: 'refused'; group: number; tool: number; kept: number; linkType: number }
  | { type: 'failed'; message: string; stack: string | undefined };

/** Numbers for the buffers one side shares, and which receiver has seen which. */
export class BufferIds {
  private readonly ids = new WeakMap<SharedArrayBuffer, number>();
  private next = 0;
  private readonly known: Set<number>[];

  constructor(receivers: number) {
    this.known = Array.from({ length: receivers }, () => new Set<number>());
  }

  /** The buffer's number; queued in `share` the first time `receiver` is sent it. */
  idOf(b: SharedArrayBuffer, receiver: number, share: Shared[]): number {
    let id = this.ids.get(b);
    if (id === undefined) this.ids.set(b, (id = this.next++));
    const k = this.known[receiver];
    if (!k.has(id)) {
      k.add(id);
      share.push({ id, buffer: b });
    }
    return id;
  }

  /** The buffer is gone: receivers forget it. */
  drop(b: SharedArrayBuffer): number | undefined {
    const id = this.ids.get(b);
    if (id === undefined) return undefined;
    this.ids.delete(b);
    for (const k of this.known) k.delete(id);
    return id;
  }
}
