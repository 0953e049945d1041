import type { PacketRecord } from '../capture/index.js';
import { decodeFrame } from '../decode/decode.js';
import { PacketView } from '../decode/view.js';
import type { Walk } from '../walk/walk.js';

/** Where a packet's decode comes from when a step first asks for it (the generated path's walk: Walk.view()). */
export interface ViewSource {
  view(): PacketView;
}

/** What an unframed replica's `data` is until bytes() (Replica.startLazy). */
const UNFRAMED = new Uint8Array(0);

/** Room for the largest frame a reader passes on plus what actions add (headers, options, tags, trailers). */
const INITIAL_SIZE = 262144 + 4096;
/** Exact-length views of a scratch buffer are kept for frames up to this long; longer ones get a view each time. */
const CACHED_VIEW_MAX = 16384;

/**
 * The two byte buffers a thread's action chains write replicas into, taking
 * turns: a step reads the replica from one and writes its result into the
 * other, so no step ever copies a packet onto itself. One pair serves every
 * group of a pipeline, since a replica is written out (the output copies its
 * bytes) before the next group's replica is made; steps that hold replicas
 * back keep copies of their own. Nothing is allocated per packet: outputs
 * take exact-length views, cached per buffer and length.
 */
export class Scratch {
  private readonly bufs: Uint8Array[] = [new Uint8Array(INITIAL_SIZE), new Uint8Array(INITIAL_SIZE)];
  private readonly views: Uint8Array[][] = [[], []];

  /** Buffer `i` (0 or 1), grown to hold at least `size` bytes; the old contents are not kept. */
  buffer(i: number, size: number): Uint8Array {
    let b = this.bufs[i];
    if (b.length < size) {
      b = this.bufs[i] = new Uint8Array(Math.max(size, b.length * 2));
      this.views[i] = [];
    }
    return b;
  }

  /** The first `length` bytes of buffer `i` as a view of exactly that length. */
  view(i: number, length: number): Uint8Array {
    const b = this.bufs[i];
    if (length > CACHED_VIEW_MAX) return new Uint8Array(b.buffer, 0, length);
    const cache = this.views[i];
    let v = cache[length];
    if (v === undefined) v = cache[length] = new Uint8Array(b.buffer, 0, length);
    return v;
  }
}

/**
 * One group's copy of a packet as it goes through the group's steps. Until a
 * step changes it, it is the captured frame itself (no copy): a group whose
 * steps leave a packet alone writes the input bytes. A step that changes it
 * writes the new bytes into target() and commit()s them. The bytes are
 * always data[0, length).
 */
export class Replica {
  data: Uint8Array = new Uint8Array(0);
  length = 0;
  wireLen = 0;
  linkType = 0;
  tsSec = 0;
  tsNsec = 0;
  tap = 0;
  /** The tool the balance step chose. */
  tool = 0;
  /** The session hash the balance step chose it by: a live run moves the session by it when that tool is down. */
  session = 0;
  comment: string | undefined = undefined;
  /** Whether the packet came with comments (a pcapng input's): those a pcap output loses are counted. */
  commented = false;
  /**
   * Bytes the output inserts after the frame's 12 address bytes as it writes
   * it (the tap's VLAN tags, pushed by mark when no step follows it): data
   * stays the untagged frame, wireLen already counts them.
   */
  tags: Uint8Array | undefined = undefined;
  /** Whether any step changed the bytes, the length or the link type. */
  changed = false;
  /** Started without its bytes (startLazy, not framed): `data` is empty until bytes() makes it. */
  unframed = false;
  /**
   * The reader's record the replica started from (start, startLazy), while
   * it is the packet being pushed: an output may take its bytes as they lie
   * in the read buffer when no step changed them (Pipeline.deliverReplica).
   * Never set in a held copy (copyFrom): the record is gone by its release.
   */
  record: PacketRecord | undefined = undefined;
  /** Which scratch buffer holds the bytes: -1 for the captured frame. */
  private holder = -1;
  private original: Uint8Array = this.data;
  private decoded: PacketView;
  private readonly own = new PacketView();
  private stale = false;
  /** The decode's source until a step asks (startLazy): then its view() is the packet's decode. */
  private source: ViewSource | undefined = undefined;
  /** The walk the packet came with (startLazy), for steps that read its offsets: walked(). */
  private walk: Walk | undefined = undefined;

  constructor(
    private readonly scratch: Scratch,
    view: PacketView = new PacketView(),
  ) {
    this.decoded = view;
  }

  /** Starts from a captured packet and the pipeline's decode of it. */
  start(rec: PacketRecord, view: PacketView, tap: number): void {
    this.begin(rec, rec.data, tap);
    this.record = rec;
    this.decoded = view;
    this.stale = false;
  }

  /**
   * start() with the decode made only when a step asks for it (view()),
   * from `source`, which must describe this packet until the replica is
   * written or copied (the walk, during the chain's push): steps that read
   * no decode (mark, shape) then cost none.
   */
  startLazy(rec: PacketRecord, source: Walk, tap: number, framed = true): void {
    // not framed: no array of the frame's own until bytes() (the walk's frame()), one object a packet less where
    // none is asked (rec.data may be another packet's: a worker's records)
    this.begin(rec, framed ? rec.data : UNFRAMED, tap);
    this.record = rec;
    this.decoded = this.own;
    this.stale = false;
    this.source = source;
    this.walk = source;
    if (!framed) {
      this.unframed = true;
      this.length = rec.capLen;
    }
  }

