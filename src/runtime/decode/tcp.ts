import { be16 } from './bytes.js';
import { mark, reasonCode } from './malformed.js';
import { setPayload } from './payload.js';
import type { PacketView } from './view.js';

const TRUNCATED = reasonCode('truncated-tcp');
const BAD_HEADER_LENGTH = reasonCode('bad-tcp-header-length');

/** TCP; a cut header still yields the fields that were captured (ports first, as BPF would). */
export function decodeTcp(v: PacketView, d: Uint8Array, off: number, end: number): void {
  const n = end - off;
  if (n >= 4) {
    v.srcPort = be16(d, off);
    v.dstPort = be16(d, off + 2);
  }
  if (n >= 8) v.tcpSeq = ((d[off + 4] << 24) | (d[off + 4 + 1] << 16) | (d[off + 4 + 2] << 8) | d[off + 4 + 3]) >>> 0;
  if (n >= 12) v.tcpAck = ((d[off + 8] << 24) | (d[off + 8 + 1] << 16) | (d[off + 8 + 2] << 8) | d[off + 8 + 3]) >>> 0;
  if (n < 14) {
    mark(v, TRUNCATED);
    return;
  }
  const headerLen = (d[off + 12] >> 4) << 2;
  v.tcpHdrLen = headerLen;
  v.tcpFlags = d[off + 13];
  if (headerLen < 20) {
    mark(v, BAD_HEADER_LENGTH);
    return;
  }
  if (n < headerLen) {
    mark(v, TRUNCATED);
    return;
  }
  setPayload(v, off + headerLen, end);
}
