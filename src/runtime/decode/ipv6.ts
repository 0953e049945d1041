import { IPPROTO } from '../../fields/ip-proto.js';
import { be16 } from './bytes.js';
import { mark, reasonCode } from './malformed.js';
import { decodeIpPayload } from './transport.js';
import type { PacketView } from './view.js';

const TRUNCATED = reasonCode('truncated-ipv6');
const BAD_VERSION = reasonCode('bad-ipv6-version');
const BAD_PAYLOAD_LENGTH = reasonCode('bad-ipv6-payload-length');
const TRUNCATED_EXTENSION = reasonCode('truncated-ipv6-extension');

/**
 * IPv6, walking extension headers to the final next header, which is what
 * ipProto holds. A fragment header with a non-zero offset ends the walk: what
 * follows is the middle of a datagram, not a header. A payload length of 0
 * (jumbogram, GSO) means "to the end of the capture".
 */
export function decodeIpv6(v: PacketView, d: Uint8Array, off: number, end: number): void {
  if (off >= end) {
    mark(v, TRUNCATED);
    return;
  }
  v.l3Offset = off;
  const b0 = d[off];
  if (b0 >> 4 !== 6) {
    mark(v, BAD_VERSION);
    return;
  }
  if (end - off < 40) {
    mark(v, TRUNCATED);
    return;
  }
  v.ipVersion = 6;
  v.ipHdrOffset = off;
  v.dscp = ((b0 & 0x0f) << 2) | (d[off + 1] >> 6);
  const payloadLen = be16(d, off + 4);
  v.ipTotalLen = 40 + payloadLen;
  v.ttl = d[off + 7];
  v.ip6Src0 = ((d[off + 8] << 24) | (d[off + 8 + 1] << 16) | (d[off + 8 + 2] << 8) | d[off + 8 + 3]) >>> 0;
  v.ip6Src1 = ((d[off + 12] << 24) | (d[off + 12 + 1] << 16) | (d[off + 12 + 2] << 8) | d[off + 12 + 3]) >>> 0;
  v.ip6Src2 = ((d[off + 16] << 24) | (d[off + 16 + 1] << 16) | (d[off + 16 + 2] << 8) | d[off + 16 + 3]) >>> 0;
  v.ip6Src3 = ((d[off + 20] << 24) | (d[off + 20 + 1] << 16) | (d[off + 20 + 2] << 8) | d[off + 20 + 3]) >>> 0;
  v.ip6Dst0 = ((d[off + 24] << 24) | (d[off + 24 + 1] << 16) | (d[off + 24 + 2] << 8) | d[off + 24 + 3]) >>> 0;
  v.ip6Dst1 = ((d[off + 28] << 24) | (d[off + 28 + 1] << 16) | (d[off + 28 + 2] << 8) | d[off + 28 + 3]) >>> 0;
  v.ip6Dst2 = ((d[off + 32] << 24) | (d[off + 32 + 1] << 16) | (d[off + 32 + 2] << 8) | d[off + 32 + 3]) >>> 0;
  v.ip6Dst3 = ((d[off + 36] << 24) | (d[off + 36 + 1] << 16) | (d[off + 36 + 2] << 8) | d[off + 36 + 3]) >>> 0;
  let ipEnd = end;
  if (payloadLen !== 0) {
    if (off + 40 + payloadLen > v.wireEnd) mark(v, BAD_PAYLOAD_LENGTH);
    if (off + 40 + payloadLen < ipEnd) ipEnd = off + 40 + payloadLen;
  }
  let next = d[off + 6];
  let p = off + 40;
  let fragment = 0;
  v.fragment = 0;
  // No cap on the chain: each header is at least 8 bytes, so the walk is
  // linear in the packet, and tcpdump and tshark walk it all too.
  for (;;) {
    let len: number;
    if (next === IPPROTO.HOPOPTS || next === IPPROTO.ROUTING || next === IPPROTO.DSTOPTS || next === IPPROTO.MOBILITY) {
      if (ipEnd - p < 2) break;
      len = (d[p + 1] + 1) << 3;
    } else if (next === IPPROTO.AH) {
      if (ipEnd - p < 2) break;
      len = (d[p + 1] + 2) << 2;
    } else if (next === IPPROTO.FRAGMENT) {
      len = 8;
    } else {
      v.ipProto = next;
      decodeIpPayload(v, d, p, ipEnd, next, fragment);
      return;
    }
    if (ipEnd - p < len) break;
    if (next === IPPROTO.FRAGMENT) {
      const offsetAndMore = be16(d, p + 2);
      const kind = offsetAndMore & 0xfff8 ? 2 : offsetAndMore & 1 ? 1 : 0;
      // A second fragment header cannot undo the first.
      if (kind > fragment) fragment = kind;
      v.fragment = fragment;
      if (fragment === 2) {
        next = d[p];
        v.ipProto = next;
        decodeIpPayload(v, d, p + len, ipEnd, next, fragment);
        return;
      }
    }
    next = d[p];
    p += len;
  }
  mark(v, TRUNCATED_EXTENSION);
}
