import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromDist } from './dist.js';
import { generatePolicy } from './policy-gen.js';
import { median, table } from './report.js';

/** Times `validate` (load, parse, check) on generated policies of 100, 1,000 and 10,000 rules. */
export async function benchValidate(sizes = [100, 1000, 10000]): Promise<void> {
  const { checkPolicyFile } = await fromDist<typeof import('../src/check/check.js')>('check/check.ts');
  const dir = mkdtempSync(join(tmpdir(), 'tmesc-bench-'));
  const rows: string[][] = [];
  // warm the parser and the JIT once, as a long-lived CI process would not; report both
  const warm = join(dir, 'warm.tmes');
  writeFileSync(warm, generatePolicy(50));
  const t0 = performance.now();
  checkPolicyFile(warm);
  const cold = performance.now() - t0;
  for (const n of sizes) {
    const path = join(dir, `p${n}.tmes`);
    writeFileSync(path, generatePolicy(n));
    const times: number[] = [];
    let diags = 0;
    for (let i = 0; i < 5; i++) {
      const s = performance.now();
      diags = checkPolicyFile(path).diagnostics.length;
      times.push(performance.now() - s);
    }
    rows.push([String(n), `${median(times).toFixed(1)} ms`, `${Math.min(...times).toFixed(1)} ms`, String(diags)]);
  }
  console.log(`validate (first call incl. parser build: ${cold.toFixed(0)} ms)`);
  console.log(table(['rules', 'median', 'best', 'diagnostics'], rows));
}
