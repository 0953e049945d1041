import { ACTIONS } from '../actions/registry.js';
import { groupSteps, needsChain } from '../actions/chain.js';
import type { Artifact } from '../../artifact/types.js';
import { OutputFile } from '../capture/index.js';
import { type PacketOutput, Pipeline } from '../engine/pipeline.js';
import type { PacketRecord } from '../capture/index.js';
import { BATCH_PACKETS } from './batch-builder.js';
import { ToolOutput } from '../output/tool-output.js';
import type { RunStats } from '../stats/stats.js';
import { BufferIds, type FromWorker, REC, REC_FIELDS, type Shared, type ToWorker } from './protocol.js';
import type { WorkerPool } from './worker-pool.js';
import { Progress } from './progress.js';
import { closeEachAsync } from '../close-each.js';

/**
 * A group split: a policy with a group that keeps state across packets
 * (mask's and replace's streams, shape's bucket) cannot share its packets out
 * to workers batch by batch, but its groups are independent of each other:
 * each keeps its own state and writes its own files. So the stateful groups
 * run on one worker thread and the others on the main thread. The main
 * thread reads, classifies every packet and delivers to its own groups
 * (Pipeline.only); a packet that goes to some group of the worker's is
 * copied into a batch in shared memory (GroupForwarder.add says why not named
 * in a shared read-ahead chunk) and the worker classifies it again and delivers it to the
 * worker's groups, writing their outputs into the temporary files the main
 * thread opened. Each group sees the same packets in the same order as on
 * one thread, so outputs and counters are the same byte for byte. The main
 * thread counts what is the run's (packets read, taps, rules, unmatched,
 * unmarked); the worker's counters of its groups replace the main thread's
 * (zero) ones. The worker's groups are chain groups, whose marks are their
 * chain's: the run's `unmarked` (counted per packet for groups without a
 * chain) is the main thread's alone.
 */

type GroupsMessage = Extract<ToWorker, { type: 'groups' }>;

/** Whether group g keeps state across packets (a stateful step in its chain). */
function keepsState(a: Artifact, g: number): boolean {
  const gr = a.groups[g];
  return needsChain(gr) && groupSteps(gr).some((s) => ACTIONS[s]?.stateful === true);
}

/**
 * The groups a split gives the worker thread: the stateful ones, less the
 * first when every group is (the main thread keeps one); undefined when no
 * split is possible (one group, or none keeps state: batches share those out).
 */
export function splitGroups(a: Artifact): number[] | undefined {
  const stateful = a.groups.map((_, g) => g).filter((g) => keepsState(a, g));
  if (a.groups.length < 2 || stateful.length === 0) return undefined;
  return stateful.length === a.groups.length ? stateful.slice(1) : stateful;
}

/** Per group, 1 where the group is delivered on this side of the split (Pipeline.only). */
export function groupMask(groups: number, own: readonly number[], mine: boolean): Uint8Array {
  const m = new Uint8Array(groups).fill(mine ? 0 : 1);
  for (const g of own) m[g] = mine ? 1 : 0;
  return m;
}

/** An output of a group the other thread delivers: never written here. */
export function elsewhere(path: string): PacketOutput {
  return {
    path,
    write(): boolean {
      throw new Error(`${path}: written by the other thread of a group split`);
    },
  };
}

/** The counters of the worker's groups put in place of the main thread's (zero) ones. */
export function mergeSplit(main: RunStats, worker: RunStats, groups: readonly number[]): RunStats {
  for (const g of groups) main.groups[g] = worker.groups[g];
  return main;
}

/** Batches sent to the worker and not done: enough to keep it busy, few enough to bound the chunks held. */
export const SPLIT_BATCHES = 4;

/** Bytes of packets a batch holds (more for one larger packet): with SPLIT_BATCHES, what a split keeps in flight. */
const SPLIT_BATCH_BYTES = 4 << 20;

/** A batch of packets for the worker: their bytes copied into shared memory, and where each lies. */
interface SplitBatch {
  readonly index: Float64Array;
  data: Uint8Array;
  count: number;
  pos: number;
  comments: [number, string][];
}

/** The main thread's side: the worker's part started, packets for its groups sent in batches, its counters at the end. */
export class GroupForwarder {
  private batch: SplitBatch = newBatch();
  private readonly ids = new BufferIds(1);
  private readonly inFlight = new Map<number, SplitBatch>();
  private readonly free: SplitBatch[] = [];
  private nextId = 0;
  private readonly progress = new Progress();
  private stats: RunStats | undefined;

  constructor(
    private readonly pool: WorkerPool,
    m: Omit<GroupsMessage, 'type'>,
    onRefused: (group: number, tool: number, kept: number, linkType: number) => void,
  ) {
    pool.listen(
      (_w, msg: FromWorker) => {
        if (msg.type === 'done') {
          const b = this.inFlight.get(msg.id)!;
          this.inFlight.delete(msg.id);
          b.count = 0;
          b.pos = 0;
          b.comments = [];
          this.free.push(b);
        } else if (msg.type === 'stats') this.stats = msg.stats;
        else if (msg.type === 'refused') onRefused(msg.group, msg.tool, msg.kept, msg.linkType);
        this.progress.poke();
      },
      (e) => {
        this.progress.fail(e);
      },
    );
    pool.post(0, { type: 'groups', ...m });
  }

