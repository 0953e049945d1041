import { parentPort } from 'node:worker_threads';
import { emptyRecord } from '../capture/record.js';
import { Pipeline } from '../engine/pipeline.js';
import { needsChain } from '../actions/chain.js';
import { DeferredDedup } from './deferred-dedup.js';
import { ownGroups } from './group-split.js';
import {
  BufferIds,
  type DedupSlice,
  type FromWorker,
  REC,
  REC_FIELDS,
  type Shared,
  type ToolSlice,
  type ToWorker,
} from './protocol.js';
import { SegmentOutput } from './segment-output.js';

/**
 * A worker thread: decodes, classifies, balances, marks and encodes the
 * batches the main thread sends, with a pipeline of its own (no state shared
 * but the packet bytes, which it only reads). Its counters go back at finish.
 */
const port = parentPort!;
let pipeline: Pipeline | undefined;
let outputs: SegmentOutput[] = [];
let dedups: (DeferredDedup | undefined)[] = [];
/** A group split's groups (group-split.ts): their files are closed at finish. */
let split: ReturnType<typeof ownGroups> | undefined;
/** The main thread's buffers (read-ahead chunks, batch indexes), by number. */
const theirs = new Map<number, Uint8Array>();
/** Our output buffers: numbers for the main thread, and those it has written out, for reuse. */
const ours = new BufferIds(1);
const byId = new Map<number, SharedArrayBuffer>();
const free: SharedArrayBuffer[] = [];
const rec = emptyRecord();

function send(m: FromWorker): void {
  port.postMessage(m);
}

function batch(m: Extract<ToWorker, { type: 'batch' }>): void {
  const p = pipeline!;
  for (const s of m.share) theirs.set(s.id, new Uint8Array(s.buffer));
  const ix = theirs.get(m.index)!;
  const x = new Float64Array(ix.buffer, 0, m.count * REC_FIELDS);
  const shared = m.slots.map((b) => (typeof b === 'number' ? theirs.get(b)! : new Uint8Array(b)));
  // a group split's steps read the bytes many times (mask): from a copy of their own, not from shared memory; only
  // the bytes the batch's packets fill (they lie in order in one buffer): the whole 4 MiB each batch cost ~40% more
  // copying and as many bytes more for the collector (docs/design/measurements.md, "split, session 9")
  const bufs = split ? shared.map((b) => b.slice(0, usedBytes(x, m.count))) : shared;
  const comments = m.comments;
  let nextComment = 0;
  for (let i = 0; i < m.count; i++) {
    const o = i * REC_FIELDS;
    const off = x[o + REC.offset];
    const capLen = x[o + REC.capLen];
    // the pipeline makes the frame's own array only for what needs one (recordViews: false)
    rec.bytes = bufs[x[o + REC.slot]];
    rec.dataOffset = off;
    rec.capLen = capLen;
    rec.wireLen = x[o + REC.wireLen];
    rec.tsSec = x[o + REC.tsSec];
    rec.tsNsec = x[o + REC.tsNsec];
    rec.linkType = x[o + REC.linkType];
    if (comments !== undefined && nextComment < comments.length && comments[nextComment][0] === i)
      rec.comment = comments[nextComment++][1];
    else rec.comment = undefined;
    p.handle(rec, x[o + REC.tap]);
  }
  const slices: ToolSlice[] = [];
  const share: Shared[] = [];
  const forget: number[] = [];
  for (const out of outputs) {
    const s = out.take();
    if (!s) continue;
    if (s.outgrown) {
      const old = ours.drop(s.outgrown);
      if (old !== undefined) {
        forget.push(old);
        byId.delete(old);
      }
    }
    const id = ours.idOf(s.buffer, 0, share);
    byId.set(id, s.buffer);
    slices.push({ group: s.group, tool: s.tool, buffer: id, length: s.length, runs: s.runs });
  }
  const dd: DedupSlice[] = [];
  dedups.forEach((d, group) => {
    if (d && d.count > 0) {
      const { entries, counted } = d.take();
      dd.push(counted ? { group, entries, counted, cells: d.names } : { group, entries });
    }
  });
  send({ type: 'done', id: m.id, slices, dedups: dd, share, forget });
}

/** The end of the last packet of a group split's batch: its packets lie one after the other (GroupForwarder.add). */
function usedBytes(x: Float64Array, count: number): number {
  const o = (count - 1) * REC_FIELDS;
  return count === 0 ? 0 : x[o + REC.offset] + x[o + REC.capLen];
}

/**
 * A group split's batches wait here and are handled one per turn of the event
 * loop. A port hands every queued message over in one turn, so with several
 * batches queued the outputs' write-behind completions (libuv's pool) would not
 * be seen until all were done: each output then runs out of spare buffers and
 * writes synchronously on this thread, the one the split waits for.
 */
const waiting: Extract<ToWorker, { type: 'batch' }>[] = [];
let finishing = false;

function nextBatch(): void {
  try {
    const m = waiting.shift();
    if (m !== undefined) batch(m);
    if (waiting.length > 0) setImmediate(nextBatch);
    else if (finishing) finishSplit();
  } catch (e) {
    failed(e);
  }
}

function finishSplit(): void {
  split!.close().then(
    () => send({ type: 'stats', stats: pipeline!.collect() }),
    (e: unknown) => failed(e),
  );
}

port.on('message', (m: ToWorker) => {
  try {
    switch (m.type) {
      case 'init': {
        dedups = m.artifact.groups.map((g) => (g.actions.dedup ? new DeferredDedup() : undefined));
        const outs = m.outputs.map((tools, g) =>
          tools.map((spec, t) => new SegmentOutput(spec, g, t, dedups[g], free)),
        );
        outputs = outs.flat();
        pipeline = new Pipeline(m.artifact, outs, m.tapFiles, {
          dedup: (g) => dedups[g]!,
          packetPath: m.packetPath,
          recordViews: false,
        });
        // a duplicate's chain ran here (it is found at the commit): what it counted is taken back there
        m.artifact.groups.forEach((g, i) => {
          if (needsChain(g)) dedups[i]?.watch(pipeline!.stats.groups[i]);
        });
        break;
      }
      case 'batch':
        if (!split) batch(m);
        else if (waiting.push(m) === 1) setImmediate(nextBatch);
        break;
      case 'free':
        for (const id of m.buffers) {
          const b = byId.get(id);
          if (b) free.push(b);
        }
        break;
      case 'groups': {
        // a group split: batches name only packets for these groups; nothing comes back but the counters
        split = ownGroups(m, (group, tool, kept, linkType) => send({ type: 'refused', group, tool, kept, linkType }));
        pipeline = split.pipeline;
        break;
      }
      case 'finish':
        if (!split) send({ type: 'stats', stats: pipeline!.collect() });
        else if (waiting.length > 0) finishing = true;
        else finishSplit();
        break;
    }
  } catch (e) {
    failed(e);
  }
});

function failed(e: unknown): void {
  waiting.length = 0;
  split?.abort();
  const err = e instanceof Error ? e : new Error(String(e));
  send({ type: 'failed', message: err.message, stack: err.stack });
}
