import type { Frame } from '../frame.js';

export function prependIpv6(
  f: Frame,
  src: Uint8Array,
  dst: Uint8Array,
  nextHeader: number,
  hopLimit: number,
  trafficClass: number,
  flowLabel: number,
): void {
  const payloadLen = f.length;
  const p = f.prepend(40);
  const dv = f.dv;
  dv.setUint32(p, ((6 << 28) | ((trafficClass & 0xff) << 20) | (flowLabel & 0xfffff)) >>> 0);
  dv.setUint16(p + 4, payloadLen);
  f.buf[p + 6] = nextHeader;
  f.buf[p + 7] = hopLimit;
  f.buf.set(src, p + 8);
  f.buf.set(dst, p + 24);
}
