import { ETHERTYPE } from '../../fields/ethertype.js';
import { decodeIpv4 } from './ipv4.js';
import { decodeIpv6 } from './ipv6.js';
import { mark, reasonCode } from './malformed.js';
import type { PacketView } from './view.js';

const TRUNCATED = reasonCode('truncated-ip');
const BAD_VERSION = reasonCode('bad-ip-version');

/** An IP packet whose version only its first nibble tells: LINKTYPE_RAW and tunnel payloads. */
export function decodeIp(v: PacketView, d: Uint8Array, off: number, end: number): void {
  if (off >= end) {
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
    mark(v, BAD_VERSION);
  }
}

/**
 * LINKTYPE_IPV4 / LINKTYPE_IPV6: the link type fixes the version, so a
 * packet of the other version is malformed rather than silently re-typed
 * (libpcap compiles "ip6" to false on an IPv4 link).
 */
export function decodeIpv4Link(v: PacketView, d: Uint8Array, off: number, end: number): void {
  v.etherType = ETHERTYPE.IPV4;
  decodeIpv4(v, d, off, end);
}

export function decodeIpv6Link(v: PacketView, d: Uint8Array, off: number, end: number): void {
  v.etherType = ETHERTYPE.IPV6;
  decodeIpv6(v, d, off, end);
}
