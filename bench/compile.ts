import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PacketGenerator } from '../src/gen/index.js';
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

function timePerPacket(c: Classifier, views: PacketView[], frames: Uint8Array[], budgetMs: number): number {
  let sink = 0;
  for (let i = 0; i < views.length; i++) sink += c.classify(views[i], frames[i]); // warm up
  const times: number[] = [];
  const deadline = performance.now() + budgetMs;
  do {
    const t = performance.now();
    for (let i = 0; i < views.length; i++) sink += c.classify(views[i], frames[i]);
    times.push(((performance.now() - t) * 1e6) / views.length);
  } while (performance.now() < deadline || times.length < 3);
  if (sink === -1) console.log('');
  return median(times);
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
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
    gc();
    const before = process.memoryUsage();
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
    const t = performance.now();
    const compiled = compilePolicy(policy);
    const artifact = buildArtifact(policy, compiled, 'bench');
    const compileMs = performance.now() - t;
    clearInterval(sampler);
    const heapMb = (process.memoryUsage().heapUsed - before.heapUsed) / 1e6;
    peak = Math.max(peak, process.memoryUsage().rss);
    const naive = buildArtifact(policy, compilePolicy(policy, { optimize: false }), 'bench');
    const fast = createClassifier(artifact.graph, artifact.classifier);
    const loop = createClassifier(naive.graph);
    const nsFast = timePerPacket(fast, views, frames, 300);
    const nsLoop = timePerPacket(loop, views, frames, 300);
    rows.push([
      String(n),
      `${compileMs.toFixed(0)} ms`,
      `${heapMb.toFixed(0)} MB`,
      `${(peak / 1e6).toFixed(0)} MB`,
      String(compiled.graph.nodes.length),
      String(compiled.graph.leaves.length),
      fast.kind,
      `${nsFast.toFixed(0)} ns`,
      `${nsLoop.toFixed(0)} ns`,
      `${(nsLoop / nsFast).toFixed(1)}x`,
    ]);
  }
  console.log(`compile (traffic mix: ${views.length} generated packets, decoded once)`);
  console.log(table(['rules', 'compile', 'heap+', 'peak rss', 'nodes', 'leaves', 'classifier', 'ns/pkt', 'naive ns/pkt', 'speed-up'], rows));
}
