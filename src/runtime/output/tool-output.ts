import { CaptureWriter, type OutputFile, type PacketRecord } from '../capture/index.js';
import { dropAndType, NO_CUT } from '../capture/edited-records.js';
import { type CopyRuns, PCAP_RECORD_HEADER, RECORD_LAYOUT, recordFrame, type RunHolder } from '../capture/record.js';
import { LINKTYPE } from '../../fields/fields.js';
import type { OutputSpec } from './output-spec.js';

/**
 * A run is copied once it is this long: a few copies per write buffer, and
 * the buffer never grows for one.
 */
const RUN_MAX = 256 * 1024;

/**
 * The most bytes of other records an edited run spans between two of its
 * own (runEdited): they are copied with the run and written over. Up to a
 * whole run: one bulk copy of a read chunk's bytes costs the CPU less than
 * a flush (a view, a copy, the loop's start) per stretch of the tool's own
 * records (measured: docs/design/measurements.md; callgrind counts the bulk
 * copy's `rep movsb` a byte at a time, so its instruction count says the
 * opposite).
 */
const GAP_MAX = RUN_MAX;

/**
 * One tool's output file. A pcap file holds one link type, the spec's
 * (a stripping group's: Ethernet) or else its first packet's; packets of
 * another are refused (the caller counts them). A
 * pcapng file declares an interface per tap and link type, named after the
 * tap, so it loses nothing. A tool that receives nothing still gets a valid,
 * empty capture.
 */
export class ToolOutput implements RunHolder {
  private writer: CaptureWriter | undefined;
  readonly path: string;
  packets = 0;
  bytes = 0;
  /** A pcap file has no place for a packet's comments: the pipeline counts those lost (ToolStats.commentsLost). */
  readonly dropsComments: boolean;
  /** pcapng interface ids by tap * 65536 + link type. */
  private readonly ids = new Map<number, number>();
  /** Per tap, the link type of its last packet and the interface it went under (-1: refused): taps interleave. */
  private readonly lastLinkType: Int32Array;
  private readonly lastId: Int32Array;

  constructor(
    readonly spec: OutputSpec,
    /** Opened by the run (an OutputSet's, renamed with the others); else opened on the first packet. */
    private readonly output?: OutputFile,
    /** The run awaits congestion() between stretches of packets: a FIFO output then writes behind too. */
    private readonly paced = false,
  ) {
    this.path = spec.path;
    this.dropsComments = spec.format === 'pcap';
    this.lastLinkType = new Int32Array(spec.taps.length).fill(-1);
    this.lastId = new Int32Array(spec.taps.length);
    this.layout =
      spec.format !== 'pcap'
        ? RECORD_LAYOUT.NONE
        : spec.nanosecond
          ? RECORD_LAYOUT.PCAP_NS_LE
          : RECORD_LAYOUT.PCAP_US_LE;
  }

  /** The record layout (RECORD_LAYOUT) this file is written in, when records of it can be copied as they are. */
  private readonly layout: number;
  /** The run of consecutive records taken and not copied yet: runLen bytes at runStart in runBuffer. */
  private runBytes: Uint8Array | undefined = undefined;
  private runBuffer: ArrayBufferLike | undefined = undefined;
  private runStart = 0;
  private runEnd = -1;
  private runPackets = 0;
  /** What every record of the pending run is written with: tags after its addresses, a cut (NO_CUT: none). */
  private runTags: Uint8Array | undefined = undefined;
  private runCut = NO_CUT;
  /**
   * Whether the pending run's records are edited (tags, a cut, dropped
   * bytes): then they need not follow each other, and runOffsets and
   * runDrops say where each one's header is (from runStart) and what it
   * drops, so that a run goes on past a change of what is dropped (strip's
   * VLAN tags) and past other groups' records (GAP_MAX). A plain run's
   * records follow each other (copied as they are, or joined by a chunk
   * loop's).
   */
  private runEdited = false;
  private runOffsets = new Int32Array(1024);
  private runDrops = new Int32Array(1024);
  /** Each edited record's bytes before its frame's addresses; runLeadsUsed: some record of the run has some. */
  private runLeads = new Int32Array(1024);
  private runLeadsUsed = false;
  /** The reader (its CopyRuns) the pending run is of. */
  private runFrom: CopyRuns | undefined = undefined;
  /** The CopyRuns this output has joined (a few: one a tap's file). */
  private readonly joined: CopyRuns[] = [];

