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
  /** When the bucket is full again: whole ns and remainder (in 1/r ns). */
  private fullNs: number;
  private fullRem = 0;

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
    const [q, rem] = this.divide(burstBytes);
    this.depthNs = q;
    this.depthRem = rem;
    this.fullNs = startNs;
  }

  /** How long L bytes take at the rate: [whole ns, remainder in 1/r ns]. */
  private divide(bytes: number): [number, number] {
    const n = bytes * this.unitsPerByte;
    if (n <= Number.MAX_SAFE_INTEGER) {
      let q = Math.floor(n / this.r);
      let rem = n - q * this.r;
      // the division rounds: correct it by one either way
      if (rem < 0) {
        q--;
        rem += this.r;
      } else if (rem >= this.r) {
        q++;
        rem -= this.r;
      }
      return [q, rem];
    }
    const big = BigInt(bytes) * BigInt(this.unitsPerByte);
    const r = BigInt(this.r);
    return [Number(big / r), Number(big % r)];
  }

  /**
   * The earliest whole nanosecond, at or after `notBefore`, at which `bytes`
   * may leave (min(bytes, B) tokens in the bucket), rounded up to a multiple
   * of `tickNs`. `notBefore` is a multiple of tickNs.
   */
  earliest(bytes: number, notBefore: number, tickNs = 1): number {
    // full - (B - L)*8/R, or full itself for a packet longer than the bucket
    let ns = this.fullNs;
    let rem = this.fullRem;
    if (bytes < this.burstBytes) {
      const [q, r] = this.divide(bytes);
      ns += q - this.depthNs;
      rem += r - this.depthRem;
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
    if (atNs > this.fullNs || (atNs === this.fullNs && this.fullRem === 0)) {
      this.fullNs = atNs;
      this.fullRem = 0;
    }
    const [q, r] = this.divide(bytes);
    this.fullNs += q;
    this.fullRem += r;
    if (this.fullRem >= this.r) {
      this.fullNs++;
      this.fullRem -= this.r;
    }
  }

  /** When the bucket is full again (ns, rounded up). */
  get fullAt(): number {
    return this.fullRem > 0 ? this.fullNs + 1 : this.fullNs;
  }

  /** Moves the time origin `ns` later (every time the bucket holds is `ns` smaller). */
  shift(ns: number): void {
    this.fullNs -= ns;
  }
}

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
