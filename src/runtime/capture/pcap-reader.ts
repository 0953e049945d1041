import type { ChunkLoop, PcapRecordFormat } from './chunk-loop.js';
import { CaptureError, endedInFirstHeader } from './errors.js';
import type { FileWindow } from './file-window.js';
import { effectiveSnapLen, pcapMagic } from './magic.js';
import { type InterfaceInfo, type PacketRecord, PCAP_RECORD_HEADER, RECORD_LAYOUT } from './record.js';
import { Starved } from './read-ahead.js';
import { pcapContinuation } from './resync.js';
import { ReaderBase, type ReaderOptions } from './source.js';

const FILE_HEADER_LEN = 24;

/** Classic libpcap files: one link type, 16-byte record headers (24 for Kuznetzov's). */
export class PcapReader extends ReaderBase {
  readonly format = 'pcap' as const;
  readonly interfaces: readonly InterfaceInfo[];
  readonly littleEndian: boolean;
  readonly nanosecond: boolean;
  readonly snapLen: number;
  readonly linkType: number;
  readonly versionMajor: number;
  readonly versionMinor: number;
  private readonly hdrLen: number;
  private readonly fracToNs: number;
  /** The fraction field's bound (1e6 or 1e9): a record at or above it is normalised, so not written as it is. */
  private readonly fracLimit: number;
  /** RECORD_LAYOUT of this file's records when outputs may copy them as they are (copyRuns); else NONE. */
  private readonly layout: number;
  /** The longest packet a record may hold: the snapshot length as libpcap applies it. */
  private readonly capMax: number;
  private readonly linkMax: number;

  /**
   * A consumer's loop over the records of the read chunk (set after opening,
   * from recordFormat): readBatch hands it the chunk first, and takes only
   * the records it leaves one by one.
   */
  chunkLoop: ChunkLoop | undefined = undefined;

  /** What this file's records look like, for a chunk loop. */
  get recordFormat(): PcapRecordFormat {
    return {
      linkType: this.linkType,
      littleEndian: this.littleEndian,
      nanosecond: this.nanosecond,
      recordHeaderLen: this.hdrLen,
      capMax: this.capMax,
      layout: this.layout,
      runs: this.runs,
    };
  }

  constructor(path: string, win: FileWindow, options: ReaderOptions = {}) {
    super(path, win, options);
    if (!win.ensure(4)) throw endedInFirstHeader(path, win.available, 'magic number', '4 bytes', 'bad-magic');
    const magic = pcapMagic(win.view.getUint32(win.start, true));
    if (!magic) throw new CaptureError('bad-magic', path, 'not a pcap or pcapng file', { byteOffset: 0 });
    if (!win.ensure(FILE_HEADER_LEN))
      throw endedInFirstHeader(path, win.available, 'pcap file header', `${FILE_HEADER_LEN} bytes`, 'bad-header');
    const dv = win.view;
    const p = win.start;
    const le = magic.littleEndian;
    this.littleEndian = le;
    this.nanosecond = magic.nanosecond;
    this.hdrLen = magic.recordHeaderLen;
    this.fracToNs = magic.nanosecond ? 1 : 1000;
    this.fracLimit = magic.nanosecond ? 1e9 : 1e6;
    // writers write little-endian 16-byte headers: only such files' records are theirs byte for byte
    this.layout =
      this.runs !== undefined && le && magic.recordHeaderLen === PCAP_RECORD_HEADER
        ? magic.nanosecond
          ? RECORD_LAYOUT.PCAP_NS_LE
          : RECORD_LAYOUT.PCAP_US_LE
        : RECORD_LAYOUT.NONE;
    this.versionMajor = dv.getUint16(p + 4, le);
    this.versionMinor = dv.getUint16(p + 6, le);
    this.snapLen = dv.getUint32(p + 16, le);
    // The upper bits of the link-type word carry FCS information, not the type.
    this.linkType = dv.getUint32(p + 20, le) & 0xffff;
    this.linkMax = this.capLimit(this.linkType);
    this.capMax = effectiveSnapLen(this.snapLen, this.linkMax);
    win.start += FILE_HEADER_LEN;
    this.rec.linkType = this.linkType;
    this.interfaces = Object.freeze([
      Object.freeze({
        id: 0,
        section: 0,
        linkType: this.linkType,
        snapLen: this.snapLen,
        name: undefined,
        description: undefined,
        tsResolExp: magic.nanosecond ? 9 : 6,
        tsResolBase: 10 as const,
        tsOffset: 0,
      }),
    ]);
  }

