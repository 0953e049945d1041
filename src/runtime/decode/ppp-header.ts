import { ABSENT } from '../../fields/fields.js';
import { be16 } from './bytes.js';
import { mark, reasonCode } from './malformed.js';
import { INNER_KIND } from './view.js';
import type { PacketView } from './view.js';
import { setInner } from './tunnel.js';

const TRUNCATED = reasonCode('truncated-ppp');

/**
 * Reads a PPP header at `off`: optional address/control (absent with
 * ACFC), then a one-byte (PFC: odd first byte) or two-byte protocol.
 * A leading 0xff can only be the all-stations address, so it takes the next
 * byte as control whatever its value, as tcpdump does.
 * Returns (header length << 16) | protocol, or -1 when cut short.
 */
export function readPppHeader(d: Uint8Array, off: number, end: number): number {
  let p = off;
  if (p < end && d[p] === 0xff) p += 2;
  if (p >= end) return -1;
  let protocol = d[p];
  if (protocol & 1) {
    p += 1;
  } else {
    if (end - p < 2) return -1;
    protocol = be16(d, p);
    p += 2;
  }
  return ((p - off) << 16) | protocol;
}

/** The ethertype equivalent of the PPP protocols we decode further, else ABSENT. */
export function pppToEtherType(protocol: number): number {
  switch (protocol) {
    case 0x0021:
      return 0x0800;
    case 0x0057:
      return 0x86dd;
    case 0x0281:
      return 0x8847;
    case 0x0283:
      return 0x8848;
    default:
      return ABSENT;
  }
}

/** For tunnels carrying PPP (PPTP, L2TPv2): the inner packet is the IP datagram in it, if any. */
export function setInnerAfterPpp(v: PacketView, d: Uint8Array, off: number, end: number): void {
  const header = readPppHeader(d, off, end);
  if (header < 0) {
    mark(v, TRUNCATED);
    return;
  }
  const protocol = header & 0xffff;
  if (protocol === 0x0021 || protocol === 0x0057) setInner(v, off + (header >>> 16), end, INNER_KIND.ip);
}
