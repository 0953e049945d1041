import { CaptureError, endedInFirstHeader } from './errors.js';
import type { FileWindow } from './file-window.js';
import {
  effectiveSnapLen,
  PCAPNG_BLOCK,
  PCAPNG_BYTE_ORDER_MAGIC,
  PCAPNG_BYTE_ORDER_MAGIC_SWAPPED,
  PCAPNG_IF_OPT,
  PCAPNG_OPT,
  PCAPNG_SHB,
} from './magic.js';
import { tsConverter, type TsConverter } from './pcapng-timestamp.js';
import type { InterfaceInfo } from './record.js';
import { addComment } from './packet-comments.js';
import { pcapngContinuation } from './resync.js';
import { ReaderBase, type ReaderOptions } from './source.js';

const BLOCK_NAMES: ReadonlyMap<number, string> = new Map([
  [PCAPNG_SHB, 'section header'],
  [PCAPNG_BLOCK.INTERFACE_DESCRIPTION, 'interface description'],
  [PCAPNG_BLOCK.PACKET, 'obsolete packet'],
  [PCAPNG_BLOCK.SIMPLE_PACKET, 'simple packet'],
  [PCAPNG_BLOCK.NAME_RESOLUTION, 'name resolution'],
  [PCAPNG_BLOCK.INTERFACE_STATISTICS, 'interface statistics'],
  [PCAPNG_BLOCK.ENHANCED_PACKET, 'enhanced packet'],
  [PCAPNG_BLOCK.SYSTEMD_JOURNAL_EXPORT, 'systemd journal export'],
  [PCAPNG_BLOCK.DECRYPTION_SECRETS, 'decryption secrets'],
  [PCAPNG_BLOCK.CUSTOM, 'custom'],
  [PCAPNG_BLOCK.CUSTOM_NO_COPY, 'custom'],
]);

function blockName(type: number): string {
  const name = BLOCK_NAMES.get(type);
  return `pcapng block of type 0x${type.toString(16)}${name ? ` (${name})` : ''}`;
}

/** libpcap's and Wireshark's bound: a longer block is a corrupt length word, not a packet. */
const MAX_BLOCK_LEN = 16 * 1024 * 1024;
/** libpcap's BT_SHB_INSANE_MAX. */
const MAX_SHB_LEN = 1024 * 1024;
/** libpcap's room for a packet block's options, beyond its packet. */
const OPTIONS_ALLOWANCE = 131072;

const utf8 = new TextDecoder('utf-8');

interface Iface extends InterfaceInfo {
  readonly ts: TsConverter;
  /** The longest packet a block of this interface may hold: its snapshot length as libpcap applies it. */
  readonly capMax: number;
  /** The link type's own maximum (capMax is at most this). */
  readonly linkMax: number;
}

/**
 * pcapng: sections (each with its own byte order and interface list),
 * interface descriptions, and enhanced, simple and obsolete packet blocks.
 * Other blocks (name resolution, statistics, secrets, custom) are skipped.
 */
export class PcapngReader extends ReaderBase {
  readonly format = 'pcapng' as const;
  private le = true;
  private section = -1;
  /** Interfaces of the current section, indexed by id. */
  private ifaces: Iface[] = [];
  private readonly allIfaces: Iface[] = [];
  /** Last comment seen: it is cleared per packet only when one was set. */
  private hadComment = false;
  /** Raised, as libpcap does, for link types whose packets may be longer than 16 MiB. */
  private maxBlockLen = MAX_BLOCK_LEN;

  constructor(path: string, win: FileWindow, options: ReaderOptions = {}) {
    super(path, win, options);
    if (!win.ensure(4) || win.view.getUint32(win.start, true) !== PCAPNG_SHB) {
      throw new CaptureError('bad-magic', path, 'not a pcap or pcapng file', { byteOffset: 0 });
    }
    if (!win.ensure(28))
      throw endedInFirstHeader(path, win.available, 'pcapng section header', '28 bytes at least', 'bad-header');
  }

  get interfaces(): readonly InterfaceInfo[] {
    return this.allIfaces;
  }

