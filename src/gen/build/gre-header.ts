import type { Frame } from '../frame.js';

const KEY_PRESENT = 0x2000;
const SEQUENCE_PRESENT = 0x1000;

/** GRE (RFC 2784/2890) with an optional key and sequence number, over the payload already in the frame. */
export function prependGre(f: Frame, protocolType: number, key?: number, sequence?: number): void {
  const n = 4 + (key !== undefined ? 4 : 0) + (sequence !== undefined ? 4 : 0);
  const p = f.prepend(n);
  f.dv.setUint16(p, (key !== undefined ? KEY_PRESENT : 0) | (sequence !== undefined ? SEQUENCE_PRESENT : 0));
  f.dv.setUint16(p + 2, protocolType);
  let o = p + 4;
  if (key !== undefined) {
    f.dv.setUint32(o, key >>> 0);
    o += 4;
  }
  if (sequence !== undefined) f.dv.setUint32(o, sequence >>> 0);
}
