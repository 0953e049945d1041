/** A value and mask over a field of some width: the packets whose field, masked, equals the value. */
export interface Prefix {
  value: bigint;
  mask: bigint;
}

/**
 * The fewest value/mask prefixes that cover the integers lo..hi of a `bits`
 * wide field exactly (a TCAM's range expansion: at most 2*bits - 2 of them).
 * OpenFlow matches fields by masks, not ranges, so each interval of a graph
 * node becomes these. BigInt because MAC addresses are 48 bits.
 */
export function rangeToPrefixes(lo: bigint, hi: bigint, bits: number): Prefix[] {
  const all = (1n << BigInt(bits)) - 1n;
  const out: Prefix[] = [];
  if (lo < 0n) lo = 0n;
  if (hi > all) hi = all;
  while (lo <= hi) {
    // the largest aligned block that starts at lo and ends at or before hi
    let size = 1n;
    while ((lo & (size * 2n - 1n)) === 0n && lo + size * 2n - 1n <= hi && size * 2n <= all + 1n) size *= 2n;
    out.push({ value: lo, mask: all & ~(size - 1n) });
    lo += size;
  }
  return out;
}
