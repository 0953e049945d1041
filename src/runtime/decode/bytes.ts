/**
 * Big-endian reads by hand: a DataView per packet would allocate, and these
 * inline. Callers check bounds first; these never do.
 *
 * There is no 32-bit read: its unsigned result (`>>> 0` keeps addresses >=
 * 128.0.0.0 positive) is not a small integer, so a call V8 does not inline
 * returns it boxed, one heap allocation per call. The decoders spell 32-bit
 * and MAC reads out where they store them (measured: 60 -> 42 bytes allocated
 * per packet on the bench mix, the rest being the benchmark's own loop).
 */
export function be16(d: Uint8Array, i: number): number {
  return (d[i] << 8) | d[i + 1];
}

export function be24(d: Uint8Array, i: number): number {
  return (d[i] << 16) | (d[i + 1] << 8) | d[i + 2];
}
