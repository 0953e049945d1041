import { PCAP_RECORD_HEADER } from './record.js';

/** The Ethernet destination and source addresses: tags go after them. */
const MACS = 12;

/** No cut: every captured byte is kept. */
export const NO_CUT = Infinity;

/**
 * A record's drop as putEditedRecords takes it: `drop` bytes removed after
 * the addresses and, unless `etherType` is 0, the EtherType that follows
 * them (after the tags) written as `etherType`: strip's MPLS label stack
 * goes with the 0x8847 before it replaced by IPv4's or IPv6's.
 */
export function dropAndType(drop: number, etherType: number): number {
  return drop | (etherType << 16);
}

/**
 * copyWithin, called through a constant: `dst.copyWithin` is a property load
 * the optimized loop does through V8's load IC (a call) for every record.
 */
const COPY_WITHIN = Uint8Array.prototype.copyWithin;

/** A cut past every record's length (a record holds at most a few hundred KiB): what NO_CUT is in the loop. */
const KEEP_MAX = 0x3fffffff;

/** The bytes dropped of a dropAndType() value (the EtherType is in its upper 16 bits). */
const DROP_BYTES = 0xffff;

/**
 * Record q's header in `src` (16 bytes, little-endian) written edited at o
 * in `dv`: its timestamp, its captured length `keep + t` (the frame bytes
 * kept and the tags'), its wire length less the `d` bytes the record loses
 * and plus the tags'. The one place both ways of writing edited records
 * (putEditedRecords, putShortRecords) make a header; small enough for V8 to
 * inline into their loops. All four words are read before any is written:
 * in putEditedRecords the header may lie on the record's own old header (o
 * is at most q there), never on its frame (o + 16 <= q + 16).
 */
function putHeader(dv: DataView, o: number, src: DataView, q: number, keep: number, d: number, t: number): void {
  const sec = src.getInt32(q, true);
  const frac = src.getInt32(q + 4, true);
  // the wire length as int32: it wraps as the uint32 it is written as (no double for lengths past 2^31)
  const wire = (src.getInt32(q + 12, true) - d + t) | 0;
  dv.setInt32(o, sec, true);
  dv.setInt32(o + 4, frac, true);
  dv.setInt32(o + 8, keep + t, true);
  dv.setInt32(o + 12, wire, true);
}

/**
 * Writes `packets` classic pcap records (little-endian 16-byte headers, as
 * PacketRecord.verbatim has them) that lie in `run` into `dst` at `pos`,
 * each with the `drop` bytes after its 12 address bytes removed, `tags`
 * inserted there, and its data cut to `cut` bytes: its captured and wire
 * lengths lose the dropped bytes and gain the tags', its captured length
 * shrinks to the cut. This is the record the encoder would write for the
 * tagged, cut frame. Returns the bytes written; `dst` needs room for
 * run.length + packets * tags.length from `pos`.
 *
 * The records follow each other in `run`, or, with `offsets`, record i's
 * header is at offsets[i] (increasing; the bytes between are other
 * records, left out); with `drops`, record i drops drops[i] bytes (strip's
 * VLAN tags, as many as its frame has) instead of `drop`. A drop may
 * carry a new EtherType (dropAndType). With `leads`, record i's frame
 * starts leads[i] bytes into its data (strip's tunnel carrying an Ethernet
 * frame: the outer headers go, the inner frame's addresses are the
 * addresses): its lengths lose those bytes too, before the drop.
 *
 * No array is made per record: the run goes in with one copy, placed at the
 * end of that room, and each record is then moved down to where it belongs
 * with copyWithin, in order. A record never lands on bytes of a record
 * after it (each starts at least tags.length * (records left) before where
 * it was copied, and bytes left out only put it further), so the moves
 * need no second buffer. Records shorter than the addresses are not tagged
 * by callers (a mark needs 14 bytes).
 */
