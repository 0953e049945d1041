import { IPPROTO } from '../../fields/ip-proto.js';
import type { PacketView } from '../decode/view.js';
import { get16, put16, sumBytes, updateChecksum, updateL4Checksum } from './checksum.js';
import { copyBytes, type Replica } from './replica.js';

/** TCP option kinds read here (RFC 9293, RFC 2018). */
const TCPOPT_END = 0;
const TCPOPT_NOP = 1;
const TCPOPT_SACK = 5;
const TCP_CHECKSUM = 16;
const TCP_WINDOW = 14;
const UDP_CHECKSUM = 6;

/** Maps a 32-bit sequence number of the other direction (an acknowledgement, a SACK edge) to the output's. */
export type SeqMap = (seq: number) => number;

/** The new sequence and acknowledgement numbers of a TCP segment; `sack` maps its SACK edges (undefined: as they are). */
export interface TcpNumbers {
  seq: number;
  ack: number;
  sack: SeqMap | undefined;
}

function put32(d: Uint8Array, at: number, v: number): void {
  d[at] = v >>> 24;
  d[at + 1] = (v >>> 16) & 0xff;
  d[at + 2] = (v >>> 8) & 0xff;
  d[at + 3] = v & 0xff;
}

export function get32(d: Uint8Array, at: number): number {
  return ((d[at] << 24) | (d[at + 1] << 16) | (d[at + 2] << 8) | d[at + 3]) >>> 0;
}

/** The largest right edge of the SACK blocks in the TCP header at `l4`, or -1 when it has none. */
export function sackRightEdges(d: Uint8Array, l4: number, hdrLen: number, each?: (edge: number) => void): number {
  let max = -1;
  forEachSackEdge(d, l4, hdrLen, (at, right) => {
    if (!right) return;
    const e = get32(d, at);
    each?.(e);
    if (max < 0 || ((e - max) | 0) > 0) max = e;
  });
  return max;
}

/** A TCP header's window field (unscaled). */
export function tcpWindow(d: Uint8Array, l4: number): number {
  return (d[l4 + TCP_WINDOW] << 8) | d[l4 + TCP_WINDOW + 1];
}

/** Calls back with the offset of every SACK edge (left, then right, of each block) in the options. */
function forEachSackEdge(d: Uint8Array, l4: number, hdrLen: number, f: (at: number, right: boolean) => void): void {
  let p = l4 + 20;
  const end = l4 + hdrLen;
  while (p < end) {
    const kind = d[p];
    if (kind === TCPOPT_END) return;
    if (kind === TCPOPT_NOP) {
      p++;
      continue;
    }
    if (end - p < 2) return;
    const len = d[p + 1];
    if (len < 2 || end - p < len) return;
    if (kind === TCPOPT_SACK)
      for (let q = p + 2; q + 8 <= p + len; q += 8) {
        f(q, false);
        f(q + 4, true);
      }
    p += len;
  }
}

/** Writes seq, ack and the mapped SACK edges into the TCP header at `l4` of `t`. */
function writeNumbers(t: Uint8Array, l4: number, hdrLen: number, n: TcpNumbers): void {
  put32(t, l4 + 4, n.seq);
  put32(t, l4 + 8, n.ack);
  const sack = n.sack;
  if (sack) forEachSackEdge(t, l4, hdrLen, (at) => put32(t, at, sack(get32(t, at))));
}

/** The sum of the header words a renumbering changes: seq and ack, and the options (SACK) when mapped. */
function numbersSum(d: Uint8Array, l4: number, hdrLen: number, options: boolean): number {
  return sumBytes(d, l4 + 4, l4 + 12) + (options ? sumBytes(d, l4 + 20, l4 + hdrLen) : 0);
}

/** dst[0, n) = src[0, n), without a view of the source when it is exactly that long. */
function copyFrame(dst: Uint8Array, src: Uint8Array, n: number): void {
  if (src.length === n) dst.set(src);
  else copyBytes(dst, 0, src, 0, n);
}

/**
 * Gives a TCP segment new sequence and acknowledgement numbers (and SACK
 * edges), its bytes otherwise as they are; the checksum is updated over the
 * header words that change (RFC 1624), so a cut capture, whose payload is
 * not all there, still gets a checksum that verifies over the whole
 * segment, and a wrong one stays wrong the same way. Returns false, writing
 * nothing, when the numbers are the ones the segment has.
 */
