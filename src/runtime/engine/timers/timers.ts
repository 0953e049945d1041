import { type ExpireHandler, TimerBlock } from './timer-block.js';

/**
 * The timers of one worker: its timer blocks on one clock. Each module keeps
 * its own blocks (created at its per-worker init, deleted at finish); the
 * engine asks for the next expiry across all of them to bound its wait for
 * events, and runs the expirations of every block with one budget per tick,
 * the blocks taking turns to go first so that one block's storm cannot keep
 * the others' timers from firing.
 *
 * Time is in ticks of `tickNs` nanoseconds from an origin the owner chooses:
 * the monotonic clock for live traffic, the first packet's timestamp when a
 * capture's own time drives the timers (a replay runs its timeouts at the
 * capture's pace, however fast it is read).
 */
export class Timers {
  private readonly blocks: TimerBlock[] = [];
  private turn = 0;
  private nowTick = 0;
  private originSec: number | undefined;
  private originNs = 0;

  constructor(
    /** What one tick is worth, in nanoseconds (default 1 ms). */
    readonly tickNs = 1_000_000,
  ) {}

  get now(): number {
    return this.nowTick;
  }

  /** A new block whose timers call `onExpire` when they fire. */
  createBlock(onExpire: ExpireHandler): TimerBlock {
    const b = new TimerBlock(onExpire, this.nowTick);
    this.blocks.push(b);
    return b;
  }

  /** The block's timers are dropped without firing. */
  deleteBlock(b: TimerBlock): void {
    const i = this.blocks.indexOf(b);
    if (i >= 0) this.blocks.splice(i, 1);
  }

  /** Ticks for a delay in nanoseconds, rounded up: a timer never fires early. */
  ticks(ns: number): number {
    return Math.ceil(ns / this.tickNs);
  }

  /** The tick of a timestamp (seconds and nanoseconds), counted from the first one given. */
  tickOf(sec: number, nsec: number): number {
    if (this.originSec === undefined) {
      this.originSec = sec;
      this.originNs = nsec;
    }
    return Math.floor(((sec - this.originSec) * 1e9 + (nsec - this.originNs)) / this.tickNs);
  }

  /** The earliest tick some timer is due, or undefined when none runs. */
  nextExpiry(): number | undefined {
    let best: number | undefined;
    for (const b of this.blocks) {
      const e = b.nextExpiry();
      if (e !== undefined && (best === undefined || e < best)) best = e;
    }
    return best;
  }

  /**
   * How long the engine may wait for events before a timer is due, in
   * milliseconds (0: some are due now), or undefined: no timer runs.
   */
  waitMs(): number | undefined {
    const e = this.nextExpiry();
    if (e === undefined) return undefined;
    return e <= this.nowTick ? 0 : ((e - this.nowTick) * this.tickNs) / 1e6;
  }

  /**
   * Moves every block to tick `now` and fires what is due, at most `max`
   * timers in all. Returns how many fired; when that is `max`, more may be
   * due, and the next call fires them first.
   */
  run(now: number, max = Infinity): number {
    if (now > this.nowTick) this.nowTick = now;
    const n = this.blocks.length;
    if (n === 0) return 0;
    let fired = 0;
    const first = this.turn++ % n;
    for (let i = 0; i < n && fired < max; i++) fired += this.blocks[(first + i) % n].expire(this.nowTick, max - fired);
    return fired;
  }
}
