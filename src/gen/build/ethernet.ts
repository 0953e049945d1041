import type { Frame } from '../frame.js';

export function prependEthernet(f: Frame, dst: Uint8Array, src: Uint8Array, etherType: number): void {
  const p = f.prepend(14);
  f.buf.set(dst, p);
  f.buf.set(src, p + 6);
  f.dv.setUint16(p + 12, etherType);
}
