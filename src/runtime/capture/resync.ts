import { PCAPNG_BLOCK, PCAPNG_SHB } from './magic.js';

/**
 * A record that claims more bytes than the file has left is either the last
 * one, cut short (the file was truncated: a warning), or a corrupt length
 * word with more records behind it, which a reader trusting the length would
 * skip without a word (an error). The second leaves a trace: somewhere inside
 * the claimed span, a chain of well-formed records starts and runs exactly to
 * the end of the file. These functions look for that chain, pcapfix-style,
 * but only to tell the two cases apart: tmesc reports it and stops rather
 * than guess which bytes were packets.
 *
 * The tests are strict so that the data of a genuinely cut packet is never
 * taken for records (a run of zero bytes is a valid-looking pcap header with
 * caplen 0, so caplen 0 is not accepted here; pcapng needs a matching
 * trailing length). Each runs in time linear in the bytes it looks at.
 */

export interface Continuation {
  /** Index in the buffer where the chain starts. */
  readonly at: number;
  /** Complete records in the chain. */
  readonly records: number;
}

/** Timestamps of records in a row in a resumed chain lie within this many seconds of each other: a week. */
const TIME_WINDOW = 7 * 86400;

/** Positions examined at most (bounded memory: one 32-bit word each). */
const MAX_POSITIONS = 4 * 1024 * 1024;

const NONE = -1;

/**
 * Chains by dynamic programming from the end backwards: chain[i] is the
 * number of complete records from position i to the end of the file (times
 * 2, plus 1 when the chain ends in a cut record), or NONE.
 */
function findChain(
  from: number,
  end: number,
  step: number,
  header: number,
  /** The record at q: its length (end of record = q + length), or NONE when its header is not well-formed. */
  recordLength: (q: number) => number,
  /** For a complete record: whether it is well-formed to its last byte (pcapng's trailer). */
  complete: (q: number, len: number) => boolean,
  /** Whether two records in a row belong together (pcap: timestamps close in time). */
  linked: (q: number, next: number) => boolean,
): Continuation | undefined {
  const n = Math.floor((end - from) / step);
  if (n <= 0 || n > MAX_POSITIONS) return undefined;
  const chain = new Int32Array(n + 1);
  // index i stands for q = from + i * step; i = n may fall short of `end` by less than a step
  const at = (i: number) => from + i * step;
  let best: Continuation | undefined;
  for (let i = n; i >= 0; i--) {
    const q = at(i);
    let v: number;
    if (q === end) v = 0;
    else if (end - q < header)
      v = 1; // a record header cut by the end of the file
    else {
      const len = recordLength(q);
      if (len === NONE) v = NONE;
      else if (q + len > end) v = 1;
      else if (!complete(q, len)) v = NONE;
      else if (q + len === end) v = 2;
      else {
        const j = (q + len - from) / step;
        const next = chain[j];
        v = next === NONE || (end - (q + len) >= header && !linked(q, q + len)) ? NONE : next + 2;
      }
    }
    chain[i] = v;
    if (v === NONE) continue;
    const records = v >> 1;
    const cut = (v & 1) === 1;
    // a lone cut header proves nothing: one complete record to the end, or two before a cut one
    if (records >= (cut ? 2 : 1)) best = { at: q, records };
  }
  return best;
}

export interface PcapShape {
  readonly view: DataView;
  readonly le: boolean;
  readonly headerLen: number;
  readonly snapLen: number;
  /** Fraction units per second: 1e6 or 1e9. */
  readonly fracUnits: number;
}

/** Where well-formed pcap records resume within [from, end) and run to the end, if they do. */
export function pcapContinuation(s: PcapShape, from: number, end: number): Continuation | undefined {
  const { view, le, headerLen, snapLen, fracUnits } = s;
  return findChain(
    from,
    end,
    1,
    headerLen,
    (q) => {
      const frac = view.getUint32(q + 4, le);
      const cap = view.getUint32(q + 8, le);
      const wire = view.getUint32(q + 12, le);
      if (cap === 0 || cap > snapLen || wire < cap || frac >= fracUnits) return NONE;
      return headerLen + cap;
    },
    () => true,
    (q, next) => Math.abs(view.getUint32(q, le) - view.getUint32(next, le)) <= TIME_WINDOW,
  );
}

const KNOWN_BLOCKS: ReadonlySet<number> = new Set([
  PCAPNG_SHB,
  PCAPNG_BLOCK.INTERFACE_DESCRIPTION,
  PCAPNG_BLOCK.PACKET,
  PCAPNG_BLOCK.SIMPLE_PACKET,
  PCAPNG_BLOCK.NAME_RESOLUTION,
  PCAPNG_BLOCK.INTERFACE_STATISTICS,
  PCAPNG_BLOCK.ENHANCED_PACKET,
  PCAPNG_BLOCK.SYSTEMD_JOURNAL_EXPORT,
  PCAPNG_BLOCK.DECRYPTION_SECRETS,
  PCAPNG_BLOCK.CUSTOM,
  PCAPNG_BLOCK.CUSTOM_NO_COPY,
]);

/** Where well-formed pcapng blocks resume within [from, end) and run to the end, if they do. */
export function pcapngContinuation(view: DataView, le: boolean, from: number, end: number): Continuation | undefined {
  return findChain(
    from,
    end,
    4,
    12,
    (q) => {
      const type = view.getUint32(q, le);
      const len = view.getUint32(q + 4, le);
      if (!KNOWN_BLOCKS.has(type) || len < 12 || (len & 3) !== 0) return NONE;
      if (type === PCAPNG_BLOCK.ENHANCED_PACKET && len < 32) return NONE;
      return len;
    },
    (q, len) => view.getUint32(q + len - 4, le) === len,
    () => true,
  );
}
