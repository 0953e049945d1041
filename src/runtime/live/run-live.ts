import { PACKET_BUFFER_BYTES } from '../engine/packet-pool.js';
import { unlinkSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Artifact } from '../../artifact/types.js';
import { OutputFile, OutputSet } from '../capture/index.js';
import { newRunStats } from '../engine/pipeline.js';
import { type OutputSpec, refusedLinkTypeWarning, stripOutputLinkType } from '../output/output-spec.js';
import { ToolOutput } from '../output/tool-output.js';
import { makeDirectories } from '../output/make-directories.js';
import { ActionConfigError } from '../actions/action.js';
import { planChains, shardsBySession } from '../actions/chain.js';
import { ActionsNotPerformed, unimplementedActions } from '../run/run.js';
import { addStats, type DropReason, type RunStats } from '../stats/stats.js';
import { linkTypeName } from '../../fields/link-type-names.js';
import {
  addHostLinkCounts,
  hostArtifact,
  type HostLinkCounts,
  type HostLinkPlan,
  type HostLinkStats,
  hostLinkStats,
  takeNotSent,
  returnedTool,
} from '../host-link/host-link.js';
import { capAvailable, HOW_TO_ENABLE } from './cap-binding.js';
import { kernelFilter } from './kernel-filter.js';
import {
  CTL,
  CTL_WORDS,
  LiveError,
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
import { LiveCapture } from './capture.js';
import { SNAPLEN } from './port-protocol.js';
import { closeEachAsync } from '../close-each.js';

export { LiveError };

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
  /**
   * The host end of a switch's host link: the one interface read is the
   * link (frames to the host under their codes, read through the plan as the
   * offline host end reads its capture), and what goes back to the switch is
   * sent out of it; the policy's taps are the switch's, not read here.
   */
  hostLink?: { plan: HostLinkPlan; iface: string };
}

export interface LiveRunStats extends RunStats {
  live: CaptureCounters & { workers: number; stages: StageCounters[] };
  /** The host link's own counts, as the offline host end's (its input and return: the interface). */
  hostLink?: HostLinkStats;
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
 * CLI calls it on SIGINT and SIGTERM). A port process owns each live tap's
 * handles and each tool interface's, one worker per core runs the packet
 * path, this thread supervises: it hands frames between the port processes
 * and the workers, writes the tools' files and prints stats. At stop: capture
 * ends and every frame captured reaches the workers, they finish what their
 * rings hold, the last frames go out, files are completed and put in place
 * together, and the final stats are returned, every frame accounted for.
 */