  /**
   * write() of a reader's record, unchanged but for its wire length and
   * comment (the tap's marks), the `drop` bytes after its addresses removed
   * (strip's VLAN tags), `tags` inserted there and its bytes cut to `cut`
   * (truncate frame). When the record's own bytes are
   * what this file would hold but for the tags and the cut (pcap in, pcap
   * out, same precision, the wire length the record's less the dropped
   * bytes plus the tags; see
   * PacketRecord.verbatim), it is not encoded but taken as it is, and
   * records that follow each other in the read buffer are copied as one
   * run (tagged and cut as they are copied, putEditedRecords): when a
   * record that does not follow comes, before the reader's buffer moves on
   * (CopyRuns), or at close. Edited records join the pending run of the
   * same tags and cut whatever they drop and whatever records of others lie
   * between (runEdited, GAP_MAX).
   */
  writeRecord(
    rec: PacketRecord,
    wireLen: number,
    tap: number,
    comment: string | undefined,
    tags?: Uint8Array,
    cut = NO_CUT,
    drop = 0,
    /** The EtherType written after the addresses and tags, once the dropped bytes are gone (0: the frame's). */
    etherType = 0,
    /** Bytes before the frame's addresses removed (strip's tunnel carrying an Ethernet frame: all but the inner frame). */
    lead = 0,
  ): boolean {
    const layout = this.layout;
    const t = tags === undefined ? 0 : tags.length;
    const kept = rec.capLen - lead - drop;
    const keep = kept < cut ? kept : cut;
    if (
      layout === RECORD_LAYOUT.NONE ||
      rec.verbatim !== layout ||
      wireLen !== rec.wireLen - lead - drop + t ||
      rec.runs === undefined ||
      (t !== 0 && keep < 14)
    ) {
      // the frame from the record's bytes: `data` is kept only by readers' records, not by a worker's (recordViews
      // false: a group split's worker hands the steps done from the walk records whose `data` is some other packet's)
      const frame = recordFrame(rec);
      const data = lead !== 0 ? frame.subarray(lead) : frame;
      return this.write(
        drop !== 0 ? withoutBytes(data, 12, drop, keep, etherType) : keep < data.length ? data.subarray(0, keep) : data,
        rec.tsSec,
        rec.tsNsec,
        wireLen,
        rec.linkType,
        tap,
        comment,
        tags,
      );
    }
    const w = this.writer ?? this.open();
    const linkType = rec.linkType;
    if (this.lastLinkType[tap] !== linkType) {
      // declaring an interface writes: after the records taken before
      this.flushRun();
      this.lastLinkType[tap] = linkType;
      this.lastId[tap] = this.interfaceOf(w, linkType, tap);
    }
    if (this.lastId[tap] < 0) return false;
    const bytes = rec.bytes;
    const start = rec.dataOffset - PCAP_RECORD_HEADER;
    const end = rec.dataOffset + rec.capLen;
    if (
      bytes === this.runBytes &&
      tags === this.runTags &&
      cut === this.runCut &&
      // a flushed run (runPackets 0) takes nothing more: its bytes are gone from the reader's buffer
      (this.runEdited
        ? start >= this.runEnd && start - this.runEnd <= GAP_MAX && this.runPackets !== 0
        : start === this.runEnd && drop === 0 && lead === 0)
    ) {
      if (this.runEdited)
        this.addEdited(start - this.runStart, etherType === 0 ? drop : dropAndType(drop, etherType), lead);
      this.runEnd = end;
      this.runPackets++;
      if (end - this.runStart >= RUN_MAX) this.flushRun();
    } else {
      // `.buffer` is a call into V8's C++: the reader's, where it keeps it
      const buffer = bytes === this.runBytes ? this.runBuffer! : (rec.buffer ?? bytes.buffer);
      this.startRun(
        bytes,
        buffer,
        start,
        end,
        1,
        tags,
        cut,
        etherType === 0 ? drop : dropAndType(drop, etherType),
        rec.runs,
        lead,
      );
    }
    this.packets++;
    this.bytes += keep + t;
    return true;
  }

