import type { Frame } from '../frame.js';

/** GTPv1-U G-PDU without optional fields: the payload is the user's IP packet. */
export function prependGtpu(f: Frame, teid: number): void {
  const len = f.length;
  const p = f.prepend(8);
  f.buf[p] = 0x30;
  f.buf[p + 1] = 0xff;
  f.dv.setUint16(p + 2, len);
  f.dv.setUint32(p + 4, teid >>> 0);
}
