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

/**
 * Few value/mask pairs that cover exactly a set of values of a narrow field
 * (Quine-McCluskey: prime implicants, then a greedy cover). A set such as
 * `tcp[13] & 2 != 0` is 64 intervals, 64 prefixes, and one value/mask.
 * `dontCare`: values no packet has (taps not on the switch), which a pair may
 * cover or not.
 */
export function ternaryCover(values: readonly number[], bits: number, dontCare: readonly number[] = []): Prefix[] {
  const all = (1 << bits) - 1;
  const on = new Set(values);
  // implicants as value/mask (mask bits set: compared); merge pairs that differ in one compared bit
  let level = new Map<string, { value: number; mask: number }>(
    [...on, ...dontCare].map((v) => [`${v}/${all}`, { value: v, mask: all }]),
  );
  const primes: { value: number; mask: number }[] = [];
  while (level.size) {
    const next = new Map<string, { value: number; mask: number }>();
    const merged = new Set<string>();
    for (const [k, a] of level)
      for (let bit = 1; bit <= all; bit <<= 1) {
        if (!(a.mask & bit) || a.value & bit) continue;
        const kb = `${a.value | bit}/${a.mask}`;
        if (!level.has(kb)) continue;
        merged.add(k).add(kb);
        const m = { value: a.value, mask: a.mask & ~bit };
        next.set(`${m.value}/${m.mask}`, m);
      }
    for (const [k, a] of level) if (!merged.has(k)) primes.push(a);
    level = next;
  }
  const covers = (p: { value: number; mask: number }, v: number) => (v & p.mask) === p.value;
  const left = new Set(on);
  const out: Prefix[] = [];
  while (left.size) {
    let best = primes[0];
    let bestN = 0;
    for (const p of primes) {
      let n = 0;
      for (const v of left) if (covers(p, v)) n++;
      if (n > bestN) [best, bestN] = [p, n];
    }
    for (const v of [...left]) if (covers(best, v)) left.delete(v);
    out.push({ value: BigInt(best.value), mask: BigInt(best.mask) });
  }
  return out;
}
