import type { Frame } from '../frame.js';

const VERSION_TYPE_II = 1;

/**
 * An ERSPAN type II header over the mirrored Ethernet frame already in the
 * frame: version 1, the original VLAN, the session id (10 bits) and an index.
 * It travels in GRE (protocol ETHERTYPE.ERSPAN) with a sequence number.
 */
export function prependErspan2(f: Frame, sessionId: number, vlan: number, index: number): void {
  const p = f.prepend(8);
  f.dv.setUint16(p, (VERSION_TYPE_II << 12) | (vlan & 0xfff));
  f.dv.setUint16(p + 2, sessionId & 0x3ff);
  f.dv.setUint32(p + 4, index & 0xfffff);
}
