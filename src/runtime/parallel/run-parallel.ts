import type { Artifact } from '../../artifact/types.js';
import type { OutputFile, PacketRecord, ReaderOptions } from '../capture/index.js';
import { DEPTH } from '../capture/read-ahead.js';
import { Dedup, MARKED_AS } from '../dedup/dedup.js';
import type { Engine, EngineOptions } from '../engine/engine.js';
import { newRunStats } from '../engine/pipeline.js';
import type { PacketSource } from '../engine/sources.js';
import type { OutputSpec } from '../output/output-spec.js';
import { addStats, type GroupStats, type RunStats } from '../stats/stats.js';
import { BATCH_LEASES, BatchBuilder } from './batch-builder.js';
import { OrderedOutput, type Refusal } from './ordered-output.js';
import { BufferIds, type DedupSlice, DUP, DUP_FIELDS, type FromWorker, type Shared } from './protocol.js';
import type { WorkerPool } from './worker-pool.js';
import type { PacketPathChoice } from '../engine/packet-path-choice.js';
import { Progress } from './progress.js';
import { closeEach, closeEachAsync } from '../close-each.js';

/** Batches a worker may have queued or unwritten: enough to keep it busy while others commit. */
const BATCHES_PER_WORKER = 3;
const NO_SKIPS: readonly number[] = [];

/**
 * Takes back packets counted as having lost their comments (a duplicate dedup dropped, a packet a pcap file
 * refused): the key goes when nothing is left, as one thread never sets it for them, so the counters are equal.
 */
function takeBackCommentsLost(ts: RunStats['groups'][number]['tools'][number], n: number): void {
  const left = (ts.commentsLost ?? 0) - n;
  if (left === 0) delete ts.commentsLost;
  else ts.commentsLost = left;
}

/**
 * How a parallel run reads its captures: read-ahead chunks shared with the
 * workers (DEPTH reading, and those every batch in flight may hold), and no
 * view per packet (batches name packets by position).
 */
export function parallelReaderOptions(workers: number): ReaderOptions {
  const maxInFlight = workers * BATCHES_PER_WORKER;
  return { readAhead: { shared: true, maxChunks: DEPTH + (maxInFlight + 1) * BATCH_LEASES }, views: false };
}

export interface ParallelOptions {
  quota: number;
  /** Stops reading when aborted (EngineOptions.stop). */
  stop?: AbortSignal;
  onProgress?: EngineOptions['onProgress'];
  /** The first time a pcap output refuses a link type: group, tool, the link type it holds, the one refused. */
  onRefused?: (group: number, tool: number, kept: number, linkType: number) => void;
  dedupMaxEntries?: number;
  packetPath?: PacketPathChoice;
}

interface Batch {
  readonly id: number;
  readonly builder: BatchBuilder;
  readonly worker: number;
  result: Extract<FromWorker, { type: 'done' }> | undefined;
  /** Writes issued at commit and not landed yet. */
  writesLeft: number;
  written: boolean;
}

/**
 * A run over worker threads. The main thread reads the captures (the kernel's
 * copies on libuv's pool) through the engine's loop, in the same time order
 * as one thread, hands packets to the workers in batches without copying
 * them, and commits the workers' results in batch order: outputs are byte for
 * byte what one thread writes, and de-duplication sees packets in that
 * order. Workers do the per-packet work: decode, classify, balance, mark,
 * encode. `engine` has the sources registered (and primed, with
 * parallelReaderOptions).
 *
 * The execution-engine design shards sessions across workers; sharding
 * batches instead keeps every output in capture order without a merge, and
 * per-session state (de-duplication) stays exact because it is decided at
 * the ordered commit from keys the workers compute.
 */
export async function runParallel(
  a: Artifact,
  specs: OutputSpec[][],
  tapFiles: string[][],
  engine: Engine,
  pool: WorkerPool,
  opts: ParallelOptions,
  /** The outputs, opened by the caller (an OutputSet's); else opened here. */
  files?: OutputFile[][],
): Promise<RunStats> {
  const run = new Dispatcher(a, specs, tapFiles, pool, opts);
  try {
    run.openOutputs(specs, files);
    await engine.run(run.add, {
      quota: opts.quota,
      onProgress: opts.onProgress,
      wait: (ready) => run.waitFor(ready),
      pace: () => run.pace(),
      stop: opts.stop,
    });
    await run.finish();
  } catch (e) {
    try {
      engine.closeAll();
    } finally {
      run.abort();
    }
    throw e;
  } finally {
    await pool.close();
  }
  return run.collect();
}

