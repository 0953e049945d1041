import { TUNNEL } from '../../fields/fields.js';
import { be16 } from './bytes.js';
import { mark, reasonCode } from './malformed.js';
import { setPayload } from './payload.js';
import { setInnerAfterPpp } from './ppp-header.js';
import type { PacketView } from './view.js';

const TRUNCATED = reasonCode('truncated-l2tp');

const TYPE_CONTROL = 0x80;
const HAS_LENGTH = 0x40;
const HAS_SEQUENCE = 0x08;
const HAS_OFFSET = 0x02;

/**
 * L2TP on UDP 1701. Version 2: tunnelId is the 16-bit session id and a
 * data message carries a PPP frame, whose IP datagram is the inner packet.
 * Version 3 over UDP: the 32-bit session id follows 4 bytes of flags; see
 * decodeL2tpv3Session for why its payload is not decoded.
 */
export function decodeL2tpOverUdp(v: PacketView, d: Uint8Array, off: number, end: number): boolean {
  if (end - off < 2) {
    // The port says L2TP but its header was not captured.
    v.tunnel = TUNNEL.l2tp;
    mark(v, TRUNCATED);
    return true;
  }
  const flags = d[off];
  const version = d[off + 1] & 0x0f;
  if (version === 3) {
    v.tunnel = TUNNEL.l2tp;
    if (!(flags & TYPE_CONTROL)) decodeL2tpv3Session(v, d, off + 4, end);
    return true;
  }
  if (version !== 2) return false;
  v.tunnel = TUNNEL.l2tp;
  let p = off + 2;
  if (flags & HAS_LENGTH) p += 2;
  if (end - p < 4) {
    mark(v, TRUNCATED);
    return true;
  }
  v.tunnelId = be16(d, p + 2);
  p += 4;
  if (flags & TYPE_CONTROL) return true;
  if (flags & HAS_SEQUENCE) p += 4;
  if (flags & HAS_OFFSET) {
    if (end - p < 2) {
      mark(v, TRUNCATED);
      return true;
    }
    p += 2 + be16(d, p);
  }
  if (p >= end) {
    mark(v, TRUNCATED);
    return true;
  }
  setInnerAfterPpp(v, d, p, end);
  return true;
}

/** L2TPv3 directly over IP (protocol 115): a session id of 0 marks a control message. */
export function decodeL2tpv3OverIp(v: PacketView, d: Uint8Array, off: number, end: number): void {
  setPayload(v, off, end);
  v.tunnel = TUNNEL.l2tp;
  if (end - off < 4) {
    mark(v, TRUNCATED);
    return;
  }
  if (((d[off] << 24) | (d[off + 1] << 16) | (d[off + 2] << 8) | d[off + 3]) >>> 0 !== 0)
    decodeL2tpv3Session(v, d, off, end);
}

/**
 * The session id of an L2TPv3 data message. Its payload is deliberately not
 * decoded: the cookie (0, 4 or 8 bytes) and the L2-specific sublayer are
 * per-session configuration that the packet does not state, so any guess at
 * the inner frame's offset would yield confident garbage.
 */
function decodeL2tpv3Session(v: PacketView, d: Uint8Array, off: number, end: number): void {
  if (end - off < 4) {
    mark(v, TRUNCATED);
    return;
  }
  v.tunnelId = ((d[off] << 24) | (d[off + 1] << 16) | (d[off + 2] << 8) | d[off + 3]) >>> 0;
}
