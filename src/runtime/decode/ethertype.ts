import { ETHER_MAX_LENGTH, ETHERTYPE } from '../../fields/ethertype.js';
import { decodeArp } from './arp.js';
import { be16 } from './bytes.js';
import { decodeIpv4 } from './ipv4.js';
import { decodeIpv6 } from './ipv6.js';
import { decodeLlc } from './llc.js';
import { decodeMpls } from './mpls.js';
import { decodePppoeSession } from './pppoe.js';
import type { PacketView } from './view.js';
import { decodeVlanStack, isVlanTpid } from './vlan.js';

/** What follows an Ethernet-style type field: VLAN tags first, then the network layer. */
export function decodeEtherPayload(v: PacketView, d: Uint8Array, off: number, end: number, type: number): void {
  if (isVlanTpid(type)) {
    off = decodeVlanStack(v, d, off, end);
    if (off < 0) return;
    type = be16(d, off - 2);
  }
  decodeNetwork(v, d, off, end, type);
}

/**
 * Dispatch on an ethertype. Values up to 1500 are 802.3 lengths (or, in a
 * Linux cooked header, the 802.2 and 802.3 pseudo-protocols): an LLC header
 * follows. They are kept in etherType as they are.
 */
export function decodeNetwork(v: PacketView, d: Uint8Array, off: number, end: number, type: number): void {
  v.etherType = type;
  switch (type) {
    case ETHERTYPE.IPV4:
      decodeIpv4(v, d, off, end);
      return;
    case ETHERTYPE.IPV6:
      decodeIpv6(v, d, off, end);
      return;
    case ETHERTYPE.ARP:
    case ETHERTYPE.RARP:
      decodeArp(v, d, off, end);
      return;
    case ETHERTYPE.MPLS:
    case ETHERTYPE.MPLS_MULTICAST:
      decodeMpls(v, d, off, end);
      return;
    case ETHERTYPE.PPPOE_SESSION:
      decodePppoeSession(v, d, off, end);
      return;
    default:
      if (type <= ETHER_MAX_LENGTH) {
        decodeLlc(v, d, off, end);
        return;
      }
      // PPPoE discovery (0x8863) and everything else: the type says it all.
      if (off < end) v.l3Offset = off;
  }
}
