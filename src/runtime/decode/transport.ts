import { IPPROTO } from '../../fields/ip-proto.js';
import { decodeGre } from './gre.js';
import { decodeIcmp } from './icmp.js';
import { decodeIpInIp } from './ipip.js';
import { decodeL2tpv3OverIp } from './l2tp.js';
import { setPayload } from './payload.js';
import { decodeSctp } from './sctp.js';
import { decodeTcp } from './tcp.js';
import { decodeUdp } from './udp.js';
import type { PacketView } from './view.js';

/**
 * What an IPv4 or IPv6 header carries, over [off, end) where end is already
 * clipped to the IP length. A later fragment (fragment 2) has no L4 header,
 * so, as in tcpdump, no ports or flags: its bytes are all payload.
 * Protocols without a decoder here have the whole IP payload as payload.
 */
export function decodeIpPayload(
  v: PacketView,
  d: Uint8Array,
  off: number,
  end: number,
  proto: number,
  fragment: number,
): void {
  if (fragment === 2) {
    setPayload(v, off, end);
    return;
  }
  if (off < end) v.l4Offset = off;
  switch (proto) {
    case IPPROTO.TCP:
      decodeTcp(v, d, off, end);
      return;
    case IPPROTO.UDP:
      decodeUdp(v, d, off, end);
      return;
    case IPPROTO.ICMP:
    case IPPROTO.ICMPV6:
      decodeIcmp(v, d, off, end);
      return;
    case IPPROTO.SCTP:
      decodeSctp(v, d, off, end);
      return;
    case IPPROTO.GRE:
      decodeGre(v, d, off, end);
      return;
    case IPPROTO.IPIP:
    case IPPROTO.IPV6:
      decodeIpInIp(v, d, off, end, proto);
      return;
    case IPPROTO.L2TP:
      decodeL2tpv3OverIp(v, d, off, end);
      return;
    default:
      setPayload(v, off, end);
  }
}
