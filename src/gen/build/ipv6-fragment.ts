import type { Frame } from '../frame.js';

const MORE_FRAGMENTS = 1;

/** An IPv6 fragment header (RFC 8200) over what the frame holds: `offset` in 8-byte units. */
export function prependIpv6Fragment(f: Frame, nextHeader: number, offset: number, more: boolean, id: number): void {
  const p = f.prepend(8);
  f.buf[p] = nextHeader;
  f.buf[p + 1] = 0;
  f.dv.setUint16(p + 2, ((offset & 0x1fff) << 3) | (more ? MORE_FRAGMENTS : 0));
  f.dv.setUint32(p + 4, id >>> 0);
}
