import { fork } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
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
  const gen = new PacketGenerator({
    packets: n,
    seed: 3,
    encap: { vlan: 0.2, qinq: 0.02, mpls: 0.05, gre: 0.05, vxlan: 0.05, gtpu: 0.05 },
  });
  const views: PacketView[] = [];
  const frames: Uint8Array[] = [];
  for (let p; (p = gen.next());) {
    const v = new PacketView();
    v.tap = views.length % taps;
    const data = Uint8Array.from(p.data);
    decodeFrame(v, data, data.length, data.length, 1);
    views.push(v);
    frames.push(data);
  }
  return { views, frames };
}

/** Runs a classifier over views[lo, hi) and returns the sum of the leaves (so that nothing is optimized away). */
type Run = (c: Classifier, views: PacketView[], frames: Uint8Array[], lo: number, hi: number) => number;

/**
 * A call site of its own per classifier, as in the pipeline (one classifier per
 * process): a shared one would be monomorphic, classify inlined, for the first
 * classifier and megamorphic for the rest.
 */
function ownCallSite(): Run {
  return new Function(
    'c',
    'views',
    'frames',
    'lo',
    'hi',
    'let s = 0; for (let i = lo; i < hi; i++) s += c.classify(views[i], frames[i]); return s;',
  ) as Run;
}

/** One classifier under timing: its own call site, and ns/packet of each round. */
interface Timed {
  c: Classifier;
  run: Run;
  /** Packets per slice: views[0, packets). */
  packets: number;
  ns: number[];
}

let sink = 0;

/**
 * Reads a view through, its inner view too, as decodeFrame has just written it
 * in the pipeline: one plain load per number field, on one hidden class, no
 * garbage (so no collection runs during the timing). Built from the field
 * names of a fresh PacketView.
 */
function viewToucher(): (v: PacketView) => number {
  const sample = new PacketView() as unknown as Record<string, unknown>;
  const names = Object.keys(sample).filter((k) => typeof sample[k] === 'number' && /^[A-Za-z_$][\w$]*$/.test(k));
  const sum = (o: string) => names.map((k) => `${o}.${k}`).join(' + ');
  return new Function('v', `const w = v.inner; return ${sum('v')} + ${sum('w')};`) as (v: PacketView) => number;
}
const touch = viewToucher();

/** Reads the first cache lines of a frame, which decode has just read in the pipeline (byte loads read them again). */
function touchFrame(d: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < d.length && i < 128; i += 32) s += d[i];
  return s;
}

const BLOCK = 256;

/**
 * One slice: the classifier over its packets, a block of 256 at a time, each
 * block's views and the frames' first bytes read through untimed first. The 20,000 views are decoded up
 * front and do not fit in cache; without this the figure would be mostly cache
 * misses on views, more of them the further into the view a policy's fields lie.
 * Returns ns/packet.
 */
function slice(t: Timed, views: PacketView[], frames: Uint8Array[]): number {
  let ms = 0;
  for (let b = 0; b < t.packets; b += BLOCK) {
    const end = Math.min(t.packets, b + BLOCK);
    for (let i = b; i < end; i++) sink += touch(views[i]) + touchFrame(frames[i]);
    const t0 = performance.now();
    sink += t.run(t.c, views, frames, b, end);
    ms += performance.now() - t0;
  }
  return (ms * 1e6) / t.packets;
}

/**
 * Steady-state ns/packet of several classifiers, timed round-robin in one
 * process: each round times one slice of each, starting with a different one
 * each round, so that whatever else the machine is doing falls on all of them
 * alike rather than on whichever was timed in a bad window. Each is warmed up
 * first by as many untimed passes as it gets timed ones, because V8 optimizes
 * generated code function by function as each gets hot.
 */
function timeRoundRobin(timed: Timed[], views: PacketView[], frames: Uint8Array[], rounds: number): void {
  (globalThis as { gc?: () => void }).gc?.(); // the garbage of compiling, not collected while timing
  for (const t of timed) for (let r = 0; r < rounds; r++) sink += t.run(t.c, views, frames, 0, t.packets);
  (globalThis as { gc?: () => void }).gc?.();
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < timed.length; k++) {
      const t = timed[(r + k) % timed.length];
      t.ns.push(slice(t, views, frames));
    }
  }
}

/** Packets per slice for about `ms` of classification at `ns` per packet, whole blocks, at least `min`. */
function packetsFor(ms: number, ns: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, Math.round((ms * 1e6) / ns / BLOCK) * BLOCK));
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
  segments: number;
  countingTables: number;
  uncounted: number;
  /** Set when the policy is past the compiler's budgets: its message (then only the times and peak RSS are set). */
  failed?: string;
}

