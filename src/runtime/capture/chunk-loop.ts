import type { CopyRuns } from './record.js';

/** What a pcap reader's records look like, for a loop that walks them in its read chunk. */
export interface PcapRecordFormat {
  readonly linkType: number;
  readonly littleEndian: boolean;
  readonly nanosecond: boolean;
  /** 16 (classic) or 24 (Kuznetzov's). */
  readonly recordHeaderLen: number;
  /** The longest record the reader accepts; a longer one is refused by the per-record path. */
  readonly capMax: number;
  /** RECORD_LAYOUT of the records as a writer would write them (NONE: outputs cannot copy them). */
  readonly layout: number;
  /** Where outputs holding runs of these records register to be flushed before the chunk moves. */
  readonly runs: CopyRuns | undefined;
}

/**
 * A consumer's own loop over the records wholly inside the reader's chunk
 * (the generated packet path, runtime/engine/chunk-loop.ts). PcapReader's
 * readBatch calls it first; a record it leaves (returns at) goes through the
 * reader's per-record path to the consumer's per-record handler, and the
 * loop is called again after it.
 */
export interface ChunkLoop {
  /**
   * Takes the records from `start` on, at most `quota`, none stamped after
   * (untilSec, untilNsec); returns the offset of the first it did not take.
   * `handled` is how many it took.
   */
  run(
    bytes: Uint8Array,
    view: DataView,
    start: number,
    end: number,
    quota: number,
    untilSec: number,
    untilNsec: number,
  ): number;
  readonly handled: number;
}
