import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import type { Artifact } from '../../artifact/types.js';
import { fileKey } from '../../policy/file-key.js';
import { linkTypeName } from '../../fields/link-type-names.js';
import { ActionConfigError } from '../actions/action.js';
import { missingSteps, needsOneThread, planChains } from '../actions/chain.js';
import { OutputFile, OutputSet } from '../capture/index.js';
import { Engine, type EngineOptions } from '../engine/engine.js';
import { Pipeline } from '../engine/pipeline.js';
import { FileTapSource } from '../engine/sources.js';
import { commentsLostWarning, type OutputSpec, refusedLinkTypeWarning } from '../output/output-spec.js';
import { ToolOutput } from '../output/tool-output.js';
import { makeDirectories } from '../output/make-directories.js';
import { elsewhere, GroupForwarder, groupMask, mergeSplit, splitGroups } from '../parallel/group-split.js';
import { parallelReaderOptions, runParallel } from '../parallel/run-parallel.js';
import { WorkerPool } from '../parallel/worker-pool.js';
import type { RunStats } from '../stats/stats.js';
import { describeTap, outputSpecs } from './tap-inputs.js';
import type { PacketPathChoice } from '../engine/packet-path-choice.js';
import { closeEachAsync } from '../close-each.js';

export interface RunOptions {
  /** Capture files per tap name, overriding what the policy names. */
  inputs: Map<string, string[]>;
  /** Where outputs go instead of the paths the policy names (by file name), and where interface outputs are written. */
  outDir?: string;
  quota?: number;
  onProgress?: EngineOptions['onProgress'];
  /** Notes for the user (taps skipped, interface outputs redirected). */
  note?: (message: string) => void;
  /** Warnings: capture files cut short, packets a file cannot hold, options adjusted to the machine. */
  warn?: (message: string) => void;
  /** Entries a de-duplication table may hold (default DEDUP_MAX_ENTRIES); for tests. */
  dedupMaxEntries?: number;
  /**
   * Worker threads: 0 runs everything on this thread; undefined chooses (one
   * per core when the captures are large enough to repay starting them).
   */
  workers?: number;
  /** Which packet path classifies (default: $TMESC_PACKET_PATH, else auto). */
  packetPath?: PacketPathChoice;
  /** Workers started early by the caller (see WorkerPool); closed by the run whether it uses them or not. */
  pool?: WorkerPool;
  /** Stops reading when aborted: the outputs are finished with what was written so far, as at the end of the captures. */
  stop?: AbortSignal;
  /** Told the temporary files the run writes (renamed into place at its end), once they are open: what a forced exit removes. */
  onTempFiles?: (paths: () => string[]) => void;
}

/** Below this much input, starting workers costs more than they save. */
export const PARALLEL_MIN_BYTES = 16 << 20;

/**
 * How many workers a run over these files gets when the user did not say.
 * One core goes to this thread and one to the kernel's copies (read-ahead and
 * write-behind on libuv's pool), the rest to workers. On 2 cores that leaves
 * none: measured there, 1 or 2 workers made a 1M-packet run slower (0.97 s
 * and 1.18 s against 0.65 s), since the kernel's copies already fill the
 * second core and workers copy from shared memory, which V8 does at half speed.
 */
export function autoWorkers(tapFiles: readonly (readonly string[])[]): number {
  const workers = Math.min(availableParallelism() - 2, 8);
  if (workers < 2) return 0;
  let bytes = 0;
  for (const files of tapFiles)
    for (const f of files) {
      try {
        const st = statSync(f);
        // a pipe's size is unknown: it may be large
        bytes += st.isFile() ? st.size : PARALLEL_MIN_BYTES;
      } catch {
        // opening reports it
      }
    }
  return bytes >= PARALLEL_MIN_BYTES ? workers : 0;
}

export class RunError extends Error {}

/** The policy asks for a transform this runtime does not perform: a problem of the policy, not of the command line. */
export class ActionsNotPerformed extends RunError {}

