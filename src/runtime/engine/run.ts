import { mkdirSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Artifact } from '../../artifact/types.js';
import { ToolOutput } from '../output/tool-output.js';
import type { RunStats } from '../stats/stats.js';
import { Engine, type EngineOptions } from './engine.js';
import { Pipeline } from './pipeline.js';
import { FileTapSource } from './sources.js';

export interface RunOptions {
  /** Capture files per tap name, overriding what the policy names. */
  inputs: Map<string, string[]>;
  /** Where outputs go instead of the paths the policy names (by file name), and where interface outputs are written. */
  outDir?: string;
  quota?: number;
  onProgress?: EngineOptions['onProgress'];
  /** Notes for the user (taps skipped, interface outputs redirected). */
  note?: (message: string) => void;
}

export class RunError extends Error {}

/** Group actions the runtime does not perform yet: running would deliver packets the policy says must be changed. */
const PENDING_ACTIONS = ['strip', 'masks', 'replaces', 'truncate', 'timestamp', 'shape'] as const;

export function unimplementedActions(a: Artifact): string[] {
  const problems: string[] = [];
  for (const g of a.groups) {
    const act = g.actions;
    const asked = PENDING_ACTIONS.filter((k) => (Array.isArray(act[k]) ? (act[k] as unknown[]).length > 0 : act[k] !== undefined));
    if (asked.length) problems.push(`group '${g.name}' asks for ${asked.map((k) => (k === 'masks' ? 'mask' : k === 'replaces' ? 'replace' : k)).join(', ')}`);
  }
  return problems;
}

/** Runs a compiled policy over capture files: the main job, on one thread (I/O on libuv's pool). */
export async function runArtifact(a: Artifact, opts: RunOptions): Promise<RunStats> {
  const pending = unimplementedActions(a);
  if (pending.length) {
    throw new RunError(`${pending.join('; ')}: packet transforms are not implemented in this version, and tmesc refuses to deliver packets the policy says must be changed (sensitive data could leak unmasked)`);
  }
  const note = opts.note ?? (() => undefined);
  // inputs
  const tapFiles: string[][] = a.taps.map((t) => {
    const given = opts.inputs.get(t.name);
    if (given) return given.map((p) => resolve(p));
    if (t.source.kind === 'files') return t.source.paths;
    note(`tap '${t.name}' (${t.source.kind === 'interface' ? `interface ${t.source.name}` : `inline ${t.source.left} <-> ${t.source.right}`}) skipped: live capture comes with the execution engine; give --input ${t.name}=FILE to replay a capture`);
    return [];
  });
  for (const name of opts.inputs.keys()) if (!a.taps.some((t) => t.name === name)) throw new RunError(`--input names tap '${name}', which the policy does not have (taps: ${a.taps.map((t) => t.name).join(', ')})`);
  if (tapFiles.every((f) => f.length === 0)) throw new RunError('no tap has a capture file to read; give --input TAP=FILE');
  // outputs
  const seen = new Map<string, string>();
  const outputs = a.groups.map((g) =>
    g.tools.map((t) => {
      let path: string;
      let format: 'pcap' | 'pcapng';
      if (t.output.kind === 'interface') {
        path = join(opts.outDir ?? 'tmesc-out', `${t.name}.pcapng`);
        format = 'pcapng';
        note(`tool '${t.name}' outputs to interface ${t.output.target}; written to ${path} (live output comes with the execution engine)`);
      } else {
        path = opts.outDir ? join(opts.outDir, basename(t.output.target)) : t.output.target;
        format = t.output.kind;
      }
      path = resolve(path);
      const other = seen.get(path);
      if (other) throw new RunError(`tools '${other}' and '${t.name}' would both write ${path}`);
      seen.set(path, t.name);
      for (const files of tapFiles) if (files.includes(path)) throw new RunError(`tool '${t.name}' would overwrite input ${path}`);
      mkdirSync(dirname(path), { recursive: true });
      return new ToolOutput(path, format);
    }),
  );
  const pipeline = new Pipeline(a, outputs, tapFiles);
  const engine = new Engine();
  const sources = tapFiles.map((files, tap) => new FileTapSource(tap, files));
  for (const s of sources) engine.register(s);
  const t0 = performance.now();
  try {
    await engine.run((rec, tap) => pipeline.handle(rec, tap), { quota: opts.quota ?? 256, onProgress: opts.onProgress });
    for (const g of outputs) for (const o of g) await o.close();
  } catch (e) {
    engine.closeAll();
    for (const g of outputs) for (const o of g) o.abort();
    throw e;
  }
  const stats = pipeline.stats;
  stats.seconds = (performance.now() - t0) / 1000;
  sources.forEach((s, i) => {
    stats.taps[i].truncatedRecords = s.stats.truncatedRecords;
    stats.taps[i].captureWarnings = s.stats.warnings;
  });
  return stats;
}
