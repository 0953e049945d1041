/**
 * Unfolded one's-complement sum of bytes [from, to) as big-endian words.
 * Summing 32-bit words is equivalent once folded (2^16 = 1 mod 0xffff) and
 * halves the loop; doubles stay exact far beyond any packet length.
 */
export function sum16(dv: DataView, from: number, to: number, initial = 0): number {
  let sum = initial;
  let i = from;
  for (const last4 = to - 4; i <= last4; i += 4) sum += dv.getUint32(i);
  if (i + 2 <= to) {
    sum += dv.getUint16(i);
    i += 2;
  }
  if (i < to) sum += dv.getUint8(i) << 8;
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
  let sum = 0;
  for (let i = 0; i < 16; i += 2) sum += (addr[i] << 8) | addr[i + 1];
  return sum;
}
