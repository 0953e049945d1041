import {
  PCAP_MAGIC_NS,
  PCAP_MAGIC_US,
  PCAP_VERSION_MAJOR,
  PCAP_VERSION_MINOR,
  PCAPNG_BLOCK,
  PCAPNG_BYTE_ORDER_MAGIC,
  PCAPNG_IF_OPT,
  PCAPNG_OPT,
  PCAPNG_SHB,
  PCAPNG_SHB_OPT,
  PCAPNG_VERSION_MAJOR,
  PCAPNG_VERSION_MINOR,
} from './magic.js';
import { COMMENT_SEPARATOR } from './packet-comments.js';
import { splitTimestamp } from './pcapng-timestamp.js';

/**
 * Where encoders write: they reserve room, write into `bytes` through `view`,
 * then advance `pos`. A FileSink (a file) or a GrowBuffer (memory).
 */
export interface EncodeTarget {
  bytes: Uint8Array;
  view: DataView;
  pos: number;
  reserve(n: number): void;
}

/** Both formats are written little-endian, whatever the input was. */
export interface Encoder {
  /** Declares the next interface; `nanosecond` (pcapng) its timestamp resolution, else the encoder's. */
  interfaceAdded(
    linkType: number,
    snapLen: number,
    name: string | undefined,
    description: string | undefined,
    nanosecond?: boolean,
  ): void;
  packet(
    ifid: number,
    data: Uint8Array,
    tsSec: number,
    tsNsec: number,
    wireLen: number,
    comment: string | undefined,
    /** Bytes inserted after the frame's 12 address bytes as it is written (the tap's VLAN tags): no copy of the frame first. */
    tags?: Uint8Array,
  ): void;
}

/**
 * bytes[o, ...) = data with `tags` inserted after its 12 address bytes
 * (data is at least 14 bytes long). The frame goes in with one bulk copy,
 * shifted by the tags' length; its addresses and the tags then overwrite the
 * head, so no view of the frame's tail is allocated.
 */
function putTagged(bytes: Uint8Array, o: number, data: Uint8Array, tags: Uint8Array): void {
  const n = tags.length;
  bytes.set(data, o + n);
  for (let i = 0; i < 12; i++) bytes[o + i] = data[i];
  for (let i = 0; i < n; i++) bytes[o + 12 + i] = tags[i];
}

export class PcapEncoder implements Encoder {
  constructor(
    private readonly sink: EncodeTarget,
    private readonly nanosecond: boolean,
  ) {}

  interfaceAdded(linkType: number, snapLen: number): void {
    const s = this.sink;
    s.reserve(24);
    const dv = s.view;
    const p = s.pos;
    dv.setUint32(p, this.nanosecond ? PCAP_MAGIC_NS : PCAP_MAGIC_US, true);
    dv.setUint16(p + 4, PCAP_VERSION_MAJOR, true);
    dv.setUint16(p + 6, PCAP_VERSION_MINOR, true);
    dv.setInt32(p + 8, 0, true);
    dv.setUint32(p + 12, 0, true);
    dv.setUint32(p + 16, snapLen, true);
    dv.setUint32(p + 20, linkType, true);
    s.pos = p + 24;
  }

  packet(
    _ifid: number,
    data: Uint8Array,
    tsSec: number,
    tsNsec: number,
    wireLen: number,
    _comment?: string,
    tags?: Uint8Array,
  ): void {
    const s = this.sink;
    const capLen = tags === undefined ? data.length : data.length + tags.length;
    s.reserve(16 + capLen);
    const dv = s.view;
    const p = s.pos;
    dv.setUint32(p, tsSec, true);
    // two call sites, not a ternary in one: a ternary whose branch never ran sent every
    // setUint32 to V8's slow builtin (~130 instructions a packet, measured under callgrind)
    if (this.nanosecond) dv.setUint32(p + 4, tsNsec, true);
    else dv.setUint32(p + 4, (tsNsec / 1000) | 0, true);
    dv.setUint32(p + 8, capLen, true);
    dv.setUint32(p + 12, wireLen, true);
    if (tags === undefined) s.bytes.set(data, p + 16);
    else putTagged(s.bytes, p + 16, data, tags);
    s.pos = p + 16 + capLen;
  }
}

const encoder = new TextEncoder();
const USER_APPL = encoder.encode('tmesc');

function pad4(n: number): number {
  return (n + 3) & ~3;
}

export class PcapngEncoder implements Encoder {
  private readonly split = { hi: 0, lo: 0 };
  /** Per interface id: timestamps in nanoseconds (if_tsresol 9), else microseconds (the default, no option). */
  private readonly ifNs: boolean[] = [];

  constructor(
    private readonly sink: EncodeTarget,
    private readonly nanosecond: boolean,
    /** False where blocks are encoded to be placed in a file later (worker threads), after a header written elsewhere. */
    withSectionHeader = true,
  ) {
    if (withSectionHeader) this.sectionHeader();
  }

