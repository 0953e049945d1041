import { finishChecksum, sum16 } from '../checksum.js';
import type { Frame } from '../frame.js';

export interface Ipv4Fields {
  src: number;
  dst: number;
  proto: number;
  ttl: number;
  id: number;
  dscp: number;
  dontFragment: boolean;
  /** A fragment: more to follow, and where this one starts (in 8-byte units). */
  moreFragments?: boolean;
  fragmentOffset?: number;
}

export function prependIpv4(f: Frame, h: Ipv4Fields): void {
  const total = f.length + 20;
  const p = f.prepend(20);
  const dv = f.dv;
  dv.setUint16(p, 0x4500 | ((h.dscp & 0x3f) << 2));
  dv.setUint16(p + 2, total);
  dv.setUint16(p + 4, h.id & 0xffff);
  dv.setUint16(
    p + 6,
    (h.dontFragment ? 0x4000 : 0) | (h.moreFragments ? 0x2000 : 0) | ((h.fragmentOffset ?? 0) & 0x1fff),
  );
  f.buf[p + 8] = h.ttl;
  f.buf[p + 9] = h.proto;
  dv.setUint16(p + 10, 0);
  dv.setUint32(p + 12, h.src >>> 0);
  dv.setUint32(p + 16, h.dst >>> 0);
  dv.setUint16(p + 10, finishChecksum(sum16(f.dv, p, p + 20)));
}
