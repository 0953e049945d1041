import { IPPROTO } from '../../fields/ip-proto.js';
import { get16, put16 } from './checksum.js';
import { copyBytes, type Replica } from './replica.js';

/** RFC 9486: the IOAM option type, in Hop-by-Hop and Destination Options headers alike. */
const OPT_IOAM = 0x31;
/** RFC 9197 IOAM option types: the pre-allocated trace. */
const IOAM_PREALLOCATED_TRACE = 0;
/** IOAM-Trace-Type bits 2 and 3: timestamp seconds, timestamp fraction. */
const TRACE_TYPE_TIMESTAMP = 0x300000;
/** Node data: 4-byte seconds and 4-byte fraction, in 4-octet units. */
const NODE_LEN = 2;
const PADN = 1;
/** Option: type, length, reserved, IOAM type, trace header (8), one node (8). */
const OPTION = 20;
/** What is added: a new header (next header, length, 2 bytes of padding, the option) or, appended to one, 4 bytes of padding and the option. Both keep the trace 4-octet aligned. */
const ADDED = 24;
const MAX_EXTENSION = 2048;

export type Ipv6Outcome = 'ipv6-hop-by-hop' | 'ipv6-destination-option' | 'no-room' | 'no-length' | 'header-cut';

/**
 * Stamps the IPv6 header at `ip` with an IOAM pre-allocated trace option
 * (RFC 9197, 9486) holding one node's timestamp seconds and fraction: the
 * capture time as POSIX seconds and nanoseconds, in the default namespace
 * (0). It goes into the Hop-by-Hop Options header, or a Destination Options
 * header right after the IPv6 header (after any Hop-by-Hop header), added to
 * the header of that kind that is there or in a new one. Only the payload
 * length changes: the pseudo-header of TCP, UDP and ICMPv6 checksums holds
 * the upper-layer length, which stays, so no checksum changes. A jumbogram or
 * a payload length of 0 (segmentation offload) gives no length to grow.
 */
export function stampIpv6(
  r: Replica,
  ip: number,
  where: 'hop-by-hop' | 'destination-option',
  pppoe: number,
): Ipv6Outcome {
  const d = r.data;
  if (ip + 40 > r.length) return 'header-cut';
  const payload = get16(d, ip + 4);
  if (payload === 0) return 'no-length';
  if (payload + ADDED > 0xffff) return 'no-room';
  // the next-header field that names what goes at `at`, and `at`
  let nextAt = ip + 6;
  let at = ip + 40;
  if (where === 'destination-option' && d[nextAt] === IPPROTO.HOPOPTS) {
    if (at + 2 > r.length) return 'header-cut';
    nextAt = at;
    at += (d[at + 1] + 1) << 3;
  }
  const kind = where === 'hop-by-hop' ? IPPROTO.HOPOPTS : IPPROTO.DSTOPTS;
  const t = r.target(r.length + ADDED);
  if (d[nextAt] === kind) {
    // append to the header there: padding to keep the trace aligned, then the option
    if (at + 2 > r.length) return 'header-cut';
    const len = (d[at + 1] + 1) << 3;
    if (at + len > r.length) return 'header-cut';
    if (len + ADDED > MAX_EXTENSION) return 'no-room';
    const q = at + len;
    copyBytes(t, 0, d, 0, q);
    t[q] = PADN;
    t[q + 1] = 2;
    t[q + 2] = 0;
    t[q + 3] = 0;
    writeOption(t, q + 4, r.tsSec, r.tsNsec);
    copyBytes(t, q + ADDED, d, q, r.length - q);
    t[at + 1] += ADDED >> 3;
  } else {
    copyBytes(t, 0, d, 0, at);
    t[at] = d[nextAt];
    t[at + 1] = (ADDED >> 3) - 1;
    t[at + 2] = PADN;
    t[at + 3] = 0;
    writeOption(t, at + 4, r.tsSec, r.tsNsec);
    copyBytes(t, at + ADDED, d, at, r.length - at);
    t[nextAt] = kind;
  }
  put16(t, ip + 4, payload + ADDED);
  if (pppoe >= 0) put16(t, pppoe + 4, get16(t, pppoe + 4) + ADDED);
  r.wireLen += ADDED;
  r.commit(r.length + ADDED);
  return where === 'hop-by-hop' ? 'ipv6-hop-by-hop' : 'ipv6-destination-option';
}

function writeOption(t: Uint8Array, at: number, tsSec: number, tsNsec: number): void {
  t[at] = OPT_IOAM;
  t[at + 1] = OPTION - 2;
  t[at + 2] = 0;
  t[at + 3] = IOAM_PREALLOCATED_TRACE;
  // namespace 0 (the default), node length, no flags, remaining length 0: our one node slot is filled
  put16(t, at + 4, 0);
  put16(t, at + 6, NODE_LEN << 11);
  t[at + 8] = TRACE_TYPE_TIMESTAMP >>> 16;
  t[at + 9] = (TRACE_TYPE_TIMESTAMP >>> 8) & 0xff;
  t[at + 10] = TRACE_TYPE_TIMESTAMP & 0xff;
  t[at + 11] = 0;
  put32(t, at + 12, tsSec);
  put32(t, at + 16, tsNsec);
}

function put32(t: Uint8Array, at: number, v: number): void {
  t[at] = (v >>> 24) & 0xff;
  t[at + 1] = (v >>> 16) & 0xff;
  t[at + 2] = (v >>> 8) & 0xff;
  t[at + 3] = v & 0xff;
}