/** Group actions the runtime does not perform yet: running would deliver packets the policy says must be changed. */
export function unimplementedActions(a: Artifact): string[] {
  const problems: string[] = [];
  for (const g of a.groups) {
    const missing = missingSteps(g);
    if (missing.length) problems.push(`group '${g.name}' asks for ${missing.join(', ')}`);
  }
  return problems;
}

/** Runs a compiled policy over capture files: the main job, on worker threads or on this one (I/O on libuv's pool). */
export async function runArtifact(a: Artifact, opts: RunOptions): Promise<RunStats> {
  try {
    return await runChecked(a, opts);
  } finally {
    // a pool the run did not use must not linger
    await opts.pool?.close();
  }
}

async function runChecked(a: Artifact, opts: RunOptions): Promise<RunStats> {
  const pending = unimplementedActions(a);
  if (pending.length) {
    throw new ActionsNotPerformed(
      `${pending.join('; ')}: packet transforms are not implemented in this version, and tmesc refuses to deliver packets the policy says must be changed (sensitive data could leak unmasked)`,
    );
  }
  try {
    planChains(a);
  } catch (e) {
    if (e instanceof ActionConfigError) throw new RunError(e.message);
    throw e;
  }
  const note = opts.note ?? (() => undefined);
  const warn = opts.warn ?? note;
  const tapFiles = inputFiles(a, opts, note);
  const paths = outputPaths(a, opts, tapFiles, note);
  refuseSharedFiles(a, paths, tapFiles);
  let workers = workerCount(opts.workers, tapFiles, warn);
  // a stateful group's packets cannot be shared out in batches: its groups can be, one thread for the stateful ones
  let split: number[] | undefined;
  if (workers > 0 && needsOneThread(a)) {
    // only when asked for: measured on 2 busy cores, the masked group's thread alone took as long as one thread's
    // whole run, and on 2 cores the split cannot be shorter than one thread (docs/design/measurements.md, "actions,
    // session 6" and "split, session 9")
    split = opts.workers !== undefined ? splitGroups(a) : undefined;
    if (!split) note('a group keeps state across packets (streams, shaping): this run stays on one thread');
    workers = 0;
  }
  if (workers === 0 || (opts.pool && opts.pool.size !== workers))
    if (!split || opts.pool?.size !== 1) await opts.pool?.close();
  const sources = tapFiles.map(
    // records read in place: a view of a packet is made only for what asks for one; pcap outputs copy runs of records
    (files, tap) =>
      new FileTapSource(
        tap,
        files,
        workers > 0 ? parallelReaderOptions(workers) : { readAhead: true, views: false, copyRuns: true },
      ),
  );
  const engine = new Engine();
  for (const s of sources) engine.register(s);
  let specs: OutputSpec[][];
  const set = new OutputSet();
  const files: OutputFile[][] = [];
  try {
    // the inputs' first packets, read before any output opens: their headers decide how outputs are written
    await engine.prime();
    const inputs = sources.map((s, i) => describeTap(s, tapFiles[i]));
    specs = outputSpecs(a, paths, inputs);
    for (const g of specs) {
      const row: OutputFile[] = [];
      files.push(row);
      for (const s of g) row.push(set.add(await OutputFile.openWaiting(s.path, note)));
    }
    opts.onTempFiles?.(() => files.flat().flatMap((f) => (f.tempPath !== undefined ? [f.tempPath] : [])));
  } catch (e) {
    try {
      engine.closeAll();
    } finally {
      set.discardAll();
    }
    throw e;
  }
  // all or nothing: the outputs are renamed into place together, once every one of them is complete
  // writes still in flight (write-behind) land first: the temporary files go once they have, not at exit
  const failed = async (e: unknown): Promise<never> => {
    for (const p of set.discardAll())
      warn(`${p} is a FIFO or device: it had already been sent part of the capture when the run failed`);
    await set.settled();
    throw e;
  };
  // said once per tool and link type, and counted in the stats (dropped: link-type-mismatch)
  const refused = (g: number, t: number, kept: number, linkType: number) =>
    warn(refusedLinkTypeWarning(a.groups[g].tools[t].name, specs[g][t], linkTypeName(kept), linkTypeName(linkType)));
  const t0 = performance.now();
  if (workers > 0) {
    const pool = opts.pool && opts.pool.size === workers ? opts.pool : new WorkerPool(workers);
    let stats: RunStats;
    try {
      stats = await runParallel(
        a,
        specs,
        tapFiles,
        engine,
        pool,
        {
          quota: opts.quota ?? 256,
          onProgress: opts.onProgress,
          onRefused: refused,
          dedupMaxEntries: opts.dedupMaxEntries,
          packetPath: opts.packetPath,
          stop: opts.stop,
        },
        files,
      );
      set.publishAll();
    } catch (e) {
      return await failed(e);
    }
    return finishStats(a, stats, sources, t0, warn, specs);
  }
  // a group split writes regular files from the worker (into the temporary files opened here); streams stay here
  if (split && split.some((g) => files[g].some((f) => f.tempPath === undefined))) {
    note('a group keeps state across packets and writes to a FIFO or device: this run stays on one thread');
    split = undefined;
  }
  let forwarder: GroupForwarder | undefined;
  let workerPool: WorkerPool | undefined;
  if (split) {
    note(
      `a group keeps state across packets (streams, shaping): group${split.length > 1 ? 's' : ''} ${split.map((g) => `'${a.groups[g].name}'`).join(', ')} run${split.length > 1 ? '' : 's'} on a worker thread, the others on this one`,
    );
    workerPool = opts.pool?.size === 1 ? opts.pool : new WorkerPool(1);
    forwarder = new GroupForwarder(
      workerPool,
      {
        artifact: a,
        outputs: specs,
        tapFiles,
        packetPath: opts.packetPath,
        groups: split,
        files: files.map((row) => row.map((f) => f.tempPath)),
        dedupMaxEntries: opts.dedupMaxEntries,
      },
      refused,
    );
  }
  const here = split ? groupMask(a.groups.length, split, false) : undefined;
  // the worker's groups' outputs are its own: nothing here writes, closes or aborts them
  // a FIFO or device output writes behind too, paced below: the tool reading it holds libuv's thread, not this one
  const outputs = specs.map((g, gi) =>
    g.map((s, ti) => (here && here[gi] === 0 ? undefined : new ToolOutput(s, files[gi][ti], files[gi][ti].streaming))),
  );
  const streams = outputs.flatMap((g, gi) => g.filter((o, ti): o is ToolOutput => !!o && files[gi][ti].streaming));
  const pipeline = new Pipeline(
    a,
    outputs.map((g, gi) => g.map((o, ti) => o ?? elsewhere(specs[gi][ti].path))),
    tapFiles,
    {
      dedupMaxEntries: opts.dedupMaxEntries,
      packetPath: opts.packetPath,
      recordViews: false,
      onRefused: (g, t, linkType) => refused(g, t, outputs[g][t]!.linkType, linkType),
    },
  );
  pipeline.only = here;
  pipeline.elsewhere = forwarder?.add;
  // pcap inputs: the generated packet path walks each read chunk in one loop, where the policy lets it
  // (TMESC_CHUNK_LOOP=off: record by record, for comparing and for working around a bug in the loop)
  if (process.env.TMESC_CHUNK_LOOP !== 'off')
    for (const s of sources) s.useChunkLoops((format) => pipeline.chunkLoop(s.tap, format));
  try {
    await engine.run((rec, tap) => pipeline.handle(rec, tap), {
      quota: opts.quota ?? 256,
      onProgress: opts.onProgress,
      stop: opts.stop,
      wait: forwarder && ((ready) => forwarder.waitFor(ready)),
      pace: streams.length > 0 ? () => congestion(streams) ?? forwarder?.pace() : forwarder && (() => forwarder.pace()),
      // a FIFO's reader may be slow: look at its queue every quota of packets, not every turn (2,048 records of up
      // to 256 KiB each would be queued in memory between two looks)
      stretch: streams.length > 0 ? (opts.quota ?? 256) : undefined,
    });
    pipeline.finish();
    // every output is closed (flushed, its file finished) even when one fails; the failures are reported together
    await closeEachAsync(outputs.flat(), (o) => o.close());
    let stats = pipeline.collect();
    if (forwarder) {
      stats = mergeSplit(stats, await forwarder.finish(), split!);
      // the worker closed its descriptors: these close the ones that opened the temporary files
      for (const g of split!) for (const f of files[g]) f.finish();
    }
    set.publishAll();
    return finishStats(a, stats, sources, t0, warn, specs);
  } catch (e) {
    // outputs first: closing a source flushes its copy runs into them, which an aborted output refuses
    for (const g of outputs) for (const o of g) o?.abort();
    try {
      engine.closeAll();
    } catch {
      // a second failure (the same full disk, met again by that flush) must not skip the clean-up; e is the one reported
    }
    // the worker stops before the temporary files it writes are removed
    await workerPool?.close();
    return await failed(e);
  } finally {
    await workerPool?.close();
  }
}

