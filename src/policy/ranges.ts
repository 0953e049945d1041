import type { Ranges } from './policy.js';

/** Sorts and merges inclusive intervals (touching ones too). */
export function normalizeRanges(r: readonly (readonly [number, number])[]): Ranges {
  const s = r.map(([a, b]) => [a, b] as [number, number]).sort((x, y) => x[0] - y[0]);
  const out: Ranges = [];
  for (const [a, b] of s) {
    const last = out[out.length - 1];
    if (last && a <= last[1] + 1) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}