  /** The section header block that starts the file. */
  sectionHeader(): void {
    const s = this.sink;
    const len = 28 + 4 + pad4(USER_APPL.length) + 4;
    s.reserve(len);
    const dv = s.view;
    const p = s.pos;
    dv.setUint32(p, PCAPNG_SHB, true);
    dv.setUint32(p + 4, len, true);
    dv.setUint32(p + 8, PCAPNG_BYTE_ORDER_MAGIC, true);
    dv.setUint16(p + 12, PCAPNG_VERSION_MAJOR, true);
    dv.setUint16(p + 14, PCAPNG_VERSION_MINOR, true);
    // Section length -1: unknown, we stream.
    dv.setInt32(p + 16, -1, true);
    dv.setInt32(p + 20, -1, true);
    let o = p + 24;
    o = this.option(o, PCAPNG_SHB_OPT.USER_APPL, USER_APPL);
    o = this.endOfOptions(o);
    dv.setUint32(o, len, true);
    s.pos = p + len;
  }

  interfaceAdded(
    linkType: number,
    snapLen: number,
    name: string | undefined,
    description: string | undefined,
    nanosecond = this.nanosecond,
  ): void {
    const nameBytes = name === undefined ? undefined : encoder.encode(name);
    const descBytes = description === undefined ? undefined : encoder.encode(description);
    let len = 20 + 4;
    if (nameBytes) len += 4 + pad4(nameBytes.length);
    if (descBytes) len += 4 + pad4(descBytes.length);
    if (nanosecond) len += 8;
    const s = this.sink;
    s.reserve(len);
    const dv = s.view;
    const p = s.pos;
    dv.setUint32(p, PCAPNG_BLOCK.INTERFACE_DESCRIPTION, true);
    dv.setUint32(p + 4, len, true);
    dv.setUint16(p + 8, linkType, true);
    dv.setUint16(p + 10, 0, true);
    dv.setUint32(p + 12, snapLen, true);
    let o = p + 16;
    if (nameBytes) o = this.option(o, PCAPNG_IF_OPT.NAME, nameBytes);
    if (descBytes) o = this.option(o, PCAPNG_IF_OPT.DESCRIPTION, descBytes);
    if (nanosecond) o = this.option(o, PCAPNG_IF_OPT.TSRESOL, TSRESOL_NS);
    o = this.endOfOptions(o);
    dv.setUint32(o, len, true);
    s.pos = p + len;
    this.ifNs.push(nanosecond);
  }

  /**
   * For blocks encoded to be placed in a file later (worker threads), under
   * interfaces another encoder declares: the resolution of each interface id.
   */
  interfacesDeclaredElsewhere(nanosecond: readonly boolean[]): void {
    this.ifNs.length = 0;
    this.ifNs.push(...nanosecond);
  }

  packet(
    ifid: number,
    data: Uint8Array,
    tsSec: number,
    tsNsec: number,
    wireLen: number,
    comment: string | undefined,
    tags?: Uint8Array,
  ): void {
    const s = this.sink;
    const capLen = tags === undefined ? data.length : data.length + tags.length;
    const padded = pad4(capLen);
    // UTF-8 takes at most 3 bytes per UTF-16 unit; an option holds at most 65535.
    // per option a 4-byte header, 3 bytes per UTF-16 unit, 3 of padding; options <= units + 1; then the end option
    const commentRoom = comment === undefined ? 0 : 11 + comment.length * 10;
    s.reserve(32 + padded + commentRoom);
    const dv = s.view;
    const bytes = s.bytes;
    const p = s.pos;
    const split = this.split;
    if (this.ifNs[ifid] ?? this.nanosecond) splitTimestamp(tsSec, tsNsec, 1e9, split);
    else splitTimestamp(tsSec, (tsNsec / 1000) | 0, 1e6, split);
    dv.setUint32(p, PCAPNG_BLOCK.ENHANCED_PACKET, true);
    dv.setUint32(p + 8, ifid, true);
    dv.setUint32(p + 12, split.hi, true);
    dv.setUint32(p + 16, split.lo, true);
    dv.setUint32(p + 20, capLen, true);
    dv.setUint32(p + 24, wireLen, true);
    if (tags === undefined) bytes.set(data, p + 28);
    else putTagged(bytes, p + 28, data, tags);
    let o = p + 28 + capLen;
    for (; o < p + 28 + padded; o++) bytes[o] = 0;
    if (comment !== undefined) {
      // several comments (packet-comments.ts): one option each
      for (let from = 0; ;) {
        const at = comment.indexOf(COMMENT_SEPARATOR, from);
        const one = at < 0 ? (from === 0 ? comment : comment.slice(from)) : comment.slice(from, at);
        const written = encoder.encodeInto(one, bytes.subarray(o + 4, o + 4 + Math.min(one.length * 3, 65532))).written;
        dv.setUint16(o, PCAPNG_OPT.COMMENT, true);
        dv.setUint16(o + 2, written, true);
        o += 4 + written;
        for (; (o & 3) !== 0; o++) bytes[o] = 0;
        if (at < 0) break;
        from = at + 1;
      }
      o = this.endOfOptions(o);
    }
    const len = o + 4 - p;
    dv.setUint32(p + 4, len, true);
    dv.setUint32(o, len, true);
    s.pos = p + len;
  }

  private option(o: number, code: number, value: Uint8Array): number {
    const dv = this.sink.view;
    dv.setUint16(o, code, true);
    dv.setUint16(o + 2, value.length, true);
    this.sink.bytes.set(value, o + 4);
    const end = o + 4 + pad4(value.length);
    for (let i = o + 4 + value.length; i < end; i++) this.sink.bytes[i] = 0;
    return end;
  }

  private endOfOptions(o: number): number {
    this.sink.view.setUint32(o, PCAPNG_OPT.END, true);
    return o + 4;
  }
}

const TSRESOL_NS = Uint8Array.of(9);
