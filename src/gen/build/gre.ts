import type { Frame } from '../frame.js';

/** GRE (RFC 2890) with the key present. */
export function prependGreWithKey(f: Frame, protocolType: number, key: number): void {
  const p = f.prepend(8);
  f.dv.setUint16(p, 0x2000);
  f.dv.setUint16(p + 2, protocolType);
  f.dv.setUint32(p + 4, key >>> 0);
}
