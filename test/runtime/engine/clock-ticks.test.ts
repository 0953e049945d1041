import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ETHERTYPE } from '../../../src/fields/ethertype.js';
import { LINKTYPE } from '../../../src/fields/fields.js';
import { IPPROTO } from '../../../src/fields/ip-proto.js';
import { type ActionModule, Verdict } from '../../../src/runtime/actions/action.js';
import { ACTIONS } from '../../../src/runtime/actions/registry.js';
import { Replica, Scratch } from '../../../src/runtime/actions/replica.js';
import { emptyRecord } from '../../../src/runtime/capture/record.js';
import { startClockTicks, wallClockMs } from '../../../src/runtime/engine/clock-ticks.js';
import { Pipeline } from '../../../src/runtime/engine/pipeline.js';
import { PollLoop } from '../../../src/runtime/engine/poll-loop.js';
import { Timers } from '../../../src/runtime/engine/timers/timers.js';
import { artifactFor } from '../support/artifact.js';
import { eth, ipv4, payload, udp } from '../actions/frames.js';

/**
 * The clock of a live worker's held replicas, as live-worker.ts wires it: a
 * timer on the worker's wheels offers the pipeline the wall clock, the poll
 * loop sleeping between (bounded by that timer), and a step holding replicas
 * back releases them with no packet arriving.
 */
const dir = mkdtempSync(join(tmpdir(), 'tmesc-ticks-'));
const sleeper = new Int32Array(new SharedArrayBuffer(4));
const sleep = (ms: number | undefined) => void Atomics.wait(sleeper, 0, 0, ms ?? 200);

afterEach(() => {
  delete ACTIONS.shape;
});

describe('clock ticks on the timer wheels', () => {
  it('offers the clock every period, never early and never going back, the loop waiting in between', () => {
    const timers = new Timers();
    const seen: number[] = [];
    let fake = 1_700_000_000_000;
    // a clock that jumps back once: the ticks still never go back
    const clock = () => (fake += seen.length === 3 ? -50 : 7);
    startClockTicks(timers, { tick: (s, ns) => seen.push(s * 1000 + ns / 1e6) }, 5, clock);
    const waits: (number | undefined)[] = [];
    const start = performance.now();
    const loop = new PollLoop([], timers, {
      quota: 64,
      quotaMs: 2,
      poll: 'software',
      wait: (ms) => {
        waits.push(ms);
        sleep(ms);
      },
      done: () => seen.length >= 10,
    });
    loop.run();
    // a round that comes late (a busy machine) fires the ticks it owes before done() is asked again: ten or more
    expect(seen.length).toBeGreaterThanOrEqual(10);
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThanOrEqual(seen[i - 1]);
    // ten periods of 5 ms at least (a timer never fires early)
    expect(performance.now() - start).toBeGreaterThanOrEqual(45);
    // the loop slept, each time no longer than the next tick
    expect(waits.length).toBeGreaterThan(0);
    expect(waits.every((w) => w !== undefined && w <= 5)).toBe(true);
  });

  it('releases replicas a step holds back with no packet arriving (a live group whose traffic stopped)', () => {
    // the stand-in step holds each replica for 20 ms of the clock its frames carry
    const holdMs = 20;
    ACTIONS.shape = {
      name: 'shape',
      reasons: ['held'],
      stateful: true,
      init: () => ({}),
      contextInit(_c, ctx) {
        const held: Replica[] = [];
        const due = (sec: number, nsec: number) => {
          while (held.length && (held[0].tsSec - sec) * 1000 + (held[0].tsNsec - nsec) / 1e6 + holdMs <= 0)
            ctx.resume(held.shift()!);
        };
        return {
          apply(r) {
            due(r.tsSec, r.tsNsec);
            ctx.counters.held++;
            const copy = new Replica(new Scratch());
            copy.copyFrom(r, new Uint8Array(r.length));
            held.push(copy);
            return Verdict.Hold;
          },
          tick: due,
          finish: () => due(Infinity, 0),
        };
      },
    } as ActionModule;
    const a = artifactFor(
      dir,
      `tap a { source pcap "${dir}/none.pcap" }
group g { tool t { output pcap "${dir}/x.pcap"; rate 1 Gbps } shape burst 2 KB }
rule r from a match any to g`,
    );
    const written: number[] = [];
    const p = new Pipeline(a, [[{ path: 'x', write: () => (written.push(wallClockMs()), true) }]], [[]]);
    expect(p.ticks).toBe(true);
    const rec = emptyRecord();
    const arrived: number[] = [];
    // one arrival time for all five: a machine stalled between two of them must not let the
    // step release the first when the next arrives (this checks release without packets)
    const ms = wallClockMs();
    for (let i = 0; i < 5; i++) {
      const frame = eth(ETHERTYPE.IPV4, ipv4(IPPROTO.UDP, udp(1000 + i, 53, payload(20, i))));
      rec.data = frame;
      rec.capLen = rec.wireLen = frame.length;
      rec.linkType = LINKTYPE.ETHERNET;
      rec.tsSec = Math.floor(ms / 1000);
      rec.tsNsec = Math.floor((ms - rec.tsSec * 1000) * 1e6);
      arrived.push(ms);
      p.handle(rec, 0);
    }
    expect(written).toEqual([]);
    const timers = new Timers();
    startClockTicks(timers, p, 5);
    new PollLoop([], timers, {
      quota: 64,
      quotaMs: 2,
      poll: 'software',
      wait: sleep,
      done: () => written.length === 5,
    }).run();
    // out with no packet and no finish, each no sooner than its hold
    expect(p.stats.groups[0].delivered).toBe(5);
    written.forEach((w, i) => expect(w - arrived[i]).toBeGreaterThanOrEqual(holdMs - 1));
  });
});
