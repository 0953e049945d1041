/**
 * A token bucket of depth B bytes filled at R bits/s, as one tool's shaper
 * uses it, in exact integer arithmetic. Time is whole nanoseconds counted
 * from an origin the owner chooses (numbers up to 2^53: 104 days).
 *
 * It is kept as a virtual time, not a token count (the GCRA form of ITU-T
 * I.371): `full` is the instant the bucket is full again if nothing more is
 * sent, so the tokens at time t are B - R * max(0, full - t). Sending L bytes
 * at s moves it to max(full, s) + L*8/R. A packet may leave once the bucket
 * holds its length: at full - (B - L)*8/R. A packet longer than the bucket
 * can never find that many tokens; it leaves once the bucket is full, and
 * the bucket owes the difference (later packets wait for it).
 *
 * L*8/R is rarely a whole number of nanoseconds, so `full` is a whole part
 * (ns) and a remainder in units of 1/R ns: no rounding accumulates, however
 * many packets pass. R is scaled to a whole number first (`rate 1.5 bps`
 * counts in tenths); every rate tmesc accepts is one within 10^-6.
 */
export class TokenBucket {
  /** R as an integer, in 1/scale bits per second: the remainders' denominator. */
  private readonly r: number;
  /** Bits * 1e9 * scale per byte: a length times this, divided by r, is its time in ns. */
  private readonly unitsPerByte: number;
  /** The bucket's depth as a time: B*8/R, whole ns and remainder. */
  private readonly depthNs: number;
  private readonly depthRem: number;
  /**
   * What changes per packet, in a typed array rather than fields (each store
   * of a number that is not a small integer into a field may box it anew):
   * FULL_NS and FULL_REM, when the bucket is full again (whole ns, remainder
   * in 1/r ns); Q and REM, the last division; DIVIDED, the length it was for
   * (earliest() and take() of one packet divide once).
   */
  private readonly s = new Float64Array(5);

  constructor(
    rateBps: number,
    readonly burstBytes: number,
    /** The bucket starts full at this time. */
    startNs = 0,
  ) {
    if (!(rateBps > 0) || !Number.isFinite(rateBps)) throw new RangeError(`rate must be above 0, not ${rateBps}`);
    if (!Number.isInteger(burstBytes) || burstBytes < 1) throw new RangeError(`burst must be a whole number of bytes`);
    const scale = rateScale(rateBps);
    this.r = Math.round(rateBps * scale);
    this.unitsPerByte = 8e9 * scale;
    this.s[DIVIDED] = -1;
    this.divide(burstBytes);
    this.depthNs = this.s[Q];
    this.depthRem = this.s[REM];
    this.s[FULL_NS] = startNs;
  }

  /** How long L bytes take at the rate, into s[Q] (whole ns) and s[REM] (in 1/r ns). */
  private divide(bytes: number): void {
    const s = this.s;
    if (bytes === s[DIVIDED]) return;
    s[DIVIDED] = bytes;
    const r = this.r;
    const n = bytes * this.unitsPerByte;
    if (n <= Number.MAX_SAFE_INTEGER) {
      let q = Math.floor(n / r);
      let rem = n - q * r;
      // the division rounds: correct it by one either way
      if (rem < 0) {
        q--;
        rem += r;
      } else if (rem >= r) {
        q++;
        rem -= r;
      }
      s[Q] = q;
      s[REM] = rem;
      return;
    }
    const big = BigInt(bytes) * BigInt(this.unitsPerByte);
    const rb = BigInt(r);
    s[Q] = Number(big / rb);
    s[REM] = Number(big % rb);
  }

  /**
   * The earliest whole nanosecond, at or after `notBefore`, at which `bytes`
   * may leave (min(bytes, B) tokens in the bucket), rounded up to a multiple
   * of `tickNs`. `notBefore` is a multiple of tickNs.
   */
  earliest(bytes: number, notBefore: number, tickNs = 1): number {
    const s = this.s;
    // full - (B - L)*8/R, or full itself for a packet longer than the bucket
    let ns = s[FULL_NS];
    let rem = s[FULL_REM];
    if (bytes < this.burstBytes) {
      this.divide(bytes);
      ns += s[Q] - this.depthNs;
      rem += s[REM] - this.depthRem;
      if (rem < 0) {
        ns--;
        rem += this.r;
      } else if (rem >= this.r) {
        ns++;
        rem -= this.r;
      }
    }
    if (rem > 0) ns++;
    if (tickNs > 1) ns = Math.ceil(ns / tickNs) * tickNs;
    return ns > notBefore ? ns : notBefore;
  }

  /** `bytes` leave at `atNs` (at or after earliest()'s answer): the tokens are taken. */
  take(bytes: number, atNs: number): void {
    const s = this.s;
    if (atNs > s[FULL_NS] || (atNs === s[FULL_NS] && s[FULL_REM] === 0)) {
      s[FULL_NS] = atNs;
      s[FULL_REM] = 0;
    }
    this.divide(bytes);
    s[FULL_NS] += s[Q];
    s[FULL_REM] += s[REM];
    if (s[FULL_REM] >= this.r) {
      s[FULL_NS]++;
      s[FULL_REM] -= this.r;
    }
  }

  /** When the bucket is full again (ns, rounded up). */
  get fullAt(): number {
    return this.s[FULL_REM] > 0 ? this.s[FULL_NS] + 1 : this.s[FULL_NS];
  }

  /** Moves the time origin `ns` later (every time the bucket holds is `ns` smaller). */
  shift(ns: number): void {
    this.s[FULL_NS] -= ns;
  }
}

const FULL_NS = 0;
const FULL_REM = 1;
const Q = 2;
const REM = 3;
const DIVIDED = 4;

/** A power of ten (at most 10^6) that makes the rate a whole number, within 10^-9 of it. */
function rateScale(rateBps: number): number {
  let scale = 1;
  while (scale < 1e6) {
    const x = rateBps * scale;
    if (Math.abs(x - Math.round(x)) <= 1e-9 * x) break;
    scale *= 10;
  }
  return scale;
}
