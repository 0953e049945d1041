import type { Frame } from '../frame.js';

const VERSION_2 = 2;

/** An L2TPv2 data message header (RFC 2661) without length, sequence or offset, over the PPP frame already in the frame. */
export function prependL2tpv2Data(f: Frame, tunnelId: number, sessionId: number): void {
  const p = f.prepend(6);
  f.dv.setUint16(p, VERSION_2);
  f.dv.setUint16(p + 2, tunnelId);
  f.dv.setUint16(p + 4, sessionId);
}
