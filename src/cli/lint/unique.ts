import type { Diagnostic, Severity } from '../../diagnostics/diagnostic.js';

/** What makes two findings the same: a library included by two policies validated together is checked twice. */
export function findingKey(d: Diagnostic): string {
  return `${d.code}\u0000${d.span.file.path}\u0000${d.span.start}\u0000${d.span.end}\u0000${d.message}`;
}

const RANK: Record<Severity, number> = { info: 0, warning: 1, error: 2 };

/**
 * Each finding once, in the order first found; where two policies'
 * configurations gave it different severities, the more severe. So a
 * library's finding is reported, counted and put in a baseline once however
 * many of the policies validated together include it.
 */
export function uniqueFindings(ds: readonly Diagnostic[]): Diagnostic[] {
  const byKey = new Map<string, Diagnostic>();
  for (const d of ds) {
    const k = findingKey(d);
    const seen = byKey.get(k);
    if (!seen || RANK[d.severity] > RANK[seen.severity]) byKey.set(k, d);
  }
  return [...byKey.values()];
}
