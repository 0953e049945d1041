import { fork } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PacketGenerator } from '../src/gen/index.js';
import type { Policy } from '../src/policy/policy.js';
import type { Classifier } from '../src/runtime/classify/classifier.js';
import { decodeFrame } from '../src/runtime/decode/decode.js';
import { PacketView } from '../src/runtime/decode/view.js';
import { fromDist } from './dist.js';
import { generatePolicy } from './policy-gen.js';
import { median, table } from './report.js';

/** Decoded views of a generated traffic mix (VLAN, MPLS, GRE, VXLAN, GTP, IPv6), decoded once up front. */
function trafficMix(n: number, taps: number): { views: PacketView[]; frames: Uint8Array[] } {
  const gen = new PacketGenerator({ packets: n, seed: 3, encap: { vlan: 0.2, qinq: 0.02, mpls: 0.05, gre: 0.05, vxlan: 0.05, gtpu: 0.05 } });
  const views: PacketView[] = [];
  const frames: Uint8Array[] = [];
  for (let p; (p = gen.next()); ) {
    const v = new PacketView();
    v.tap = views.length % taps;
    const data = Uint8Array.from(p.data);
    decodeFrame(v, data, data.length, data.length, 1);
    views.push(v);
    frames.push(data);
  }
  return { views, frames };
}

/**
 * Steady-state time to classify a packet whose view is in cache, as it is in
 * the pipeline, where decodeFrame has just written it. The 20,000 views here
 * are decoded up front and do not fit in cache, so each block of them is read
 * through, untimed, before it is classified: otherwise the figure is mostly
 * cache misses on views, more of them the further into the view a policy's
 * fields lie. Warm-up lasts as long as the measurement, because V8 optimizes
 * generated code function by function as each gets hot.
 */
function timePerPacket(c: Classifier, views: PacketView[], frames: Uint8Array[], budgetMs: number): number {
  // A call site of its own per classifier, as in the pipeline: a shared one would be
  // monomorphic (classify inlined) for the first classifier timed and megamorphic after.
  const run = new Function('c', 'views', 'frames', 'lo', 'hi', 'let s = 0; for (let i = lo; i < hi; i++) s += c.classify(views[i], frames[i]); return s;') as (
    c: Classifier,
    views: PacketView[],
    frames: Uint8Array[],
    lo: number,
    hi: number,
  ) => number;
  const BLOCK = 256;
  let sink = 0;
  // for-in, not Object.values: no garbage, so no collection runs during the timing
  const touch = (v: Record<string, unknown>): void => {
    for (const k in v) {
      const x = v[k];
      if (typeof x === 'number') sink += x;
      else if (x !== v && typeof x === 'object' && x !== null) touch(x as Record<string, unknown>);
    }
  };
  (globalThis as { gc?: () => void }).gc?.(); // the garbage of compiling, not collected while timing
  const warm = performance.now() + budgetMs;
  do sink += run(c, views, frames, 0, views.length);
  while (performance.now() < warm);
  const times: number[] = [];
  const deadline = performance.now() + budgetMs;
  do {
    let ms = 0;
    for (let b = 0; b < views.length; b += BLOCK) {
      const end = Math.min(views.length, b + BLOCK);
      for (let i = b; i < end; i++) touch(views[i] as unknown as Record<string, unknown>);
      const t = performance.now();
      sink += run(c, views, frames, b, end);
      ms += performance.now() - t;
    }
    times.push((ms * 1e6) / views.length);
  } while (performance.now() < deadline || times.length < 3);
  if (sink === -1) console.log('');
  return median(times);
}

/** What bench/compile-child.mjs measures of one policy's compile. */
export interface CompileFigures {
  /** The first compile in the process (cold JIT), and of that compilePolicy alone (the rest is buildArtifact: code generation, validation). */
  coldMs: number;
  coldCompileMs: number;
  /** CPU time of the process over the first compile, all its threads (the collector's and the JIT's too): less at the mercy of a busy machine than the wall time. */
  coldCpuMs: number;
  /** Median of the compiles that follow (3 to 15, as time allows). */
  warmMs: number;
  warmRuns: number;
  /** Heap used right after the first compile minus before it, garbage not yet collected included. */
  heapMb: number;
  /** The same after a full collection, the result still referenced. */
  retainedMb: number;
  /** Peak RSS of the process (its maxRSS), and how far that is above the RSS just before the first compile. */
  peakRssMb: number;
  rssRiseMb: number;
  nodes: number;
  leaves: number;
  ruleLevel: boolean;
}

