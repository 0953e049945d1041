import type { Frame } from '../frame.js';

const VERSION_AND_TYPE = 0x11;
const SESSION_DATA = 0;

/** PPPoE session stage header (RFC 2516) over the PPP frame already in the frame. */
export function prependPppoeSession(f: Frame, sessionId: number): void {
  const len = f.length;
  const p = f.prepend(6);
  f.buf[p] = VERSION_AND_TYPE;
  f.buf[p + 1] = SESSION_DATA;
  f.dv.setUint16(p + 2, sessionId);
  f.dv.setUint16(p + 4, len);
}
