import { TUNNEL } from '../../fields/fields.js';
import { be24 } from './bytes.js';
import { mark, reasonCode } from './malformed.js';
import { setInner } from './tunnel.js';
import { INNER_KIND } from './view.js';
import type { PacketView } from './view.js';

const TRUNCATED = reasonCode('truncated-vxlan');

/**
 * VXLAN (RFC 7348, UDP 4789): 8-byte header, VNI in bytes 4-6, Ethernet
 * inside. The I flag is not required: neither tcpdump nor tshark does.
 */
export function decodeVxlan(v: PacketView, d: Uint8Array, off: number, end: number): void {
  v.tunnel = TUNNEL.vxlan;
  if (end - off < 8) {
    mark(v, TRUNCATED);
    return;
  }
  v.tunnelId = be24(d, off + 4);
  setInner(v, off + 8, end, INNER_KIND.ether);
}
