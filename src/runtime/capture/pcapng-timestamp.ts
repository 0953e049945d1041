/**
 * pcapng timestamps are 64-bit counts of 10^-n or 2^-n seconds, split in two
 * 32-bit halves. Nanosecond counts exceed 2^53, so plain doubles lose the low
 * digits; this converts exactly to (seconds, nanoseconds) without BigInt on
 * the common resolutions, and rounds the fraction down as Wireshark does.
 */
export interface TsConverter {
  /** Writes the result into out.tsSec / out.tsNsec to avoid allocating a pair. */
  convert(hi: number, lo: number, out: { tsSec: number; tsNsec: number }): void;
}

const TWO32 = 4294967296;

class DecimalTs implements TsConverter {
  private readonly divisor: number;
  private readonly toNs: number;

  constructor(
    exp: number,
    private readonly offset: number,
  ) {
    this.divisor = 10 ** exp;
    this.toNs = 10 ** (9 - exp);
  }

  convert(hi: number, lo: number, out: { tsSec: number; tsNsec: number }): void {
    const d = this.divisor;
    let sec: number;
    let rem: number;
    if (hi < 0x200000) {
      const units = hi * TWO32 + lo;
      sec = Math.floor(units / d);
      rem = units - sec * d;
    } else {
      // Long division in base 2^16: each partial dividend stays below 2^53 while d < 2^37.
      let x = hi >>> 16;
      let q = Math.floor(x / d);
      rem = x - q * d;
      x = rem * 65536 + (hi & 0xffff);
      let qd = Math.floor(x / d);
      rem = x - qd * d;
      q = q * 65536 + qd;
      x = rem * 65536 + (lo >>> 16);
      qd = Math.floor(x / d);
      rem = x - qd * d;
      q = q * 65536 + qd;
      x = rem * 65536 + (lo & 0xffff);
      qd = Math.floor(x / d);
      rem = x - qd * d;
      sec = q * 65536 + qd;
    }
    out.tsSec = sec + this.offset;
    out.tsNsec = rem * this.toNs;
  }
}

/** Any other resolution (2^-n, or finer than nanoseconds): rare, so BigInt is fine. */
class GeneralTs implements TsConverter {
  private readonly unitsPerSec: bigint;

  constructor(
    base: 2 | 10,
    exp: number,
    private readonly offset: number,
  ) {
    this.unitsPerSec = BigInt(base) ** BigInt(exp);
  }

  convert(hi: number, lo: number, out: { tsSec: number; tsNsec: number }): void {
    const units = (BigInt(hi) << 32n) | BigInt(lo);
    const u = this.unitsPerSec;
    out.tsSec = Number(units / u) + this.offset;
    out.tsNsec = Number(((units % u) * 1_000_000_000n) / u);
  }
}

/** Caller validated: base 10 with exp 0..19, or base 2 with exp 0..63. */
export function tsConverter(base: 2 | 10, exp: number, offsetSec: number): TsConverter {
  if (base === 10 && exp <= 9) return new DecimalTs(exp, offsetSec);
  return new GeneralTs(base, exp, offsetSec);
}

/** Splits sec * unitsPerSec + frac into 32-bit halves exactly (unitsPerSec < 2^30). */
export function splitTimestamp(sec: number, frac: number, unitsPerSec: number, out: { hi: number; lo: number }): void {
  const secLo = sec % 65536;
  const secHi = (sec - secLo) / 65536;
  const low = secLo * unitsPerSec + frac; // < 2^47
  const high = secHi * unitsPerSec; // worth high * 2^16, < 2^48 for sec < 2^34
  const highLo16 = high % 65536;
  const word = (low % TWO32) + highLo16 * 65536;
  const lo = word % TWO32;
  out.lo = lo;
  out.hi = (high - highLo16) / 65536 + Math.floor(low / TWO32) + (word - lo) / TWO32;
}