/** Each tap's capture files: --input, else the policy's; live taps are skipped with a note. */
function inputFiles(a: Artifact, opts: RunOptions, note: (m: string) => void): string[][] {
  const tapFiles: string[][] = a.taps.map((t) => {
    const given = opts.inputs.get(t.name);
    if (given) return given.map((p) => resolve(p));
    if (t.source.kind === 'files') return t.source.paths;
    note(
      `tap '${t.name}' (${t.source.kind === 'interface' ? `interface ${t.source.name}` : `inline ${t.source.left} <-> ${t.source.right}`}) skipped: run --live captures it; give --input ${t.name}=FILE to replay a capture`,
    );
    return [];
  });
  for (const name of opts.inputs.keys())
    if (!a.taps.some((t) => t.name === name))
      throw new RunError(
        `--input names tap '${name}', which the policy does not have (taps: ${a.taps.map((t) => t.name).join(', ')})`,
      );
  if (tapFiles.every((f) => f.length === 0))
    throw new RunError('no tap has a capture file to read; give --input TAP=FILE');
  return tapFiles;
}

/** Where each tool's file goes: --out-dir, else the policy's path; interface outputs become files. */
function outputPaths(a: Artifact, opts: RunOptions, tapFiles: string[][], note: (m: string) => void): string[][] {
  const seen = new Map<string, string>();
  return a.groups.map((g) =>
    g.tools.map((t) => {
      let path: string;
      if (t.output.kind === 'interface') {
        path = join(opts.outDir ?? 'tmesc-out', `${t.name}.pcapng`);
        note(
          `tool '${t.name}' outputs to interface ${t.output.target}; written to ${path} (run --live sends to the interface)`,
        );
      } else path = opts.outDir ? join(opts.outDir, basename(t.output.target)) : t.output.target;
      path = resolve(path);
      const other = seen.get(path);
      if (other) throw new RunError(`tools '${other}' and '${t.name}' would both write ${path}`);
      seen.set(path, t.name);
      for (const files of tapFiles)
        if (files.includes(path)) throw new RunError(`tool '${t.name}' would overwrite input ${path}`);
      makeDirectories(dirname(path));
      return path;
    }),
  );
}

