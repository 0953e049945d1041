import { LINKTYPE } from '../../fields/fields.js';
import { PcapEncoder, PcapngEncoder } from '../capture/encoders.js';
import { CaptureError, ioError } from '../capture/errors.js';
import { GrowBuffer } from '../capture/grow-buffer.js';
import { OutputFile } from '../capture/output-file.js';
import type { OutputSpec } from '../output/output-spec.js';
import { RUN, RUN_FIELDS } from './protocol.js';

const SNAPLEN = 262144;

/** A record append() leaves out (a duplicate): start, length, data bytes, whether its comments were counted lost. */
export const SKIP_FIELDS = 4;

/** What a commit takes back from the workers' counts: packets of a link type the file could not hold. */
export interface Refusal {
  linkType: number;
  packets: number;
  bytes: number;
  /** Of those, the packets that came with comments (counted lost by the workers: PacketOutput.dropsComments). */
  commentsLost: number;
}

/**
 * A tool's output file as the main thread assembles it from the workers'
 * slices, in batch order. The slices' bytes are written where they lie (the
 * workers' shared buffers), at their offset in the file, on libuv's pool; a
 * slice's buffer goes back to its worker once its writes have landed.
 *
 * What a worker cannot know is settled here: the file header (a pcap file's
 * link type is its first packet's), pcapng interface blocks (one per tap and
 * link type, in the order they first come) and the interface number in each
 * packet block, and runs a pcap file cannot hold.
 */
export class OrderedOutput {
  readonly path: string;
  readonly format: 'pcap' | 'pcapng';
  private readonly spec: OutputSpec;
  private readonly file: OutputFile;
  /** File offset where the next bytes go. */
  private at = 0;
  private pcapLinkType = -1;
  private readonly interfaces = new Map<number, number>();
  private readonly header = new GrowBuffer(256);
  private readonly pcapEnc: PcapEncoder | undefined;
  private readonly ngEnc: PcapngEncoder | undefined;
  private inFlight = 0;
  private failure: { error: unknown; offset: number } | undefined;
  private drainWaiters: (() => void)[] = [];

  /** `file`: the output opened by the caller (an OutputSet's), else opened here. */
  constructor(spec: OutputSpec, file?: OutputFile) {
    this.spec = spec;
    this.path = spec.path;
    this.format = spec.format;
    this.file = file ?? OutputFile.open(spec.path);
    if (this.format === 'pcap') this.pcapEnc = new PcapEncoder(this.header, spec.nanosecond);
    else {
      this.ngEnc = new PcapngEncoder(this.header, false, false);
      this.ngEnc.sectionHeader();
      this.flushHeader();
    }
  }

  /** The link type a pcap output holds (its first packet's), -1 before the first packet or for pcapng. */
  get linkType(): number {
    return this.pcapLinkType;
  }

