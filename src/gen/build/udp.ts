import { IPPROTO } from '../../fields/ip-proto.js';
import { finishChecksum, sum16 } from '../checksum.js';
import type { Frame } from '../frame.js';

/** `pseudoSum`: unfolded sum of the pseudo-header addresses (see checksum.ts). */
export function prependUdp(f: Frame, srcPort: number, dstPort: number, pseudoSum: number): void {
  const len = f.length + 8;
  const p = f.prepend(8);
  const dv = f.dv;
  dv.setUint16(p, srcPort);
  dv.setUint16(p + 2, dstPort);
  dv.setUint16(p + 4, len);
  dv.setUint16(p + 6, 0);
  // A computed 0 is sent as 0xffff: 0 means "no checksum" in UDP.
  dv.setUint16(p + 6, finishChecksum(sum16(f.dv, p, f.end, pseudoSum + IPPROTO.UDP + len)) || 0xffff);
}
