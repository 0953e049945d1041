import { CaptureWriter, type OutputFile } from '../capture/index.js';
import { LINKTYPE } from '../../fields/fields.js';
import type { OutputSpec } from './output-spec.js';

/**
 * One tool's output file. A pcap file holds one link type, its first
 * packet's; packets of another are refused (the caller counts them). A
 * pcapng file declares an interface per tap and link type, named after the
 * tap, so it loses nothing. A tool that receives nothing still gets a valid,
 * empty capture.
 */
export class ToolOutput {
  private writer: CaptureWriter | undefined;
  readonly path: string;
  packets = 0;
  bytes = 0;
  /** pcapng interface ids by tap * 65536 + link type. */
  private readonly ids = new Map<number, number>();
  /** Per tap, the link type of its last packet and the interface it went under (-1: refused): taps interleave. */
  private readonly lastLinkType: Int32Array;
  private readonly lastId: Int32Array;

  constructor(
    private readonly spec: OutputSpec,
    /** Opened by the run (an OutputSet's, renamed with the others); else opened on the first packet. */
    private readonly output?: OutputFile,
  ) {
    this.path = spec.path;
    this.lastLinkType = new Int32Array(spec.taps.length).fill(-1);
    this.lastId = new Int32Array(spec.taps.length);
  }

  /**
   * The timestamp resolution of the file, in ns: a pcap file's, a pcapng
   * file's coarsest interface (each tap's keeps its own).
   */
  get resolutionNs(): number {
    const ns = this.spec.format === 'pcap' ? this.spec.nanosecond : this.spec.taps.every((t) => t.nanosecond);
    return ns ? 1 : 1000;
  }

  /** The link type a pcap output holds (its first packet's), -1 before the first packet or for pcapng. */
  get linkType(): number {
    return this.writer?.pcapLinkType ?? -1;
  }

  private open(): CaptureWriter {
    // 1 MiB buffers, three spare: the kernel's copy to disk runs on libuv's pool while packets go on
    this.writer ??= new CaptureWriter(this.path, {
      format: this.spec.format,
      // pcapng: each tap's interface says its own (interfaceOf)
      resolution: this.spec.format === 'pcap' && this.spec.nanosecond ? 'ns' : 'us',
      bufferSize: 1 << 20,
      writeBehind: 3,
      output: this.output,
    });
    return this.writer;
  }

  /** Writes a packet; returns false (and writes nothing) when a pcap file cannot hold its link type. */
  write(
    data: Uint8Array,
    tsSec: number,
    tsNsec: number,
    wireLen: number,
    linkType: number,
    tap: number,
    comment: string | undefined,
    tags?: Uint8Array,
  ): boolean {
    const w = this.writer ?? this.open();
    let id: number;
    if (this.lastLinkType[tap] === linkType) id = this.lastId[tap];
    else {
      id = this.interfaceOf(w, linkType, tap);
      this.lastLinkType[tap] = linkType;
      this.lastId[tap] = id;
    }
    if (id < 0) return false;
    w.writePacket(id, data, tsSec, tsNsec, wireLen, comment, tags);
    this.packets++;
    this.bytes += tags === undefined ? data.length : data.length + tags.length;
    return true;
  }

  /** write() with `tags` inserted after the frame's 12 address bytes as it is written (PacketOutput.writeTagged). */
  writeTagged(
    data: Uint8Array,
    tags: Uint8Array,
    tsSec: number,
    tsNsec: number,
    wireLen: number,
    linkType: number,
    tap: number,
    comment: string | undefined,
  ): boolean {
    return this.write(data, tsSec, tsNsec, wireLen, linkType, tap, comment, tags);
  }

  /** The interface to write under; -1 when a pcap file holds another link type. */
  private interfaceOf(w: CaptureWriter, linkType: number, tap: number): number {
    if (this.spec.format === 'pcap') {
      const held = w.pcapLinkType;
      if (held < 0) return w.interfaceFor(linkType);
      return held === linkType ? 0 : -1;
    }
    const key = tap * 65536 + linkType;
    let id = this.ids.get(key);
    if (id === undefined) {
      const t = this.spec.taps[tap];
      id = w.interfaceFor(linkType, t.name, undefined, {
        snapLen: t.snapLen,
        resolution: t.nanosecond ? 'ns' : 'us',
      });
      this.ids.set(key, id);
    }
    return id;
  }

  async close(): Promise<void> {
    const w = this.open();
    if (this.packets === 0) w.interfaceFor(LINKTYPE.ETHERNET);
    await w.drained();
    w.close();
  }

  abort(): void {
    if (this.writer) this.writer.abort();
    else this.output?.discard();
  }
}
