import { CaptureError, CaptureWriter, type OutputFile } from '../capture/index.js';
import { LINKTYPE } from '../../fields/fields.js';

/**
 * One tool's output file. The pcap header's link type comes from the first
 * packet (a pcap file holds one); pcapng takes any mix. A tool that receives
 * nothing still gets a valid, empty capture.
 */
export class ToolOutput {
  private writer: CaptureWriter | undefined;
  packets = 0;
  bytes = 0;

  constructor(
    readonly path: string,
    readonly format: 'pcap' | 'pcapng',
    /** Opened by the run (an OutputSet's, renamed with the others); else opened on the first packet. */
    private readonly output?: OutputFile,
  ) {}

  private open(): CaptureWriter {
    // 1 MiB buffers, three spare: the kernel's copy to disk runs on libuv's pool while packets go on
    this.writer ??= new CaptureWriter(this.path, {
      format: this.format,
      resolution: 'ns',
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
    ifName: string | undefined,
    comment: string | undefined,
  ): boolean {
    const w = this.open();
    let id: number;
    try {
      id = w.interfaceFor(linkType, ifName);
    } catch (e) {
      if (e instanceof CaptureError && e.code === 'link-type-mismatch') return false;
      throw e;
    }
    w.writePacket(id, data, tsSec, tsNsec, wireLen, comment);
    this.packets++;
    this.bytes += data.length;
    return true;
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