export function renumberTcp(r: Replica, v: PacketView, n: TcpNumbers): boolean {
  const d = r.data;
  const l4 = v.l4Offset;
  const hl = v.tcpHdrLen;
  if (n.seq === get32(d, l4 + 4) && n.ack === get32(d, l4 + 8) && !sackChanges(d, l4, hl, n.sack)) return false;
  const t = r.target(r.length);
  copyFrame(t, d, r.length);
  const options = n.sack !== undefined && hl > 20;
  const oldSum = numbersSum(d, l4, hl, options);
  writeNumbers(t, l4, hl, n);
  updateL4Checksum(t, l4 + TCP_CHECKSUM, IPPROTO.TCP, v.ipVersion === 6, oldSum, numbersSum(t, l4, hl, options));
  r.commit(r.length);
  return true;
}

function sackChanges(d: Uint8Array, l4: number, hl: number, sack: SeqMap | undefined): boolean {
  if (!sack || hl <= 20) return false;
  let changes = false;
  forEachSackEdge(d, l4, hl, (at) => {
    const e = get32(d, at);
    if (sack(e) !== e) changes = true;
  });
  return changes;
}

/** The pseudo-header's length word(s) of an upper-layer length. */
function lengthSum(n: number): number {
  return (n & 0xffff) + Math.floor(n / 65536);
}

/**
 * Gives a TCP or UDP packet a new payload, `payload[0, length)`, in place of
 * its whole payload (all of it captured). Whatever follows the IP packet in
 * the frame (Ethernet padding, trailers) follows it still. The IPv4 total
 * length and header checksum, the IPv6 payload length, a PPPoE length in
 * front (`pppoe`: its offset, or -1), the UDP length and the TCP or UDP
 * checksum follow; checksums are updated from the old sums to the new ones,
 * so one that was wrong (offloaded) stays wrong the same way, and a UDP
 * checksum of zero over IPv4 (none) stays zero. Lengths of 0 (TSO, jumbo)
 * still say "unknown". For TCP, `numbers` gives the new sequence numbers.
 */
export function rewritePayload(
  r: Replica,
  v: PacketView,
  payload: Uint8Array,
  length: number,
  pppoe: number,
  numbers: TcpNumbers | undefined,
): void {
  const d = r.data;
  const ip = v.ipHdrOffset;
  const l4 = v.l4Offset;
  const po = v.payloadOffset;
  const ipEnd = po + v.payloadLength;
  const tcp = v.ipProto === IPPROTO.TCP;
  const v6 = v.ipVersion === 6;
  const delta = length - v.payloadLength;
  const size = r.length + delta;
  const ck = tcp ? TCP_CHECKSUM : UDP_CHECKSUM;
  const oldL4 = ipEnd - l4;
  const n = v.payloadLength;
  // The checksum changes by the words that differ. Before the first changed byte the segments are
  // alike; after the last one too, shifted by delta, which for an even delta keeps the words aligned:
  // only the header and the middle are summed (the payload starts at an even distance from l4).
  let head = 0;
  const both = Math.min(n, length);
  while (head < both && d[po + head] === payload[head]) head++;
  head &= ~1;
  let tail = 0;
  if ((delta & 1) === 0) {
    // (the middles start at an even distance from l4, so an odd last byte of theirs is summed as a high
    // byte, where it lies; the tails lie at the same parity in both and cancel whatever it is)
    while (tail < both - head && d[ipEnd - 1 - tail] === payload[length - 1 - tail]) tail++;
  }
  const oldSum =
    lengthSum(oldL4) + sumBytes(d, l4, l4 + ck) + sumBytes(d, l4 + ck + 2, po) + sumBytes(d, po + head, ipEnd - tail);

  const t = r.target(size);
  copyBytes(t, 0, d, 0, po);
  copyBytes(t, po, payload, 0, length);
  copyBytes(t, po + length, d, ipEnd, r.length - ipEnd);

  if (v6) {
    const plen = get16(t, ip + 4);
    if (plen !== 0) put16(t, ip + 4, plen + delta);
  } else {
    const total = get16(t, ip + 2);
    if (total !== 0) {
      put16(t, ip + 2, total + delta);
      put16(t, ip + 10, updateChecksum(get16(t, ip + 10), total, total + delta));
    }
  }
  if (pppoe >= 0) put16(t, pppoe + 4, get16(t, pppoe + 4) + delta);
  if (tcp) writeNumbers(t, l4, v.tcpHdrLen, numbers!);
  else {
    const ulen = get16(t, l4 + 4);
    if (ulen !== 0) put16(t, l4 + 4, ulen + delta);
  }
  const newL4 = oldL4 + delta;
  const newSum =
    lengthSum(newL4) +
    sumBytes(t, l4, l4 + ck) +
    sumBytes(t, l4 + ck + 2, po) +
    sumBytes(t, po + head, po + length - tail);
  updateL4Checksum(t, l4 + ck, v.ipProto, v6, oldSum, newSum);
  r.wireLen += delta;
  r.commit(size);
}
