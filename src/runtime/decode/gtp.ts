import { TUNNEL } from '../../fields/fields.js';
import { mark, reasonCode } from './malformed.js';
import { looksLikeIp, setInner } from './tunnel.js';
import { INNER_KIND } from './view.js';
import type { PacketView } from './view.js';

const TRUNCATED = reasonCode('truncated-gtp');
const BAD_EXTENSION = reasonCode('bad-gtp-extension');

const G_PDU = 255;

/**
 * GTP-U (GTPv1, protocol type GTP, UDP 2152). tunnelId is the TEID of every
 * message, but only a G-PDU carries a user packet, found after the optional
 * sequence/N-PDU/next-extension word and the extension header chain (each
 * extension's length is in 4-byte units and its last byte is the next type).
 * The user packet is IP by its version nibble; anything else (Ethernet or
 * unstructured PDU sessions) is left undecoded.
 */
export function decodeGtpU(v: PacketView, d: Uint8Array, off: number, end: number): boolean {
  if (off >= end) {
    // The port says GTP-U but not one byte of its header was captured.
    v.tunnel = TUNNEL.gtp;
    mark(v, TRUNCATED);
    return true;
  }
  const flags = d[off];
  if (flags >> 5 !== 1 || !(flags & 0x10)) return false;
  v.tunnel = TUNNEL.gtp;
  if (end - off < 8) {
    mark(v, TRUNCATED);
    return true;
  }
  const type = d[off + 1];
  v.tunnelId = ((d[off + 4] << 24) | (d[off + 4 + 1] << 16) | (d[off + 4 + 2] << 8) | d[off + 4 + 3]) >>> 0;
  let p = off + 8;
  if (flags & 0x07) {
    if (end - p < 4) {
      mark(v, TRUNCATED);
      return true;
    }
    let next = d[p + 3];
    p += 4;
    while (next !== 0) {
      if (p >= end) {
        mark(v, TRUNCATED);
        return true;
      }
      const len = d[p] << 2;
      if (len === 0) {
        mark(v, BAD_EXTENSION);
        return true;
      }
      if (end - p < len) {
        mark(v, TRUNCATED);
        return true;
      }
      next = d[p + len - 1];
      p += len;
    }
  }
  // A G-PDU always carries a packet, so nothing captured after the header is a cut.
  if (type === G_PDU && (p >= end || looksLikeIp(d, p, end))) setInner(v, p, end, INNER_KIND.ip);
  return true;
}
