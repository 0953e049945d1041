import { readFileSync, rmSync } from 'node:fs';
import { availableParallelism, constants as osConstants } from 'node:os';
import { dirname, resolve } from 'node:path';
import { artifactBaseDir, resolveArtifactPaths } from '../artifact/paths.js';
import type { Artifact } from '../artifact/types.js';
import { CaptureError } from '../runtime/capture/index.js';
import { CloseErrors } from '../runtime/close-each.js';
import { actionWarnings } from '../runtime/actions/warnings.js';
import { ActionsNotPerformed, RunError, runArtifact } from '../runtime/run/run.js';
import { renderStatsText } from '../runtime/stats/stats.js';
import { packetPathChoice, type PacketPathChoice } from '../runtime/engine/packet-path-choice.js';
import { notReturnedText, type HostLinkPlan, type HostLinkStats } from '../runtime/host-link/host-link.js';
import { displayPath, EXIT, packageVersion, PolicyInvalid, UsageError, type Io } from './io.js';
import { includeRoots } from './include-roots.js';
import type { PolicyCache, Reads } from './policy-cache.js';
import { progressLine } from './progress.js';
import { noteRunFeatures } from './run-features.js';
import { readStdin, STDIN, STDIN_NAME } from './stdin.js';
import { escapeForTerminal } from '../diagnostics/render/terminal.js';

export interface RunCmdOptions {
  artifact?: string;
  /** Where an artifact's relative paths are taken from, instead of its own `base`. */
  base?: string;
  input: string[];
  outDir?: string;
  stats: string;
  progress?: boolean;
  workers?: string;
  /** --packet-path; else $TMESC_PACKET_PATH; else auto. */
  packetPath?: string;
  /** false (--no-cache): compile, neither reading nor writing the compiled-policy cache */
  cache?: boolean;
  /** Capture the taps on interfaces until SIGINT or SIGTERM. */
  live?: boolean;
  cores?: string;
  poll?: string;
  statsInterval?: string;
  bufferSize?: string;
  /** --include-root, as given. */
  includeRoot?: string[];
  /** --ports: the OpenFlow ports map; the run is then the host end of the switch's host link. */
  ports?: string;
  /** --report: the report.json of the switch's OpenFlow program, instead of --ports (no compile). */
  report?: string;
  /** --host-link: a capture of what the switch sent the host. */
  hostLink?: string;
  /** --host-return: where what the host sends the switch is written. */
  hostReturn?: string;
}

/** --cores: a list (0,2,4-7) or a hex mask (0x3), of cores this machine has. */
export function parseCores(text: string, have: number): number[] {
  let cores: number[] = [];
  if (/^0x[0-9a-f]+$/i.test(text)) {
    const mask = BigInt(text);
    for (let i = 0; i < 1024 && 1n << BigInt(i) <= mask; i++) if (mask & (1n << BigInt(i))) cores.push(i);
  } else if (/^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(text)) {
    for (const part of text.split(',')) {
      const [lo, hi = lo] = part.split('-').map(Number);
      if (hi < lo) throw new UsageError(`--cores: range ${part} is reversed`);
      for (let c = lo; c <= hi; c++) cores.push(c);
    }
  } else throw new UsageError(`--cores takes a list (0,2,4-7) or a hex mask (0x3), not '${text}'`);
  cores = [...new Set(cores)].sort((a, b) => a - b);
  if (cores.length === 0) throw new UsageError('--cores names no core');
  const missing = cores.filter((c) => c >= have);
  if (missing.length)
    throw new UsageError(`--cores: this machine has cores 0 to ${have - 1}, not ${missing.join(', ')}`);
  return cores;
}

/**
 * Compiles the policy (a cache miss, or no cache) and stores the result.
 * The policy's warnings are printed on standard error, as compile prints
 * them, and stored with the entry so that a hit prints them again.
 */
