/**
 * Measures one policy's compile (compilePolicy + buildArtifact, as `tmesc
 * compile` runs them) in a process of its own, forked by bench/compile.ts:
 * earlier sizes, the traffic mix and the benchmark's other work would
 * otherwise be in its heap and peak RSS. The parent checks the policy and
 * sends it over (structured clone), so the parser's peak is not this
 * process's either. Plain JavaScript importing the built code, so the process
 * runs without the TypeScript loader (about 35 MB of RSS of its own);
 * TMESC_BENCH_DIST points it at another build, to compare. It answers with
 * the CompileFigures of bench/compile.ts.
 */
const dist = process.env.TMESC_BENCH_DIST ?? new URL('../dist/', import.meta.url).href;
const { compilePolicy } = await import(new URL('ir/compile.js', dist).href);
const { buildArtifact } = await import(new URL('artifact/build.js', dist).href);

function gc() {
  globalThis.gc?.();
}

process.once('message', ({ policy, warmBudgetMs }) => {
  gc();
  const before = process.memoryUsage();
  const cpu = process.cpuUsage();
  let t = performance.now();
  let compiled;
  try {
    compiled = compilePolicy(policy);
  } catch (e) {
    // a policy past the compiler's budgets: what it says, and what it cost to find out
    const used = process.cpuUsage(cpu);
    const failed = { failed: e.message, coldMs: performance.now() - t, coldCpuMs: (used.user + used.system) / 1000 };
    process.send({ ...failed, peakRssMb: (process.resourceUsage().maxRSS * 1024) / 1e6 }, () => process.exit(0));
    return;
  }
  const coldCompileMs = performance.now() - t;
  buildArtifact(policy, compiled, 'bench');
  const coldMs = performance.now() - t;
  const used = process.cpuUsage(cpu);
  const heapMb = (process.memoryUsage().heapUsed - before.heapUsed) / 1e6;
  const peak = process.resourceUsage().maxRSS * 1024; // maxRSS is in kilobytes
  gc();
  const retainedMb = (process.memoryUsage().heapUsed - before.heapUsed) / 1e6;
  const warm = [];
  const deadline = performance.now() + warmBudgetMs;
  while (warm.length < 3 || (performance.now() < deadline && warm.length < 15)) {
    t = performance.now();
    // options of its own, so that the compile is not the one cached for this policy object
    compiled = compilePolicy(policy, { budgets: {} });
    buildArtifact(policy, compiled, 'bench');
    warm.push(performance.now() - t);
  }
  warm.sort((a, b) => a - b);
  const figures = {
    coldMs,
    coldCompileMs,
    coldCpuMs: (used.user + used.system) / 1000,
    warmMs: warm[warm.length >> 1],
    warmRuns: warm.length,
    heapMb,
    retainedMb,
    peakRssMb: peak / 1e6,
    rssRiseMb: (peak - before.rss) / 1e6,
    nodes: compiled.graph.nodes.length,
    leaves: compiled.graph.leaves.length,
    ruleLevel: compiled.graph.ruleLevel,
    segments: compiled.graph.segments.length,
    countingTables: compiled.graph.counting.length,
    uncounted: compiled.graph.uncounted.length,
  };
  process.send(figures, () => process.exit(0));
});
process.send('ready');
