import { TUNNEL } from '../../fields/fields.js';
import { mark, reasonCode } from './malformed.js';
import { setInner } from './tunnel.js';
import { INNER_KIND } from './view.js';
import type { PacketView } from './view.js';

const TRUNCATED = reasonCode('truncated-teredo');

/**
 * Teredo (RFC 4380, UDP 3544): IPv6 in UDP, optionally behind an
 * authentication indicator (0x0001, id and auth lengths, id, auth, 8-byte
 * nonce, confirmation byte) and/or an origin indication (0x0000 + 6 bytes).
 * The port alone is not trusted: it is Teredo only when IPv6 follows.
 */
export function decodeTeredo(v: PacketView, d: Uint8Array, off: number, end: number): boolean {
  let p = off;
  if (p >= end) {
    // The port says Teredo but nothing was captured to check it by.
    v.tunnel = TUNNEL.teredo;
    mark(v, TRUNCATED);
    return true;
  }
  if (end - p < 2 && d[p] === 0) {
    // The start of an indicator, cut.
    v.tunnel = TUNNEL.teredo;
    mark(v, TRUNCATED);
    return true;
  }
  if (end - p >= 2 && d[p] === 0 && d[p + 1] === 1) {
    if (end - p < 4) {
      v.tunnel = TUNNEL.teredo;
      mark(v, TRUNCATED);
      return true;
    }
    p += 4 + d[p + 2] + d[p + 3] + 9;
  }
  if (end - p >= 2 && d[p] === 0 && d[p + 1] === 0) p += 8;
  if (p >= end) {
    v.tunnel = TUNNEL.teredo;
    mark(v, TRUNCATED);
    return true;
  }
  if (d[p] >> 4 !== 6) return false;
  v.tunnel = TUNNEL.teredo;
  setInner(v, p, end, INNER_KIND.ip);
  return true;
}