/** Compile time and memory of one policy, measured in a fresh process. */
function measureCompile(
  policy: Policy,
  warmBudgetMs = 2000,
  env: NodeJS.ProcessEnv = process.env,
): Promise<CompileFigures> {
  return new Promise((resolve, reject) => {
    const child = fork(new URL('./compile-child.mjs', import.meta.url), [], {
      serialization: 'advanced',
      execArgv: ['--expose-gc'],
      env,
    });
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
  return {
    ...runs[0],
    coldMs: m('coldMs'),
    coldCompileMs: m('coldCompileMs'),
    coldCpuMs: m('coldCpuMs'),
    warmMs: m('warmMs'),
    heapMb: m('heapMb'),
    retainedMb: m('retainedMb'),
    peakRssMb: m('peakRssMb'),
    rssRiseMb: m('rssRiseMb'),
  };
}

/** Rounds of the round-robin timing of the compiled classifiers, and of the naive loop (slow at 10,000 rules). */
const ROUNDS = 101;
const NAIVE_ROUNDS = 7;
/** The goal: per-packet time at the largest size within this factor of that at the smallest. */
const GOAL = 2;

const fmtNs = (ns: number) => `${ns < 10 ? ns.toFixed(1) : ns.toFixed(0)} ns`;
const fmtX = (x: number) => `${x < 10 ? x.toFixed(2) : x.toFixed(0)}x`;

/**
 * Compile time and memory per size (fresh processes), then per-packet
 * classification of every size round-robin in this process, against the
 * naive loop over rules (the -O0 graph).
 */
export async function benchCompile(sizes = [10, 100, 1000, 10000]): Promise<void> {
  const { buildArtifact } = await fromDist<typeof import('../src/artifact/build.js')>('artifact/build.ts');
  const { checkPolicyFile } = await fromDist<typeof import('../src/check/check.js')>('check/check.ts');
  const { compilePolicy } = await fromDist<typeof import('../src/ir/compile.js')>('ir/compile.ts');
  const { createClassifier } = await fromDist<typeof import('../src/runtime/classify/classifier.js')>(
    'runtime/classify/classifier.ts',
  );
  const dir = mkdtempSync(join(tmpdir(), 'tmesc-bench-'));
  const load = loadavg()[0];

  // 1. compile time and memory, each size in fresh processes, before anything is timed here
  const compileRows: string[][] = [];
  const policies: Policy[] = [];
  for (const n of sizes) {
    const path = join(dir, `p${n}.tmes`);
    writeFileSync(path, generatePolicy(n));
    const { policy } = checkPolicyFile(path);
    policies.push(policy);
    // a few processes, since one cold run on a shared machine says little
    const runs: CompileFigures[] = [];
    for (let i = 0; i < 3; i++) runs.push(await measureCompile(policy, n >= 1000 ? 1500 : 500));
    const f = medianFigures(runs);
    compileRows.push([
      String(n),
      `${f.coldMs.toFixed(0)} ms (${f.coldCompileMs.toFixed(0)}+${(f.coldMs - f.coldCompileMs).toFixed(0)})`,
      `${f.coldCpuMs.toFixed(0)} ms`,
      `${f.warmMs.toFixed(0)} ms`,
      `${f.heapMb.toFixed(0)} MB`,
      `${f.retainedMb.toFixed(0)} MB`,
      `${f.peakRssMb.toFixed(0)} MB`,
      `${f.rssRiseMb.toFixed(0)} MB`,
      String(f.nodes),
      String(f.leaves),
    ]);
  }

  // 2. every classifier and the traffic mix, built before any timing
  const { views, frames } = trafficMix(20000, 4);
  const fast: (Timed & { codeNodes: number; nodes: number })[] = [];
  const naive: Timed[] = [];
  for (const policy of policies) {
    const compiled = compilePolicy(policy);
    const artifact = buildArtifact(policy, compiled, 'bench');
    const slow = buildArtifact(policy, compilePolicy(policy, { optimize: false }), 'bench');
    const c = createClassifier(artifact.graph);
    fast.push({
      c,
      run: ownCallSite(),
      packets: views.length,
      ns: [],
      codeNodes: c.codeNodes ?? 0,
      nodes: compiled.graph.nodes.length,
    });
    naive.push({ c: createClassifier(slow.graph), run: ownCallSite(), packets: views.length, ns: [] });
  }

  // 3. the compiled classifiers, round-robin
  const t0 = performance.now();
  timeRoundRobin(fast, views, frames, ROUNDS);
  const fastSec = (performance.now() - t0) / 1000;

  // 4. the naive loop, round-robin too but fewer rounds, over as many packets as take about 20 ms
  const t1 = performance.now();
  for (const t of naive) {
    // a first estimate of its speed, after 50 ms of warming up
    const probe = Math.min(views.length, BLOCK);
    let ns = 0;
    for (let warm = performance.now() + 50; performance.now() < warm;) {
      const s = performance.now();
      sink += t.run(t.c, views, frames, 0, probe);
      ns = ((performance.now() - s) * 1e6) / probe;
    }
    t.packets = packetsFor(20, ns, 2 * BLOCK, views.length);
  }
  timeRoundRobin(naive, views, frames, NAIVE_ROUNDS);
  const naiveSec = (performance.now() - t1) / 1000;

  const base = fast[0].ns;
  const ratioTo = (t: Timed) => median(t.ns.map((x, r) => x / base[r]));
  const rows = fast.map((t, i) => {
    const ns = median(t.ns);
    const naiveNs = median(naive[i].ns);
    return [
      String(sizes[i]),
      t.c.kind === 'generated' ? `code ${t.codeNodes}/${t.nodes}` : t.c.kind,
      fmtNs(ns),
      fmtNs(Math.min(...t.ns)),
      fmtNs(Math.max(...t.ns)),
      i === 0 ? '1x' : fmtX(ratioTo(t)),
      fmtNs(naiveNs),
      String(naive[i].packets),
      fmtX(naiveNs / ns),
    ];
  });

  console.log(
    `compile benchmark (${cpus().length} CPUs, load average ${load.toFixed(2)} at the start; figures from a busy machine are noisy)`,
  );
  console.log('');
  console.log(
    'compile: compilePolicy + buildArtifact, each size in 3 fresh processes, medians. cold = the first compile in a process (compilePolicy+buildArtifact),',
  );
  console.log(
    'cpu = its CPU time (all threads), warm = median of the compiles after it; heap+ = heap growth over the first compile, retained = what stays after a',
  );
  console.log(
    "full collection; peak rss = the process's maxRSS, rss+ = how far that is above the RSS before the compile",
  );
  console.log(
    table(['rules', 'cold', 'cpu', 'warm', 'heap+', 'retained', 'peak rss', 'rss+', 'nodes', 'leaves'], compileRows),
  );
  console.log('');
  console.log(
    `classification: ${views.length} generated packets (VLAN, QinQ, MPLS, GRE, VXLAN, GTP-U, IPv6), decoded once; every size's classifier built first,`,
  );
  console.log(
    `then timed round-robin in this process: ${ROUNDS} rounds, each one pass of each size in turn (views read through before each block of ${BLOCK},`,
  );
  console.log(
    `as decode leaves them hot), after as many untimed passes; ${fastSec.toFixed(1)} s. ns/pkt = median over the rounds; min, max; vs ${sizes[0]} = median over`,
  );
  console.log(
    `the rounds of the ratio to ${sizes[0]} rules in the same round. code = nodes in generated code of all nodes (the rest: table walk).`,
  );
  console.log(
    `naive = the -O0 graph, one walk per rule: ${NAIVE_ROUNDS} rounds over the first "naive pkts" packets (about 20 ms a slice), ${naiveSec.toFixed(1)} s`,
  );
  console.log(
    table(
      ['rules', 'classifier', 'ns/pkt', 'min', 'max', `vs ${sizes[0]}`, 'naive ns/pkt', 'naive pkts', 'speed-up'],
      rows,
    ),
  );
  const last = fast.length - 1;
  if (last > 0) {
    const ratio = ratioTo(fast[last]);
    const perRound = fast[last].ns.map((x, r) => x / base[r]);
    const ok = ratio <= GOAL;
    console.log('');
    console.log(
      `goal: per-packet time at ${sizes[last].toLocaleString('en-US')} rules within ${GOAL}x of that at ${sizes[0].toLocaleString('en-US')}: ${fmtX(ratio)} (median of per-round ratios; ratio of medians ` +
        `${fmtX(median(fast[last].ns) / median(base))}; rounds ${fmtX(Math.min(...perRound))} to ${fmtX(Math.max(...perRound))}): ${ok ? 'met' : 'NOT met'}`,
    );
  }
  if (sink === -1) console.log('');
  console.log('');
  await benchShapes(views, frames, () => ownCallSite());
}

const GOAL_SHAPES = { ms: 5000, mb: 500, ns: 1000 };

/** `npm run bench -- shapes`: the shapes part of the compile benchmark alone. */
export async function benchCompileShapes(): Promise<void> {
  const { views, frames } = trafficMix(20000, 2);
  await benchShapes(views, frames, () => ownCallSite());
}

/**
 * The shapes of issue 16 (bench/policy-shapes.ts): compile time and memory in
 * fresh processes, per-packet classification of each in one process, and how
 * classification cost grows with the number of segments (one policy compiled
 * under segment budgets that force 1 to 64 of them).
 */
async function benchShapes(views: PacketView[], frames: Uint8Array[], callSite: () => Run): Promise<void> {
  const { buildArtifact } = await fromDist<typeof import('../src/artifact/build.js')>('artifact/build.ts');
  const { checkPolicyFile } = await fromDist<typeof import('../src/check/check.js')>('check/check.ts');
  const { compilePolicy } = await fromDist<typeof import('../src/ir/compile.js')>('ir/compile.ts');
  const { createClassifier } = await fromDist<typeof import('../src/runtime/classify/classifier.js')>(
    'runtime/classify/classifier.ts',
  );
  const { shapes, independentGroups } = await import('./policy-shapes.js');
  const dir = mkdtempSync(join(tmpdir(), 'tmesc-bench-shapes-'));
  const rows: string[][] = [];
  const timed: (Timed & { name: string; segments: number })[] = [];
  for (const shape of shapes()) {
    const path = join(dir, `${shape.name.replace(/[^\w]+/g, '-')}.tmes`);
    writeFileSync(path, shape.text);
    const { policy, diagnostics } = checkPolicyFile(path);
    const errors = diagnostics.filter((d) => d.severity === 'error');
    if (errors.length) throw new Error(`${shape.name}: ${errors[0].code} ${errors[0].message}`);
    const runs: CompileFigures[] = [];
    for (let i = 0; i < 2; i++) runs.push(await measureCompile(policy, 0));
    const f = runs[0].failed ? runs[0] : medianFigures(runs);
    const ok = !f.failed && f.coldMs <= GOAL_SHAPES.ms && f.peakRssMb <= GOAL_SHAPES.mb;
    rows.push([
      shape.name,
      String(policy.rules.length),
      `${f.coldMs.toFixed(0)} ms`,
      `${f.coldCpuMs.toFixed(0)} ms`,
      `${f.peakRssMb.toFixed(0)} MB`,
      f.failed ? 'failed' : String(f.segments),
      f.failed ? '-' : String(f.nodes),
      f.failed ? '-' : `${f.countingTables}`,
      f.failed ? f.failed : f.uncounted ? `${f.uncounted} uncounted` : 'all counted',
      ok ? 'yes' : 'NO',
    ]);
    if (f.failed) continue;
    const c = createClassifier(buildArtifact(policy, compilePolicy(policy), 'bench').graph);
    timed.push({ c, run: callSite(), packets: views.length, ns: [], name: shape.name, segments: f.segments });
  }
  console.log(
    `shapes (issue 16): compile in 2 fresh processes each (median; cold = compilePolicy+buildArtifact, cpu = its CPU time); goals ${GOAL_SHAPES.ms / 1000} s and ${GOAL_SHAPES.mb} MB`,
  );
  console.log(
    table(
      ['policy', 'rules', 'cold', 'cpu', 'peak rss', 'segments', 'nodes', 'counting tables', 'rule counters', 'goal'],
      rows,
    ),
  );

  // classification of each shape, round-robin, then of one policy under budgets forcing more segments
  const base = independentGroups(100);
  const path = join(dir, 'segments.tmes');
  writeFileSync(path, base.text);
  const { policy } = checkPolicyFile(path);
  const forced: (Timed & { name: string; segments: number })[] = [];
  for (const segment of [1_000_000, 20_000, 5_000, 2_000, 500, 100, 1]) {
    const compiled = compilePolicy(policy, { budgets: { segment } });
    const n = compiled.graph.segments.length;
    if (forced.some((t) => t.segments === n)) continue;
    const c = createClassifier(buildArtifact(policy, compiled, 'bench').graph);
    forced.push({ c, run: callSite(), packets: views.length, ns: [], name: base.name, segments: n });
  }
  timeRoundRobin([...timed, ...forced], views, frames, 31);
  console.log('');
  console.log(
    `classification: the ${views.length} packets of the traffic mix, each policy's classifier timed round-robin (31 rounds, ns/pkt = median); goal ${GOAL_SHAPES.ns} ns`,
  );
  console.log(
    table(
      ['policy', 'segments', 'classifier', 'ns/pkt', 'goal'],
      timed.map((t) => [
        t.name,
        String(t.segments),
        t.c.kind === 'generated' ? `code ${t.c.codeNodes}` : t.c.kind,
        fmtNs(median(t.ns)),
        median(t.ns) <= GOAL_SHAPES.ns ? 'yes' : 'NO',
      ]),
    ),
  );
  console.log('');
  console.log(`how classification cost grows with the number of segments: ${base.name}, under smaller segment budgets`);
  const one = median(forced[0].ns);
  console.log(
    table(
      ['segments', 'ns/pkt', 'vs 1 segment', 'ns per segment'],
      forced.map((t) => [
        String(t.segments),
        fmtNs(median(t.ns)),
        fmtX(median(t.ns) / one),
        fmtNs(median(t.ns) / t.segments),
      ]),
    ),
  );
}
