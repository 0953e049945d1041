import { be16 } from './bytes.js';
import { mark, reasonCode } from './malformed.js';
import { decodeIpPayload } from './transport.js';
import type { PacketView } from './view.js';

const TRUNCATED = reasonCode('truncated-ipv4');
const BAD_VERSION = reasonCode('bad-ipv4-version');
const BAD_HEADER_LENGTH = reasonCode('bad-ipv4-header-length');
const BAD_TOTAL_LENGTH = reasonCode('bad-ipv4-total-length');

/**
 * IPv4 with options. The payload ends at the total length (so Ethernet
 * padding and trailers are not payload), except that a total length of 0 is
 * taken as "unknown", as TSO/GSO captures have it. A total length past the
 * end of the frame on the wire is malformed but decoding goes on over what
 * there is, like tcpdump and tshark.
 */
export function decodeIpv4(v: PacketView, d: Uint8Array, off: number, end: number): void {
  if (off >= end) {
    mark(v, TRUNCATED);
    return;
  }
  v.l3Offset = off;
  const b0 = d[off];
  if (b0 >> 4 !== 4) {
    mark(v, BAD_VERSION);
    return;
  }
  if (end - off < 20) {
    mark(v, TRUNCATED);
    return;
  }
  v.ipVersion = 4;
  v.ipHdrOffset = off;
  v.dscp = d[off + 1] >> 2;
  const totalLen = be16(d, off + 2);
  v.ipTotalLen = totalLen;
  const fragField = be16(d, off + 6);
  const fragment = fragField & 0x1fff ? 2 : fragField & 0x2000 ? 1 : 0;
  v.fragment = fragment;
  v.ttl = d[off + 8];
  const proto = d[off + 9];
  v.ipProto = proto;
  v.ip4Src = ((d[off + 12] << 24) | (d[off + 12 + 1] << 16) | (d[off + 12 + 2] << 8) | d[off + 12 + 3]) >>> 0;
  v.ip4Dst = ((d[off + 16] << 24) | (d[off + 16 + 1] << 16) | (d[off + 16 + 2] << 8) | d[off + 16 + 3]) >>> 0;
  const headerLen = (b0 & 0x0f) << 2;
  if (headerLen < 20) {
    mark(v, BAD_HEADER_LENGTH);
    return;
  }
  if (end - off < headerLen) {
    mark(v, TRUNCATED);
    return;
  }
  let ipEnd = end;
  if (totalLen !== 0) {
    if (totalLen < headerLen) {
      mark(v, BAD_TOTAL_LENGTH);
      return;
    }
    if (off + totalLen > v.wireEnd) mark(v, BAD_TOTAL_LENGTH);
    if (off + totalLen < ipEnd) ipEnd = off + totalLen;
  }
  decodeIpPayload(v, d, off + headerLen, ipEnd, proto, fragment);
}
