import { PCAP_RECORD_HEADER } from './record.js';

/** The Ethernet destination and source addresses: tags go after them. */
const MACS = 12;

/** No cut: every captured byte is kept. */
export const NO_CUT = Infinity;

/**
 * Writes `packets` classic pcap records (little-endian 16-byte headers, as
 * PacketRecord.verbatim has them) that lie one after the other in `run` into
 * `dst` at `pos`, each with `tags` inserted after its 12 address bytes and
 * its data cut to `cut` bytes: its captured and wire lengths grow by the
 * tags' length, its captured length shrinks to the cut. This is the record
 * the encoder would write for the tagged, cut frame. Returns the bytes
 * written; `dst` needs room for run.length + packets * tags.length from
 * `pos`.
 *
 * No array is made per record: the run goes in with one copy, placed at the
 * end of that room, and each record is then moved down to where it belongs
 * with copyWithin, in order. A record never lands on bytes of a record
 * after it (each starts at least tags.length * (records left) before where
 * it was copied), so the moves need no second buffer. Records shorter than
 * the addresses are not tagged by callers (a mark needs 14 bytes).
 */
export function putEditedRecords(
  dst: Uint8Array,
  pos: number,
  run: Uint8Array,
  packets: number,
  tags: Uint8Array | undefined,
  cut: number,
): number {
  const t = tags === undefined ? 0 : tags.length;
  let q = pos + t * packets;
  dst.set(run, q);
  let o = pos;
  for (let i = 0; i < packets; i++) {
    const cap = (dst[q + 8] | (dst[q + 9] << 8) | (dst[q + 10] << 16) | (dst[q + 11] << 24)) >>> 0;
    const wire = ((dst[q + 12] | (dst[q + 13] << 8) | (dst[q + 14] << 16) | (dst[q + 15] << 24)) >>> 0) + t;
    const keep = cap < cut ? cap : cut;
    const capOut = keep + t;
    // the timestamp stays; lengths written after it is moved (they may lie on it)
    if (o !== q) for (let j = 0; j < 8; j++) dst[o + j] = dst[q + j];
    const data = o + PCAP_RECORD_HEADER;
    const from = q + PCAP_RECORD_HEADER;
    if (t === 0) {
      if (o !== q) dst.copyWithin(data, from, from + keep);
    } else {
      // addresses, then the rest past the tags, then the tags (over bytes already moved)
      for (let j = 0; j < MACS; j++) dst[data + j] = dst[from + j];
      dst.copyWithin(data + MACS + t, from + MACS, from + keep);
      for (let j = 0; j < t; j++) dst[data + MACS + j] = tags![j];
    }
    dst[o + 8] = capOut;
    dst[o + 9] = capOut >>> 8;
    dst[o + 10] = capOut >>> 16;
    dst[o + 11] = capOut >>> 24;
    dst[o + 12] = wire;
    dst[o + 13] = wire >>> 8;
    dst[o + 14] = wire >>> 16;
    dst[o + 15] = wire >>> 24;
    o = data + capOut;
    q = from + cap;
  }
  return o - pos;
}
