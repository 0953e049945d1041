import { IPPROTO } from '../../fields/ip-proto.js';

/**
 * Internet checksums (RFC 1071) for actions that change bytes: full sums
 * where a header or a payload is rewritten, incremental updates (RFC 1624)
 * where a few fields change. Incremental updates keep a checksum that was
 * wrong before (offloaded captures carry partial TCP/UDP sums) wrong by the
 * same amount, so an action never invents or hides a checksum error.
 *
 * Sums are unfolded numbers (doubles stay exact far past any packet length);
 * fold() brings one back to 16 bits.
 */

/** Unfolded one's-complement sum of d[from, to) as big-endian 16-bit words; an odd last byte is padded with zero. */
export function sumBytes(d: Uint8Array, from: number, to: number, initial = 0): number {
  let sum = initial;
  let i = from;
  for (const last = to - 1; i < last; i += 2) sum += (d[i] << 8) | d[i + 1];
  if (i < to) sum += d[i] << 8;
  return sum;
}

/** Folds an unfolded sum into 16 bits (the one's-complement sum, not yet complemented). */
export function fold(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 65536);
  return sum;
}

/** The checksum field value for an unfolded sum over everything but the field. */
export function checksumOf(sum: number): number {
  return ~fold(sum) & 0xffff;
}

/**
 * RFC 1624 eqn. 3: the new checksum when 16-bit words summing to `oldSum`
 * are replaced by words summing to `newSum` (both unfolded). Inserted words
 * are a change from zero, removed ones a change to zero.
 */
export function updateChecksum(check: number, oldSum: number, newSum: number): number {
  // ~HC + ~m + m' with ~m taken word-wise: ~m summed = 0xffff * words - m, which folds to -m
  const s = fold((~check & 0xffff) + fold(newSum) + (0xffff - fold(oldSum)));
  return ~s & 0xffff;
}

/** Writes a 16-bit checksum at d[at]. */
export function put16(d: Uint8Array, at: number, value: number): void {
  d[at] = value >>> 8;
  d[at + 1] = value & 0xff;
}

export function get16(d: Uint8Array, at: number): number {
  return (d[at] << 8) | d[at + 1];
}

/** Recomputes the IPv4 header checksum of the header at `ip` (length from IHL). */
export function fixIpv4HeaderChecksum(d: Uint8Array, ip: number): void {
  const hl = (d[ip] & 0x0f) << 2;
  d[ip + 10] = 0;
  d[ip + 11] = 0;
  put16(d, ip + 10, checksumOf(sumBytes(d, ip, ip + hl)));
}

/** True when the IPv4 header at `ip` (all of it captured) has a valid checksum. */
export function ipv4HeaderChecksumOk(d: Uint8Array, ip: number): boolean {
  const hl = (d[ip] & 0x0f) << 2;
  return fold(sumBytes(d, ip, ip + hl)) === 0xffff;
}

/**
 * The pseudo-header sum of TCP, UDP and ICMPv6 (RFC 793, 768, 8200): both
 * addresses, the protocol and the upper-layer length. ICMP for IPv4 has none.
 */
export function pseudoHeaderSum(d: Uint8Array, ip: number, proto: number, l4Length: number): number {
  const v6 = d[ip] >> 4 === 6;
  const sum = v6 ? sumBytes(d, ip + 8, ip + 40) : sumBytes(d, ip + 12, ip + 20);
  return sum + proto + (l4Length & 0xffff) + Math.floor(l4Length / 65536);
}

/** Where the checksum field sits in an L4 header of this protocol, or -1 when it has none we keep. */
export function l4ChecksumOffset(proto: number): number {
  switch (proto) {
    case IPPROTO.TCP:
      return 16;
    case IPPROTO.UDP:
      return 6;
    case IPPROTO.ICMP:
    case IPPROTO.ICMPV6:
      return 2;
    default:
      return -1;
  }
}

/**
 * Recomputes the TCP, UDP, ICMP or ICMPv6 checksum of the L4 segment
 * d[l4, l4 + length) carried by the IP header at `ip` (all of it must be
 * captured). A UDP checksum of zero over IPv4 means "none" and stays zero;
 * a computed zero is sent as 0xffff (RFC 768). Returns false for protocols
 * without a checksum of their own.
 */
export function fixL4Checksum(d: Uint8Array, ip: number, proto: number, l4: number, length: number): boolean {
  const at = l4ChecksumOffset(proto);
  if (at < 0) return false;
  const v6 = d[ip] >> 4 === 6;
  if (proto === IPPROTO.UDP && !v6 && d[l4 + 6] === 0 && d[l4 + 7] === 0) return true;
  d[l4 + at] = 0;
  d[l4 + at + 1] = 0;
  const pseudo = proto === IPPROTO.ICMP ? 0 : pseudoHeaderSum(d, ip, proto, length);
  let c = checksumOf(sumBytes(d, l4, l4 + length, pseudo));
  if (c === 0 && proto === IPPROTO.UDP) c = 0xffff;
  put16(d, l4 + at, c);
  return true;
}

/** True when the L4 checksum of d[l4, l4 + length) verifies (UDP over IPv4 with no checksum counts as valid). */
export function l4ChecksumOk(d: Uint8Array, ip: number, proto: number, l4: number, length: number): boolean {
  const at = l4ChecksumOffset(proto);
  if (at < 0) return true;
  const v6 = d[ip] >> 4 === 6;
  if (proto === IPPROTO.UDP && !v6 && d[l4 + 6] === 0 && d[l4 + 7] === 0) return true;
  const pseudo = proto === IPPROTO.ICMP ? 0 : pseudoHeaderSum(d, ip, proto, length);
  return fold(sumBytes(d, l4, l4 + length, pseudo)) === 0xffff;
}

/**
 * The unfolded sum of `length` bytes at d[from] as they lie in 16-bit words
 * of a segment starting at `segmentStart`: a byte at an odd distance from
 * it is a low byte. For updates over ranges that start anywhere.
 */
export function sumBytesAligned(d: Uint8Array, from: number, length: number, segmentStart: number): number {
  let sum = 0;
  const odd = (from - segmentStart) & 1;
  for (let i = 0; i < length; i++) sum += ((i + odd) & 1) === 0 ? d[from + i] << 8 : d[from + i];
  return sum;
}

/**
 * Updates the TCP, UDP, ICMP or ICMPv6 checksum at d[at] for words summing
 * to `oldSum` replaced by words summing to `newSum`. UDP over IPv4 without a
 * checksum (zero) keeps none, and an update never yields zero for UDP, which
 * would mean "none" (RFC 768).
 */
export function updateL4Checksum(
  d: Uint8Array,
  at: number,
  proto: number,
  v6: boolean,
  oldSum: number,
  newSum: number,
): void {
  const check = get16(d, at);
  const udp = proto === IPPROTO.UDP;
  if (udp && !v6 && check === 0) return;
  let c = updateChecksum(check, oldSum, newSum);
  if (c === 0 && udp) c = 0xffff;
  put16(d, at, c);
}
