import type { Frame } from '../frame.js';

/** Geneve (RFC 8926) without options: version 0, the carried packet's protocol type (an EtherType) and the VNI. */
export function prependGeneve(f: Frame, vni: number, protocolType: number): void {
  const p = f.prepend(8);
  f.dv.setUint16(p, 0);
  f.dv.setUint16(p + 2, protocolType);
  f.dv.setUint32(p + 4, ((vni & 0xffffff) << 8) >>> 0);
}
