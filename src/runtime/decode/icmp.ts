import { mark, reasonCode } from './malformed.js';
import { setPayload } from './payload.js';
import type { PacketView } from './view.js';

const TRUNCATED = reasonCode('truncated-icmp');

/** ICMP and ICMPv6 share the layout that matters: type, code, checksum, 4 bytes of header data. */
export function decodeIcmp(v: PacketView, d: Uint8Array, off: number, end: number): void {
  const n = end - off;
  if (n >= 1) v.icmpType = d[off];
  if (n >= 2) v.icmpCode = d[off + 1];
  if (n < 8) {
    mark(v, TRUNCATED);
    return;
  }
  setPayload(v, off + 8, end);
}