export function putEditedRecords(
  dst: Uint8Array,
  /** A DataView of dst's bytes (the sink's). */
  dv: DataView,
  pos: number,
  run: Uint8Array,
  packets: number,
  tags: Uint8Array | undefined,
  cut: number,
  /** Bytes removed after the addresses first (the VLAN tags strip takes off), before the tags and the cut. */
  drop = 0,
  /** Where each record's header is in `run` (undefined: one after the other from 0). */
  offsets?: Int32Array,
  /** Each record's own `drop` (undefined: `drop` for every record). */
  drops?: Int32Array,
  /** Each record's bytes before its frame's addresses (undefined: none). */
  leads?: Int32Array,
): number {
  const t = tags === undefined ? 0 : tags.length;
  // one tag (the common mark) goes in as one 32-bit store
  const tagWord = t === 4 ? tags![0] | (tags![1] << 8) | (tags![2] << 16) | (tags![3] << 24) : 0;
  // the cut as a small integer (NO_CUT is Infinity): the loop's lengths and offsets stay int32, with no double
  // arithmetic and conversions back for every record's stores
  const limit = cut < KEEP_MAX ? cut | 0 : KEEP_MAX;
  // module bindings read once a call, not once a record (each read of one is a context load and a hole check)
  const header = PCAP_RECORD_HEADER;
  const macs = MACS;
  const dropBytes = DROP_BYTES;
  const copyWithin = COPY_WITHIN;
  const base = pos + t * packets;
  dst.set(run, base);
  let q = base;
  let o = pos;
  for (let i = 0; i < packets; i++) {
    if (offsets !== undefined) q = (base + offsets[i]) | 0;
    const dt = drops === undefined ? drop : drops[i];
    const lead = leads === undefined ? 0 : leads[i];
    const after = dt & dropBytes;
    // every byte the record loses: before its addresses and after them
    const d = after + lead;
    const cap = dv.getInt32(q + 8, true);
    const keep = cap - d < limit ? cap - d : limit;
    const capOut = keep + t;
    putHeader(dv, o, dv, q, keep, d, t);
    const data = o + header;
    const rec = q + header;
    // the frame from its addresses on
    const from = rec + lead;
    if (t === 0 && d === 0) {
      if (o !== q) copyWithin.call(dst, data, from, from + keep);
    } else {
      // addresses, then the rest past the tags, then the tags (over bytes already moved)
      dv.setInt32(data, dv.getInt32(from, true), true);
      dv.setInt32(data + 4, dv.getInt32(from + 4, true), true);
      dv.setInt32(data + 8, dv.getInt32(from + 8, true), true);
      copyWithin.call(dst, data + macs + t, from + macs + after, from + after + keep);
      if (t === 4) dv.setInt32(data + macs, tagWord, true);
      else for (let j = 0; j < t; j++) dst[data + macs + j] = tags![j];
      const type = dt >>> 16;
      if (type !== 0) {
        // the EtherType as far as the cut keeps it
        if (keep > macs) dst[data + macs + t] = type >>> 8;
        if (keep > macs + 1) dst[data + macs + t + 1] = type & 0xff;
      }
    }
    o = data + capOut;
    q = rec + cap;
  }
  return o - pos;
}

/**
 * putEditedRecords() of the n bytes at `at` in the buffer `src` is a
 * DataView of (all of it, from its byte 0): a run whose records all keep
 * WORD_COPY_MAX bytes or fewer of their frames (cut to that, or short
 * frames: DNS, TCP acknowledgements) is written from `src` record by record
 * (putShortRecords), with no view of the run and no copy of its other bytes.
 */
export function putEditedRecordsFrom(
  dst: Uint8Array,
  dv: DataView,
  pos: number,
  src: DataView,
  at: number,
  n: number,
  packets: number,
  tags: Uint8Array | undefined,
  cut: number,
  drop = 0,
  offsets?: Int32Array,
  drops?: Int32Array,
  leads?: Int32Array,
): number {
  if (cut <= WORD_COPY_MAX || allShort(src, at, packets, drop, offsets, drops, leads))
    return putShortRecords(dst, dv, pos, src, at, packets, tags, cut, drop, offsets, drops, leads);
  return putEditedRecords(
    dst,
    dv,
    pos,
    new Uint8Array(src.buffer, src.byteOffset + at, n),
    packets,
    tags,
    cut,
    drop,
    offsets,
    drops,
    leads,
  );
}

/** Whether every record of the run keeps WORD_COPY_MAX bytes of its frame or fewer (uncut). */
function allShort(
  src: DataView,
  at: number,
  packets: number,
  drop: number,
  offsets: Int32Array | undefined,
  drops: Int32Array | undefined,
  leads: Int32Array | undefined,
): boolean {
  const max = WORD_COPY_MAX;
  let q = at | 0;
  for (let i = 0; i < packets; i++) {
    if (offsets !== undefined) q = (at + offsets[i]) | 0;
    const cap = src.getInt32(q + 8, true);
    const d = ((drops === undefined ? drop : drops[i]) & DROP_BYTES) + (leads === undefined ? 0 : leads[i]);
    if (cap - d > max) return false;
    q = (q + PCAP_RECORD_HEADER + cap) | 0;
  }
  return true;
}