/**
 * Worker threads for the run: as asked, but no more than the machine has
 * cores (more threads than cores only take turns on them, and each holds
 * its batches' memory), else as autoWorkers chooses.
 */
export function workerCount(
  asked: number | undefined,
  tapFiles: readonly (readonly string[])[],
  warn: (m: string) => void,
): number {
  if (asked === undefined) return autoWorkers(tapFiles);
  const cores = availableParallelism();
  if (asked > cores) {
    warn(`--workers ${asked} is more than the ${cores} cores of this machine: running ${cores} workers`);
    return cores;
  }
  return asked;
}

/**
 * Two outputs that are one file (through a symbolic link to a directory, or a
 * hard link), or an output that is an input: one would silently replace the
 * other. Refused before anything is written.
 */
function refuseSharedFiles(a: Artifact, paths: string[][], tapFiles: string[][]): void {
  const inputs = new Map<string, string>();
  for (const files of tapFiles) for (const f of files) inputs.set(fileKey(f), f);
  const outputs = new Map<string, { tool: string; path: string }>();
  paths.forEach((g, gi) =>
    g.forEach((path, ti) => {
      const tool = a.groups[gi].tools[ti].name;
      const key = fileKey(path);
      const input = inputs.get(key);
      if (input !== undefined)
        throw new RunError(`tool '${tool}' would overwrite input ${input}: ${path} is that file`);
      const other = outputs.get(key);
      if (other)
        throw new RunError(
          `tools '${other.tool}' and '${tool}' would both write one file: ${other.path} and ${path} are the same file`,
        );
      outputs.set(key, { tool, path });
    }),
  );
}

