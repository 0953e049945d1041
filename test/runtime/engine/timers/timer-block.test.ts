import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TimerBlock } from '../../../../src/runtime/engine/timers/timer-block.js';

/**
 * The cascaded wheel against a reference: a plain list of (timer, expiry),
 * the due ones taken in expiry order. Operations are random starts,
 * restarts, stops and advances of time, delays from one tick to beyond the
 * wheel's 2^32-tick reach, so every level cascades.
 */

interface Fired {
  timer: number;
  at: number;
  /** The block's tick when it fired. */
  now: number;
}

function harness() {
  const fired: Fired[] = [];
  const block = new TimerBlock((timer) => fired.push({ timer, at: block.expiryOf(timer), now: block.now }));
  return { block, fired };
}

/** Delays that land in every level, at level edges, and beyond the reach. */
const delay = fc.oneof(
  fc.integer({ min: 1, max: 300 }),
  fc.integer({ min: 250, max: 20_000 }),
  fc.constantFrom(255, 256, 257, 16383, 16384, 16385, 2 ** 20 - 1, 2 ** 20, 2 ** 26, 2 ** 32 - 1, 2 ** 32, 2 ** 33 + 5),
  fc.integer({ min: 1, max: 2 ** 34 }),
);

type Op =
  | { kind: 'start'; timer: number; delay: number }
  | { kind: 'stop'; timer: number }
  | { kind: 'advance'; by: number; max: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('start' as const), timer: fc.nat(19), delay }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('stop' as const), timer: fc.nat(19) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('advance' as const),
      by: fc.oneof(fc.integer({ min: 0, max: 600 }), fc.integer({ min: 0, max: 2 ** 34 })),
      max: fc.oneof(fc.constant(Infinity), fc.integer({ min: 1, max: 4 })),
    }),
  },
);

describe('TimerBlock against a sorted-list reference', () => {
  it('fires each timer once, at its tick, earliest first, at most max a call; stops and restarts hold', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 60 }), (ops) => {
        const { block, fired } = harness();
        const timers = Array.from({ length: 20 }, (_, i) => block.create(i));
        // reference: expiry per running timer
        const ref = new Map<number, number>();
        let now = 0;
        const drain = (to: number, max: number) => {
          const before = fired.length;
          const n = block.expire(to, max);
          const got = fired.slice(before);
          expect(got.length).toBe(n);
          expect(n).toBeLessThanOrEqual(max);
          // what the reference says is due, in order of expiry
          const due = [...ref.entries()].filter(([, e]) => e <= to).sort((a, b) => a[1] - b[1]);
          if (n < max) expect(n).toBe(due.length);
          else expect(n).toBeLessThanOrEqual(due.length);
          // earliest first: the expiries fired are the n least due, in order
          expect(got.map((f) => f.at)).toEqual(due.slice(0, n).map(([, e]) => e));
          for (const f of got) {
            expect(ref.get(f.timer)).toBe(f.at);
            // never early
            expect(f.at).toBeLessThanOrEqual(f.now);
            ref.delete(f.timer);
          }
        };
        for (const o of ops) {
          const t = o.kind === 'advance' ? -1 : timers[o.timer];
          if (o.kind === 'start') {
            block.start(t, o.delay);
            ref.set(t, block.now + o.delay);
            expect(block.expiryOf(t)).toBe(block.now + o.delay);
          } else if (o.kind === 'stop') {
            expect(block.stop(t)).toBe(ref.has(t));
            ref.delete(t);
          } else {
            now += o.by;
            drain(now, o.max);
          }
          expect(block.pending).toBe(ref.size);
          const next = ref.size ? Math.min(...ref.values()) : undefined;
          // a capped call leaves due timers: the next expiry is then now
          expect(block.nextExpiry()).toBe(next === undefined ? undefined : Math.max(next, block.now));
        }
        // everything still running fires, in order, when time runs past it
        drain(now + 2 ** 35, Infinity);
        expect(block.pending).toBe(0);
      }),
      { numRuns: 400 },
    );
  });

  it('fires timers in a cascaded slot at their own ticks, in order', () => {
    const { block, fired } = harness();
    // all of these sit in level 1, 2 or 3 and come down through one or more cascades
    const delays = [300, 256, 70_000, 16_384, 1_000_000, 999_999, 5_000_000, 257, 65_536];
    delays.forEach((d, i) => block.start(block.create(i), d));
    let steps = 0;
    // advance one tick at a time across the first level boundaries, then in strides
    for (let t = 1; t <= 600; t++) steps += block.expire(t);
    for (let t = 1000; t <= 5_000_000; t += 997) steps += block.expire(t);
    steps += block.expire(5_000_000);
    expect(steps).toBe(delays.length);
    expect(fired.map((f) => f.at)).toEqual([...delays].sort((a, b) => a - b));
    // each fired in the very call that reached its tick
    for (const f of fired) expect(f.now - f.at).toBeLessThan(997);
  });

  it('a storm of timers due at once fires max a call, in expiry order, and the wheel does not move on before they all fired', () => {
    const { block, fired } = harness();
    const n = 10_000;
    for (let i = 0; i < n; i++) block.start(block.create(i), 1 + (i % 7));
    block.start(block.create(-1), 50);
    let calls = 0;
    while (block.expire(100, 256) === 256) calls++;
    expect(calls).toBe(Math.floor(n / 256));
    expect(fired.length).toBe(n + 1);
    const at = fired.map((f) => f.at);
    expect(at).toEqual([...at].sort((a, b) => a - b));
    expect(fired[n].at).toBe(50);
  });

  it('restart moves a running timer; a handler may restart its own timer without looping', () => {
    const fired: number[] = [];
    const block: TimerBlock = new TimerBlock((t) => {
      fired.push(block.now);
      if (fired.length < 5) block.restart(t, 0);
    });
    const t = block.create();
    block.start(t, 10);
    block.restart(t, 20);
    expect(block.expire(19)).toBe(0);
    expect(block.expire(20)).toBe(1);
    // restarted from its handler with delay 0: the next tick, never the same call
    expect(block.expire(20)).toBe(0);
    expect(block.expire(100)).toBe(4);
    expect(fired).toEqual([20, 21, 22, 23, 24]);
  });

  it('destroy frees the timer number for reuse; using a destroyed timer is an error', () => {
    const { block, fired } = harness();
    const a = block.create();
    block.start(a, 5);
    block.destroy(a);
    expect(() => block.start(a, 1)).toThrow(RangeError);
    const b = block.create();
    expect(b).toBe(a);
    expect(block.isRunning(b)).toBe(false);
    block.expire(10);
    expect(fired).toEqual([]);
    // grows past its first arrays
    const many = Array.from({ length: 1000 }, (_, i) => block.create(i));
    many.forEach((t, i) => block.start(t, 1000 - i));
    block.expire(2000);
    expect(fired.map((f) => f.timer)).toEqual([...many].reverse());
    expect(block.size).toBe(1001);
  });

  it('a jump of years with no timers due costs one call and keeps later timers exact', () => {
    const { block, fired } = harness();
    const t = block.create();
    block.start(t, 2 ** 40);
    const idle = block.create();
    block.start(idle, 3);
    block.stop(idle);
    expect(block.expire(2 ** 40 - 1)).toBe(0);
    expect(block.expire(2 ** 40)).toBe(1);
    expect(fired[0].now).toBe(2 ** 40);
  });
});
