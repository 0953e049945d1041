import { putEditedRecordsFrom } from './edited-records.js';
import { CaptureError } from './errors.js';
import { type Encoder, PcapEncoder, PcapngEncoder } from './encoders.js';
import { FileSink } from './file-sink.js';
import type { OutputFile } from './output-file.js';
import type { CaptureFormat, PacketRecord } from './record.js';

export interface CaptureWriterOptions {
  format: CaptureFormat;
  /** Timestamp resolution; default 'us' for pcap (what every tool reads) and 'ns' for pcapng. */
  resolution?: 'us' | 'ns';
  /** Declares interface 0 up front; otherwise interfaces come from interfaceFor(). */
  linkType?: number;
  /** Snap length written in the headers (default 262144). */
  snapLen?: number;
  /** Write buffer size in bytes (default 256 KiB). */
  bufferSize?: number;
  /** Spare buffers for writes on libuv's thread pool (default 0: synchronous writes); see FileSink. */
  writeBehind?: number;
  /** The caller awaits congestion() between stretches of packets, so a stream (FIFO) writes behind too; see FileSink. */
  paced?: boolean;
  /** The output already opened (an OutputSet's, committed with others); default: `path`, opened here. */
  output?: OutputFile;
}

const DEFAULT_SNAPLEN = 262144;

/** How a pcapng interface is declared, where it differs from the writer's defaults. */
export interface InterfaceOptions {
  snapLen?: number;
  resolution?: 'us' | 'ns';
}

/**
 * Streams packets to a pcap or pcapng file through a large buffer, under a
 * temporary name renamed to `path` by close(). pcapng gets one interface per
 * distinct (link type, name); pcap holds a single link type.
 */
export class CaptureWriter {
  readonly format: CaptureFormat;
  readonly resolution: 'us' | 'ns';
  readonly snapLen: number;
  packetsWritten = 0;
  private readonly sink: FileSink;
  private readonly enc: Encoder;
  private readonly ifaceKeys = new Map<string, number>();
  private readonly ifaceLinkTypes: number[] = [];
  private lastLinkType = -1;
  private lastName: string | undefined;
  private lastId = -1;
  private open = true;
  /** The last reader's buffer edited records came from, and a DataView over it (putEditedRecordsFrom). */
  private sourceBuffer: ArrayBufferLike | undefined = undefined;
  private sourceView: DataView | undefined = undefined;

  constructor(
    readonly path: string,
    options: CaptureWriterOptions,
  ) {
    this.format = options.format;
    this.resolution = options.resolution ?? (options.format === 'pcapng' ? 'ns' : 'us');
    this.snapLen = options.snapLen ?? DEFAULT_SNAPLEN;
    this.sink = new FileSink(options.output ?? path, options.bufferSize, options.writeBehind, options.paced);
    const ns = this.resolution === 'ns';
    this.enc = this.format === 'pcap' ? new PcapEncoder(this.sink, ns) : new PcapngEncoder(this.sink, ns);
    if (options.linkType !== undefined) this.interfaceFor(options.linkType);
  }

  /** Bytes written so far, including what is still buffered. */
  get bytesWritten(): number {
    return this.sink.size;
  }

  /**
   * The interface id to write packets of this link type (and pcapng name)
   * under; declares it if new, with `declare`'s snap length and (pcapng)
   * timestamp resolution where given, else the writer's.
   */
  interfaceFor(linkType: number, name?: string, description?: string, declare?: InterfaceOptions): number {
    if (linkType === this.lastLinkType && name === this.lastName) return this.lastId;
    const id =
      this.format === 'pcap'
        ? this.pcapInterface(linkType)
        : this.pcapngInterface(linkType, name, description, declare);
    this.lastLinkType = linkType;
    this.lastName = name;
    this.lastId = id;
    return id;
  }

  /** The link type a pcap file holds: its first packet's (-1 before that). */
  get pcapLinkType(): number {
    return this.format === 'pcap' && this.ifaceLinkTypes.length ? this.ifaceLinkTypes[0] : -1;
  }

  private pcapInterface(linkType: number): number {
    if (this.ifaceLinkTypes.length === 0) this.declare(linkType, undefined, undefined);
    else if (this.ifaceLinkTypes[0] !== linkType) {
      throw new CaptureError(
        'link-type-mismatch',
        this.path,
        `a pcap file holds one link type: ${this.ifaceLinkTypes[0]} was declared, packet has ${linkType}; write pcapng instead`,
        { packetNumber: this.packetsWritten + 1 },
      );
    }
    return 0;
  }

  private pcapngInterface(
    linkType: number,
    name: string | undefined,
    description: string | undefined,
    declare: InterfaceOptions | undefined,
  ): number {
    const key = `${linkType}\u0000${name ?? ''}\u0000${name === undefined ? 0 : 1}`;
    let id = this.ifaceKeys.get(key);
    if (id === undefined) {
      id = this.declare(linkType, name, description, declare);
      this.ifaceKeys.set(key, id);
    }
    return id;
  }

