/** Unfolded one's-complement sum of bytes [from, to) as big-endian 16-bit words. */
export function sum16(buf: Uint8Array, from: number, to: number, initial = 0): number {
  let sum = initial;
  const last = to - 1;
  let i = from;
  for (; i < last; i += 2) sum += (buf[i] << 8) | buf[i + 1];
  if (i === last) sum += buf[i] << 8;
  return sum;
}

/** The Internet checksum of an unfolded sum (RFC 1071). */
export function finishChecksum(sum: number): number {
  while (sum > 0xffff) sum = (sum % 65536) + Math.floor(sum / 65536);
  return ~sum & 0xffff;
}

export function sumIp4(addr: number): number {
  return (addr >>> 16) + (addr & 0xffff);
}

export function sumIp6(addr: Uint8Array): number {
  return sum16(addr, 0, 16);
}
