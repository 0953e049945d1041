import { describe, expect, it } from 'vitest';
import { Timers } from '../../../../src/runtime/engine/timers/timers.js';

describe('Timers: the blocks of one worker', () => {
  it('the next expiry over all blocks bounds the wait, in milliseconds', () => {
    const timers = new Timers(1_000_000);
    expect(timers.waitMs()).toBeUndefined();
    const a = timers.createBlock(() => undefined);
    const b = timers.createBlock(() => undefined);
    a.start(a.create(), 40);
    b.start(b.create(), 15);
    expect(timers.nextExpiry()).toBe(15);
    expect(timers.waitMs()).toBe(15);
    timers.run(10);
    expect(timers.waitMs()).toBe(5);
    timers.run(15);
    expect(timers.waitMs()).toBe(25);
  });

  it('one budget per run across blocks, the blocks taking turns to go first', () => {
    const timers = new Timers();
    const firedBy: string[] = [];
    const a = timers.createBlock(() => firedBy.push('a'));
    const b = timers.createBlock(() => firedBy.push('b'));
    for (let i = 0; i < 100; i++) a.start(a.create(), 1);
    for (let i = 0; i < 3; i++) b.start(b.create(), 1);
    expect(timers.run(1, 10)).toBe(10);
    expect(timers.run(1, 10)).toBe(10);
    // a's storm went first once; b's three fired on the second run
    expect(firedBy.slice(10, 13)).toEqual(['b', 'b', 'b']);
    // due timers left by the budget make the wait zero
    expect(timers.waitMs()).toBe(0);
    let total = 20;
    for (let n; (n = timers.run(1, 10)) > 0;) total += n;
    expect(total).toBe(103);
  });

  it('ticks from timestamps count from the first one, rounded down; delays round up', () => {
    const timers = new Timers(1_000_000);
    expect(timers.tickOf(1_700_000_000, 500_000)).toBe(0);
    expect(timers.tickOf(1_700_000_000, 1_499_999)).toBe(0);
    expect(timers.tickOf(1_700_000_000, 1_500_000)).toBe(1);
    expect(timers.tickOf(1_700_000_001, 0)).toBe(999);
    expect(timers.ticks(1)).toBe(1);
    expect(timers.ticks(10_000_000)).toBe(10);
  });

  it('a deleted block neither fires nor bounds the wait', () => {
    const timers = new Timers();
    let fired = 0;
    const a = timers.createBlock(() => fired++);
    a.start(a.create(), 5);
    timers.deleteBlock(a);
    expect(timers.nextExpiry()).toBeUndefined();
    timers.run(10);
    expect(fired).toBe(0);
  });
});
