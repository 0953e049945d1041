/**
 * Delays in nanoseconds, counted in log-linear buckets (as HdrHistogram
 * does): exact below 32 ns, then 16 buckets per power of two, so a
 * percentile read from it is within 1/16 (6.25%) of the true value. Fixed
 * memory whatever the count, and two histograms add bucket by bucket.
 */
const SUB_BITS = 4;
const SUB = 1 << SUB_BITS;
/** Values below this have a bucket each. */
const LINEAR = 2 * SUB;
/** Powers of two up to 2^63 ns (292 years). */
const BUCKETS = LINEAR + (63 - SUB_BITS) * SUB;

export function bucketOf(ns: number): number {
  if (ns < LINEAR) return ns < 0 ? 0 : Math.floor(ns);
  let e = Math.floor(Math.log2(ns));
  // log2 rounds near powers of two
  if (2 ** e > ns) e--;
  else if (2 ** (e + 1) <= ns) e++;
  const shift = e - SUB_BITS;
  const sub = Math.floor(ns / 2 ** shift) - SUB;
  return Math.min(BUCKETS - 1, LINEAR + (shift - 1) * SUB + sub);
}

/** The smallest value of bucket `b`. */
export function bucketLow(b: number): number {
  if (b < LINEAR) return b;
  const shift = Math.floor((b - LINEAR) / SUB) + 1;
  return (SUB + ((b - LINEAR) % SUB)) * 2 ** shift;
}

/** The largest value of bucket `b` (whole nanoseconds). */
export function bucketHigh(b: number): number {
  return b + 1 < BUCKETS ? bucketLow(b + 1) - 1 : Number.MAX_SAFE_INTEGER;
}

/** Counts per bucket while a run goes. */
export class DelayHistogram {
  readonly counts = new Float64Array(BUCKETS);
  total = 0;

  add(ns: number): void {
    this.counts[bucketOf(ns)]++;
    this.total++;
  }

  /** `n` delays of 0 (counted elsewhere while the run went). */
  addZeros(n: number): void {
    this.counts[0] += n;
    this.total += n;
  }

  /** Only the buckets that hold something: [lowest value in ns, count], lowest first. */
  sparse(): [number, number][] {
    const out: [number, number][] = [];
    for (let b = 0; b < BUCKETS; b++) if (this.counts[b] > 0) out.push([bucketLow(b), this.counts[b]]);
    return out;
  }
}

/**
 * The p-quantile (0 < p <= 1) of a sparse histogram: the highest value of
 * the bucket that holds it, but never above `max` (the largest value seen).
 */
export function quantile(sparse: readonly (readonly [number, number])[], p: number, max: number): number {
  const n = sparse.reduce((s, [, c]) => s + c, 0);
  if (n === 0) return 0;
  const rank = Math.max(1, Math.ceil(p * n));
  let seen = 0;
  for (const [low, c] of sparse) {
    seen += c;
    if (seen >= rank) return Math.min(bucketHigh(bucketOf(low)), max);
  }
  return max;
}

/** Adds sparse histogram `b` into `a` (both [lowest value, count], lowest first). */
export function addSparse(a: [number, number][], b: readonly (readonly [number, number])[]): [number, number][] {
  const m = new Map<number, number>(a.map(([l, c]) => [l, c]));
  for (const [l, c] of b) m.set(l, (m.get(l) ?? 0) + c);
  return [...m.entries()].sort((x, y) => x[0] - y[0]);
}