  protected advance(): boolean {
    const win = this.win;
    for (;;) {
      if (!win.ensure(12))
        return win.available > 0
          ? this.truncated({
              what: 'pcapng block header',
              claim: '',
              bytesNeeded: 12,
              units: 'blocks',
              code: 'bad-block',
            })
          : false;
      let p = win.start;
      const type = win.view.getUint32(p, this.le);
      if (type === PCAPNG_SHB) this.readByteOrder(p);
      const len = win.view.getUint32(p + 4, this.le);
      this.checkLength(type, len);
      if (!win.ensure(len)) {
        const le = this.le;
        return this.truncated({
          what: blockName(type),
          claim: `a length of ${len} bytes`,
          bytesNeeded: len,
          units: 'blocks',
          code: 'bad-block',
          resume: () => pcapngContinuation(win.view, le, win.start + 12, win.end),
        });
      }
      p = win.start;
      const trailer = win.view.getUint32(p + len - 4, this.le);
      if (trailer !== len) {
        this.fail(
          'bad-block',
          `${blockName(type)} has a length of ${len} at its start and ${trailer} at its end: its length is corrupt`,
          win.offset,
        );
      }
      let isPacket = false;
      switch (type) {
        case PCAPNG_BLOCK.ENHANCED_PACKET:
          isPacket = this.enhancedPacket(p, len);
          break;
        case PCAPNG_BLOCK.SIMPLE_PACKET:
          isPacket = this.simplePacket(p, len);
          break;
        case PCAPNG_BLOCK.PACKET:
          isPacket = this.obsoletePacket(p, len);
          break;
        case PCAPNG_BLOCK.INTERFACE_DESCRIPTION:
          this.interfaceDescription(p, len);
          break;
        case PCAPNG_SHB:
          this.sectionHeader(p, len);
          break;
        default:
          break;
      }
      win.start = p + len;
      if (isPacket) return true;
    }
  }

  /** The checks libpcap makes on a block's length before reading it. */
  private checkLength(type: number, len: number): void {
    let why: string | undefined;
    if (len < 12) why = 'below the 12-byte minimum of a block';
    else if ((len & 3) !== 0) why = 'not a multiple of 4';
    else if (type === PCAPNG_SHB && len > MAX_SHB_LEN)
      why = `above the ${MAX_SHB_LEN}-byte maximum of a section header`;
    else if (len > this.maxBlockLen) why = `above the ${this.maxBlockLen}-byte maximum of a block`;
    if (why)
      this.fail(
        'bad-block',
        `${blockName(type)} has a length of ${len}, ${why}: its length is corrupt`,
        this.win.offset,
      );
  }

  private readByteOrder(p: number): void {
    const bom = this.win.view.getUint32(p + 8, true);
    if (bom === PCAPNG_BYTE_ORDER_MAGIC) this.le = true;
    else if (bom === PCAPNG_BYTE_ORDER_MAGIC_SWAPPED) this.le = false;
    else
      this.fail(
        'bad-header',
        `pcapng section header has a bad byte-order magic 0x${bom.toString(16)}`,
        this.win.offset,
      );
  }

  private sectionHeader(p: number, len: number): void {
    if (len < 28) this.fail('bad-header', `pcapng section header too short (${len} bytes)`, this.win.offset);
    const major = this.win.view.getUint16(p + 12, this.le);
    if (major !== 1) this.fail('bad-header', `unsupported pcapng version ${major}`, this.win.offset);
    this.section++;
    this.ifaces = [];
  }

  private interfaceDescription(p: number, len: number): void {
    const dv = this.win.view;
    const le = this.le;
    if (len < 20) this.fail('bad-block', `pcapng interface description too short (${len} bytes)`, this.win.offset);
    let name: string | undefined;
    let description: string | undefined;
    let base: 2 | 10 = 10;
    let exp = 6;
    let tsOffset = 0;
    const end = p + len - 4;
    for (let o = p + 16; o + 4 <= end;) {
      const code = dv.getUint16(o, le);
      const olen = dv.getUint16(o + 2, le);
      const v = o + 4;
      if (code === PCAPNG_OPT.END) break;
      if (v + olen > end) {
        this.warn('bad-option', `interface option ${code} overruns its block`, this.win.offset);
        break;
      }
      if (code === PCAPNG_IF_OPT.NAME) name = this.text(v, olen);
      else if (code === PCAPNG_IF_OPT.DESCRIPTION) description = this.text(v, olen);
      else if (code === PCAPNG_IF_OPT.TSRESOL && olen >= 1) {
        const r = this.win.bytes[v];
        const b: 2 | 10 = r & 0x80 ? 2 : 10;
        const e = r & 0x7f;
        if ((b === 10 && e <= 19) || (b === 2 && e <= 63)) {
          base = b;
          exp = e;
        } else
          this.warn(
            'bad-option',
            `if_tsresol 0x${r.toString(16)} is out of range; using microseconds`,
            this.win.offset,
          );
      } else if (code === PCAPNG_IF_OPT.TSOFFSET && olen >= 8) {
        tsOffset = Number(dv.getBigInt64(v, le));
      }
      o = v + ((olen + 3) & ~3);
    }
    const linkType = dv.getUint16(p + 8, le);
    const snapLen = dv.getUint32(p + 12, le);
    const linkMax = this.capLimit(linkType);
    this.maxBlockLen = Math.max(this.maxBlockLen, 32 + linkMax + OPTIONS_ALLOWANCE);
    const iface: Iface = Object.freeze({
      id: this.ifaces.length,
      section: this.section,
      linkType,
      snapLen,
      name,
      description,
      tsResolExp: exp,
      tsResolBase: base,
      tsOffset,
      ts: tsConverter(base, exp, tsOffset),
      capMax: effectiveSnapLen(snapLen, linkMax),
      linkMax,
    });
    this.ifaces.push(iface);
    this.allIfaces.push(iface);
  }

