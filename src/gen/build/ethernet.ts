import type { Frame } from '../frame.js';

export const ETHERTYPE = Object.freeze({
  IPV4: 0x0800,
  ARP: 0x0806,
  VLAN: 0x8100,
  QINQ: 0x88a8,
  IPV6: 0x86dd,
  MPLS: 0x8847,
  TEB: 0x6558,
} as const);

export function prependEthernet(f: Frame, dst: Uint8Array, src: Uint8Array, etherType: number): void {
  const p = f.prepend(14);
  f.buf.set(dst, p);
  f.buf.set(src, p + 6);
  f.dv.setUint16(p + 12, etherType);
}
