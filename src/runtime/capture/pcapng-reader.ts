import { CaptureError } from './errors.js';
import type { FileWindow } from './file-window.js';
import {
  PCAPNG_BLOCK,
  PCAPNG_BYTE_ORDER_MAGIC,
  PCAPNG_BYTE_ORDER_MAGIC_SWAPPED,
  PCAPNG_IF_OPT,
  PCAPNG_OPT,
  PCAPNG_SHB,
} from './magic.js';
import { tsConverter, type TsConverter } from './pcapng-timestamp.js';
import type { InterfaceInfo } from './record.js';
import { ReaderBase, type ReaderOptions } from './source.js';

/** Wireshark's bound too: a longer block is a corrupt length word, not a packet. */
const MAX_BLOCK_LEN = 16 * 1024 * 1024;

const utf8 = new TextDecoder('utf-8');

interface Iface extends InterfaceInfo {
  readonly ts: TsConverter;
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

  constructor(path: string, win: FileWindow, options: ReaderOptions = {}) {
    super(path, win, options);
    if (!win.ensure(4) || win.view.getUint32(win.start, true) !== PCAPNG_SHB) {
      throw new CaptureError('bad-magic', path, 'not a pcap or pcapng file', { byteOffset: 0 });
    }
    if (!win.ensure(28))
      throw new CaptureError('bad-header', path, 'truncated pcapng section header', { byteOffset: 0 });
  }

  get interfaces(): readonly InterfaceInfo[] {
    return this.allIfaces;
  }

  protected advance(): boolean {
    const win = this.win;
    for (;;) {
      if (!win.ensure(12)) return win.available > 0 ? this.truncated('block header') : false;
      let p = win.start;
      const type = win.view.getUint32(p, this.le);
      if (type === PCAPNG_SHB) this.readByteOrder(p);
      const len = win.view.getUint32(p + 4, this.le);
      if (len < 12 || (len & 3) !== 0 || len > MAX_BLOCK_LEN) {
        this.fail('bad-block', `pcapng block of type 0x${type.toString(16)} has an invalid length ${len}`, win.offset);
      }
      if (!win.ensure(len)) return this.truncated(`pcapng block of type 0x${type.toString(16)}`);
      p = win.start;
      const trailer = win.view.getUint32(p + len - 4, this.le);
      if (trailer !== len) {
        this.fail('bad-block', `pcapng block lengths differ (${len} at the start, ${trailer} at the end)`, win.offset);
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
    const iface: Iface = Object.freeze({
      id: this.ifaces.length,
      section: this.section,
      linkType: dv.getUint16(p + 8, le),
      snapLen: dv.getUint32(p + 12, le),
      name,
      description,
      tsResolExp: exp,
      tsResolBase: base,
      tsOffset,
      ts: tsConverter(base, exp, tsOffset),
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
    if (capLen > this.maxCapLen)
      this.fail('bad-record', `packet caplen ${capLen} exceeds the ${this.maxCapLen}-byte limit`, win.offset);
    if (optionsAt > end) this.fail('bad-block', `packet caplen ${capLen} overruns its ${len}-byte block`, win.offset);
    if (capLen > iface.snapLen && iface.snapLen > 0) {
      this.warn(
        'caplen-over-snaplen',
        `caplen ${capLen} exceeds interface ${ifid}'s snaplen ${iface.snapLen}`,
        win.offset,
      );
    }
    const rec = this.rec;
    iface.ts.convert(hi, lo, rec);
    rec.wireLen = dv.getUint32(lens + 4, this.le);
    this.fill(iface, dataAt, capLen);
    if (optionsAt < end || this.hadComment) this.comment(optionsAt, end);
    return true;
  }

  private simplePacket(p: number, len: number): boolean {
    const iface = this.iface(0);
    const rec = this.rec;
    const wireLen = this.win.view.getUint32(p + 8, this.le);
    let capLen = Math.min(wireLen, len - 16);
    if (iface.snapLen > 0 && capLen > iface.snapLen) capLen = iface.snapLen;
    if (capLen > this.maxCapLen)
      this.fail('bad-record', `packet caplen ${capLen} exceeds the ${this.maxCapLen}-byte limit`, this.win.offset);
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
    rec.dataOffset = dataAt;
    // pcapng is rarely the bulk of a run: always a view
    rec.data = new Uint8Array(this.win.buffer, dataAt, capLen);
    rec.linkType = iface.linkType;
    rec.interfaceId = iface.id;
    rec.interfaceName = iface.name;
    rec.packetNumber = ++this.packetsRead;
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
      if (code === PCAPNG_OPT.COMMENT && comment === undefined) comment = this.text(o + 4, olen);
      o += 4 + ((olen + 3) & ~3);
    }
    this.rec.comment = comment;
    this.hadComment = comment !== undefined;
  }
}