  /**
   * The bytes (`data`), made first if the replica was started without them
   * (startLazy, not framed: the chain's first step reads the walk's buffer,
   * ActionChain makes them before any later step, an output or a copy
   * takes them through frame() and copyFrom()).
   */
  bytes(): Uint8Array {
    if (this.unframed) {
      this.unframed = false;
      this.original = this.data = this.walk!.frame();
    }
    return this.data;
  }

  /**
   * The walk of the packet while its bytes are still those it describes
   * (started by startLazy, no step has changed them, not a held copy):
   * steps read offsets from it instead of the decode (mask's TCP lookup).
   * Its offsets are in the walk's buffer (w.d); the frame starts at w.o.
   */
  walked(): Walk | undefined {
    return this.stale ? undefined : this.walk;
  }

  /**
   * Starts from a captured packet's frame (`data`, the record's bytes) with
   * no decode of it, for steps done from the walk (WalkedSteps), which read
   * offsets from the walk: view() is not to be called until a step commits.
   */
  startWalked(rec: PacketRecord, data: Uint8Array, tap: number): void {
    this.begin(rec, data, tap);
    this.decoded = this.own;
    this.stale = true;
  }

  /** What start() and startWalked() both set: the packet as captured (`data`, its bytes), no step done yet. */
  private begin(rec: PacketRecord, data: Uint8Array, tap: number): void {
    this.original = data;
    this.data = data;
    this.length = data.length;
    this.wireLen = rec.wireLen;
    this.linkType = rec.linkType;
    this.tsSec = rec.tsSec;
    this.tsNsec = rec.tsNsec;
    this.tap = tap;
    this.tool = 0;
    // what the packet came with (a pcapng input's comments): it still describes the packet whatever the steps do
    this.comment = rec.comment;
    this.commented = rec.comment !== undefined;
    this.tags = undefined;
    this.changed = false;
    this.unframed = false;
    this.holder = -1;
    this.source = undefined;
    this.walk = undefined;
    this.record = undefined;
  }

  /** The packet decoded as it now is: the pipeline's view until a step changes it, then decoded again (once). */
  view(): PacketView {
    if (!this.stale) {
      const s = this.source;
      if (s === undefined) return this.decoded;
      this.source = undefined;
      return (this.decoded = s.view());
    }
    this.source = undefined;
    const v = this.own;
    v.tap = this.tap;
    decodeFrame(v, this.data, this.length, this.wireLen, this.linkType);
    this.decoded = v;
    this.stale = false;
    return v;
  }

  /** A buffer of at least `size` bytes to write the next version into; never the one holding the current bytes. */
  target(size: number): Uint8Array {
    return this.scratch.buffer(this.holder === 0 ? 1 : 0, size);
  }

  /** The bytes written into target() are now the packet: `length` of them, of this link type. */
  commit(length: number, linkType = this.linkType): void {
    this.holder = this.holder === 0 ? 1 : 0;
    this.data = this.scratch.buffer(this.holder, 0);
    this.length = length;
    this.linkType = linkType;
    this.changed = true;
    this.stale = true;
  }

  /** Keeps only the first `length` bytes (a cut: the wire length stays). */
  cut(length: number): void {
    if (length >= this.length) return;
    if (this.holder < 0) {
      // the captured frame is shared with other groups: copy the part kept
      const t = this.target(length);
      copyBytes(t, 0, this.bytes(), 0, length);
      this.commit(length);
      return;
    }
    this.length = length;
    this.changed = true;
    this.stale = true;
  }

  /** The bytes as an array of exactly their length, for the output (which copies them). */
  frame(): Uint8Array {
    if (this.holder < 0) return this.unframed ? this.bytes() : this.original;
    return this.scratch.view(this.holder, this.length);
  }

  /** Makes this replica an independent copy of `r` (for steps that hold replicas back), its bytes in `into`. */
  copyFrom(r: Replica, into: Uint8Array): void {
    copyBytes(into, 0, r.bytes(), 0, r.length);
    this.original = into.length === r.length ? into : new Uint8Array(into.buffer, into.byteOffset, r.length);
    this.data = this.original;
    this.length = r.length;
    this.wireLen = r.wireLen;
    this.linkType = r.linkType;
    this.tsSec = r.tsSec;
    this.tsNsec = r.tsNsec;
    this.tap = r.tap;
    this.tool = r.tool;
    this.session = r.session;
    this.comment = r.comment;
    this.commented = r.commented;
    this.tags = r.tags;
    this.changed = r.changed;
    this.unframed = false;
    this.holder = -1;
    this.stale = true;
    this.source = undefined;
    this.walk = undefined;
    this.record = undefined;
  }
}

/**
 * dst[dstOff, +n) = src[srcOff, +n). Short runs (headers) by a loop; long ones
 * through set(), whose view of the source is the one allocation it costs.
 */
export function copyBytes(dst: Uint8Array, dstOff: number, src: Uint8Array, srcOff: number, n: number): void {
  if (n <= 64) {
    for (let i = 0; i < n; i++) dst[dstOff + i] = src[srcOff + i];
    return;
  }
  dst.set(new Uint8Array(src.buffer, src.byteOffset + srcOff, n), dstOff);
}
