import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const FIXTURES = join(import.meta.dirname, 'fixtures');
const VITEST = join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');
const REPORTER = join(ROOT, 'test', 'summary-reporter.ts');

/** Runs the fixtures whose names contain `filter` in a vitest of their own, with test/summary-reporter.ts. */
function summaryOf(filter: string): Promise<{ line: string; status: number | null; output: string }> {
  // the outer vitest's variables would make the inner one think it is a worker of the outer run
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST') && k !== 'TEST'));
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [VITEST, 'run', '--reporter=default', `--reporter=${REPORTER}`, filter],
      { cwd: FIXTURES, env: { ...env, NO_COLOR: '1' }, maxBuffer: 16 << 20 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') return reject(error);
        const lines = stdout.trimEnd().split('\n');
        resolve({
          line: lines[lines.length - 1],
          status: error ? (error.code as number) : 0,
          output: `${stdout}\n${stderr}`,
        });
      },
    );
  });
}

describe('the summary line counts every way a run can fail', () => {
  const cases: [filter: string, summary: string, why: string][] = [
    ['passing', '2 passed, 0 failed, 1 skipped', 'a clean file'],
    ['failing-test', '1 passed, 1 failed, 0 skipped', 'a failed test'],
    ['before-all-throws', '1 passed, 1 failed, 2 skipped', "a suite's beforeAll that throws: its tests are skipped"],
    ['before-all-timeout', '0 passed, 1 failed, 2 skipped', "a suite's beforeAll that times out"],
    ['module-after-all', '1 passed, 1 failed, 0 skipped', "a module's afterAll that throws after its tests passed"],
    ['import-throws', '0 passed, 1 failed, 0 skipped', 'a module that throws at import, so no test is collected'],
    ['unhandled-rejection', '1 passed, 1 failed, 0 skipped', 'a rejection no test handled, though every test passed'],
    ['fixture', '6 passed, 6 failed, 5 skipped', 'all of them in one run'],
  ];

  it.concurrent.for(cases)('%s: %s (%s)', async ([filter, summary], { expect }) => {
    const r = await summaryOf(filter);
    expect(r.line, r.output).toBe(summary);
    // vitest's own exit status agrees: failed is 0 exactly when the run passed
    expect(r.status, r.output).toBe(summary.includes(' 0 failed') ? 0 : 1);
  });
});
