import { execFileSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { type PacketOutput, Pipeline } from '../engine/pipeline.js';
import type { PacketRecord } from '../capture/record.js';
import { HostLinkReader, ReturnTally, returnOutputs } from '../host-link/host-link.js';
import { Timers } from '../engine/timers/timers.js';
import { PollLoop, type Source } from '../engine/poll-loop.js';
import { startClockTicks } from '../engine/clock-ticks.js';
import { FileRingOutput, TxOutput } from './ring-outputs.js';
import { CTL, type FromWorker, type StageCounters, type WorkerData } from './protocol.js';
import { Ring } from './ring.js';
import { ringSource } from './ring-source.js';
import { PACKET_BUFFER_BYTES, PacketPool } from '../engine/packet-pool.js';

/**
 * A worker of a live run: one execution context of the engine, after the
 * execution-engine post. It owns the sessions the capture thread shards to
 * it, runs the packet modules over them (decode, classify, dedup, balance,
 * mark, output) with no lock, polls its sources round-robin by quota, fires
 * its timers (stats reports here), and waits only when no source has work,
 * for no longer than the next timer. Lifecycle: the modules are built once
 * per worker (context init), run, and finish when the supervisor says stop
 * and the capture thread has closed its handles.
 */
const port = parentPort!;
/** How often held replicas are offered the clock (ActionStep.tick), in ms: the timers' tick is 1 ms. */
const LIVE_TICK_MS = 5;
const data = workerData as WorkerData;
const send = (m: FromWorker) => port.postMessage(m);

/** Pins this thread to a core, when the run was given a core list: taskset on the thread's own id. */
function pin(core: number | undefined): void {
  if (core === undefined) return;
  try {
    const tid = readlinkSync('/proc/thread-self').split('/').pop()!;
    execFileSync('taskset', ['-p', '-c', String(core), tid], { stdio: 'ignore' });
  } catch {
    // no taskset or no /proc: the thread runs wherever the kernel puts it
  }
}

try {
  pin(data.core);
  const a = data.artifact;
  const rx = data.rx.map((b) => new Ring(b, data.rxBell));
  const tx = new Ring(data.tx);
  const files = new Ring(data.files);
  const control = new Int32Array(data.control);
  const toolUp = new Int32Array(data.toolUp);
  const hostLink = data.hostLink;
  // the host link's returns: counted per code, sent on the link's own interface
  const returned = new ReturnTally();
  const back = hostLink
    ? returnOutputs(a, hostLink.plan, new TxOutput(tx, hostLink.returnTool, hostLink.returnName), returned)
    : undefined;
  const outputs: PacketOutput[][] = a.groups.map((g, gi) =>
    g.tools.map((t, ti) => {
      const r = back?.[gi][ti];
      if (r) return r;
      const id = data.toolIds[gi][ti];
      return id >= 0 ? new TxOutput(tx, id, t.name) : new FileRingOutput(files, gi, ti, t.name);
    }),
  );
  const pipeline = new Pipeline(
    a,
    outputs,
    a.taps.map(() => []),
    {
      toolUp: (g, t) => {
        const id = data.toolIds[g][t];
        return id < 0 || Atomics.load(toolUp, id) === 1;
      },
    },
  );

  // one source per live tap: a flooding tap cannot starve a quiet one, each getting its quota a round
  // and its own packet buffers, in its ring's scratch region (frames copy into it natively)
  const reader = hostLink ? new HostLinkReader(hostLink.plan, pipeline, a.groups.length, true) : undefined;
  const handler = reader ? { handle: (rec: PacketRecord) => reader.handle(rec) } : pipeline;
  const sources: Source[] = rx.map((ring, i) =>
    ringSource(ring, `tap ${data.rxNames[i]}`, handler, new PacketPool(PACKET_BUFFER_BYTES, ring.scratch)),
  );
  /** The taps' rings share one bell: the worker sleeps until any of them has a frame. */
  const doorbell = rx[0];

  const timers = new Timers(1_000_000);
  const stages: StageCounters[] = [];
  const loop = new PollLoop(sources, timers, {
    quota: data.quota,
    quotaMs: data.quotaNs / 1e6,
    poll: data.poll,
    wait: (ms) => doorbell.wait(ms, rx),
    // finished once told to stop, the capture has closed, and the rings are empty
    done: () =>
      Atomics.load(control, CTL.stop) === 1 &&
      Atomics.load(control, CTL.inputDone) === 1 &&
      rx.every((x) => x.isEmpty()),
  });
  const report = (final: boolean) => {
    stages.length = 0;
    for (const s of loop.stageCounters()) stages.push({ worker: data.index, ...s });
    send({ type: 'stats', stats: pipeline.collect(), stages: [...stages], final, hostLink: reader?.counts(returned) });
  };
  // the stats interval is one of this worker's timers
  const statsBlock = timers.createBlock(() => {
    report(false);
    statsBlock.start(statsTimer, data.statsIntervalMs);
  });
  const statsTimer = statsBlock.create();
  if (data.statsIntervalMs > 0) statsBlock.start(statsTimer, data.statsIntervalMs);

  // steps that hold replicas back (hold-back, shaping) release them on the clock frames are stamped with, so a
  // group whose traffic stops is not left holding them until its next packet
  if (pipeline.ticks) startClockTicks(timers, pipeline, LIVE_TICK_MS);

  send({ type: 'ready' });
  loop.run();
  // finish (module lifecycle): steps hand on what they hold, the outputs what they queue, the counters go to the
  // supervisor
  pipeline.finish();
  for (const row of outputs) for (const o of row) (o as { flush?: () => void }).flush?.();
  report(true);
} catch (e) {
  send({ type: 'failed', message: (e as Error).stack ?? String(e) });
}