/** Compile time and memory of one policy, measured in a fresh process. */
export function measureCompile(policy: Policy, warmBudgetMs = 2000, env: NodeJS.ProcessEnv = process.env): Promise<CompileFigures> {
  return new Promise((resolve, reject) => {
    const child = fork(new URL('./compile-child.mjs', import.meta.url), [], { serialization: 'advanced', execArgv: ['--expose-gc'], env });
    let figures: CompileFigures | undefined;
    child.on('message', (m: 'ready' | CompileFigures) => {
      if (m === 'ready') child.send({ policy, warmBudgetMs });
      else figures = m;
    });
    child.on('error', reject);
    child.on('exit', (code) => (figures ? resolve(figures) : reject(new Error(`compile child exited with ${code}`))));
  });
}

/** Each figure's median over several runs. */
function medianFigures(runs: CompileFigures[]): CompileFigures {
  const m = (k: keyof CompileFigures) => median(runs.map((r) => Number(r[k])));
  return { ...runs[0], coldMs: m('coldMs'), coldCompileMs: m('coldCompileMs'), coldCpuMs: m('coldCpuMs'), warmMs: m('warmMs'), heapMb: m('heapMb'), retainedMb: m('retainedMb'), peakRssMb: m('peakRssMb'), rssRiseMb: m('rssRiseMb') };
}

/** Compile time, memory, graph size, and per-packet classification against the naive loop over rules. */
export async function benchCompile(sizes = [10, 100, 1000, 10000]): Promise<void> {
  const { buildArtifact } = await fromDist<typeof import('../src/artifact/build.js')>('artifact/build.ts');
  const { checkPolicyFile } = await fromDist<typeof import('../src/check/check.js')>('check/check.ts');
  const { compilePolicy } = await fromDist<typeof import('../src/ir/compile.js')>('ir/compile.ts');
  const { createClassifier } = await fromDist<typeof import('../src/runtime/classify/classifier.js')>('runtime/classify/classifier.ts');
  const dir = mkdtempSync(join(tmpdir(), 'tmesc-bench-'));
  const { views, frames } = trafficMix(20000, 4);
  const rows: string[][] = [];
  for (const n of sizes) {
    const path = join(dir, `p${n}.tmes`);
    writeFileSync(path, generatePolicy(n));
    const { policy } = checkPolicyFile(path);
    // a few processes, since one cold run on a shared machine says little
    const runs: CompileFigures[] = [];
    for (let i = 0; i < 3; i++) runs.push(await measureCompile(policy, n >= 1000 ? 1500 : 500));
    const f = medianFigures(runs);
    const compiled = compilePolicy(policy);
    const artifact = buildArtifact(policy, compiled, 'bench');
    const naive = buildArtifact(policy, compilePolicy(policy, { optimize: false }), 'bench');
    const fast = createClassifier(artifact.graph, artifact.classifier);
    const loop = createClassifier(naive.graph);
    const nsFast = timePerPacket(fast, views, frames, 1000);
    const nsLoop = timePerPacket(loop, views, frames, 300);
    rows.push([
      String(n),
      `${f.coldMs.toFixed(0)} ms (${f.coldCompileMs.toFixed(0)}+${(f.coldMs - f.coldCompileMs).toFixed(0)})`,
      `${f.coldCpuMs.toFixed(0)} ms`,
      `${f.warmMs.toFixed(0)} ms`,
      `${f.heapMb.toFixed(0)} MB`,
      `${f.peakRssMb.toFixed(0)} MB`,
      `${f.rssRiseMb.toFixed(0)} MB`,
      String(f.nodes),
      String(f.leaves),
      fast.kind,
      `${nsFast.toFixed(0)} ns`,
      `${nsLoop.toFixed(0)} ns`,
      `${(nsLoop / nsFast).toFixed(1)}x`,
    ]);
  }
  console.log('compile: compilePolicy + buildArtifact, each size in fresh processes (medians of 3). cold = the first compile in the process (compilePolicy+buildArtifact),');
  console.log("cpu = its CPU time (all threads), warm = median of the ones after; heap+ = heap growth over the first, peak rss = the process's maxRSS, rss+ = how far");
  console.log('that is above the RSS before the compile');
  console.log(`classification (traffic mix: ${views.length} generated packets, decoded once)`);
  console.log(table(['rules', 'cold', 'cpu', 'warm', 'heap+', 'peak rss', 'rss+', 'nodes', 'leaves', 'classifier', 'ns/pkt', 'naive ns/pkt', 'speed-up'], rows));
}