export async function runLive(policyArtifact: Artifact, opts: LiveOptions = {}): Promise<LiveRunStats> {
  const hostLink = opts.hostLink;
  const pending = unimplementedActions(policyArtifact);
  // the host end runs the switch's groups as far as their strip, to the link
  const a = hostLink ? hostArtifact(policyArtifact, hostLink.plan) : policyArtifact;
  const returned = (g: number, t: number) => hostLink !== undefined && returnedTool(hostLink.plan, g, t);
  if (pending.length)
    throw new ActionsNotPerformed(
      `${pending.join('; ')}: packet transforms are not implemented in this version, and tmesc refuses to deliver packets the policy says must be changed (sensitive data could leak unmasked)`,
    );
  try {
    planChains(a);
  } catch (e) {
    if (e instanceof ActionConfigError) throw new LiveError(e.message);
    throw e;
  }
  // the policy's faults first, then what this machine lacks
  if (!capAvailable()) throw new LiveError(HOW_TO_ENABLE);
  const note = opts.note ?? (() => undefined);
  const warn = opts.warn ?? note;
  const tapIndexes = hostLink ? [] : liveTaps(a);
  if (tapIndexes.length === 0 && !hostLink)
    throw new LiveError('the policy has no tap on an interface: nothing to capture live');
  if (!hostLink)
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
  // the link: every frame (its own returns, sent by another handle, are passed over by their codes: a kernel
  // filter on direction, `inbound`, holds each frame back until the next one comes)
  if (hostLink) taps.push({ tap: 0, name: `host link ${hostLink.iface}`, ports: [hostLink.iface], filter: '' });
  const tools: LiveTool[] = [];
  const toolIds = a.groups.map((g, gi) =>
    g.tools.map((t, ti) => {
      if (t.output.kind !== 'interface' || returned(gi, ti)) return -1;
      tools.push({ id: tools.length, group: gi, tool: ti, name: t.name, iface: t.output.target });
      return tools.length - 1;
    }),
  );
  const returnTool = tools.length;
  if (hostLink)
    tools.push({ id: returnTool, group: -1, tool: -1, name: 'return link', iface: hostLink.iface, countCodes: true });
  let cores = opts.cores;
  let n = cores?.length ?? availableParallelism();
  if (n > 1 && !shardsBySession(a)) {
    // a tool's token bucket sees all its group's traffic: sessions cannot be split across workers
    note('a group keeps state across sessions (shaping): this live run uses one worker');
    n = 1;
    cores = cores?.slice(0, 1);
  }
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
      for (const [ti, t] of g.tools.entries()) {
        if (t.output.kind === 'interface' || returned(fileOutputs.length - 1, ti)) {
          row.push(undefined);
          continue;
        }
        const path = resolve(opts.outDir ? join(opts.outDir, basename(t.output.target)) : t.output.target);
        makeDirectories(dirname(path));
        const file = set.add(await OutputFile.openWaiting(path, note));
        row.push(
          new ToolOutput(
            {
              ...liveOutputSpec(a, path, t.output.kind, t.output.precision),
              linkType: stripOutputLinkType(g, t.output.kind),
            },
            file,
          ),
        );
      }
    }
  } catch (e) {
    set.discardAll();
    throw e;
  }

  const rxBells = Array.from({ length: n }, () => Ring.bell());
  const rx = Array.from({ length: n }, (_, w) =>
    taps.map(() => new Ring(Ring.create(RX_BYTES, PACKET_BUFFER_BYTES).buffer, rxBells[w])),
  );
  const tx = Array.from({ length: n }, () => Ring.create(tools.length ? TX_BYTES : 1024));
  const files = Array.from({ length: n }, () => Ring.create(FILE_BYTES));
  const controls = Array.from({ length: n }, () => new Int32Array(new SharedArrayBuffer(CTL_WORDS * 4)));
  const toolUp = new SharedArrayBuffer(Math.max(1, tools.length) * 4);

  const statsIntervalMs = opts.statsIntervalMs ?? 0;
  const latest: (RunStats | undefined)[] = new Array(n).fill(undefined);
  const stages: StageCounters[][] = Array.from({ length: n }, () => []);
  const linkCounts: (HostLinkCounts | undefined)[] = new Array(n).fill(undefined);
  const finals: boolean[] = new Array(n).fill(false);
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  // news (a worker's message, a ring with records, a stop) wakes the loop; news while it works is kept for its next wait
  let news = false;
  const poke = () => {
    const w = wake;
    wake = undefined;
    if (w) w();
    else news = true;
  };
  const changed = () => {
    if (news) {
      news = false;
      return Promise.resolve();
    }
    return new Promise<void>((r) => (wake = r));
  };

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
      hostLink: hostLink && { plan: hostLink.plan, returnTool, returnName: `return link ${hostLink.iface}` },
    };
    const w = spawnScript('live-worker', import.meta.url, wd);
    w.on('message', (m: FromWorker) => {
      if (m.type === 'ready') readyWorkers++;
      else if (m.type === 'stats') {
        latest[i] = m.stats as RunStats;
        stages[i] = m.stages;
        if (m.hostLink) linkCounts[i] = m.hostLink;
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
    import.meta.url,
    {
      note,
      tool: (t, up) =>
        warn(
          up
            ? `tool '${t.name}': interface ${t.iface} is up again; its sessions come back to it`
            : `tool '${t.name}': interface ${t.iface} is down; its sessions go to the group's other tools`,
        ),
      tap: (t, up, why) =>
        warn(
          up
            ? `tap '${t.name}': capturing on ${t.ports.join(' and ')} again`
            : `tap '${t.name}': capture on ${t.ports.join(' and ')} stopped (${why ? `${why} went down` : 'its process ended'}); it starts again once the interface is up, and frames that arrive meanwhile are not seen`,
        ),
      say: (m) => warn(m),
    },
  );

  let stopRequested = false;
  const stop = () => {
    stopRequested = true;
    poke();
  };

  // packets the supervisor could not write to a pcap file (another link type): counted apart, said once
  const fileRefused = a.groups.map((g) => g.tools.map(() => ({ packets: 0, bytes: 0, linkTypes: [] as number[] })));
  const collect = (): LiveRunStats => {
    const stats = newRunStats(
      a,
      a.groups.map((g, gi) =>
        g.tools.map((t, ti) => ({
          path:
            fileOutputs[gi][ti]?.path ??
            (returned(gi, ti) ? `host link ${hostLink!.iface}` : `interface ${t.output.target}`),
        })),
      ),
      a.taps.map(() => []),
    );
    for (const s of latest) if (s) addStats(stats, s);
    stats.seconds = (performance.now() - t0) / 1000;
    const live = capture.snapshot();
    // what the workers counted as delivered and never went out is moved to its reason
    const undelivered = (g: number, t: number, reason: DropReason, packets: number, bytes: number) => {
      if (packets === 0) return;
      const gs = stats.groups[g];
      gs.delivered -= packets;
      gs.dropped[reason] += packets;
      gs.tools[t].packets -= packets;
      gs.tools[t].bytes -= bytes;
    };
    fileRefused.forEach((row, g) =>
      row.forEach((r, t) => {
        undelivered(g, t, 'link-type-mismatch', r.packets, r.bytes);
        stats.groups[g].tools[t].refused += r.packets;
        stats.groups[g].tools[t].refusedLinkTypes.push(...r.linkTypes);
      }),
    );
    tools.forEach((t, i) => {
      // the return link's sends are the link's (its counters), not one tool's
      if (t.group < 0) return;
      const c = live.tools[i];
      undelivered(t.group, t.tool, 'tool-down', c.lostDown, c.lostDownBytes);
      undelivered(t.group, t.tool, 'output-full', c.behind, c.behindBytes);
      undelivered(t.group, t.tool, 'send-error', c.sendErrors, c.sendErrorBytes);
    });
    let link: HostLinkCounts = {
      read: 0,
      echoed: 0,
      perCode: [],
      unknown: 0,
      noHostGroup: 0,
      returned: [],
      notReturned: 0,
    };
    for (const c of linkCounts) if (c) link = addHostLinkCounts(link, c);
    // what the workers handed the link and its sender did not send: no return
    if (hostLink) link = takeNotSent(link, live.tools[returnTool].notSentByCode ?? []);
    return {
      ...stats,
      live: { ...live, workers: n, stages: stages.flat() },
      ...(hostLink && {
        hostLink: hostLinkStats(a, hostLink.plan, link, hostLink.iface, hostLink.iface, true),
      }),
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
        const g = rec.meta >>> 16;
        const t = rec.meta & 0xffff;
        const out = fileOutputs[g][t]!;
        const tap = (rec.aux >>> 16) & 0x7fff;
        const linkType = rec.aux & 0xffff;
        const written = out.write(
          ring.bytes.subarray(rec.offset, rec.offset + rec.capLen),
          rec.tsSec,
          rec.tsNsec,
          rec.wireLen,
          linkType,
          tap,
          rec.aux & COMMENT_FLAG ? comments[tap] : undefined,
        );
        if (!written) {
          const r = fileRefused[g][t];
          r.packets++;
          r.bytes += rec.capLen;
          if (!r.linkTypes.includes(linkType)) {
            r.linkTypes.push(linkType);
            warn(
              refusedLinkTypeWarning(
                a.groups[g].tools[t].name,
                out.spec,
                linkTypeName(out.linkType),
                linkTypeName(linkType),
              ),
            );
          }
        }
        ring.release(rec);
      }
      if (k === quota) more = true;
    }
    return more;
  };

  const armed = new Set<Ring>();
  const arm = (r: Ring) => {
    if (armed.has(r)) return;
    armed.add(r);
    void r.waitAsync(undefined).then(() => {
      armed.delete(r);
      poke();
    });
  };
  const t0 = performance.now();
  let nextStats = t0 + statsIntervalMs;
  let captureStopping: Promise<void> | undefined;
  // the process ended before the outputs are in place (a second ^C: the CLI exits at once): no temporary file stays
  let published = false;
  const leftovers = () => {
    if (published) return;
    for (const f of set.files)
      if (f.tempPath)
        try {
          unlinkSync(f.tempPath);
        } catch {
          // already gone
        }
  };
  process.on('exit', leftovers);
  try {
    // the workers first, so that the rings are read from the first frame on
    while (readyWorkers < n && !failure) await changed();
    if (failure) throw failure;
    await capture.start();
    opts.onReady?.(stop);
    for (;;) {
      if (failure) throw failure;
      const moreFiles = drainFiles(1024);
      const moreTx = capture.drainTx(256);
      if (moreFiles || moreTx) {
        await new Promise<void>((r) => setImmediate(r));
        continue;
      }
      if (stopRequested && !captureStopping) {
        // capture ends first, every frame it took reaching the rings; then the workers finish them
        captureStopping = capture.stopCapture().then(() => {
          for (let i = 0; i < n; i++) {
            Atomics.store(controls[i], CTL.stop, 1);
            Atomics.store(controls[i], CTL.inputDone, 1);
            rx[i][0]?.ring();
          }
          poke();
        });
        captureStopping.catch((e: Error) => {
          failure ??= e;
          poke();
        });
      }
      if (finals.every(Boolean)) break;
      const now = performance.now();
      if (statsIntervalMs > 0 && now >= nextStats) {
        nextStats = now + statsIntervalMs;
        opts.onStats?.(collect(), false);
        capture.requestStats();
      }
      // one waiter a ring at a time, each until its ring has records (a ring's sleeping flag is its one waiter's)
      for (const r of [...capture.txRings, ...files]) arm(r);
      const timer = setTimeout(poke, statsIntervalMs > 0 ? Math.max(1, nextStats - now) : 100);
      await changed();
      clearTimeout(timer);
    }
    // every worker is done: the last frames and records, then the tools' processes finish
    while (capture.drainTx(1 << 20) || drainFiles(1 << 20));
    await capture.finishTools();
    await closeEachAsync(fileOutputs.flat(), (o) => o.close());
    published = true;
    set.publishAll();
  } catch (e) {
    capture.kill();
    for (const g of fileOutputs) for (const o of g) o?.abort();
    set.discardAll();
    throw e;
  } finally {
    // the rings' waiters let go
    for (const r of armed) r.ring();
    process.off('exit', leftovers);
    await Promise.all(workers.map((w) => w.terminate()));
  }
  const stats = collect();
  opts.onStats?.(stats, true);
  return stats;
}
