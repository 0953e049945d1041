import type { Frame } from '../frame.js';

/** A label stack, top label first; the last entry gets the bottom-of-stack bit. */
export function prependMpls(f: Frame, labels: readonly number[], ttl: number): void {
  const n = labels.length;
  const p = f.prepend(4 * n);
  for (let i = 0; i < n; i++) {
    const bos = i === n - 1 ? 0x100 : 0;
    f.dv.setUint32(p + 4 * i, ((labels[i] & 0xfffff) * 4096 + bos + (ttl & 0xff)) >>> 0);
  }
}