  /**
   * Appends a worker's slice: each run goes out unless a pcap file cannot hold
   * its link type (refused, returned for the counters). `skip` lists records
   * to leave out (duplicates) as [start, length, data bytes, comment lost]
   * (SKIP_FIELDS) in order.
   * `landed` is called once per write issued, when it completes.
   */
  append(
    bytes: Uint8Array,
    runs: readonly number[],
    skip: readonly number[],
    landed: () => void,
  ): { writes: number; refused: Refusal[] } {
    let writes = 0;
    const refused: Refusal[] = [];
    let k = 0;
    for (let r = 0; r < runs.length; r += RUN_FIELDS) {
      const linkType = runs[r + RUN.linkType];
      const tap = runs[r + RUN.tap];
      const start = runs[r + RUN.start];
      const end = runs[r + RUN.end];
      const k0 = k;
      let skippedData = 0;
      let skippedLost = 0;
      for (; k < skip.length && skip[k] < end; k += SKIP_FIELDS) {
        skippedData += skip[k + 2];
        skippedLost += skip[k + 3];
      }
      const live = runs[r + RUN.packets] - (k - k0) / SKIP_FIELDS;
      if (live === 0) continue;
      if (this.format === 'pcap') {
        if (this.pcapLinkType < 0) {
          // a stripping group's file is Ethernet whatever comes first
          this.pcapLinkType = this.spec.linkType ?? linkType;
          this.pcapEnc!.interfaceAdded(this.pcapLinkType, SNAPLEN);
          writes += this.flushHeader(landed);
        }
        if (linkType !== this.pcapLinkType) {
          // a duplicate's lost comment is taken back with it (run-parallel's duplicates), not here too
          refused.push({
            linkType,
            packets: live,
            bytes: runs[r + RUN.bytes] - skippedData,
            commentsLost: runs[r + RUN.commentsLost] - skippedLost,
          });
          continue;
        }
      } else {
        const key = tap * 65536 + linkType;
        let id = this.interfaces.get(key);
        if (id === undefined) {
          id = this.interfaces.size;
          this.interfaces.set(key, id);
          const t = this.spec.taps[tap];
          this.ngEnc!.interfaceAdded(linkType, t.snapLen, t.name, undefined, t.nanosecond);
          writes += this.flushHeader(landed);
        }
        // workers number each packet block's interface by its tap
        if (id !== tap) {
          const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
          for (let p = start; p < end; p += dv.getUint32(p + 4, true)) dv.setUint32(p + 8, id, true);
        }
      }
      let from = start;
      for (let j = k0; j < k; j += SKIP_FIELDS) {
        if (skip[j] > from) writes += this.put(bytes, from, skip[j] - from, landed);
        from = skip[j] + skip[j + 1];
      }
      if (end > from) writes += this.put(bytes, from, end - from, landed);
    }
    return { writes, refused };
  }

  private flushHeader(landed?: () => void): number {
    const h = this.header;
    if (h.pos === 0) return 0;
    const copy = h.bytes.slice(0, h.pos);
    h.reset();
    return this.put(copy, 0, copy.length, landed);
  }

  private put(buf: Uint8Array, off: number, len: number, landed: (() => void) | undefined): number {
    this.requireOpen();
    const at = this.at;
    this.at += len;
    this.inFlight++;
    // a file takes the writes at their offsets; a FIFO or device in order, one at a time
    this.file.write(buf, off, len, at, (err) => {
      this.inFlight--;
      if (err) this.failure ??= { error: err, offset: at };
      landed?.();
      if (this.inFlight === 0) {
        const w = this.drainWaiters;
        this.drainWaiters = [];
        for (const f of w) f();
      }
    });
    return landed ? 1 : 0;
  }

  private requireOpen(): void {
    if (!this.file.isOpen) throw new CaptureError('closed', this.path, 'the capture writer is already closed');
    if (this.failure) throw ioError(this.path, 'write failed', this.failure.error, this.failure.offset);
  }

  drained(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  /** Finishes the file (an empty pcap still gets its header) and renames it into place (or leaves that to its OutputSet). */
  async close(): Promise<void> {
    if (this.format === 'pcap' && this.pcapLinkType < 0) {
      this.pcapLinkType = LINKTYPE.ETHERNET;
      this.pcapEnc!.interfaceAdded(LINKTYPE.ETHERNET, SNAPLEN);
      this.flushHeader();
    } else if (this.format === 'pcapng' && this.interfaces.size === 0) {
      this.interfaces.set(-1, 0);
      this.ngEnc!.interfaceAdded(LINKTYPE.ETHERNET, SNAPLEN, undefined, undefined);
      this.flushHeader();
    }
    await this.drained();
    try {
      this.requireOpen();
    } catch (e) {
      this.file.discard();
      throw e;
    }
    this.file.commit();
  }

  /** Drops the temporary file once no write is in flight; `path` is left as it was. */
  abort(): void {
    if (!this.file.isOpen) return;
    const drop = () => this.file.discard();
    if (this.inFlight > 0) this.drainWaiters.push(drop);
    else drop();
  }
}
