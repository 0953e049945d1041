import { TUNNEL } from '../../fields/fields.js';
import { IPPROTO } from '../../fields/ip-proto.js';
import { setPayload } from './payload.js';
import { setInner } from './tunnel.js';
import { INNER_KIND } from './view.js';
import type { PacketView } from './view.js';

/**
 * IP in IP (protocol 4, IPv4 inside; 41, IPv6 inside). IPv6 in IPv4 is
 * '6to4' when either inner address is in 2002::/16, else '6in4'; every other
 * combination (4in4, 4in6, 6in6) is 'ipip'.
 */
export function decodeIpInIp(v: PacketView, d: Uint8Array, off: number, end: number, proto: number): void {
  setPayload(v, off, end);
  if (proto === IPPROTO.IPV6 && v.ipVersion === 4) {
    v.tunnel = is6to4(d, off, end) ? TUNNEL['6to4'] : TUNNEL['6in4'];
  } else {
    v.tunnel = TUNNEL.ipip;
  }
  setInner(v, off, end, INNER_KIND.ip);
}

function is6to4(d: Uint8Array, off: number, end: number): boolean {
  const n = end - off;
  return (
    (n >= 10 && d[off + 8] === 0x20 && d[off + 9] === 0x02) || (n >= 26 && d[off + 24] === 0x20 && d[off + 25] === 0x02)
  );
}
