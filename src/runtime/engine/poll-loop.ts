import type { Timers } from './timers/timers.js';

/**
 * The loop of one execution context, as the execution-engine post describes
 * it: sources register with a callback that handles at most a quota of
 * events (bounded by count and by time, as NAPI bounds a poll) and says
 * whether more is pending; every ready source is called in turn, round-robin,
 * until none has work; only then does the loop wait for events, and never
 * longer than the next timer. Timers fire between rounds, a bounded number
 * per round so that a storm of expiries cannot hold packets up.
 *
 * `software` poll waits (Atomics.wait on the worker's doorbell: the thread
 * sleeps); `busy` spins instead, for cores given to tmesc alone.
 */
export interface Source {
  readonly name: string;
  /** Handles at most `quota` events, stopping early at `deadline` (performance.now() ms). */
  poll(quota: number, deadline: number): { handled: number; more: boolean };
}

export interface PollLoopOptions {
  quota: number;
  /** Time a call into a source may take, ms. */
  quotaMs: number;
  poll: 'software' | 'busy';
  /** Blocks until an event may have come, at most `ms` (undefined: until one comes). */
  wait: (ms: number | undefined) => void;
  /** Whether the loop is finished: asked when no source has work. */
  done: () => boolean;
  /** Timers fired per round at most. */
  timerQuota?: number;
}

interface Stage {
  stage: string;
  calls: number;
  packets: number;
  ns: number;
}

/** How long a software-poll wait may be when no timer runs: the finish flag is looked at this often. */
const IDLE_WAIT_MS = 200;

export class PollLoop {
  private readonly sources: Source[] = [];
  private readonly pending: boolean[] = [];
  private readonly stages: Stage[] = [];
  private readonly timerStage: Stage = { stage: 'timers', calls: 0, packets: 0, ns: 0 };
  private readonly waitStage: Stage = { stage: 'wait', calls: 0, packets: 0, ns: 0 };

  constructor(
    sources: Source[],
    private readonly timers: Timers,
    private readonly opts: PollLoopOptions,
  ) {
    for (const s of sources) this.register(s);
  }

  register(s: Source): void {
    this.sources.push(s);
    this.pending.push(true);
    this.stages.push({ stage: s.name, calls: 0, packets: 0, ns: 0 });
  }

  deregister(s: Source): void {
    const i = this.sources.indexOf(s);
    if (i < 0) return;
    this.sources.splice(i, 1);
    this.pending.splice(i, 1);
  }

  /** Calls, packets and time per source, for timers and for waiting. */
  stageCounters(): Stage[] {
    return [...this.stages, this.timerStage, this.waitStage].map((s) => ({ ...s }));
  }

  /** Runs until `done()` says so. */
  run(): void {
    const { quota, quotaMs } = this.opts;
    const timerQuota = this.opts.timerQuota ?? 1024;
    const t0 = performance.now();
    for (;;) {
      let any = false;
      // one round: every source with work, in turn
      for (let i = 0; i < this.sources.length; i++) {
        if (!this.pending[i]) continue;
        const s = this.sources[i];
        const st = this.stages[i];
        const start = performance.now();
        const r = s.poll(quota, start + quotaMs);
        const end = performance.now();
        st.calls++;
        st.packets += r.handled;
        st.ns += (end - start) * 1e6;
        this.pending[i] = r.more;
        if (r.more) any = true;
      }
      const now = performance.now();
      const tick = Math.floor(((now - t0) * 1e6) / this.timers.tickNs);
      if (this.timers.nextExpiry() !== undefined) {
        const fired = this.timers.run(tick, timerQuota);
        const end = performance.now();
        this.timerStage.calls++;
        this.timerStage.packets += fired;
        this.timerStage.ns += (end - now) * 1e6;
        if (fired === timerQuota) any = true;
      }
      if (any) continue;
      if (this.opts.done()) return;
      if (this.opts.poll === 'software') {
        const w = this.timers.waitMs();
        const start = performance.now();
        this.opts.wait(w === undefined ? IDLE_WAIT_MS : Math.min(IDLE_WAIT_MS, Math.max(0, w)));
        this.waitStage.calls++;
        this.waitStage.ns += (performance.now() - start) * 1e6;
      }
      // whatever woke the loop, every source is asked again
      this.pending.fill(true);
    }
  }
}
