import type { Frame } from '../frame.js';

export function prependVxlan(f: Frame, vni: number): void {
  const p = f.prepend(8);
  f.dv.setUint32(p, 0x08000000);
  f.dv.setUint32(p + 4, ((vni & 0xffffff) << 8) >>> 0);
}
