import { be16 } from './bytes.js';
import { mark, reasonCode } from './malformed.js';
import { setPayload } from './payload.js';
import type { PacketView } from './view.js';

const TRUNCATED = reasonCode('truncated-sctp');

/** SCTP common header (ports, verification tag, checksum); the chunks are payload. */
export function decodeSctp(v: PacketView, d: Uint8Array, off: number, end: number): void {
  const n = end - off;
  if (n >= 4) {
    v.srcPort = be16(d, off);
    v.dstPort = be16(d, off + 2);
  }
  if (n < 12) {
    mark(v, TRUNCATED);
    return;
  }
  setPayload(v, off + 12, end);
}