  private declare(
    linkType: number,
    name: string | undefined,
    description: string | undefined,
    declare?: InterfaceOptions,
  ): number {
    const ns = declare?.resolution ? declare.resolution === 'ns' : this.resolution === 'ns';
    this.enc.interfaceAdded(linkType, declare?.snapLen ?? this.snapLen, name, description, ns);
    this.ifaceLinkTypes.push(linkType);
    return this.ifaceLinkTypes.length - 1;
  }

  /**
   * Appends one packet. `data` is copied, so it may be a view into a reader's
   * buffer. The comment is kept in pcapng only.
   */
  writePacket(
    interfaceId: number,
    data: Uint8Array,
    tsSec: number,
    tsNsec: number,
    wireLen: number = data.length,
    comment?: string,
    /** Inserted after the frame's 12 address bytes as it is written (Encoder.packet). */
    tags?: Uint8Array,
  ): void {
    if (interfaceId >= this.ifaceLinkTypes.length || interfaceId < 0 || !this.open) this.noInterface(interfaceId);
    this.enc.packet(interfaceId, data, tsSec, tsNsec, wireLen, comment, tags);
    this.packetsWritten++;
  }

  /**
   * Appends `packets` records that are already in this file's record layout
   * (a run of pcap records copied as they are, see PacketRecord.verbatim):
   * the n bytes at `start` in `buffer`, with one copy.
   */
  writeRecords(buffer: ArrayBufferLike, start: number, n: number, packets: number): void {
    if (this.ifaceLinkTypes.length === 0 || !this.open) this.noInterface(0);
    const s = this.sink;
    s.reserve(n);
    s.bytes.set(new Uint8Array(buffer, start, n), s.pos);
    s.pos += n;
    this.packetsWritten += packets;
  }

  /**
   * writeRecords() of a run whose records are each written without the
   * `drop` bytes after their addresses, with `tags` there, and cut to `cut`
   * bytes (putEditedRecords): strip's VLAN tags, the tap's mark and a frame
   * cut, without encoding each record; with `offsets`, only the records at
   * those offsets of the n bytes.
   */
  writeEditedRecords(
    buffer: ArrayBufferLike,
    start: number,
    n: number,
    packets: number,
    tags: Uint8Array | undefined,
    cut: number,
    drop = 0,
    /** Each record's header offset from `start` and its own drop (putEditedRecords): records left out between. */
    offsets?: Int32Array,
    drops?: Int32Array,
    /** Each record's bytes before its frame's addresses (putEditedRecords). */
    leads?: Int32Array,
  ): number {
    if (this.ifaceLinkTypes.length === 0 || !this.open) this.noInterface(0);
    const s = this.sink;
    s.reserve(n + (tags === undefined ? 0 : tags.length * packets));
    // one view a reader's buffer, not one a run (the reader keeps its buffer across many chunks)
    if (buffer !== this.sourceBuffer) {
      this.sourceBuffer = buffer;
      this.sourceView = new DataView(buffer);
    }
    const written = putEditedRecordsFrom(
      s.bytes,
      s.view,
      s.pos,
      this.sourceView!,
      start,
      n,
      packets,
      tags,
      cut,
      drop,
      offsets,
      drops,
      leads,
    );
    s.pos += written;
    this.packetsWritten += packets;
    return written;
  }

  /** Copies a record from a reader, keeping its lengths, timestamp, interface and comment. */
  writeRecord(rec: PacketRecord): void {
    const id = this.interfaceFor(rec.linkType, rec.interfaceName);
    this.writePacket(id, rec.data, rec.tsSec, rec.tsNsec, rec.wireLen, rec.comment);
  }

  private noInterface(interfaceId: number): never {
    if (!this.open) throw new CaptureError('closed', this.path, 'the capture writer is already closed');
    throw new CaptureError('bad-interface', this.path, `interface ${interfaceId} was not declared (use interfaceFor)`, {
      packetNumber: this.packetsWritten + 1,
    });
  }

  /** A paced stream's reader is behind: what to await before more packets (FileSink.congestion). */
  congestion(): Promise<void> | undefined {
    return this.sink.congestion();
  }

  /** Resolves when no write-behind write is in flight; close() needs that. */
  drained(): Promise<void> {
    return this.sink.drained();
  }

  /** Finishes the file and gives it its final name. */
  close(): void {
    if (!this.open) return;
    this.open = false;
    // the reader's buffer is not held past the file
    this.sourceBuffer = undefined;
    this.sourceView = undefined;
    // An empty pcap still needs its file header to be a capture at all.
    if (this.format === 'pcap' && this.ifaceLinkTypes.length === 0) this.declare(1, undefined, undefined);
    this.sink.commit();
  }

  /** Removes the temporary file; `path` is untouched. */
  abort(): void {
    this.open = false;
    this.sink.discard();
  }
}
