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
  /** pcapng opt_comment of the packet block (the first, if several). */
  comment: string | undefined;
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
