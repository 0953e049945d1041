import { TUNNEL, ABSENT } from '../../fields/fields.js';
import { be16 } from './bytes.js';
import { mark, reasonCode } from './malformed.js';
import { setInner } from './tunnel.js';
import { INNER_KIND } from './view.js';
import type { PacketView } from './view.js';

const TRUNCATED = reasonCode('truncated-erspan');

/**
 * ERSPAN over GRE protocol 0x88be. Type I has no ERSPAN header and no GRE
 * sequence number (that is how it is told from type II, as Wireshark does),
 * so it has no session id either. Type II: 8-byte header, session id in the
 * low 10 bits of the second 16-bit word. The mirrored frame is Ethernet.
 */
export function decodeErspan2(v: PacketView, d: Uint8Array, off: number, end: number, hasSequence: boolean): void {
  v.tunnel = TUNNEL.erspan;
  v.tunnelId = ABSENT;
  if (!hasSequence) {
    setInner(v, off, end, INNER_KIND.ether);
    return;
  }
  if (end - off < 8) {
    mark(v, TRUNCATED);
    return;
  }
  v.tunnelId = be16(d, off + 2) & 0x03ff;
  setInner(v, off + 8, end, INNER_KIND.ether);
}

/**
 * ERSPAN type III (GRE protocol 0x22eb): 12-byte header, plus an 8-byte
 * platform subheader when the O bit is set; the frame type says whether the
 * mirrored packet is Ethernet (0) or IP (2).
 */
export function decodeErspan3(v: PacketView, d: Uint8Array, off: number, end: number): void {
  v.tunnel = TUNNEL.erspan;
  v.tunnelId = ABSENT;
  if (end - off < 12) {
    mark(v, TRUNCATED);
    return;
  }
  v.tunnelId = be16(d, off + 2) & 0x03ff;
  const word = be16(d, off + 10);
  const frameType = (word >> 10) & 0x1f;
  const headerLen = word & 1 ? 20 : 12;
  if (end - off < headerLen) {
    mark(v, TRUNCATED);
    return;
  }
  if (frameType === 0) setInner(v, off + headerLen, end, INNER_KIND.ether);
  else if (frameType === 2) setInner(v, off + headerLen, end, INNER_KIND.ip);
}