/**
 * The most bytes of a record's frame the short way keeps (putShortRecords):
 * there a view and set() a record (~350 instructions) cost less than the
 * run copied whole (its cut bytes and the records between with it) and a
 * copyWithin call a record (~230 with its C++ entry); past it, about the same.
 */
export const WORD_COPY_MAX = 128;

/** The most bytes after a record's addresses (and tags) putShortRecords copies in 32-bit words, not with set(). */
const WORDS_MAX = 48;

/**
 * putEditedRecords() of records that keep at most WORD_COPY_MAX bytes of
 * their frames: each record is written where it belongs straight from the
 * reader's buffer (`src` over all of it, the run at `at`), its header and
 * addresses in 32-bit words, the rest with one set() (a few words: words),
 * instead of the whole run copied (every byte of it, cut or between the
 * records) and each record then moved down with a builtin call. Writes the
 * same bytes as putEditedRecords' copy and move.
 */
function putShortRecords(
  dst: Uint8Array,
  dv: DataView,
  pos: number,
  src: DataView,
  at: number,
  packets: number,
  tags: Uint8Array | undefined,
  cut: number,
  drop: number,
  offsets: Int32Array | undefined,
  drops: Int32Array | undefined,
  leads: Int32Array | undefined,
): number {
  const t = tags === undefined ? 0 : tags.length;
  const tagWord = t === 4 ? tags![0] | (tags![1] << 8) | (tags![2] << 16) | (tags![3] << 24) : 0;
  const limit = cut < KEEP_MAX ? cut | 0 : KEEP_MAX;
  const header = PCAP_RECORD_HEADER;
  const macs = MACS;
  const dropBytes = DROP_BYTES;
  const buffer = src.buffer;
  const base = src.byteOffset;
  let q = at | 0;
  let o = pos | 0;
  for (let i = 0; i < packets; i++) {
    if (offsets !== undefined) q = (at + offsets[i]) | 0;
    const dt = drops === undefined ? drop : drops[i];
    const lead = leads === undefined ? 0 : leads[i];
    const after = dt & dropBytes;
    const d = after + lead;
    const cap = src.getInt32(q + 8, true);
    const keep = cap - d < limit ? cap - d : limit;
    const capOut = keep + t;
    putHeader(dv, o, src, q, keep, d, t);
    const data = (o + header) | 0;
    const from = (q + header + lead) | 0;
    // the bytes from the frame's addresses on, the tags after the addresses; a frame cut short of its addresses
    // (callers tag frames of 14 bytes or more) is its first bytes, as far as the cut keeps them
    let w = data;
    let r = from;
    let e = (data + keep) | 0;
    if (t !== 0 || (d !== 0 && keep >= macs)) {
      dv.setInt32(data, src.getInt32(from, true), true);
      dv.setInt32(data + 4, src.getInt32(from + 4, true), true);
      dv.setInt32(data + 8, src.getInt32(from + 8, true), true);
      if (t === 4) dv.setInt32(data + macs, tagWord, true);
      else for (let j = 0; j < t; j++) dst[data + macs + j] = tags![j];
      w = (data + macs + t) | 0;
      r = (from + macs + after) | 0;
      e = (e + t) | 0;
    }
    // a few words in JIT code, more with one view and set() (a word costs ~25 instructions: each DataView access
    // checks its buffer and bounds again; a view and set() ~350 and memcpy)
    if (((e - w) | 0) > WORDS_MAX) {
      dst.set(new Uint8Array(buffer, (base + r) | 0, (e - w) | 0), w);
      w = e;
    }
    for (; ((e - w) | 0) >= 4; w = (w + 4) | 0, r = (r + 4) | 0) dv.setInt32(w, src.getInt32(r, true), true);
    for (; w < e; w = (w + 1) | 0, r = (r + 1) | 0) dv.setUint8(w, src.getUint8(r));
    const type = dt >>> 16;
    if (type !== 0) {
      if (keep > macs) dst[data + macs + t] = type >>> 8;
      if (keep > macs + 1) dst[data + macs + t + 1] = type & 0xff;
    }
    o = (data + capOut) | 0;
    q = (from - lead + cap) | 0;
  }
  return o - pos;
}
