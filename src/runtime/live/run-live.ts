import { mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Artifact } from '../../artifact/types.js';
import { OutputFile, OutputSet } from '../capture/index.js';
import { newRunStats } from '../engine/pipeline.js';
import type { OutputSpec } from '../output/output-spec.js';
import { ToolOutput } from '../output/tool-output.js';
import { addStats, type RunStats } from '../stats/stats.js';
import { capAvailable, HOW_TO_ENABLE } from './cap-binding.js';
import { kernelFilter } from './kernel-filter.js';
import {
  CTL,
  CTL_WORDS,
  type CaptureCounters,
  type FromWorker,
  type LiveTap,
  type LiveTool,
  type StageCounters,
  type WorkerData,
} from './protocol.js';
import { COMMENT_FLAG } from './ring-outputs.js';
import { Ring, type RingRecord } from './ring.js';
import { spawnScript } from './spawn.js';
import { LiveCapture, SNAPLEN } from './capture.js';

export class LiveError extends Error {}

export interface LiveOptions {
  /** Cores to run workers on (one worker each, pinned); undefined: one worker per core, unpinned. */
  cores?: number[];
  poll?: 'software' | 'busy';
  /** Stats every this many ms (0: only at the end). */
  statsIntervalMs?: number;
  /** Where file outputs go instead of the policy's paths (by file name). */
  outDir?: string;
  /** Packets one call into a source handles at most, and the time it may take. */
  quota?: number;
  quotaNs?: number;
  /** Bytes of each capture handle's libpcap buffer. */
  bufferBytes?: number;
  note?: (m: string) => void;
  warn?: (m: string) => void;
  /** Called at each interval with the stats so far, and once more at the end. */
  onStats?: (stats: LiveRunStats, final: boolean) => void;
  /** Called once capture has begun: every handle open, every worker waiting. */
  onReady?: (stop: () => void) => void;
}

export interface LiveRunStats extends RunStats {
  live: CaptureCounters & { workers: number; stages: StageCounters[] };
}

const RX_BYTES = 16 << 20;
const TX_BYTES = 8 << 20;
const FILE_BYTES = 16 << 20;

/**
 * How a live tool's file is written: live frames are stamped by the capture
 * thread's clock (microseconds unless the tool asks for ns), and libpcap
 * captures up to 65535 bytes of each (4 more per VLAN tag a tap's marks push).
 */
function liveOutputSpec(
  a: Artifact,
  path: string,
  kind: 'pcap' | 'pcapng',
  precision: 'us' | 'ns' | undefined,
): OutputSpec {
  const nanosecond = precision === 'ns';
  return {
    path,
    format: kind,
    nanosecond,
    taps: a.taps.map((t) => ({
      name: t.name,
      snapLen: SNAPLEN + 4 * t.marks.filter((m) => m.kind === 'vlan').length,
      nanosecond,
    })),
  };
}

/** Whether a policy has taps on interfaces (live taps). */
export function liveTaps(a: Artifact): number[] {
  return a.taps.flatMap((t, i) => (t.source.kind === 'files' ? [] : [i]));
}

/**
 * A live run: the policy over the traffic of its interfaces until stop() (the
 * CLI calls it on SIGINT and SIGTERM). One capture thread owns every libpcap
 * handle, one worker per core runs the packet path, this thread supervises,
 * writes the tools' files and prints stats. At stop: capture ends, workers
 * finish what the rings hold, the last frames go out, files are completed
 * and put in place together, and the final stats are returned.
 */