/**
 * A pcap file has no place for a packet's comments (pcapng opt_comment):
 * packets that came with some and went to a pcap tool were written without
 * them (ToolStats.commentsLost). Said once per such output, so that no
 * comment is lost without a word (editcap and tshark drop them silently).
 */
function commentsNotKept(a: Artifact, stats: RunStats, specs: OutputSpec[][], warn: (message: string) => void): void {
  stats.groups.forEach((g, gi) =>
    g.tools.forEach((t, ti) => {
      const n = t.commentsLost ?? 0;
      if (n > 0) warn(commentsLostWarning(a.groups[gi].tools[ti].name, specs[gi][ti], n));
    }),
  );
}

/**
 * A capture of a link type the decoder does not read: its packets reach only
 * rules that test no header, and are counted unmatched by the rest. tcpdump
 * refuses such filters outright; a run that silently delivers nothing from a
 * tap would leave the user guessing.
 */
function undecodedLinkTypeWarning(path: string, linkType: number): string {
  return `${path}: ${linkTypeName(linkType)} is not a link type tmesc decodes: filters that test a protocol header (ip, tcp, host, port, ...) do not match its packets (rules matching any still take them); the link types it decodes are Ethernet, raw IP, Linux cooked, PPP, Cisco HDLC and BSD loopback`;
}

/** Warnings said per file; the rest only counted. */
const WARNINGS_SHOWN = 3;

function finishStats(
  a: Artifact,
  stats: RunStats,
  sources: FileTapSource[],
  t0: number,
  warn: ((message: string) => void) | undefined,
  specs: OutputSpec[][],
): RunStats {
  stats.seconds = (performance.now() - t0) / 1000;
  if (warn) commentsNotKept(a, stats, specs, warn);
  sources.forEach((s, i) => {
    stats.taps[i].truncatedRecords = s.stats.truncatedRecords;
    stats.taps[i].captureWarnings = s.stats.warnings;
    for (const f of s.findings) {
      for (const t of f.undecodedLinkTypes) warn?.(undecodedLinkTypeWarning(f.path, t));
      for (const w of f.warnings.slice(0, WARNINGS_SHOWN))
        warn?.(`${f.path}: packet ${w.packetNumber} (byte offset ${w.byteOffset}): ${w.message}`);
      if (f.warningCount > WARNINGS_SHOWN)
        warn?.(`${f.path}: ${f.warningCount - WARNINGS_SHOWN} more capture warnings`);
    }
  });
  return stats;
}

/** The first stream output whose reader is behind: the run waits for it before reading on (bounded buffers). */
function congestion(streams: readonly ToolOutput[]): Promise<void> | undefined {
  for (const o of streams) {
    const c = o.congestion();
    if (c) return c;
  }
  return undefined;
}
