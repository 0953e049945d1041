import { IPPROTO } from '../../fields/ip-proto.js';
import { finishChecksum, sum16 } from '../checksum.js';
import type { Frame } from '../frame.js';

export const ICMP_ECHO_REQUEST = 8;
export const ICMP_ECHO_REPLY = 0;
export const ICMP6_ECHO_REQUEST = 128;
export const ICMP6_ECHO_REPLY = 129;

/**
 * Echo request or reply header over the payload already in the frame.
 * ICMPv6 covers a pseudo-header (pass its address sum); ICMPv4 does not (pass -1).
 */
export function prependIcmpEcho(f: Frame, type: number, id: number, seq: number, pseudoSum6: number): void {
  const len = f.length + 8;
  const p = f.prepend(8);
  const dv = f.dv;
  f.buf[p] = type;
  f.buf[p + 1] = 0;
  dv.setUint16(p + 2, 0);
  dv.setUint16(p + 4, id);
  dv.setUint16(p + 6, seq);
  const initial = pseudoSum6 < 0 ? 0 : pseudoSum6 + IPPROTO.ICMPV6 + len;
  dv.setUint16(p + 2, finishChecksum(sum16(f.dv, p, f.end, initial)));
}

/**
 * Any ICMP or ICMPv6 message: type, code, checksum and the 4 bytes of header
 * data (`rest`: identifier and sequence for echoes, unused or a pointer for
 * errors), over the body already in the frame.
 */
export function prependIcmp(f: Frame, type: number, code: number, rest: number, pseudoSum6: number): void {
  const len = f.length + 8;
  const p = f.prepend(8);
  const dv = f.dv;
  f.buf[p] = type;
  f.buf[p + 1] = code;
  dv.setUint16(p + 2, 0);
  dv.setUint32(p + 4, rest >>> 0);
  const initial = pseudoSum6 < 0 ? 0 : pseudoSum6 + 58 + len;
  dv.setUint16(p + 2, finishChecksum(sum16(f.dv, p, f.end, initial)));
}