export async function runLive(a: Artifact, opts: LiveOptions = {}): Promise<LiveRunStats> {
  if (!capAvailable()) throw new LiveError(HOW_TO_ENABLE);
  const note = opts.note ?? (() => undefined);
  const tapIndexes = liveTaps(a);
  if (tapIndexes.length === 0) throw new LiveError('the policy has no tap on an interface: nothing to capture live');
  for (const t of a.taps)
    if (t.source.kind === 'files') note(`tap '${t.name}' reads capture files: not read in a live run`);
  const taps: LiveTap[] = tapIndexes.map((i) => {
    const t = a.taps[i];
    if (t.source.kind === 'interface') {
      const f = kernelFilter(a, i);
      return { tap: i, name: t.name, ports: [t.source.name], filter: f.expression };
    }
    const s = t.source as { left: string; right: string };
    note(
      `tap '${t.name}': inline ${s.left} <-> ${s.right} bridged; both ports capture every frame (the bridge forwards them all)`,
    );
    return { tap: i, name: t.name, ports: [s.left, s.right], filter: '' };
  });
  const tools: LiveTool[] = [];
  const toolIds = a.groups.map((g, gi) =>
    g.tools.map((t, ti) => {
      if (t.output.kind !== 'interface') return -1;
      tools.push({ id: tools.length, group: gi, tool: ti, name: t.name, iface: t.output.target });
      return tools.length - 1;
    }),
  );
  const cores = opts.cores;
  const n = cores?.length ?? availableParallelism();
  const poll = opts.poll ?? 'software';
  if (poll === 'busy' && !cores)
    throw new LiveError('--poll busy needs an explicit --cores list: it keeps its cores busy');

  // files: opened before anything runs, put in place together at the end
  const set = new OutputSet();
  const fileOutputs: (ToolOutput | undefined)[][] = [];
  try {
    for (const g of a.groups) {
      const row: (ToolOutput | undefined)[] = [];
      fileOutputs.push(row);
      for (const t of g.tools) {
        if (t.output.kind === 'interface') {
          row.push(undefined);
          continue;
        }
        const path = resolve(opts.outDir ? join(opts.outDir, basename(t.output.target)) : t.output.target);
        mkdirSync(dirname(path), { recursive: true });
        const file = set.add(await OutputFile.openWaiting(path, note));
        row.push(new ToolOutput(liveOutputSpec(a, path, t.output.kind, t.output.precision), file));
      }
    }
  } catch (e) {
    set.discardAll();
    throw e;
  }

  const rxBells = Array.from({ length: n }, () => Ring.bell());
  const rx = Array.from({ length: n }, (_, w) => taps.map(() => new Ring(Ring.create(RX_BYTES).buffer, rxBells[w])));
  const tx = Array.from({ length: n }, () => Ring.create(tools.length ? TX_BYTES : 1024));
  const files = Array.from({ length: n }, () => Ring.create(FILE_BYTES));
  const controls = Array.from({ length: n }, () => new Int32Array(new SharedArrayBuffer(CTL_WORDS * 4)));
  const toolUp = new SharedArrayBuffer(Math.max(1, tools.length) * 4);
  new Int32Array(toolUp).fill(1);

  const statsIntervalMs = opts.statsIntervalMs ?? 0;
  const latest: (RunStats | undefined)[] = new Array(n).fill(undefined);
  const stages: StageCounters[][] = Array.from({ length: n }, () => []);
  const finals: boolean[] = new Array(n).fill(false);
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const poke = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const changed = () => new Promise<void>((r) => (wake = r));

  const workers: Worker[] = [];
  let readyWorkers = 0;
  for (let i = 0; i < n; i++) {
    const wd: WorkerData = {
      artifact: a,
      index: i,
      rx: rx[i].map((r) => r.buffer),
      rxBell: rxBells[i],
      rxNames: taps.map((t) => t.name),
      tx: tx[i].buffer,
      files: files[i].buffer,
      control: controls[i].buffer as SharedArrayBuffer,
      toolUp,
      toolIds,
      quota: opts.quota ?? 256,
      quotaNs: opts.quotaNs ?? 2_000_000,
      poll,
      statsIntervalMs,
      core: cores?.[i],
    };
    const w = spawnScript('live-worker', import.meta.url, wd);
    w.on('message', (m: FromWorker) => {
      if (m.type === 'ready') readyWorkers++;
      else if (m.type === 'stats') {
        latest[i] = m.stats as RunStats;
        stages[i] = m.stages;
        if (m.final) finals[i] = true;
      } else if (m.type === 'failed') failure ??= new LiveError(`worker ${i}: ${m.message}`);
      poke();
    });
    w.on('error', (e) => {
      failure ??= e;
      poke();
    });
    workers.push(w);
  }

  const capture = new LiveCapture(
    {
      taps,
      tools,
      rx: rx.map((row) => row.map((r) => r.buffer)),
      rxBells,
      tx: tx.map((r) => r.buffer),
      toolUp,
      bufferBytes: opts.bufferBytes ?? 64 << 20,
      linkPollMs: 100,
    },
    (tool, iface, up) =>
      opts.warn?.(
        up
          ? `tool '${tool}': interface ${iface} is up again; its sessions come back to it`
          : `tool '${tool}': interface ${iface} is down; its sessions go to the group's other tools`,
      ),
  );

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    // capture ends first; the workers finish what their rings hold once they see it has
    capture.stopCapture();
    for (let i = 0; i < n; i++) {
      Atomics.store(controls[i], CTL.stop, 1);
      Atomics.store(controls[i], CTL.inputDone, 1);
      rx[i][0]?.ring();
    }
    poke();
  };

  const collect = (): LiveRunStats => {
    const stats = newRunStats(
      a,
      a.groups.map((g, gi) =>
        g.tools.map((t, ti) => ({ path: fileOutputs[gi][ti]?.path ?? `interface ${t.output.target}` })),
      ),
      a.taps.map(() => []),
    );
    for (const s of latest) if (s) addStats(stats, s);
    stats.seconds = (performance.now() - t0) / 1000;
    return {
      ...stats,
      live: {
        ...capture.snapshot(),
        workers: n,
        stages: stages.flat(),
      },
    };
  };

  // the files: records the workers hand over, written in arrival order per worker
  const rec: RingRecord = { offset: 0, capLen: 0, meta: 0, tsSec: 0, tsNsec: 0, wireLen: 0, aux: 0 };
  const comments = a.taps.map((t) => (t.marks.some((m) => m.kind === 'comment') ? `tap ${t.name}` : undefined));
  const drainFiles = (quota: number): boolean => {
    let more = false;
    for (const ring of files) {
      let k = 0;
      for (; k < quota && ring.peek(rec); k++) {
        const out = fileOutputs[rec.meta >>> 16][rec.meta & 0xffff]!;
        const tap = (rec.aux >>> 16) & 0x7fff;
        out.write(
          ring.bytes.subarray(rec.offset, rec.offset + rec.capLen),
          rec.tsSec,
          rec.tsNsec,
          rec.wireLen,
          rec.aux & 0xffff,
          tap,
          rec.aux & COMMENT_FLAG ? comments[tap] : undefined,
        );
        ring.release(rec);
      }
      if (k === quota) more = true;
    }
    return more;
  };

  const t0 = performance.now();
  let nextStats = t0 + statsIntervalMs;
  try {
    // the workers first, so that the rings are read from the first frame on
    while (readyWorkers < n && !failure) await changed();
    if (failure) throw failure;
    capture.start();
    opts.onReady?.(stop);
    for (;;) {
      if (failure) throw failure;
      const more = drainFiles(1024) || capture.drainTx(256);
      if (more) {
        await new Promise<void>((r) => setImmediate(r));
        continue;
      }
      if (stopping && finals.every(Boolean)) break;
      const now = performance.now();
      if (statsIntervalMs > 0 && now >= nextStats) {
        nextStats = now + statsIntervalMs;
        opts.onStats?.(collect(), false);
      }
      const until = statsIntervalMs > 0 ? Math.max(1, nextStats - now) : 100;
      await Promise.race([changed(), capture.txReady(until), ...files.map((r) => r.waitAsync(until))]);
    }
    // every worker is done: the last frames and records
    while (capture.drainTx(1 << 20) || drainFiles(1 << 20));
    capture.closeAll();
    for (const g of fileOutputs) for (const o of g) await o?.close();
    set.publishAll();
  } catch (e) {
    stop();
    capture.closeAll();
    for (const g of fileOutputs) for (const o of g) o?.abort();
    set.discardAll();
    throw e;
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  const stats = collect();
  opts.onStats?.(stats, true);
  return stats;
}