  /**
   * A packet for some group of the worker's (Pipeline.elsewhere): its bytes
   * copied into the batch, sent when full. Copied rather than named in the
   * read-ahead chunk: with shared chunks, every copy this thread's outputs
   * make from them (most of what it does) goes through V8's copy for shared
   * memory, a byte at a time where the two sides are not aligned alike; here
   * the packet is put at the alignment it has in the chunk, so it is copied a
   * word at a time, once.
   */
  readonly add = (rec: PacketRecord, tap: number): void => {
    let b = this.batch;
    const len = rec.capLen;
    const from = rec.bytes.byteOffset + rec.dataOffset;
    let at = b.pos + ((from - b.pos) & 7);
    if (at + len > b.data.length) {
      if (b.count > 0) {
        this.dispatch();
        b = this.batch;
        at = from & 7;
      }
      // a packet larger than the batch's buffer: a larger one (the old one is let go)
      if (at + len > b.data.length) {
        this.ids.drop(b.data.buffer as SharedArrayBuffer);
        b.data = new Uint8Array(new SharedArrayBuffer(at + len));
      }
    }
    b.data.set(rec.bytes.subarray(rec.dataOffset, rec.dataOffset + len), at);
    b.pos = at + len;
    if (rec.comment !== undefined) b.comments.push([b.count, rec.comment]);
    const o = b.count++ * REC_FIELDS;
    const x = b.index;
    x[o + REC.slot] = 0;
    x[o + REC.offset] = at;
    x[o + REC.capLen] = len;
    x[o + REC.wireLen] = rec.wireLen;
    x[o + REC.tsSec] = rec.tsSec;
    x[o + REC.tsNsec] = rec.tsNsec;
    x[o + REC.linkType] = rec.linkType;
    x[o + REC.tap] = tap;
    if (b.count >= BATCH_PACKETS) this.dispatch();
  };

  /** A source waits for the disk: what the batch holds goes to the worker meanwhile. */
  async waitFor(ready: Promise<void>): Promise<void> {
    this.dispatch();
    await ready;
    this.progress.check();
  }

  /** Back-pressure: at most SPLIT_BATCHES batches in flight. */
  pace(): Promise<void> | undefined {
    this.progress.check();
    return this.inFlight.size >= SPLIT_BATCHES ? this.drainTo(SPLIT_BATCHES - 1) : undefined;
  }

  /** Sends the last batch; the worker ends its groups' steps, closes its descriptors and answers with its counters. */
  async finish(): Promise<RunStats> {
    this.dispatch();
    await this.drainTo(0);
    this.pool.post(0, { type: 'finish' });
    while (this.stats === undefined) {
      this.progress.check();
      await this.progress.next();
    }
    return this.stats;
  }

  private drainTo(batches: number): Promise<void> {
    return this.progress.drainTo(batches, () => this.inFlight.size);
  }

  private dispatch(): void {
    const b = this.batch;
    if (b.count === 0) return;
    const id = this.nextId++;
    this.inFlight.set(id, b);
    const share: Shared[] = [];
    const index = this.ids.idOf(b.index.buffer as SharedArrayBuffer, 0, share);
    const data = this.ids.idOf(b.data.buffer as SharedArrayBuffer, 0, share);
    const comments = b.comments.length === 0 ? undefined : b.comments;
    this.pool.post(0, { type: 'batch', id, count: b.count, index, slots: [data], share, comments });
    this.batch = this.free.pop() ?? newBatch();
  }
}

function newBatch(): SplitBatch {
  return {
    index: new Float64Array(new SharedArrayBuffer(BATCH_PACKETS * REC_FIELDS * 8)),
    data: new Uint8Array(new SharedArrayBuffer(SPLIT_BATCH_BYTES)),
    count: 0,
    pos: 0,
    comments: [],
  };
}

/**
 * The worker's side, at the split's start: a pipeline delivering only to its
 * groups, their outputs in the main thread's temporary files. Batches then go
 * through it (worker.ts); `close` ends the steps and the files.
 */
export function ownGroups(
  m: GroupsMessage,
  onRefused: (group: number, tool: number, kept: number, linkType: number) => void,
): { pipeline: Pipeline; close: () => Promise<void>; abort: () => void } {
  const a = m.artifact;
  const own = groupMask(a.groups.length, m.groups, true);
  const tools: (ToolOutput | undefined)[][] = [];
  const outputs: PacketOutput[][] = [];
  const abort = () => {
    for (const row of tools) for (const o of row) o?.abort();
  };
  try {
    m.outputs.forEach((specs, g) => {
      const row: (ToolOutput | undefined)[] = [];
      tools.push(row);
      specs.forEach((spec, t) => {
        const temp = m.files[g][t];
        if (own[g] === 0) row.push(undefined);
        else if (temp === undefined) throw new Error(`${spec.path}: a group split writes regular files only`);
        else row.push(new ToolOutput(spec, OutputFile.reopen(spec.path, temp)));
      });
      outputs.push(row.map((o, t) => o ?? elsewhere(specs[t].path)));
    });
  } catch (e) {
    abort();
    throw e;
  }
  const pipeline = new Pipeline(a, outputs, m.tapFiles, {
    packetPath: m.packetPath,
    dedupMaxEntries: m.dedupMaxEntries,
    recordViews: false,
    onRefused: (g, t, linkType) => onRefused(g, t, tools[g][t]!.linkType, linkType),
  });
  pipeline.only = own;
  const close = async () => {
    try {
      pipeline.finish();
      await closeEachAsync(tools.flat(), (o) => o.close());
    } catch (e) {
      abort();
      throw e;
    }
  };
  return { pipeline, close, abort };
}
