import { UDP_PORT } from '../../fields/ports.js';
import { be16 } from './bytes.js';
import { decodeGeneve } from './geneve.js';
import { decodeGtpU } from './gtp.js';
import { decodeL2tpOverUdp } from './l2tp.js';
import { mark, reasonCode } from './malformed.js';
import { setPayload } from './payload.js';
import { decodeTeredo } from './teredo.js';
import type { PacketView } from './view.js';
import { decodeVxlan } from './vxlan.js';

const TRUNCATED = reasonCode('truncated-udp');
const BAD_LENGTH = reasonCode('bad-udp-length');

/**
 * UDP, then the UDP tunnels by well-known port. Either port counts, as in
 * tcpdump and tshark (replies of some tunnels come from the port); the
 * destination is tried first. The UDP length is not used to bound the
 * payload: in a first fragment it legitimately exceeds the data.
 */
export function decodeUdp(v: PacketView, d: Uint8Array, off: number, end: number): void {
  const n = end - off;
  if (n < 4) {
    mark(v, TRUNCATED);
    return;
  }
  const src = be16(d, off);
  const dst = be16(d, off + 2);
  v.srcPort = src;
  v.dstPort = dst;
  if (n < 8) {
    mark(v, TRUNCATED);
    return;
  }
  const len = be16(d, off + 4);
  // 0 is legal in IPv6 jumbograms and seen in GSO captures.
  if (len !== 0 && len < 8) mark(v, BAD_LENGTH);
  setPayload(v, off + 8, end);
  if (!decodeUdpTunnel(v, d, off + 8, end, dst)) decodeUdpTunnel(v, d, off + 8, end, src);
}

/** True when the port's tunnel recognised the payload. */
function decodeUdpTunnel(v: PacketView, d: Uint8Array, off: number, end: number, port: number): boolean {
  switch (port) {
    case UDP_PORT.VXLAN:
      decodeVxlan(v, d, off, end);
      return true;
    case UDP_PORT.GENEVE:
      return decodeGeneve(v, d, off, end);
    case UDP_PORT.GTP_U:
      return decodeGtpU(v, d, off, end);
    case UDP_PORT.L2TP:
      return decodeL2tpOverUdp(v, d, off, end);
    case UDP_PORT.TEREDO:
      return decodeTeredo(v, d, off, end);
    default:
      return false;
  }
}
