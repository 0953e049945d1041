import { IPPROTO } from '../../fields/ip-proto.js';
import { finishChecksum, sum16 } from '../checksum.js';
import type { Frame } from '../frame.js';

export const TCP_FLAGS = Object.freeze({ FIN: 1, SYN: 2, RST: 4, PSH: 8, ACK: 16 } as const);

export interface TcpFields {
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  flags: number;
  window: number;
  /** MSS option value for SYN segments, 0 for none. */
  mss: number;
}

/** `pseudoSum`: unfolded sum of the pseudo-header addresses (see checksum.ts). */
export function prependTcp(f: Frame, h: TcpFields, pseudoSum: number): void {
  const hdrLen = h.mss > 0 ? 24 : 20;
  const segLen = f.length + hdrLen;
  const p = f.prepend(hdrLen);
  const dv = f.dv;
  dv.setUint16(p, h.srcPort);
  dv.setUint16(p + 2, h.dstPort);
  dv.setUint32(p + 4, h.seq >>> 0);
  dv.setUint32(p + 8, h.flags & 0x10 ? h.ack >>> 0 : 0);
  dv.setUint16(p + 12, ((hdrLen / 4) << 12) | (h.flags & 0x1ff));
  dv.setUint16(p + 14, h.window);
  dv.setUint32(p + 16, 0);
  if (h.mss > 0) dv.setUint32(p + 20, (0x0204 << 16) | h.mss);
  dv.setUint16(p + 16, finishChecksum(sum16(f.dv, p, f.end, pseudoSum + IPPROTO.TCP + segLen)));
}