async function compileForRun(
  policyPath: string,
  io: Io,
  cache: PolicyCache | undefined,
  roots: string[],
): Promise<Artifact> {
  // the front end and the compiler load only here: `run --artifact` (the deploy path) and cache hits start without them
  const [{ loadValidPolicy }, { compilePolicy }, { buildArtifact }, { recordingReader }] = await Promise.all([
    import('./load-policy.js'),
    import('../ir/compile.js'),
    import('../artifact/build.js'),
    import('./policy-cache.js'),
  ]);
  const reads: Reads = { texts: new Map(), complete: true };
  const { policy, printed } = loadValidPolicy(policyPath, io, {
    read: recordingReader(reads),
    warnings: true,
    includeRoots: roots,
  });
  // paths relative to the policy's directory, which the run resolves them against (and the cache key includes)
  const artifactDir = policyPath === STDIN ? process.cwd() : dirname(resolve(policyPath));
  const artifact = buildArtifact(policy, compilePolicy(policy), packageVersion(), {
    validate: false,
    layout: { artifactDir },
  });
  cache?.store(artifact, reads, printed);
  return artifact;
}

function readArtifactFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(
      `${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`,
    );
  }
}

function parseInputs(list: string[]): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const item of list) {
    const i = item.indexOf('=');
    if (i <= 0 || i === item.length - 1) throw new UsageError(`--input takes TAP=FILE, not '${item}'`);
    const tap = item.slice(0, i);
    m.set(tap, [...(m.get(tap) ?? []), item.slice(i + 1)]);
  }
  return m;
}