  /**
   * Whether records of `layout` from tap `tap`, of link type `linkType`, may
   * be handed over as runs (takeRun): the file is written in that layout and
   * already holds that tap's link type (the first record goes through
   * writeRecord, which declares it or refuses it).
   */
  takesRuns(tap: number, linkType: number, layout: number): boolean {
    return (
      layout !== RECORD_LAYOUT.NONE &&
      layout === this.layout &&
      this.writer !== undefined &&
      this.lastLinkType[tap] === linkType &&
      this.lastId[tap] >= 0
    );
  }

  /**
   * writeRecord() of `records` consecutive records, bytes[start, end) of a
   * reader's chunk (headers included), as a chunk loop found them (after
   * takesRuns said yes): joined to the pending run where they follow it.
   */
  takeRun(bytes: Uint8Array, start: number, end: number, records: number, _from: CopyRuns): void {
    this.packets += records;
    this.bytes += end - start - records * PCAP_RECORD_HEADER;
    if (this.runPackets !== 0) {
      // a loop's records are plain: they join only a pending run that is plain too
      if (bytes === this.runBytes && start === this.runEnd && !this.runEdited) {
        this.runEnd = end;
        this.runPackets += records;
        if (end - this.runStart >= RUN_MAX) this.flushRun();
        return;
      }
      this.flushRun();
    }
    // copied now, not held as the pending run: the loop joins consecutive records itself, so a run it hands
    // over seldom has a next one to join (holding it cost ~100 instructions a run in field stores and checks)
    if (bytes !== this.runBytes) {
      this.runBytes = bytes;
      this.runBuffer = bytes.buffer;
    }
    this.writer!.writeRecords(this.runBuffer!, bytes.byteOffset + start, end - start, records);
  }

  /**
   * writeRecord() of `records` records of bytes[start, end) edited as a
   * chunk loop found them (after takesRuns said yes): record i's header
   * offsets[i] from `start`, the bytes between other records'; drops[i]
   * (dropAndType) after its addresses, `tags` inserted there, cut to `cut`
   * (putEditedRecords); with `leads`, leads[i] bytes before its frame's
   * addresses gone first (a peeled tunnel's). Copied now, after the
   * pending run.
   */
  takeEditedRun(
    bytes: Uint8Array,
    start: number,
    end: number,
    records: number,
    tags: Uint8Array | undefined,
    cut: number,
    offsets: Int32Array,
    drops: Int32Array,
    leads?: Int32Array,
  ): void {
    if (this.runPackets !== 0) this.flushRun();
    if (bytes !== this.runBytes) {
      this.runBytes = bytes;
      this.runBuffer = bytes.buffer;
    }
    const written = this.writer!.writeEditedRecords(
      this.runBuffer!,
      bytes.byteOffset + start,
      end - start,
      records,
      tags,
      cut,
      0,
      offsets,
      drops,
      leads,
    );
    this.packets += records;
    this.bytes += written - records * PCAP_RECORD_HEADER;
  }

