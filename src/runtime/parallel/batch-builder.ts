import type { BufferLease, PacketRecord } from '../capture/index.js';
import { REC, REC_FIELDS } from './protocol.js';

/** Packets per batch: ~2.5 MB of typical traffic, enough to amortise a message each way. */
export const BATCH_PACKETS = 4096;
/** Read-ahead chunks one batch may hold; bounds memory whatever the packet sizes. */
export const BATCH_LEASES = 4;
/** Bytes copied into a batch's own buffers (records that cannot be leased) before it is sent. */
const SIDE_LIMIT = 4 << 20;
const SIDE_MIN = 256 << 10;

export interface Leaser {
  lease(): BufferLease | undefined;
}

/**
 * Gathers packets for a worker without copying them: each record is named by
 * the shared read-ahead chunk it lies in (held by a lease until the worker is
 * done with it) and its offset there. Records outside shared chunks (a file's
 * first buffer, pipes, records larger than the read-ahead headroom) are copied
 * into shared buffers of the batch's own.
 */
export class BatchBuilder {
  readonly index: Float64Array;
  count = 0;
  readonly buffers: SharedArrayBuffer[] = [];
  /** Per slot: a leased read-ahead chunk (true) or a copy of the batch's own (false). */
  readonly leased: boolean[] = [];
  readonly leases: BufferLease[] = [];
  private lastBuffer: ArrayBufferLike | undefined;
  private lastSlot = -1;
  private side: Uint8Array | undefined;
  private sideSlot = -1;
  private sidePos = 0;
  private sideBytes = 0;
  /** The packets that came with comments (a pcapng input's, rare): [index in the batch, comments]. */
  readonly comments: [number, string][] = [];

  constructor(readonly indexBuffer: SharedArrayBuffer = new SharedArrayBuffer(BATCH_PACKETS * REC_FIELDS * 8)) {
    this.index = new Float64Array(indexBuffer);
  }

  get full(): boolean {
    return this.count >= BATCH_PACKETS || this.leases.length >= BATCH_LEASES || this.sideBytes >= SIDE_LIMIT;
  }

  add(rec: PacketRecord, tap: number, from: Leaser): void {
    const bytes = rec.bytes;
    let slot: number;
    let offset: number;
    if (bytes.buffer === this.lastBuffer) {
      slot = this.lastSlot;
      offset = bytes.byteOffset + rec.dataOffset;
    } else {
      const lease = from.lease();
      if (lease && lease.buffer === bytes.buffer) {
        slot = this.buffers.length;
        this.buffers.push(lease.buffer);
        this.leased.push(true);
        this.leases.push(lease);
        this.lastBuffer = bytes.buffer;
        this.lastSlot = slot;
        offset = bytes.byteOffset + rec.dataOffset;
      } else {
        lease?.release();
        [slot, offset] = this.copy(bytes.subarray(rec.dataOffset, rec.dataOffset + rec.capLen));
      }
    }
    if (rec.comment !== undefined) this.comments.push([this.count, rec.comment]);
    const o = this.count++ * REC_FIELDS;
    const x = this.index;
    x[o + REC.slot] = slot;
    x[o + REC.offset] = offset;
    x[o + REC.capLen] = rec.capLen;
    x[o + REC.wireLen] = rec.wireLen;
    x[o + REC.tsSec] = rec.tsSec;
    x[o + REC.tsNsec] = rec.tsNsec;
    x[o + REC.linkType] = rec.linkType;
    x[o + REC.tap] = tap;
  }

  private copy(data: Uint8Array): [number, number] {
    if (!this.side || this.sidePos + data.length > this.side.length) {
      this.side = new Uint8Array(new SharedArrayBuffer(Math.max(SIDE_MIN, data.length)));
      this.sideSlot = this.buffers.length;
      this.buffers.push(this.side.buffer as SharedArrayBuffer);
      this.leased.push(false);
      this.sidePos = 0;
    }
    const at = this.sidePos;
    this.side.set(data, at);
    this.sidePos += data.length;
    this.sideBytes += data.length;
    return [this.sideSlot, at];
  }

  /** Ends the leases: the worker no longer reads the chunks. */
  releaseAll(): void {
    for (const l of this.leases) l.release();
    this.leases.length = 0;
  }
}
