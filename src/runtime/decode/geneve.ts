import { ETHERTYPE } from '../../fields/ethertype.js';
import { TUNNEL } from '../../fields/fields.js';
import { be16, be24 } from './bytes.js';
import { mark, reasonCode } from './malformed.js';
import { setInner } from './tunnel.js';
import { INNER_KIND } from './view.js';
import type { PacketView } from './view.js';

const TRUNCATED = reasonCode('truncated-geneve');

/**
 * Geneve (RFC 8926, UDP 6081): 8-byte header plus options (length in 4-byte
 * words), VNI in bytes 4-6, protocol type an ethertype. Only version 0
 * exists; anything else on the port is not taken for Geneve.
 */
export function decodeGeneve(v: PacketView, d: Uint8Array, off: number, end: number): boolean {
  if (off < end && d[off] >> 6 !== 0) return false;
  v.tunnel = TUNNEL.geneve;
  // Also when nothing was captured: the port says Geneve.
  if (end - off < 8) {
    mark(v, TRUNCATED);
    return true;
  }
  v.tunnelId = be24(d, off + 4);
  const p = off + 8 + ((d[off] & 0x3f) << 2);
  if (p > end) {
    mark(v, TRUNCATED);
    return true;
  }
  const proto = be16(d, off + 2);
  if (proto === ETHERTYPE.TEB) setInner(v, p, end, INNER_KIND.ether);
  else if (proto === ETHERTYPE.IPV4 || proto === ETHERTYPE.IPV6) setInner(v, p, end, INNER_KIND.ip);
  return true;
}