  private text(at: number, len: number): string {
    let end = at + len;
    // Some writers count a terminating NUL in the option length.
    while (end > at && this.win.bytes[end - 1] === 0) end--;
    return utf8.decode(this.win.bytes.subarray(at, end));
  }

  private iface(id: number): Iface {
    const iface = this.ifaces[id];
    if (iface === undefined) {
      this.fail(
        'bad-interface',
        `packet refers to interface ${id}, but the section declares ${this.ifaces.length}`,
        this.win.offset,
      );
    }
    return iface;
  }

  private enhancedPacket(p: number, len: number): boolean {
    if (len < 32) this.fail('bad-block', `enhanced packet block too short (${len} bytes)`, this.win.offset);
    const dv = this.win.view;
    const le = this.le;
    return this.packet(p, len, dv.getUint32(p + 8, le), dv.getUint32(p + 12, le), dv.getUint32(p + 16, le), p + 20);
  }

  private obsoletePacket(p: number, len: number): boolean {
    if (len < 32) this.fail('bad-block', `obsolete packet block too short (${len} bytes)`, this.win.offset);
    const dv = this.win.view;
    const le = this.le;
    return this.packet(p, len, dv.getUint16(p + 8, le), dv.getUint32(p + 12, le), dv.getUint32(p + 16, le), p + 20);
  }

  /** EPB and OPB share their layout from the timestamp on: caplen, wire length, data, options. */
  private packet(p: number, len: number, ifid: number, hi: number, lo: number, lens: number): boolean {
    const win = this.win;
    const dv = win.view;
    const iface = this.iface(ifid);
    const capLen = dv.getUint32(lens, this.le);
    const dataAt = lens + 8;
    const optionsAt = dataAt + ((capLen + 3) & ~3);
    const end = p + len - 4;
    if (capLen > iface.capMax) {
      const limit =
        capLen > iface.linkMax
          ? `the ${iface.linkMax}-byte maximum for link type ${iface.linkType}`
          : `interface ${ifid}'s snapshot length of ${iface.capMax}`;
      this.fail(
        'bad-record',
        `packet claims ${capLen} captured bytes, more than ${limit}: its length is corrupt`,
        win.offset,
      );
    }
    if (optionsAt > end) this.fail('bad-block', `packet caplen ${capLen} overruns its ${len}-byte block`, win.offset);
    const rec = this.rec;
    iface.ts.convert(hi, lo, rec);
    rec.wireLen = dv.getUint32(lens + 4, this.le);
    this.fill(iface, dataAt, capLen);
    if (optionsAt < end || this.hadComment) this.comment(optionsAt, end);
    return true;
  }

  private simplePacket(p: number, len: number): boolean {
    if (len < 16) this.fail('bad-block', `simple packet block too short (${len} bytes)`, this.win.offset);
    const iface = this.iface(0);
    const rec = this.rec;
    const wireLen = this.win.view.getUint32(p + 8, this.le);
    // the simple packet block has no caplen: what fits, up to the snapshot length (as libpcap reads it)
    const capLen = Math.min(wireLen, len - 16, iface.capMax);
    rec.tsSec = 0;
    rec.tsNsec = 0;
    rec.wireLen = wireLen;
    this.fill(iface, p + 12, capLen);
    if (this.hadComment) this.comment(0, 0);
    return true;
  }

  private fill(iface: Iface, dataAt: number, capLen: number): void {
    const rec = this.rec;
    rec.byteOffset = this.win.offset;
    rec.capLen = capLen;
    rec.bytes = this.win.bytes;
    rec.buffer = this.win.buffer;
    rec.dataOffset = dataAt;
    rec.linkType = iface.linkType;
    rec.interfaceId = iface.id;
    rec.interfaceName = iface.name;
    // the number first: it says which packet `data` is of; views: false: `data` is made if someone asks (ReaderRecord)
    rec.packetNumber = ++this.packetsRead;
    if (this.views) rec.data = new Uint8Array(this.win.buffer, dataAt, capLen);
  }

  private comment(from: number, end: number): void {
    const dv = this.win.view;
    const le = this.le;
    let comment: string | undefined;
    for (let o = from; o + 4 <= end;) {
      const code = dv.getUint16(o, le);
      const olen = dv.getUint16(o + 2, le);
      if (code === PCAPNG_OPT.END) break;
      if (o + 4 + olen > end) {
        this.warn('bad-option', `packet option ${code} overruns its block`, this.win.offset);
        break;
      }
      if (code === PCAPNG_OPT.COMMENT) comment = addComment(comment, this.text(o + 4, olen));
      o += 4 + ((olen + 3) & ~3);
    }
    this.rec.comment = comment;
    this.hadComment = comment !== undefined;
  }
}