  protected advance(): boolean {
    const win = this.win;
    const hdrLen = this.hdrLen;
    if (!win.ensure(hdrLen))
      return win.available > 0
        ? this.truncated({
            what: 'record header',
            claim: '',
            bytesNeeded: hdrLen,
            units: 'records',
            code: 'bad-record',
          })
        : false;
    const le = this.littleEndian;
    let p = win.start;
    let dv = win.view;
    const capLen = dv.getUint32(p + 8, le);
    if (capLen > this.capMax) this.badCapLen(capLen);
    if (!win.ensure(hdrLen + capLen)) {
      return this.truncated({
        what: 'record',
        claim: `${capLen} captured bytes`,
        bytesNeeded: hdrLen + capLen,
        units: 'records',
        code: 'bad-record',
        resume: () =>
          pcapContinuation(
            {
              view: win.view,
              le,
              headerLen: hdrLen,
              snapLen: this.capMax,
              fracUnits: this.nanosecond ? 1e9 : 1e6,
            },
            win.start + hdrLen,
            win.end,
          ),
      });
    }
    // ensure() may have slid or regrown the buffer.
    p = win.start;
    dv = win.view;
    const rec = this.rec;
    let sec = dv.getUint32(p, le);
    let ns = dv.getUint32(p + 4, le) * this.fracToNs;
    if (ns >= 1e9) {
      const carry = Math.floor(ns / 1e9);
      sec += carry;
      ns -= carry * 1e9;
      // a writer writes the second and fraction normalised: not this record's bytes
      rec.verbatim = RECORD_LAYOUT.NONE;
    } else rec.verbatim = this.layout;
    rec.byteOffset = win.offset;
    rec.tsSec = sec;
    rec.tsNsec = ns;
    rec.capLen = capLen;
    rec.wireLen = dv.getUint32(p + 12, le);
    if (rec.bytes !== win.bytes) {
      rec.bytes = win.bytes;
      rec.buffer = win.buffer;
    }
    rec.dataOffset = p + hdrLen;
    rec.packetNumber = ++this.packetsRead;
    // a view made with the constructor costs half of what subarray() does (no species lookup): ~17 ns a packet
    if (this.views) rec.data = new Uint8Array(win.buffer, p + hdrLen, capLen);
    win.start = p + hdrLen + capLen;
    return true;
  }

