import type { RunStats } from '../../../src/runtime/stats/stats.js';

/**
 * A run's counters without the time taken and with output paths relative to their directory, so that two runs of
 * one policy into two directories (one thread and workers) compare equal when they did the same.
 */
export function comparable(s: RunStats): RunStats {
  const c = structuredClone(s);
  c.seconds = 0;
  for (const g of c.groups) for (const t of g.tools) t.output = t.output.split('/').at(-1)!;
  return c;
}
