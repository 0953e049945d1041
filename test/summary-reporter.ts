import type { Reporter, SerializedError, TestModule, TestRunEndReason } from 'vitest/node';

/**
 * Ends the run with one plain line, `N passed, N failed, N skipped`, which
 * CI systems read whatever test runner printed it.
 *
 * Failures are not only failed tests: a suite whose beforeAll or afterAll
 * failed (its tests are then reported skipped), a file that failed to load or
 * to collect, and an error no test caught (an unhandled rejection) each count
 * as one failure, so the line never says 0 failed for a run that failed.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(
    modules: readonly TestModule[],
    unhandledErrors: readonly SerializedError[],
    reason: TestRunEndReason,
  ): void {
    const c = summarize(modules, unhandledErrors);
    if (reason === 'interrupted')
      process.stdout.write('\nthe run was interrupted: tests that did not run count as skipped');
    process.stdout.write(`\n${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped\n`);
  }
}

export function summarize(
  modules: readonly TestModule[],
  unhandledErrors: readonly SerializedError[],
): { passed: number; failed: number; skipped: number } {
  let passed = 0;
  let failed = unhandledErrors.length;
  let skipped = 0;
  for (const m of modules) {
    let failedHere = 0;
    for (const t of m.children.allTests()) {
      const s = t.result().state;
      if (s === 'passed') passed++;
      else if (s === 'failed') failedHere++;
      else skipped++;
    }
    // errors outside any test: the module's (load, collection, its own hooks) and each suite's hooks
    if (m.errors().length > 0) failedHere++;
    for (const s of m.children.allSuites()) if (s.errors().length > 0) failedHere++;
    if (failedHere === 0 && m.state() === 'failed') failedHere = 1;
    failed += failedHere;
  }
  return { passed, failed, skipped };
}
