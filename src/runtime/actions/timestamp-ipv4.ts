import { get16, put16, sumBytes, sumBytesAligned, updateChecksum } from './checksum.js';
import { copyBytes, type Replica } from './replica.js';

/** RFC 791 Internet Timestamp option. */
const OPT_TIMESTAMP = 68;
const OPT_END = 0;
const OPT_NOP = 1;
/** Type, length, pointer, overflow/flag, one (address, timestamp) entry. */
const OPTION_LENGTH = 12;
/** Flag 1: each entry is an address and a timestamp; flag 0: timestamps only; 3: prespecified addresses. */
const FLAG_TS_ONLY = 0;
const FLAG_ADDRESS = 1;
const FLAG_PRESPECIFIED = 3;
/** Bytes of an entry: a timestamp, after an address with flags 1 and 3. */
const ENTRY_TS_ONLY = 4;
const ENTRY_ADDRESS = 8;
const MAX_HEADER = 60;

/** What the IPv4 stamp did, a timestamp reason. */
export type Ipv4Outcome =
  | 'ip-option'
  | 'ip-option-filled'
  | 'ip-option-overflow'
  | 'ip-option-prespecified'
  | 'no-room'
  | 'bad-options'
  | 'header-cut';

/** Milliseconds since midnight UT, the RFC 791 timestamp, of a capture time. */
export function msSinceMidnight(tsSec: number, tsNsec: number): number {
  const day = ((tsSec % 86400) + 86400) % 86400;
  return day * 1000 + Math.floor(tsNsec / 1e6);
}

/**
 * Stamps the IPv4 header at `ip` as a router on the path would (RFC 791):
 * a Timestamp option already there gets the next free entry, or its
 * overflow count raised when it is full; otherwise a new option with one
 * entry (flag 1: address and timestamp) goes after the options present,
 * into the end-of-list padding after them as far as it reaches.
 * The address recorded is 0.0.0.0: the switch is not a hop with an address
 * on the path. IHL, total length and the header checksum follow; the
 * checksum is updated (RFC 1624), so one that was wrong stays wrong the
 * same way. The transport checksums do not cover the IP header and stay.
 * `pppoe` is the offset of a PPPoE header in front whose length grows too.
 */
export function stampIpv4(r: Replica, ip: number, pppoe: number): Ipv4Outcome {
  const d = r.data;
  const ihl = (d[ip] & 0x0f) << 2;
  if (ihl < 20 || ip + ihl > r.length) return 'header-cut';
  // find the end of the options and any timestamp option among them
  let p = ip + 20;
  const end = ip + ihl;
  let ts = -1;
  while (p < end) {
    const type = d[p];
    if (type === OPT_END) break;
    if (type === OPT_NOP) {
      p++;
      continue;
    }
    if (end - p < 2) return 'bad-options';
    const len = d[p + 1];
    if (len < 2 || end - p < len) return 'bad-options';
    if (type === OPT_TIMESTAMP && ts < 0) ts = p;
    p += len;
  }
  if (ts >= 0) return fillExisting(r, ip, ts, ihl);
  const used = p - (ip + 20);
  const options = (used + OPTION_LENGTH + 3) & ~3;
  // the end-of-list padding the header has takes the stamp where it fits: the header grows by what is missing, never shrinks
  const newIhl = Math.max(ihl, 20 + options);
  if (newIhl > MAX_HEADER) return 'no-room';
  const delta = newIhl - ihl;
  const total = get16(d, ip + 2);
  if (total !== 0 && total + delta > 0xffff) return 'no-room';
  // the words that change: version/IHL, total length, and the options area from the end of the options on
  const oldSum = get16(d, ip) + total + sumBytesAligned(d, p, end - p, ip);
  const check = get16(d, ip + 10);
  const t = r.target(r.length + delta);
  const n = r.length;
  if (d.length === n) {
    // the frame is an array of its own (a captured one): the whole of it moved by delta in one set() with no view
    // of a part made, then the bytes before the stamp put back (the option and its padding overwrite the rest)
    t.set(d, delta);
    for (let i = 0; i < p; i++) t[i] = d[i];
  } else {
    copyBytes(t, 0, d, 0, p);
    copyBytes(t, end + delta, d, end, n - end);
  }
  let q = p;
  t[q++] = OPT_TIMESTAMP;
  t[q++] = OPTION_LENGTH;
  t[q++] = OPTION_LENGTH + 1; // the pointer: past the one entry, which is filled
  t[q++] = FLAG_ADDRESS;
  for (let i = 0; i < 4; i++) t[q++] = 0;
  putTime(t, q, r.tsSec, r.tsNsec);
  q += 4;
  while (q < ip + newIhl) t[q++] = OPT_END;
  t[ip] = (t[ip] & 0xf0) | (newIhl >> 2);
  if (total !== 0) put16(t, ip + 2, total + delta);
  const newSum = get16(t, ip) + get16(t, ip + 2) + sumBytesAligned(t, p, ip + newIhl - p, ip);
  put16(t, ip + 10, updateChecksum(check, oldSum, newSum));
  if (pppoe >= 0) put16(t, pppoe + 4, get16(t, pppoe + 4) + delta);
  r.wireLen += delta;
  r.commit(r.length + delta);
  return 'ip-option';
}

