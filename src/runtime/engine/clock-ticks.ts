import type { TimerBlock } from './timers/timer-block.js';
import type { Timers } from './timers/timers.js';

/** What hands on held work when the clock moves with no packet (Pipeline.tick). */
export interface Ticked {
  tick(tsSec: number, tsNsec: number): void;
}

/** The wall clock in ms since the epoch, as the live capture stamps frames. */
export const wallClockMs = (): number => performance.timeOrigin + performance.now();

/**
 * Offers `target` the clock every `everyMs`, on a timer of the worker's
 * wheels: the engine's wait is bounded by it, and it fires between packet
 * rounds like any timer (within the per-round cap). The time given is
 * `clock()` (ms since the epoch) as seconds and nanoseconds, the clock
 * frames are stamped with, never going back. Returns the block, for
 * Timers.deleteBlock at finish.
 */
export function startClockTicks(
  timers: Timers,
  target: Ticked,
  everyMs: number,
  clock: () => number = wallClockMs,
): TimerBlock {
  let last = 0;
  const block = timers.createBlock(() => {
    const ms = Math.max(last, clock());
    last = ms;
    const sec = Math.floor(ms / 1000);
    target.tick(sec, Math.min(999_999_999, Math.floor((ms - sec * 1000) * 1e6)));
    block.start(timer, delay);
  });
  const delay = Math.max(1, timers.ticks(everyMs * 1e6));
  const timer = block.create();
  block.start(timer, delay);
  return block;
}
