import { describe, expect, it } from 'vitest';
import { PollLoop, type Source } from '../../../src/runtime/engine/poll-loop.js';
import { Timers } from '../../../src/runtime/engine/timers/timers.js';

/** A source with `events` pending (Infinity: a flood), handling at most the quota a call; it logs what it handled. */
function source(name: string, events: number, log: string[]): Source & { left: number; deadlines: number[] } {
  return {
    name,
    left: events,
    deadlines: [],
    poll(quota, deadline) {
      this.deadlines.push(deadline - performance.now());
      const n = Math.min(quota, this.left);
      this.left -= n;
      for (let i = 0; i < n; i++) log.push(name);
      return { handled: n, more: this.left > 0 };
    },
  };
}

describe('PollLoop: the execution engine of one worker', () => {
  it('calls every source with work in turn, each for at most its quota: a flood does not starve a quiet source', () => {
    const log: string[] = [];
    const flood = source('flood', Infinity, log);
    const quiet = source('quiet', 10, log);
    let rounds = 0;
    const loop = new PollLoop([flood, quiet], new Timers(), {
      quota: 4,
      quotaMs: 5,
      poll: 'software',
      wait: () => undefined,
      done: () => true,
    });
    // the flood never runs dry: stop it once the quiet source is done
    const done = () => quiet.left === 0 && ++rounds > 2;
    flood.poll = ((orig) =>
      function (this: typeof flood, q: number, d: number) {
        const r = orig.call(this, q, d);
        return done() ? { handled: r.handled, more: false } : r;
      })(flood.poll);
    loop.run();
    // flood, quiet, flood, quiet, flood, quiet (2 of its 10): the quiet source's events all went by the third round
    expect(log.slice(0, 22)).toEqual([
      ...Array(4).fill('flood'),
      ...Array(4).fill('quiet'),
      ...Array(4).fill('flood'),
      ...Array(4).fill('quiet'),
      ...Array(4).fill('flood'),
      ...Array(2).fill('quiet'),
    ]);
    expect(quiet.left).toBe(0);
    const st = loop.stageCounters();
    expect(st.find((s) => s.stage === 'quiet')).toMatchObject({ calls: 3, packets: 10 });
  });

  it('gives each call a deadline of the quota of time from when the call began', () => {
    // no timing assertion: each deadline is bracketed by clock readings taken around the call, so a loaded machine
    // that stalls between them cannot fail the test
    const s = { left: 100, calls: [] as { after: number; deadline: number; seen: number }[], after: 0 };
    const loop = new PollLoop(
      [
        {
          name: 's',
          poll(quota, deadline) {
            s.calls.push({ after: s.after, deadline, seen: performance.now() });
            const n = Math.min(quota, s.left);
            s.left -= n;
            s.after = performance.now();
            return { handled: n, more: s.left > 0 };
          },
        },
      ],
      new Timers(),
      { quota: 7, quotaMs: 3, poll: 'software', wait: () => undefined, done: () => s.left === 0 },
    );
    s.after = performance.now();
    loop.run();
    expect(s.left).toBe(0);
    expect(s.calls.length).toBe(Math.ceil(100 / 7));
    for (const c of s.calls) {
      // the call began after the previous one returned (or the loop started) and before the source saw it
      expect(c.deadline).toBeGreaterThanOrEqual(c.after + 3);
      expect(c.deadline).toBeLessThanOrEqual(c.seen + 3);
    }
  });

  it('waits only when no source has work, and no longer than the next timer', () => {
    const log: string[] = [];
    const a = source('a', 5, log);
    const timers = new Timers(1_000_000);
    const block = timers.createBlock(() => log.push('timer'));
    const t = block.create();
    block.start(t, 50);
    const waits: (number | undefined)[] = [];
    let pendingAtWait = -1;
    const loop = new PollLoop([a], timers, {
      quota: 2,
      quotaMs: 5,
      poll: 'software',
      wait: (ms) => {
        waits.push(ms);
        pendingAtWait = a.left;
        // an event comes while waiting, once
        if (waits.length === 1) a.left += 3;
      },
      done: () => waits.length >= 2,
    });
    loop.run();
    expect(pendingAtWait).toBe(0);
    expect(log.filter((x) => x === 'a').length).toBe(8);
    // a timer 50 ms away bounds the wait
    for (const w of waits) expect(w).toBeLessThanOrEqual(50);
  });

  it('fires at most the timer quota between rounds: a storm of expiries cannot hold packets up', () => {
    const log: string[] = [];
    const timers = new Timers(1_000_000);
    let fired = 0;
    const block = timers.createBlock(() => {
      fired++;
      log.push('timer');
    });
    for (let i = 0; i < 5000; i++) block.start(block.create(), 0);
    const s = source('pkt', 10, log);
    const loop = new PollLoop([s], timers, {
      quota: 1,
      quotaMs: 5,
      poll: 'software',
      timerQuota: 100,
      wait: () => undefined,
      done: () => s.left === 0 && fired === 5000,
    });
    loop.run();
    expect(fired).toBe(5000);
    // every packet went before the storm was over, one a round between 100 expiries at most
    const lastPacket = log.lastIndexOf('pkt');
    expect(log.indexOf('timer', lastPacket)).toBeGreaterThan(lastPacket);
    let run = 0;
    for (const x of log) {
      if (x === 'timer') run++;
      else {
        expect(run).toBeLessThanOrEqual(100);
        run = 0;
      }
    }
  });

  it('in busy poll never waits', () => {
    const log: string[] = [];
    const s = source('s', 50, log);
    let waited = 0;
    let asked = 0;
    const loop = new PollLoop([s], new Timers(), {
      quota: 8,
      quotaMs: 5,
      poll: 'busy',
      wait: () => waited++,
      done: () => ++asked > 20 && s.left === 0,
    });
    loop.run();
    expect(waited).toBe(0);
    expect(log.length).toBe(50);
  });
});