/**
 * An entry in a Timestamp option that has room; its overflow count raised
 * where it has none. With prespecified addresses (flag 3) only the hops
 * named stamp (RFC 791), and the switch has no address on the path: while
 * entries are free the option passes unchanged, as past a router it does not
 * name; once all are taken the overflow count is raised as for any full option.
 */
function fillExisting(r: Replica, ip: number, ts: number, ihl: number): Ipv4Outcome {
  const src = r.data;
  const len = src[ts + 1];
  const ptr = src[ts + 2];
  const flag = src[ts + 3] & 0x0f;
  const entry = flag === FLAG_TS_ONLY ? ENTRY_TS_ONLY : ENTRY_ADDRESS;
  const room = ptr >= 5 && ptr + entry - 1 <= len;
  if (flag === FLAG_PRESPECIFIED && room) return 'ip-option-prespecified';
  const t = r.target(r.length);
  copyBytes(t, 0, src, 0, r.length);
  const check = get16(t, ip + 10);
  const oldSum = headerSum(t, ip, ihl);
  let outcome: Ipv4Outcome;
  if ((flag === FLAG_TS_ONLY || flag === FLAG_ADDRESS) && room) {
    let q = ts + ptr - 1;
    if (flag === FLAG_ADDRESS) {
      for (let i = 0; i < 4; i++) t[q++] = 0;
    }
    putTime(t, q, r.tsSec, r.tsNsec);
    t[ts + 2] = ptr + entry;
    outcome = 'ip-option-filled';
  } else {
    // full (or a flag RFC 791 does not define): count the hop in the overflow field, which saturates
    const overflow = t[ts + 3] >> 4;
    if (overflow < 15) t[ts + 3] = ((overflow + 1) << 4) | flag;
    outcome = 'ip-option-overflow';
  }
  put16(t, ip + 10, updateChecksum(check, oldSum, headerSum(t, ip, ihl)));
  r.commit(r.length);
  return outcome;
}

/** The header's sum without its checksum field. */
function headerSum(d: Uint8Array, ip: number, ihl: number): number {
  return sumBytes(d, ip, ip + 10) + sumBytes(d, ip + 12, ip + ihl);
}

function putTime(t: Uint8Array, at: number, tsSec: number, tsNsec: number): void {
  const ms = msSinceMidnight(tsSec, tsNsec);
  t[at] = (ms >>> 24) & 0xff;
  t[at + 1] = (ms >>> 16) & 0xff;
  t[at + 2] = (ms >>> 8) & 0xff;
  t[at + 3] = ms & 0xff;
}