  /**
   * The records wholly in the read buffer are walked by offset in one tight
   * loop; whatever it does not handle (a record cut by the end of the buffer,
   * a length to refuse, a fraction to normalise, a time past the bound, the
   * end) goes one record through the general path
   * (ReaderBase.readBatch and advance()), and the loop takes over after it.
   */
  override readBatch(quota: number, onPacket: (rec: PacketRecord) => void, untilSec = Infinity, untilNsec = 0): number {
    let n = 0;
    const hdr = this.hdrLen;
    const le = this.littleEndian;
    const win = this.win;
    const rec = this.rec;
    const fracLimit = this.fracLimit;
    const toNs = this.fracToNs;
    const capMax = this.capMax;
    const layout = this.layout;
    const views = this.views;
    const loop = this.chunkLoop;
    this.waiting = undefined;
    if (this.pending && n < quota) {
      // the held head (peek, or the last batch's time bound), delivered here when it is due
      if (rec.tsSec > untilSec || (rec.tsSec === untilSec && rec.tsNsec > untilNsec)) return 0;
      this.pending = false;
      if (loop !== undefined && !this.done && rec.bytes === win.bytes && rec.dataOffset + rec.capLen === win.start) {
        // still in the window just before the unread bytes: the window steps back over it and the loop takes it
        // with the records after it, not the per-record way (the engine peeks once a turn, and that cold path cost
        // ~30 instructions a packet, mostly in baseline code and its inline caches)
        win.start = rec.dataOffset - hdr;
        this.packetsRead--;
      } else {
        onPacket(rec);
        n++;
      }
    }
    while (n < quota) {
      /** Bytes the record at the window's end needs, when the window cut it (0: not cut). */
      let need = 0;
      if (!this.done) {
        while (n < quota) {
          if (loop !== undefined) {
            // the consumer's loop takes what it can; the record it stops at goes the per-record way below
            const stop = loop.run(win.bytes, win.view, win.start, win.end, quota - n, untilSec, untilNsec);
            const k = loop.handled;
            if (k !== 0) {
              this.packetsRead += k;
              n += k;
              win.start = stop;
              if (n >= quota) break;
            }
          }
          const p = win.start;
          const left = win.end - p;
          if (left < hdr) {
            need = hdr;
            break;
          }
          const dv = win.view;
          const capLen = dv.getUint32(p + 8, le);
          if (capLen > capMax) break;
          if (left < hdr + capLen) {
            need = hdr + capLen;
            break;
          }
          const sec = dv.getUint32(p, le);
          const frac = dv.getUint32(p + 4, le);
          if (frac >= fracLimit) break;
          const ns = frac * toNs;
          if (sec > untilSec || (sec === untilSec && ns > untilNsec)) break;
          rec.byteOffset = win.offset;
          rec.tsSec = sec;
          rec.tsNsec = ns;
          rec.capLen = capLen;
          rec.wireLen = dv.getUint32(p + 12, le);
          // storing the same array again costs nothing; a new one, a write barrier
          if (rec.bytes !== win.bytes) {
            rec.bytes = win.bytes;
            rec.buffer = win.buffer;
          }
          rec.dataOffset = p + hdr;
          rec.verbatim = layout;
          // the number first: it says which packet `data` is of
          rec.packetNumber = ++this.packetsRead;
          if (views) rec.data = new Uint8Array(win.buffer, p + hdr, capLen);
          win.start = p + hdr + capLen;
          onPacket(rec);
          n++;
        }
        if (n >= quota) break;
        if (need !== 0) {
          // a record cut by the window's end: the window moves on and the loop goes on with it (not the
          // per-record path); a read not arrived yet is waited for without a throw
          const got = this.refill(need);
          if (got === true) continue;
          if (got !== false) {
            this.waiting = got;
            break;
          }
          // false: the file ends inside the record, which the general path reports
        }
      }
      // one record the general way: the buffer's edge, the end, a refusal, the time bound, the held head
      const got = super.readBatch(1, onPacket, untilSec, untilNsec);
      if (got === 0 || this.waiting !== undefined) {
        n += got;
        break;
      }
      n += got;
    }
    return n;
  }

  /**
   * ReaderBase.peek(), waiting without a throw when the next record needs a
   * read-ahead chunk that has not arrived: the engine peeks after each batch,
   * mostly at the window's end once the chunk loop has taken the window, and a
   * Starved thrown through advance() cost ~8,000 instructions to unwind.
   */
  override peek(): PacketRecord | null {
    if (!this.pending && !this.done) {
      const win = this.win;
      const hdr = this.hdrLen;
      const left = win.available;
      let need = hdr;
      if (left >= hdr) {
        const capLen = win.view.getUint32(win.start + 8, this.littleEndian);
        // a length to refuse is advance()'s to report
        need = capLen > this.capMax ? 0 : hdr + capLen;
      }
      if (need > left) {
        const got = this.refill(need);
        if (got !== true && got !== false) {
          this.waiting = got;
          return null;
        }
      }
    }
    return super.peek();
  }

  /** win.ensureOrWait(n), failing as advance() would: the reader closes on a read error. */
  private refill(n: number): boolean | Promise<void> {
    try {
      return this.win.ensureOrWait(n);
    } catch (e) {
      // a record over the headroom may need a second chunk that has not arrived: wait for it as readBatch does
      if (e instanceof Starved) return e.ready;
      this.close();
      throw e;
    }
  }

  /**
   * libpcap refuses a caplen above the link type's maximum; above the file's
   * snapshot length it reads the record and cuts it. Both are lengths no
   * capture could have written: a corrupt (or crafted) record, refused here.
   */
  private badCapLen(capLen: number): never {
    const limit =
      capLen > this.linkMax
        ? `the ${this.linkMax}-byte maximum for link type ${this.linkType}`
        : `the file's snapshot length of ${this.capMax}`;
    this.fail(
      'bad-record',
      `record claims ${capLen} captured bytes, more than ${limit}: its length is corrupt`,
      this.win.offset,
    );
  }
}