/** The main thread's side of a parallel run: batches out, results committed in order, outputs written. */
class Dispatcher {
  private readonly stats: RunStats;
  private readonly dedups: (Dedup | undefined)[];
  private readonly outputs: OrderedOutput[][] = [];
  private readonly maxInFlight: number;
  /** Shared buffers cross to a worker once; later messages name them. */
  private readonly ids: BufferIds;
  private readonly workerBuffers: Map<number, SharedArrayBuffer>[];
  /** Batches sent and not written yet, in order; those before commitAt are committed. */
  private readonly queue: Batch[] = [];
  private readonly byId = new Map<number, Batch>();
  private readonly indexBuffers: SharedArrayBuffer[] = [];
  private nextId = 0;
  private commitAt = 0;
  private statsLeft = -1;
  private readonly progress = new Progress();
  private builder = new BatchBuilder();

  constructor(
    a: Artifact,
    specs: OutputSpec[][],
    tapFiles: string[][],
    private readonly pool: WorkerPool,
    private readonly opts: ParallelOptions,
  ) {
    this.maxInFlight = pool.size * BATCHES_PER_WORKER;
    this.stats = newRunStats(a, specs, tapFiles);
    this.dedups = a.groups.map((g) =>
      g.actions.dedup ? new Dedup(g.actions.dedup.windowNs, opts.dedupMaxEntries) : undefined,
    );
    this.ids = new BufferIds(pool.size);
    this.workerBuffers = Array.from({ length: pool.size }, () => new Map<number, SharedArrayBuffer>());
    pool.listen(
      (w, m) => this.onMessage(w, m),
      (e) => {
        this.progress.fail(e);
      },
    );
    pool.broadcast({ type: 'init', artifact: a, outputs: specs, tapFiles, packetPath: opts.packetPath });
  }

  /** One at a time, so that abort() covers those opened before a failure. */
  openOutputs(specs: OutputSpec[][], files: OutputFile[][] | undefined): void {
    specs.forEach((g, gi) => {
      const row: OrderedOutput[] = [];
      this.outputs.push(row);
      g.forEach((spec, ti) => row.push(new OrderedOutput(spec, files?.[gi][ti])));
    });
  }

  /** The per-packet step (a field, made outside any async function): the packet joins the batch, sent when full. */
  readonly add = (rec: PacketRecord, tap: number, from: PacketSource): void => {
    this.builder.add(rec, tap, from);
    if (this.builder.full) this.dispatch();
  };

  /** A source waits for the disk: the batch may hold the chunks it waits for, so the workers get it first. */
  async waitFor(ready: Promise<void>): Promise<void> {
    this.dispatch();
    await Promise.race([ready, this.progress.next()]);
    this.progress.check();
  }

  /** Back-pressure: at most BATCHES_PER_WORKER batches a worker in flight. */
  pace(): Promise<void> | undefined {
    this.progress.check();
    return this.queue.length >= this.maxInFlight ? this.drainTo(this.maxInFlight - 1) : undefined;
  }

  /** Sends the last batch, waits for every result and the workers' counters, and closes the outputs. */
  async finish(): Promise<void> {
    this.dispatch();
    await this.drainTo(0);
    this.statsLeft = this.pool.size;
    this.pool.broadcast({ type: 'finish' });
    while (this.statsLeft > 0) {
      this.progress.check();
      await this.progress.next();
    }
    await closeEachAsync(this.outputs.flat(), (o) => o.close());
  }

  abort(): void {
    closeEach(this.outputs.flat(), (o) => o.abort());
  }

  collect(): RunStats {
    this.dedups.forEach((d, g) => {
      if (d) this.stats.groups[g].dedupEvicted = d.evicted;
    });
    return this.stats;
  }

  private drainTo(batches: number): Promise<void> {
    return this.progress.drainTo(batches, () => this.queue.length);
  }

  private dispatch(): void {
    const builder = this.builder;
    if (builder.count === 0) return;
    const pool = this.pool;
    const worker = pool.leastBusy();
    pool.outstanding[worker]++;
    const b: Batch = { id: this.nextId++, builder, worker, result: undefined, writesLeft: 0, written: false };
    this.queue.push(b);
    this.byId.set(b.id, b);
    const share: Shared[] = [];
    const index = this.ids.idOf(builder.indexBuffer, worker, share);
    // leased chunks are kept by the read-ahead and come back: numbers; a batch's own copies are used once
    const slots = builder.buffers.map((buf, i) => (builder.leased[i] ? this.ids.idOf(buf, worker, share) : buf));
    const comments = builder.comments.length === 0 ? undefined : builder.comments;
    pool.post(worker, { type: 'batch', id: b.id, count: builder.count, index, slots, share, comments });
    this.builder = new BatchBuilder(this.indexBuffers.pop());
  }

  private onMessage(w: number, m: FromWorker): void {
    if (m.type === 'done') {
      this.pool.outstanding[w]--;
      const b = this.byId.get(m.id)!;
      const theirs = this.workerBuffers[w];
      for (const id of m.forget) theirs.delete(id);
      for (const s of m.share) theirs.set(s.id, s.buffer);
      b.result = m;
      b.builder.releaseAll();
      try {
        while (this.commitAt < this.queue.length && this.queue[this.commitAt].result)
          this.commit(this.queue[this.commitAt++]);
      } catch (e) {
        this.progress.fail(e as Error);
      }
      this.progress.poke();
    } else if (m.type === 'stats') {
      addStats(this.stats, m.stats);
      this.statsLeft--;
      this.progress.poke();
    }
  }

