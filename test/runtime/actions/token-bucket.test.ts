import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OVERFLOW, Shaper } from '../../../src/runtime/actions/shaper.js';
import { TokenBucket } from '../../../src/runtime/actions/token-bucket.js';
import { type Arrival, DROP, model, type Setup } from './shaper-model.js';

/**
 * The shaper against a reference model written the other way round: tokens
 * counted (not a virtual time), in exact rational arithmetic (BigInt), one
 * packet at a time as a textbook token bucket with a FIFO buffer runs. Both
 * must agree to the nanosecond on every departure and on every drop, over
 * random traffic (bursts, gaps, packets longer than the bucket, timestamps
 * out of order, microsecond ticks, fractional rates).
 */
/** The shaper as the shape step drives it: clock = latest arrival, release, admit, hold. */
function shaper(s: Setup, packets: readonly Arrival[]): { deps: number[]; maxQueued: number } {
  const tick = s.tick;
  const q = (t: number) => Math.floor(t / tick) * tick;
  let sh: Shaper<number> | undefined;
  let clock = -Infinity;
  let maxQueued = 0;
  const deps = packets.map(({ at, len }, i) => {
    clock = Math.max(clock, at);
    const now = q(clock);
    sh ??= new Shaper<number>(s.num / s.den, s.burst, s.buffer, tick, q(at));
    sh.release(clock, () => undefined);
    const d = sh.admit(len, q(at), now);
    if (d === OVERFLOW) return DROP;
    if (d > now) sh.hold(i, len, d);
    maxQueued = Math.max(maxQueued, sh.queuedBytes);
    return d;
  });
  return { deps, maxQueued };
}

const setup = fc.record({
  rate: fc.constantFrom<[number, number]>(
    [1_000_000, 1],
    [100_000_000, 1],
    [1_000_000_000, 1],
    [10_000_000_000, 1],
    [3_333_333, 1],
    [25, 2], // 12.5 bps
    [7, 10], // 0.7 bps
  ),
  burst: fc.integer({ min: 1500, max: 200_000 }),
  bufferFactor: fc.constantFrom(0, 0.5, 1, 2),
  tick: fc.constantFrom(1, 1000),
});

const traffic = fc.array(
  fc.record({
    gap: fc.oneof(
      fc.constant(0),
      fc.integer({ min: 1, max: 2_000 }),
      fc.integer({ min: 1, max: 5_000_000 }),
      fc.integer({ min: -50_000, max: -1 }), // out of order
    ),
    len: fc.oneof(fc.integer({ min: 60, max: 1514 }), fc.integer({ min: 1515, max: 300_000 })),
  }),
  { minLength: 1, maxLength: 300 },
);

function arrivals(gaps: { gap: number; len: number }[], start: number): Arrival[] {
  let t = start;
  return gaps.map(({ gap, len }) => {
    t += gap;
    return { at: t, len };
  });
}

describe('the shaper agrees with a token-counting reference model', () => {
  it('on every departure and drop, over random traffic (fast-check, seeded)', () => {
    fc.assert(
      fc.property(setup, traffic, fc.integer({ min: 0, max: 1e12 }), (st, gaps, start) => {
        const s: Setup = {
          num: st.rate[0],
          den: st.rate[1],
          burst: st.burst,
          buffer: Math.round(st.burst * st.bufferFactor),
          tick: st.tick,
        };
        const ps = arrivals(gaps, start);
        const got = shaper(s, ps);
        expect(got.deps).toEqual(model(s, ps));
        expect(got.maxQueued).toBeLessThanOrEqual(s.buffer);
      }),
      { seed: 20261206, numRuns: 400 },
    );
  });

  it('keeps the rate: in any run of packets sent, bytes <= burst + rate * time, and departures never go back', () => {
    fc.assert(
      fc.property(setup, traffic, (st, gaps) => {
        const s: Setup = { num: st.rate[0], den: st.rate[1], burst: st.burst, buffer: st.burst, tick: st.tick };
        // packets no longer than the bucket: the bound holds exactly
        const ps = arrivals(
          gaps.map((g) => ({ gap: Math.abs(g.gap), len: Math.min(g.len, st.burst) })),
          0,
        );
        const { deps } = shaper(s, ps);
        const sent = ps.map((p, i) => ({ len: p.len, at: p.at, dep: deps[i] })).filter((x) => x.dep !== DROP);
        const rate = s.num / s.den;
        for (let i = 1; i < sent.length; i++) expect(sent[i].dep).toBeGreaterThanOrEqual(sent[i - 1].dep);
        for (const x of sent) expect(x.dep).toBeGreaterThanOrEqual(Math.floor(x.at / s.tick) * s.tick);
        // max over i <= j of bytes(i..j) - rate * (dep_j - dep_i), by a running minimum
        let worst = 0;
        let minPrefix = Infinity;
        let bytes = 0;
        for (const x of sent) {
          minPrefix = Math.min(minPrefix, bytes - (rate * x.dep) / 8e9);
          bytes += x.len;
          worst = Math.max(worst, bytes - (rate * x.dep) / 8e9 - minPrefix);
        }
        expect(worst).toBeLessThanOrEqual(s.burst * (1 + 1e-12));
      }),
      { seed: 7, numRuns: 300 },
    );
  });
});

