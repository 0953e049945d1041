import type { Artifact } from '../../artifact/types.js';
import { DEPTH } from '../capture/read-ahead.js';
import { Dedup } from '../dedup/dedup.js';
import type { EngineOptions } from '../engine/engine.js';
import { newRunStats } from '../engine/pipeline.js';
import { FileTapSource, finishQuota, type PacketSource, progressOf, stoppedEarly } from '../engine/sources.js';
import type { OutputFile, PacketRecord } from '../capture/index.js';
import { addStats, type RunStats } from '../stats/stats.js';
import { BATCH_LEASES, BatchBuilder } from './batch-builder.js';
import { OrderedOutput } from './ordered-output.js';
import { BufferIds, DUP, DUP_FIELDS, type FromWorker, type OutputSpec, type Shared } from './protocol.js';
import type { WorkerPool } from './worker-pool.js';

/** Batches a worker may have queued or unwritten: enough to keep it busy while others commit. */
const BATCHES_PER_WORKER = 3;
const PACKETS_PER_TURN = 2048;
const NO_SKIPS: readonly number[] = [];

interface Batch {
  readonly id: number;
  readonly builder: BatchBuilder;
  readonly worker: number;
  result: Extract<FromWorker, { type: 'done' }> | undefined;
  /** Writes issued at commit and not landed yet. */
  writesLeft: number;
  written: boolean;
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * A run over worker threads. The main thread reads the captures (the kernel's
 * copies on libuv's pool), hands packets to the workers in batches without
 * copying them, and commits the workers' results in batch order: outputs are
 * byte for byte what one thread writes, and de-duplication sees packets in
 * capture order. Workers do the per-packet work: decode, classify, balance,
 * mark, encode.
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
  pool: WorkerPool,
  opts: { quota?: number; onProgress?: EngineOptions['onProgress'] },
  /** The outputs, opened by the caller (an OutputSet's); else opened here. */
  files?: OutputFile[][],
): Promise<{ stats: RunStats; sources: FileTapSource[] }> {
  const quota = opts.quota ?? 256;
  const maxInFlight = pool.size * BATCHES_PER_WORKER;
  const outputs = specs.map((g, gi) => g.map((s, ti) => new OrderedOutput(s, files?.[gi][ti])));
  const stats = newRunStats(a, specs, tapFiles);
  const dedups = a.groups.map((g) => (g.actions.dedup ? new Dedup(g.actions.dedup.windowNs) : undefined));
  // read-ahead chunks: DEPTH reading, and those every batch in flight may hold
  const readAhead = { shared: true, maxChunks: DEPTH + (maxInFlight + 1) * BATCH_LEASES };
  const sources = tapFiles.map((files, tap) => new FileTapSource(tap, files, { readAhead, views: false }));

  // shared buffers cross to a worker once; later messages name them
  const ids = new BufferIds(pool.size);
  const workerBuffers = Array.from({ length: pool.size }, () => new Map<number, SharedArrayBuffer>());
  const queue: Batch[] = [];
  const byId = new Map<number, Batch>();
  const indexBuffers: SharedArrayBuffer[] = [];
  let nextId = 0;
  let commitAt = 0;
  let statsLeft = -1;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const poke = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const progressed = () => new Promise<void>((resolve) => (wake = resolve));

  const written = (b: Batch) => {
    b.written = true;
    pool.post(b.worker, { type: 'free', buffers: b.result!.slices.map((s) => s.buffer) });
    indexBuffers.push(b.builder.indexBuffer);
    byId.delete(b.id);
    while (queue.length && queue[0].written) {
      queue.shift();
      commitAt--;
    }
    poke();
  };

  const commit = (b: Batch) => {
    const res = b.result!;
    // de-duplication in capture order; the duplicates' records are left out of the files
    const skips = new Map<number, number[]>();
    for (const d of res.dedups) {
      const dd = dedups[d.group]!;
      const gs = stats.groups[d.group];
      const e = d.entries;
      for (let o = 0; o < e.length; o += DUP_FIELDS) {
        if (!dd.isDuplicateKey(e[o + DUP.key], e[o + DUP.tsSec], e[o + DUP.tsNsec])) continue;
        const tool = e[o + DUP.tool];
        const key = d.group * 65536 + tool;
        let list = skips.get(key);
        if (!list) skips.set(key, (list = []));
        list.push(e[o + DUP.start], e[o + DUP.length], e[o + DUP.dataLen]);
        gs.delivered--;
        gs.dropped.duplicate++;
        gs.tools[tool].packets--;
        gs.tools[tool].bytes -= e[o + DUP.dataLen];
      }
    }
    const landed = () => {
      if (--b.writesLeft === 0) written(b);
    };
    let writes = 0;
    const theirs = workerBuffers[b.worker];
    for (const s of res.slices) {
      const r = outputs[s.group][s.tool].append(
        new Uint8Array(theirs.get(s.buffer)!, 0, s.length),
        s.runs,
        skips.get(s.group * 65536 + s.tool) ?? NO_SKIPS,
        landed,
      );
      writes += r.writes;
      if (r.refused.packets) {
        const gs = stats.groups[s.group];
        gs.delivered -= r.refused.packets;
        gs.dropped['link-type-mismatch'] += r.refused.packets;
        gs.tools[s.tool].packets -= r.refused.packets;
        gs.tools[s.tool].bytes -= r.refused.bytes;
      }
    }
    // completions run on a later turn of the event loop, never inside append
    b.writesLeft += writes;
    if (b.writesLeft === 0) written(b);
  };

  pool.listen(
    (w, m) => {
      if (m.type === 'done') {
        pool.outstanding[w]--;
        const b = byId.get(m.id)!;
        const theirs = workerBuffers[w];
        for (const id of m.forget) theirs.delete(id);
        for (const s of m.share) theirs.set(s.id, s.buffer);
        b.result = m;
        b.builder.releaseAll();
        try {
          while (commitAt < queue.length && queue[commitAt].result) commit(queue[commitAt++]);
        } catch (e) {
          failure ??= e as Error;
        }
        poke();
      } else if (m.type === 'stats') {
        addStats(stats, m.stats);
        statsLeft--;
        poke();
      }
    },
    (e) => {
      failure ??= e;
      poke();
    },
  );
  pool.broadcast({ type: 'init', artifact: a, outputs: specs, tapFiles });

  let builder = new BatchBuilder();
  const dispatch = () => {
    if (builder.count === 0) return;
    const worker = pool.leastBusy();
    pool.outstanding[worker]++;
    const b: Batch = { id: nextId++, builder, worker, result: undefined, writesLeft: 0, written: false };
    queue.push(b);
    byId.set(b.id, b);
    const share: Shared[] = [];
    const index = ids.idOf(builder.indexBuffer, worker, share);
    // leased chunks are kept by the read-ahead and come back: numbers; a batch's own copies are used once
    const slots = builder.buffers.map((buf, i) => (builder.leased[i] ? ids.idOf(buf, worker, share) : buf));
    pool.post(worker, { type: 'batch', id: b.id, count: builder.count, index, slots, share });
    builder = new BatchBuilder(indexBuffers.pop());
  };
  const check = () => {
    if (failure) throw failure;
  };

  try {
    let active: PacketSource[] = [...sources];
    let total = 0;
    let sinceTurn = 0;
    while (active.length) {
      check();
      const still: PacketSource[] = [];
      let moved = 0;
      for (const s of active) {
        const onPacket = (rec: PacketRecord) => {
          builder.add(rec, s.tap, s);
          if (builder.full) dispatch();
        };
        let n = s.poll(quota, onPacket);
        if (stoppedEarly(s, n, quota)) {
          n = await finishQuota(s, n, quota, onPacket, async (waiting) => {
            // the batch may hold the chunks the source waits for: let the workers have it
            dispatch();
            await Promise.race([waiting, progressed()]);
            check();
          });
        }
        moved += n;
        if (s.finished) s.close();
        else still.push(s);
      }
      active = still;
      total += moved;
      sinceTurn += moved;
      opts.onProgress?.(total, progressOf(sources));
      if (moved === 0 && active.length) {
        // the disk is behind: let the workers have what there is
        dispatch();
        await Promise.race([...active.map((s) => s.waiting ?? turn()), progressed()]);
        sinceTurn = 0;
      } else if (queue.length >= maxInFlight) {
        while (queue.length >= maxInFlight && !failure) await progressed();
        sinceTurn = 0;
      } else if (sinceTurn >= PACKETS_PER_TURN) {
        await turn();
        sinceTurn = 0;
      }
    }
    dispatch();
    while (queue.length) {
      check();
      await progressed();
    }
    statsLeft = pool.size;
    pool.broadcast({ type: 'finish' });
    while (statsLeft > 0) {
      check();
      await progressed();
    }
    for (const g of outputs) for (const o of g) await o.close();
  } catch (e) {
    for (const s of sources) s.close();
    for (const g of outputs) for (const o of g) o.abort();
    throw e;
  } finally {
    await pool.close();
  }
  return { stats, sources };
}
