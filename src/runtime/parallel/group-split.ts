import { ACTIONS } from '../actions/registry.js';
import { groupSteps, needsChain } from '../actions/chain.js';
import type { Artifact } from '../../artifact/types.js';
import { OutputFile } from '../capture/index.js';
import { Engine } from '../engine/engine.js';
import { type PacketOutput, Pipeline } from '../engine/pipeline.js';
import { FileTapSource } from '../engine/sources.js';
import { ToolOutput } from '../output/tool-output.js';
import type { RunStats } from '../stats/stats.js';
import type { FromWorker, ToWorker } from './protocol.js';
import type { WorkerPool } from './worker-pool.js';

/**
 * A group split: a policy with a group that keeps state across packets
 * (mask's and replace's streams, shape's bucket) cannot share its packets out
 * to workers batch by batch, but its groups are independent of each other:
 * each keeps its own state and writes its own files. So the stateful groups
 * run on one worker thread and the others on the main thread, each thread
 * reading the captures itself (the page cache serves the second reader) and
 * classifying every packet, delivering only to its own groups
 * (Pipeline.only). Each group sees the same packets in the same order as in a
 * run on one thread, so its outputs and counters are the same byte for byte.
 * The main thread counts what is the run's (packets read, taps, rules,
 * unmatched, unmarked); the worker's counters of its groups replace the main
 * thread's (zero) ones. The worker's groups are chain groups, whose marks
 * are their chain's, so the run's `unmarked` (counted per packet for groups
 * without a chain) is the main thread's alone.
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

/**
 * The main thread's side: starts the worker's part and resolves with its
 * counters once its outputs are written (and their descriptors closed).
 */
export function startGroupWorker(
  pool: WorkerPool,
  m: Omit<GroupsMessage, 'type'>,
  onRefused: (group: number, tool: number, kept: number, linkType: number) => void,
): Promise<RunStats> {
  const done = new Promise<RunStats>((resolve, reject) => {
    pool.listen((_w, msg: FromWorker) => {
      if (msg.type === 'stats') resolve(msg.stats);
      else if (msg.type === 'refused') onRefused(msg.group, msg.tool, msg.kept, msg.linkType);
    }, reject);
  });
  // a failure is awaited by the run, or lost with a run that failed first: never an unhandled rejection
  done.catch(() => undefined);
  pool.post(0, { type: 'groups', ...m });
  return done;
}

/** The worker's side: its groups over the whole captures, into the main thread's temporary files. */
export async function runOwnGroups(
  m: GroupsMessage,
  onRefused: (group: number, tool: number, kept: number, linkType: number) => void,
): Promise<RunStats> {
  const a = m.artifact;
  const own = groupMask(a.groups.length, m.groups, true);
  const tools: (ToolOutput | undefined)[][] = [];
  const outputs: PacketOutput[][] = [];
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
    for (const row of tools) for (const o of row) o?.abort();
    throw e;
  }
  const engine = new Engine();
  for (let tap = 0; tap < m.tapFiles.length; tap++)
    engine.register(new FileTapSource(tap, m.tapFiles[tap], { readAhead: true, views: false, copyRuns: true }));
  const pipeline = new Pipeline(a, outputs, m.tapFiles, {
    packetPath: m.packetPath,
    dedupMaxEntries: m.dedupMaxEntries,
    recordViews: false,
    onRefused: (g, t, linkType) => onRefused(g, t, tools[g][t]!.linkType, linkType),
  });
  pipeline.only = own;
  try {
    await engine.run((rec, tap) => pipeline.handle(rec, tap), { quota: m.quota });
    pipeline.finish();
    for (const row of tools) for (const o of row) await o?.close();
  } catch (e) {
    engine.closeAll();
    for (const row of tools) for (const o of row) o?.abort();
    throw e;
  }
  return pipeline.collect();
}
