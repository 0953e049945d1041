/**
 * A reader hands out one PacketRecord object, overwritten for every packet,
 * so that reading a million packets allocates nothing per packet. Copy what
 * you need to keep: `data` is a view into the reader's buffer and is valid
 * only until the next call into the reader.
 */
export interface PacketRecord {
  /** Captured bytes (length capLen), a view into the read buffer (not made with `views: false`). */
  data: Uint8Array;
  /** The read buffer the captured bytes lie in, and where: data is bytes.subarray(dataOffset, dataOffset + capLen). */
  bytes: Uint8Array;
  dataOffset: number;
  capLen: number;
  /** Length of the packet on the wire (pcap "original length"). */
  wireLen: number;
  /** Seconds since the epoch, an integer. */
  tsSec: number;
  /** Nanoseconds within the second, an integer 0..999999999. */
  tsNsec: number;
  /** LINKTYPE_* of the interface the packet was captured on. */
  linkType: number;
  /** pcapng interface index within its section; always 0 for pcap. */
  interfaceId: number;
  /** pcapng if_name of that interface, when it has one. */
  interfaceName: string | undefined;
  /** 1-based position of the packet in the file. */
  packetNumber: number;
  /** Offset of the record header (pcap) or block (pcapng) in the file. */
  byteOffset: number;
  /** pcapng opt_comment options of the packet block, in order, joined by COMMENT_SEPARATOR (packet-comments.ts). */
  comment: string | undefined;
  /**
   * A RECORD_LAYOUT when the record's own bytes (its header just before
   * `dataOffset`, then its data) are a record of that layout exactly as a
   * writer would write it, so an output may copy them as they are; NONE
   * (or absent) otherwise.
   */
  verbatim?: number;
  /** bytes.buffer, where the reader keeps it beside `bytes` (asking an array for it is a call into V8's C++). */
  buffer?: ArrayBufferLike;
  /** Where an output that defers copying this record's bytes registers (see CopyRuns); set with `verbatim`. */
  runs?: CopyRuns;
}

/** Record layouts a reader can hand on as they are (PacketRecord.verbatim). */
export const RECORD_LAYOUT = {
  NONE: 0,
  /** A classic pcap record, little-endian, microseconds: 16-byte header. */
  PCAP_US_LE: 1,
  /** The same in nanoseconds. */
  PCAP_NS_LE: 2,
} as const;

/** The record header length of the verbatim layouts. */
export const PCAP_RECORD_HEADER = 16;

const NO_BYTES = new Uint8Array(0);

/**
 * The record a reader reuses for every packet. `data` is made on demand from
 * `bytes`, `dataOffset` and `capLen` (readers with `views: false` set only
 * those), at most once a packet: consumers that read packets in place (the
 * generated packet path, outputs copying runs of records) never pay for a
 * view; those that ask for `data` get the same one however often they ask.
 */
export class ReaderRecord implements PacketRecord {
  bytes: Uint8Array = NO_BYTES;
  dataOffset = 0;
  capLen = 0;
  wireLen = 0;
  tsSec = 0;
  tsNsec = 0;
  linkType = 0;
  interfaceId = 0;
  interfaceName: string | undefined = undefined;
  packetNumber = 0;
  byteOffset = 0;
  comment: string | undefined = undefined;
  verbatim = 0;
  /** Set with `bytes` by the reader: the read buffer's ArrayBuffer (FileWindow.buffer; `bytes` starts at its byte 0, always). */
  buffer: ArrayBufferLike = NO_BYTES.buffer;
  runs: CopyRuns | undefined = undefined;
  /** The view last made or set, and the number of the packet it is of (readers number every packet they hand out). */
  private view: Uint8Array = NO_BYTES;
  private viewOf = -1;
  get data(): Uint8Array {
    return this.viewOf === this.packetNumber ? this.view : this.makeView();
  }

  /**
   * A view of the current packet's bytes made by its reader (or a
   * consumer), returned by `data` until the next packet. Readers set
   * packetNumber first.
   */
  set data(v: Uint8Array) {
    this.view = v;
    this.viewOf = this.packetNumber;
  }

  /** Small enough to be inlined where `data` is read: readers keep `buffer` with `bytes`, which starts at its byte 0. */
  private makeView(): Uint8Array {
    const v = new Uint8Array(this.buffer, this.dataOffset, this.capLen);
    this.view = v;
    this.viewOf = this.packetNumber;
    return v;
  }
}

/** An output that may hold a run of records not copied yet (see CopyRuns). */
export interface RunHolder {
  /** Copies its pending run into its own buffer if that run is of records of `runs`' reader. */
  flushRunOf(runs: CopyRuns): void;
}

/**
 * Outputs may keep runs of consecutive records in the reader's buffer and
 * copy each run at once (pcap to pcap, see ToolOutput.writeRecord). They
 * join the reader's CopyRuns once; the reader's window calls flush() before
 * it lets go of bytes it handed out (a refill, a move to the next read-ahead
 * chunk, close), so a run is copied while its bytes are still there.
 */
export class CopyRuns {
  private readonly members: RunHolder[] = [];

  join(h: RunHolder): void {
    if (!this.members.includes(h)) this.members.push(h);
  }

  flush(): void {
    const m = this.members;
    for (let i = 0; i < m.length; i++) m[i].flushRunOf(this);
  }
}

export function emptyRecord(): PacketRecord {
  return {
    data: new Uint8Array(0),
    bytes: new Uint8Array(0),
    dataOffset: 0,
    capLen: 0,
    wireLen: 0,
    tsSec: 0,
    tsNsec: 0,
    linkType: 0,
    interfaceId: 0,
    interfaceName: undefined,
    packetNumber: 0,
    byteOffset: 0,
    comment: undefined,
  };
}

export interface InterfaceInfo {
  /** Index within the section; pcap files have the single interface 0. */
  readonly id: number;
  /** 0-based pcapng section this interface belongs to. */
  readonly section: number;
  readonly linkType: number;
  /** 0 means "no limit" in pcapng. */
  readonly snapLen: number;
  readonly name: string | undefined;
  readonly description: string | undefined;
  /** Timestamp unit: 10^-n seconds, or 2^-n seconds when `tsResolBase` is 2. */
  readonly tsResolExp: number;
  readonly tsResolBase: 2 | 10;
  /** if_tsoffset: seconds added to every timestamp of the interface. */
  readonly tsOffset: number;
}

export type CaptureFormat = 'pcap' | 'pcapng';

/** The record's captured bytes as an array of their own (what `data` is, made from `bytes` and `dataOffset`). */
export function recordFrame(rec: PacketRecord): Uint8Array {
  const b = rec.bytes;
  return new Uint8Array(b.buffer, b.byteOffset + rec.dataOffset, rec.capLen);
}