/** tmesc run: reads the taps' captures and writes each tool's output; prints what went where. */
export async function runCommand(policyPath: string | undefined, opts: RunCmdOptions, io: Io): Promise<number> {
  if (opts.live) {
    if (opts.input.length)
      throw new UsageError('--live captures the taps on interfaces; --input replays files: not both');
    if (opts.workers !== undefined) throw new UsageError('a live run takes --cores, not --workers');
  } else {
    for (const [flag, v] of [
      ['--poll', opts.poll],
      ['--stats-interval', opts.statsInterval],
      ['--buffer-size', opts.bufferSize],
    ] as const)
      if (v !== undefined) throw new UsageError(`${flag} applies to live runs (--live)`);
  }
  if (
    opts.ports !== undefined ||
    opts.report !== undefined ||
    opts.hostLink !== undefined ||
    opts.hostReturn !== undefined
  ) {
    if (opts.live && opts.hostReturn !== undefined)
      throw new UsageError(
        '--live sends the returns out of the host link itself (--host-link IFACE): no --host-return',
      );
    if (opts.ports === undefined && opts.report === undefined)
      throw new UsageError(
        "--host-link and --host-return need the switch's code table: --report report.json (as compile --emit openflow wrote it) or --ports MAP",
      );
    if (opts.hostLink === undefined)
      throw new UsageError(
        opts.live
          ? `${opts.ports !== undefined ? '--ports' : '--report'} --live runs the host end of the switch's host link: give its interface with --host-link IFACE`
          : `${opts.ports !== undefined ? '--ports' : '--report'} runs the host end of the switch's host link: give its capture with --host-link FILE`,
      );
    if (opts.input.length)
      throw new UsageError("--host-link gives the taps' packets (by their VLAN codes): no --input");
    if (opts.ports !== undefined && opts.report !== undefined) {
      io.err("tmesc: note: --report gives the host link's code table: the ports map is not compiled again\n");
      opts.ports = undefined;
    }
    if (opts.ports !== undefined && (opts.artifact !== undefined || policyPath === undefined || policyPath === STDIN))
      throw new UsageError(
        '--ports takes the policy file (the OpenFlow program is compiled from it), not --artifact; --report takes either',
      );
  }
  if (policyPath !== undefined && opts.artifact !== undefined)
    throw new UsageError('run takes a policy or --artifact FILE, not both');
  if (!['text', 'json'].includes(opts.stats)) throw new UsageError(`--stats takes text or json, not '${opts.stats}'`);
  let workers: number | undefined;
  if (opts.cores !== undefined && !opts.live) {
    if (opts.workers !== undefined) throw new UsageError('--cores and --workers say the same thing: give one');
    opts.workers = String(parseCores(opts.cores, availableParallelism()).length);
  }
  if (opts.workers !== undefined) {
    workers = Number(opts.workers);
    if (!/^\d+$/.test(opts.workers) || workers > 256)
      throw new UsageError(`--workers takes a number of threads from 0 to 256, not '${opts.workers}'`);
  }
  let packetPath: PacketPathChoice;
  try {
    packetPath =
      opts.packetPath !== undefined ? packetPathChoice({ TMESC_PACKET_PATH: opts.packetPath }) : packetPathChoice();
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (opts.base !== undefined && !opts.artifact)
    throw new UsageError("--base applies to --artifact: a policy's paths are taken from its own directory");
  let artifact: Artifact;
  /** Where the artifact's relative paths are taken from. */
  let baseDir: string;
  if (opts.artifact) {
    let raw: unknown;
    const text = opts.artifact === STDIN ? readStdin(io) : readArtifactFile(opts.artifact);
    try {
      raw = JSON.parse(text);
    } catch (e) {
      throw new UsageError(`${opts.artifact === STDIN ? STDIN_NAME : opts.artifact}: ${(e as Error).message}`);
    }
    // the schema validator (a large module) loads only here: a cache hit runs what this build compiled
    const { validateArtifact, ArtifactError } = await import('../artifact/validate.js');
    try {
      artifact = validateArtifact(raw);
    } catch (e) {
      if (e instanceof ArtifactError) throw new UsageError(`${opts.artifact}: ${e.message}`);
      throw e;
    }
    baseDir =
      opts.base !== undefined
        ? resolve(opts.base)
        : artifactBaseDir(artifact, opts.artifact === STDIN ? process.cwd() : dirname(resolve(opts.artifact)));
    // validation passed, so a format 1 artifact had its code dropped: say so, since whoever deployed it may think it runs
    if ((raw as { formatVersion?: unknown }).formatVersion === 1) {
      io.err(
        `tmesc: note: ${opts.artifact} is a format 1 artifact: the classifier code stored in it was ignored, and the runtime generated its own from the graph; recompile it (tmesc compile) to drop the code\n`,
      );
    }
  } else {
    if (!policyPath) throw new UsageError('run needs a policy file or --artifact FILE');
    // the cache loads only here, so `run --artifact` pays nothing for it
    const { PolicyCache } = await import('./policy-cache.js');
    const roots = includeRoots(opts.includeRoot ?? [], io.cwd);
    // standard input can be read once, and what `-` names is not a file the cache could check
    const cache =
      opts.cache === false || policyPath === STDIN
        ? undefined
        : PolicyCache.open(policyPath, io, process.env, undefined, roots);
    const hit = cache?.lookup();
    if (hit) io.err(cache!.warnings);
    artifact = hit ?? (await compileForRun(policyPath, io, cache, roots));
    baseDir = policyPath === STDIN ? process.cwd() : dirname(resolve(policyPath));
  }
  artifact = resolveArtifactPaths(artifact, baseDir);
  const roots = () => includeRoots(opts.includeRoot ?? [], io.cwd);
  if (opts.live && (opts.ports !== undefined || opts.report !== undefined)) {
    const { hostLinkPlanFor, hostLinkText } = await import('./host-link.js');
    const plan = hostLinkPlanFor(policyPath ?? '', artifact, opts.ports, opts.report, roots(), io);
    return runLiveCommand(artifact, opts, io, { plan, iface: opts.hostLink!, text: hostLinkText });
  }
  if (opts.live) return runLiveCommand(artifact, opts, io);
  if (opts.ports !== undefined || opts.report !== undefined) {
    if (workers) io.err('tmesc: note: the host end of the host link runs on one thread: --workers ignored\n');
    const { runHostLinkCommand } = await import('./host-link.js');
    return runHostLinkCommand(
      policyPath ?? '',
      artifact,
      {
        ports: opts.ports,
        report: opts.report,
        hostLink: opts.hostLink!,
        hostReturn: opts.hostReturn,
        outDir: opts.outDir,
        stats: opts.stats,
        packetPath,
        includeRoots: roots(),
      },
      io,
    );
  }
  let lastDraw = 0;
  const progress = opts.progress ?? io.isTTY;
  const started = performance.now();
  // Ctrl-C (or SIGTERM) stops reading, as tcpdump -w does: the outputs are finished with what was written so far and
  // the statistics said; a second signal exits at once, removing the temporary files (nothing half-written is left)
  const stop = new AbortController();
  let stopped: NodeJS.Signals | undefined;
  let tempFiles: () => string[] = () => [];
  const onSignal = (sig: NodeJS.Signals) => {
    if (stopped) {
      for (const p of tempFiles()) rmSync(p, { force: true });
      process.exit(signalExit(sig));
    }
    stopped = sig;
    io.err(
      `${progress ? '\r\x1b[K' : ''}tmesc: ${sig}: stopping; finishing the outputs with what was written (again to abandon them)\n`,
    );
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  noteRunFeatures(artifact, { fromArtifact: opts.artifact !== undefined, workers });
  try {
    const stats = await runArtifact(artifact, {
      stop: stop.signal,
      onTempFiles: (paths) => (tempFiles = paths),
      inputs: parseInputs(opts.input),
      outDir: opts.outDir,
      workers,
      packetPath,
      note: (m) => io.err(`tmesc: note: ${escapeForTerminal(m)}\n`),
      warn: (m) => io.err(`tmesc: warning: ${escapeForTerminal(m)}\n`),
      onProgress: progress
        ? (n, bytes) => {
            const now = performance.now();
            if (now - lastDraw < 200) return;
            lastDraw = now;
            io.err(`\r${progressLine(n, (now - started) / 1000, bytes)}\x1b[K`);
          }
        : undefined,
    });
    if (progress) io.err('\r\x1b[K');
    io.out(opts.stats === 'json' ? JSON.stringify(stats, null, 2) + '\n' : renderStatsText(stats));
    for (const w of actionWarnings(stats)) io.err(`tmesc: warning: ${w}\n`);
    if (stopped) {
      io.err(
        `tmesc: stopped by ${stopped} after ${stats.packetsRead} packets: the outputs hold what was written until then\n`,
      );
      return signalExit(stopped);
    }
    return EXIT.ok;
  } catch (e) {
    // validate reports each such action at its line (TMES0900): the policy is at fault, exit 1 as for its errors
    if (e instanceof ActionsNotPerformed) throw new PolicyInvalid(e.message);
    if (e instanceof RunError) throw new UsageError(e.message);
    if (e instanceof CaptureError)
      throw new UsageError(await tapFileContext(e, artifact, policyPath, parseInputs(opts.input), roots(), io.cwd));
    if (e instanceof CloseErrors && e.errors.every(isUsageFailure)) throw new UsageError(e.message);
    throw e;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** The shell's status for a run a signal stopped: 128 + its number (130 for SIGINT, 143 for SIGTERM). */
function signalExit(sig: NodeJS.Signals): number {
  return 128 + (osConstants.signals[sig] ?? 0);
}

/** run --live: capture until SIGINT or SIGTERM, stats at the interval and at the end. */
async function runLiveCommand(
  artifact: Artifact,
  opts: RunCmdOptions,
  io: Io,
  hostLink?: { plan: HostLinkPlan; iface: string; text: (l: HostLinkStats) => string },
): Promise<number> {
  const { runLive, LiveError } = await import('../runtime/live/run-live.js');
  const { renderLiveText, intervalLine } = await import('../runtime/live/live-stats.js');
  const cores = opts.cores !== undefined ? parseCores(opts.cores, availableParallelism()) : undefined;
  const poll = opts.poll ?? 'software';
  if (poll !== 'software' && poll !== 'busy') throw new UsageError(`--poll takes software or busy, not '${poll}'`);
  if (poll === 'busy' && !cores)
    throw new UsageError(
      '--poll busy spins on its cores: give them with --cores (a list or mask), as cores tmesc has alone',
    );
  let statsIntervalMs = 0;
  if (opts.statsInterval !== undefined) {
    const s = Number(opts.statsInterval);
    if (!(s > 0) || s > 86400)
      throw new UsageError(`--stats-interval takes seconds (0.1 to 86400), not '${opts.statsInterval}'`);
    statsIntervalMs = s * 1000;
  }
  let bufferBytes: number | undefined;
  if (opts.bufferSize !== undefined) {
    const mib = Number(opts.bufferSize);
    if (!Number.isInteger(mib) || mib < 1 || mib > 4096)
      throw new UsageError(`--buffer-size takes MiB (1 to 4096), not '${opts.bufferSize}'`);
    bufferBytes = mib << 20;
  }
  let stop: (() => void) | undefined;
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals++;
    // a second signal while finishing: the user insists
    if (signals > 1) process.exit(130);
    io.err(`tmesc: ${sig}: stopping; finishing the outputs\n`);
    stop?.();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const stats = await runLive(artifact, {
      cores,
      poll,
      statsIntervalMs,
      bufferBytes,
      outDir: opts.outDir,
      hostLink: hostLink && { plan: hostLink.plan, iface: hostLink.iface },
      note: (m) => io.err(`tmesc: note: ${escapeForTerminal(m)}\n`),
      warn: (m) => io.err(`tmesc: warning: ${escapeForTerminal(m)}\n`),
      onReady: (s) => {
        stop = s;
        if (signals) s();
        io.err('tmesc: capturing; SIGINT or SIGTERM stops\n');
      },
      onStats: (s, final) => {
        if (final) return;
        io.err(opts.stats === 'json' ? JSON.stringify(s) + '\n' : `tmesc: ${intervalLine(s)}\n`);
      },
    });
    io.out(
      opts.stats === 'json'
        ? JSON.stringify(stats, null, 2) + '\n'
        : renderLiveText(stats) + (stats.hostLink && hostLink ? hostLink.text(stats.hostLink) : ''),
    );
    if (stats.hostLink?.unknown)
      io.err(
        `tmesc: warning: ${escapeForTerminal(stats.hostLink.input)}: ${stats.hostLink.unknown} packets carry no VLAN code the switch sends the host: dropped\n`,
      );
    if (stats.hostLink?.notReturned)
      io.err(
        `tmesc: warning: ${escapeForTerminal(notReturnedText(stats.hostLink.returnPath, stats.hostLink.notReturned))}\n`,
      );
    for (const w of actionWarnings(stats)) io.err(`tmesc: warning: ${w}\n`);
    return EXIT.ok;
  } catch (e) {
    // as offline: the policy asks for what this runtime does not perform (validate reports it at its line)
    if (e instanceof ActionsNotPerformed) throw new PolicyInvalid(e.message);
    if (e instanceof LiveError || e instanceof RunError || e instanceof CaptureError)
      throw new UsageError((e as Error).message);
    if (e instanceof CloseErrors && e.errors.every(isUsageFailure)) throw new UsageError(e.message);
    throw e;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/**
 * Whether an error met closing outputs is the run's circumstances (a file, a disk, a reader), said to the user as
 * such, not a fault of tmesc's: several of them are reported together (CloseErrors), each by its message.
 */
function isUsageFailure(e: unknown): boolean {
  if (e instanceof RunError || e instanceof CaptureError) return true;
  const err = e as NodeJS.ErrnoException;
  return !!err && typeof err.code === 'string' && !!err.syscall;
}

/**
 * A capture file of a tap's `source` that cannot be read, said at the tap's
 * declaration (file:line:col) with how to fix it; any other capture error as
 * it is. The policy is read again only here: a cached artifact keeps no
 * source positions.
 */
async function tapFileContext(
  e: CaptureError,
  artifact: Artifact,
  policyPath: string | undefined,
  given: Map<string, string[]>,
  roots: string[],
  cwd: string,
): Promise<string> {
  const tap = artifact.taps.find(
    (t) => !given.has(t.name) && t.source.kind === 'files' && t.source.paths.includes(e.file),
  );
  if (!tap || policyPath === undefined || policyPath === STDIN || e.packetNumber !== undefined) return e.message;
  const path = `correct the path in tap '${tap.name}' (relative to the policy's directory) or give --input ${tap.name}=FILE`;
  // an empty file is where the path says: most likely a capture not yet written, which no path fixes
  const fix = e.code === 'empty' ? `check that what writes it has written it, or ${path}` : path;
  let where = '';
  try {
    const { checkPolicyFile } = await import('../check/check.js');
    const span = checkPolicyFile(policyPath, { includeRoots: roots }).policy.taps.find(
      (t) => t.name === tap.name,
    )?.span;
    if (span) {
      const { line, column } = span.file.position(span.start);
      where = `${displayPath(cwd)(span.file.path)}:${line}:${column}: `;
    }
  } catch {
    // the position is a help; the error stands without it
  }
  return `${where}tap '${tap.name}': ${e.message}; ${fix}`;
}
