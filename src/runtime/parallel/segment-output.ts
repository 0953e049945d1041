import { type Encoder, PcapEncoder, PcapngEncoder } from '../capture/encoders.js';
import { GrowBuffer } from '../capture/grow-buffer.js';
import type { PacketOutput } from '../engine/pipeline.js';
import type { DeferredDedup } from './deferred-dedup.js';
import type { OutputSpec } from '../output/output-spec.js';

/** Output buffers a worker fills: a batch's share of one tool fits, usually; doubled for one that does not. */
export const SLICE_BUFFER = 4 << 20;

/** A tool's share of a batch as the worker has it; see ToolSlice for what crosses to the main thread. */
export interface LocalSlice {
  group: number;
  tool: number;
  buffer: SharedArrayBuffer;
  length: number;
  runs: number[];
  /** The buffer the batch started in, when it had to be outgrown (the worker forgets it). */
  outgrown: SharedArrayBuffer | undefined;
}

/**
 * A tool's share of one batch, encoded in a worker: the records as they will
 * sit in the file, but no file header, and pcapng packets under their tap's
 * number as interface id. What depends on the packets before (the pcap
 * header's link type, pcapng interface numbers, duplicates) is settled by the
 * main thread at commit, so every write succeeds here and runs of one tap and
 * link type are noted for it.
 */
export class SegmentOutput implements PacketOutput {
  readonly path: string;
  private readonly sink: GrowBuffer;
  private readonly enc: Encoder;
  private runs: number[] = [];
  private runLinkType = -1;
  private runTap = -1;
  private runStart = 0;
  private runPackets = 0;
  private runBytes = 0;
  private runCommentsLost = 0;
  /** A pcap file has no place for comments (PacketOutput.dropsComments). */
  readonly dropsComments: boolean;
  private started: SharedArrayBuffer;

  constructor(
    spec: OutputSpec,
    private readonly group: number,
    private readonly tool: number,
    private readonly dedup: DeferredDedup | undefined,
    private readonly buffers: SharedArrayBuffer[],
  ) {
    this.path = spec.path;
    this.dropsComments = spec.format === 'pcap';
    const first = this.freshBuffer();
    this.started = first.buffer as SharedArrayBuffer;
    this.sink = new GrowBuffer(first, true);
    if (spec.format === 'pcap') this.enc = new PcapEncoder(this.sink, spec.nanosecond);
    else {
      const enc = new PcapngEncoder(this.sink, false, false);
      enc.interfacesDeclaredElsewhere(spec.taps.map((t) => t.nanosecond));
      this.enc = enc;
    }
  }

  private freshBuffer(): Uint8Array {
    return new Uint8Array(this.buffers.pop() ?? new SharedArrayBuffer(SLICE_BUFFER));
  }

  write(
    data: Uint8Array,
    tsSec: number,
    tsNsec: number,
    wireLen: number,
    linkType: number,
    tap: number,
    comment: string | undefined,
  ): boolean {
    const s = this.sink;
    if (linkType !== this.runLinkType || tap !== this.runTap) this.endRun(linkType, tap);
    const start = s.pos;
    this.enc.packet(tap, data, tsSec, tsNsec, wireLen, comment);
    this.runPackets++;
    this.runBytes += data.length;
    this.dedup?.placed(this.tool, start, s.pos - start, data.length);
    return true;
  }

  /**
   * The packet just written came with comments this output did not keep:
   * the run says how many, for the main thread to take them back from the
   * counts with the run if the file refuses it (and a duplicate's).
   */
  commentLost(): void {
    this.runCommentsLost++;
    this.dedup?.commentLost();
  }

  private endRun(linkType: number, tap: number): void {
    if (this.runPackets > 0)
      this.runs.push(
        this.runLinkType,
        this.runTap,
        this.runStart,
        this.sink.pos,
        this.runPackets,
        this.runBytes,
        this.runCommentsLost,
      );
    this.runLinkType = linkType;
    this.runTap = tap;
    this.runStart = this.sink.pos;
    this.runPackets = 0;
    this.runBytes = 0;
    this.runCommentsLost = 0;
  }

  /** The batch's share (undefined if nothing was written), then a fresh buffer for the next batch. */
  take(): LocalSlice | undefined {
    this.endRun(-1, -1);
    if (this.runs.length === 0) return undefined;
    const buffer = this.sink.bytes.buffer as SharedArrayBuffer;
    const slice: LocalSlice = {
      group: this.group,
      tool: this.tool,
      buffer,
      length: this.sink.pos,
      runs: this.runs,
      outgrown: buffer === this.started ? undefined : this.started,
    };
    this.runs = [];
    const next = this.freshBuffer();
    this.started = next.buffer as SharedArrayBuffer;
    this.sink.reset(next);
    return slice;
  }
}