  /** Flushes the pending run and starts another: records bytes[start, end) of a reader's chunk, edited as given. */
  private startRun(
    bytes: Uint8Array,
    buffer: ArrayBufferLike,
    start: number,
    end: number,
    records: number,
    tags: Uint8Array | undefined,
    cut: number,
    drop: number,
    from: CopyRuns,
    lead = 0,
  ): void {
    if (this.runPackets !== 0) this.flushRun();
    this.runBytes = bytes;
    this.runBuffer = buffer;
    this.runStart = start;
    this.runEnd = end;
    this.runPackets = records;
    this.runTags = tags;
    this.runCut = cut;
    this.runEdited = tags !== undefined || cut !== NO_CUT || drop !== 0 || lead !== 0;
    if (this.runEdited) {
      // an edited run starts with one record (takeRun's are plain)
      this.runOffsets[0] = 0;
      this.runDrops[0] = drop;
      this.runLeads[0] = lead;
      this.runLeadsUsed = lead !== 0;
    }
    if (from !== this.runFrom) {
      this.runFrom = from;
      if (!this.joined.includes(from)) {
        this.joined.push(from);
        from.join(this);
      }
    }
  }

  /** The pending edited run's next record: its header `offset` from runStart, what it drops and its lead. */
  private addEdited(offset: number, drop: number, lead: number): void {
    const k = this.runPackets;
    if (k === this.runOffsets.length) {
      const offsets = new Int32Array(k * 2);
      offsets.set(this.runOffsets);
      this.runOffsets = offsets;
      const drops = new Int32Array(k * 2);
      drops.set(this.runDrops);
      this.runDrops = drops;
      const leads = new Int32Array(k * 2);
      leads.set(this.runLeads);
      this.runLeads = leads;
    }
    this.runOffsets[k] = offset;
    this.runDrops[k] = drop;
    this.runLeads[k] = lead;
    if (lead !== 0) this.runLeadsUsed = true;
  }

  flushRunOf(runs: CopyRuns): void {
    if (this.runFrom === runs && this.runPackets !== 0) this.flushRun();
  }

  /** Copies the pending run of records into the file's buffer. */
  flushRun(): void {
    if (this.runPackets === 0) return;
    const b = this.runBytes!;
    if (!this.runEdited)
      this.writer!.writeRecords(
        this.runBuffer!,
        b.byteOffset + this.runStart,
        this.runEnd - this.runStart,
        this.runPackets,
      );
    else
      this.writer!.writeEditedRecords(
        this.runBuffer!,
        b.byteOffset + this.runStart,
        this.runEnd - this.runStart,
        this.runPackets,
        this.runTags,
        this.runCut,
        0,
        this.runOffsets,
        this.runDrops,
        this.runLeadsUsed ? this.runLeads : undefined,
      );
    this.runPackets = 0;
    this.runEnd = -1;
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
      paced: this.paced,
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
    // records taken before this one go first
    if (this.runPackets !== 0) this.flushRun();
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
      let held = w.pcapLinkType;
      if (held < 0) {
        held = this.spec.linkType ?? linkType;
        w.interfaceFor(held);
      }
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

  /** The output is a stream whose reader is behind (paced only): what to await before more packets. */
  congestion(): Promise<void> | undefined {
    return this.writer?.congestion();
  }

  async close(): Promise<void> {
    this.flushRun();
    const w = this.open();
    if (this.packets === 0 && w.pcapLinkType < 0) w.interfaceFor(this.spec.linkType ?? LINKTYPE.ETHERNET);
    await w.drained();
    w.close();
  }

  abort(): void {
    this.runPackets = 0;
    if (this.writer) this.writer.abort();
    else this.output?.discard();
  }
}

/** A copy of the first `keep` bytes of `data` without the `n` bytes at `at`, `etherType` (unless 0) then at `at`. */
function withoutBytes(data: Uint8Array, at: number, n: number, keep: number, etherType: number): Uint8Array {
  const out = new Uint8Array(keep);
  if (keep <= at) {
    out.set(data.subarray(0, keep));
    return out;
  }
  out.set(data.subarray(0, at));
  out.set(data.subarray(at + n, n + keep), at);
  if (etherType !== 0) {
    out[at] = etherType >>> 8;
    if (keep > at + 1) out[at + 1] = etherType & 0xff;
  }
  return out;
}