  /** A batch's results go into the files in batch order; its buffers go back once the writes landed. */
  private commit(b: Batch): void {
    const res = b.result!;
    const skips = this.duplicates(res.dedups);
    const landed = () => {
      if (--b.writesLeft === 0) this.written(b);
    };
    let writes = 0;
    const theirs = this.workerBuffers[b.worker];
    for (const s of res.slices) {
      const r = this.outputs[s.group][s.tool].append(
        new Uint8Array(theirs.get(s.buffer)!, 0, s.length),
        s.runs,
        skips.get(s.group * 65536 + s.tool) ?? NO_SKIPS,
        landed,
      );
      writes += r.writes;
      for (const x of r.refused) this.refused(s.group, s.tool, x);
    }
    // completions run on a later turn of the event loop, never inside append
    b.writesLeft += writes;
    if (b.writesLeft === 0) this.written(b);
  }

  /**
   * De-duplication in capture order: the records to leave out of each tool's
   * file, as [start, length, data bytes] by group * 65536 + tool; the counters
   * the workers kept are taken back.
   */
  private duplicates(dedups: DedupSlice[]): Map<number, number[]> {
    const skips = new Map<number, number[]>();
    for (const d of dedups) {
      const dd = this.dedups[d.group]!;
      const gs = this.stats.groups[d.group];
      const e = d.entries;
      const counted = d.counted;
      let c = 0;
      for (let o = 0; o < e.length; o += DUP_FIELDS) {
        const entry = o / DUP_FIELDS;
        if (!dd.isDuplicateKey(e[o + DUP.key], e[o + DUP.tsSec], e[o + DUP.tsNsec])) continue;
        // one thread leaves a duplicate out before its chain: what the chain counted for it is taken back
        if (counted !== undefined) {
          while (c < counted.length && counted[c] < entry) c += 3;
          for (; c < counted.length && counted[c] === entry; c += 3)
            takeBack(gs, d.cells![counted[c + 1]], counted[c + 2]);
        }
        gs.dropped.duplicate++;
        const tool = e[o + DUP.tool];
        // the chain dropped it (counted above, taken back): nothing was written
        if (tool < 0) continue;
        const key = d.group * 65536 + tool;
        let list = skips.get(key);
        if (!list) skips.set(key, (list = []));
        list.push(e[o + DUP.start], e[o + DUP.length], e[o + DUP.dataLen], e[o + DUP.commentLost]);
        gs.delivered--;
        gs.tools[tool].packets--;
        gs.tools[tool].bytes -= e[o + DUP.dataLen];
        if (e[o + DUP.commentLost] !== 0) takeBackCommentsLost(gs.tools[tool], 1);
        // one thread leaves a duplicate out before marking it: its mark is not counted there either
        const marked = e[o + DUP.marked];
        if (marked !== MARKED_AS.none) gs.actions.mark[marked === MARKED_AS.marked ? 'marked' : 'not-ethernet']--;
      }
    }
    return skips;
  }

  /** Packets a pcap file could not hold: taken back from delivered, counted, said once per link type. */
  private refused(group: number, tool: number, x: Refusal): void {
    const gs = this.stats.groups[group];
    const ts = gs.tools[tool];
    gs.delivered -= x.packets;
    gs.dropped['link-type-mismatch'] += x.packets;
    ts.packets -= x.packets;
    ts.bytes -= x.bytes;
    ts.refused += x.packets;
    if (x.commentsLost !== 0) takeBackCommentsLost(ts, x.commentsLost);
    if (!ts.refusedLinkTypes.includes(x.linkType)) {
      ts.refusedLinkTypes.push(x.linkType);
      this.opts.onRefused?.(group, tool, this.outputs[group][tool].linkType, x.linkType);
    }
  }

  private written(b: Batch): void {
    b.written = true;
    this.pool.post(b.worker, { type: 'free', buffers: b.result!.slices.map((s) => s.buffer) });
    this.indexBuffers.push(b.builder.indexBuffer);
    this.byId.delete(b.id);
    const q = this.queue;
    while (q.length && q[0].written) {
      q.shift();
      this.commitAt--;
    }
    this.progress.poke();
  }
}

/** Takes back what a duplicate's chain counted in one cell (`kind/step/reason`, DeferredDedup.watch). */
function takeBack(gs: GroupStats, cell: string, amount: number): void {
  const [kind, step, reason] = cell.split('/');
  if (kind === 'dropped') (gs.dropped as Record<string, number>)[reason] -= amount;
  else if (kind === 'actions') gs.actions[step][reason] -= amount;
  else if (gs.actionTotals) gs.actionTotals[step][reason] -= amount;
}
