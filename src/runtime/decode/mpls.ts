import { ETHERTYPE } from '../../fields/ethertype.js';
import { decodeIpv4 } from './ipv4.js';
import { decodeIpv6 } from './ipv6.js';
import { mark, reasonCode } from './malformed.js';
import type { PacketView } from './view.js';

const TRUNCATED = reasonCode('truncated-mpls');
const TOO_MANY = reasonCode('too-many-mpls-labels');

/** mplsCount is a 4-bit field. */
const MAX_LABELS = 15;

/**
 * A label stack. MPLS does not say what it carries, so after the bottom of
 * the stack the first nibble decides, as libpcap's "mpls and ip" does: 4 is
 * IPv4, 6 is IPv6, anything else (pseudowires, control words) leaves
 * etherType at the MPLS ethertype.
 */
export function decodeMpls(v: PacketView, d: Uint8Array, off: number, end: number): void {
  let count = 0;
  for (;;) {
    if (end - off < 4) {
      mark(v, TRUNCATED);
      return;
    }
    const entry = ((d[off] << 24) | (d[off + 1] << 16) | (d[off + 2] << 8) | d[off + 3]) >>> 0;
    const label = entry >>> 12;
    if (count === 0) v.mpls0 = label;
    else if (count === 1) v.mpls1 = label;
    count++;
    v.mplsCount = count;
    off += 4;
    if (entry & 0x100) break;
    if (count === MAX_LABELS) {
      mark(v, TOO_MANY);
      return;
    }
  }
  if (off >= end) {
    // A label stack always carries something.
    mark(v, TRUNCATED);
    return;
  }
  const version = d[off] >> 4;
  if (version === 4) {
    v.etherType = ETHERTYPE.IPV4;
    decodeIpv4(v, d, off, end);
  } else if (version === 6) {
    v.etherType = ETHERTYPE.IPV6;
    decodeIpv6(v, d, off, end);
  } else {
    v.l3Offset = off;
  }
}