describe('token bucket, by hand', () => {
  it('lets a full bucket go at once, then spaces packets at the rate', () => {
    // 1 Mbps, 3000-byte bucket: 1000 bytes take 8 ms
    const b = new TokenBucket(1e6, 3000, 0);
    const deps: number[] = [];
    for (let i = 0; i < 5; i++) {
      const d = b.earliest(1000, 0);
      b.take(1000, d);
      deps.push(d);
    }
    expect(deps).toEqual([0, 0, 0, 8_000_000, 16_000_000]);
    expect(b.fullAt).toBe(40_000_000);
  });

  it('keeps fractions of a nanosecond: 1 byte at 3 Gbps is 8/3 ns, and rounding up each departure adds no drift', () => {
    const b = new TokenBucket(3e9, 1500, 0);
    b.take(1500, 0); // empty
    const deps: number[] = [];
    for (let i = 0; i < 3; i++) {
      const d = b.earliest(1, 0);
      b.take(1, d);
      deps.push(d);
    }
    // tokens for 1 byte after 8/3, 16/3, 24/3 ns, each rounded up to the whole ns: no drift
    expect(deps).toEqual([3, 6, 8]);
  });

  it('rounds departures up to the tick', () => {
    const b = new TokenBucket(1e9, 1500, 0);
    b.take(1500, 0);
    expect(b.earliest(100, 0, 1000)).toBe(1000);
    expect(b.earliest(100, 0)).toBe(800);
  });

  it('sends a packet longer than the bucket once it is full, and makes the next ones wait for the difference', () => {
    const b = new TokenBucket(8e6, 1500, 0); // 1 byte per us
    b.take(1500, 0);
    expect(b.earliest(3000, 0)).toBe(1_500_000); // full again after 1500 us
    b.take(3000, 1_500_000);
    expect(b.earliest(100, 0)).toBe(4_500_000 - 1_400_000);
  });

  it('refuses rates and bursts it cannot run', () => {
    expect(() => new TokenBucket(0, 1500)).toThrow(RangeError);
    expect(() => new TokenBucket(1e9, 0)).toThrow(RangeError);
  });
});

describe('shaper buffer', () => {
  it('holds what must wait up to its size, refuses the rest, and releases in order', () => {
    // 8 Mbps (1 byte/us), bucket 1500, buffer 3000
    const s = new Shaper<string>(8e6, 1500, 3000, 1, 0);
    const out: [string, number][] = [];
    const offer = (name: string, len: number, at: number) => {
      s.release(at, (x, d) => out.push([x, d]));
      const d = s.admit(len, at, at);
      if (d === OVERFLOW) return 'drop';
      if (d > at) s.hold(name, len, d);
      else out.push([name, d]);
      return d;
    };
    expect(offer('a', 1500, 0)).toBe(0);
    expect(offer('b', 1500, 0)).toBe(1_500_000);
    expect(offer('c', 1500, 0)).toBe(3_000_000);
    expect(offer('d', 100, 0)).toBe('drop');
    expect(s.queuedBytes).toBe(3000);
    expect(s.nextDeparture()).toBe(1_500_000);
    expect(offer('e', 100, 1_600_000)).toBe(3_100_000);
    s.drain((x, d) => out.push([x, d]));
    expect(out).toEqual([
      ['a', 0],
      ['b', 1_500_000],
      ['c', 3_000_000],
      ['e', 3_100_000],
    ]);
  });

  it('moves its origin without changing what it decides', () => {
    const a = new Shaper<number>(1e6, 2000, 2000, 1, 0);
    const b = new Shaper<number>(1e6, 2000, 2000, 1, 0);
    const da = [0, 10, 20].map((t, i) => {
      const d = a.admit(1000, t, t);
      if (d > t) a.hold(i, 1000, d);
      return d;
    });
    b.admit(1000, 0, 0);
    b.shift(5);
    const d1 = b.admit(1000, 10 - 5, 10 - 5);
    const d2 = b.admit(1000, 20 - 5, 20 - 5);
    expect([0, d1 + 5, d2 + 5]).toEqual(da);
  });
});
