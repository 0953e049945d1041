import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { buildArtifact } from '../../../src/artifact/build.js';
import type { Artifact } from '../../../src/artifact/types.js';
import { checkPolicyFile } from '../../../src/check/check.js';
import { compilePolicy } from '../../../src/ir/compile.js';

/** The artifact of a policy whose body (after its `policy` line) is `body`, written to a new file in `dir`; it must check clean. */
export function artifactFor(dir: string, body: string): Artifact {
  const p = join(dir, `p${Math.random().toString(36).slice(2)}.tmes`);
  writeFileSync(p, `policy "t"\n${body}\n`);
  const r = checkPolicyFile(p);
  expect(r.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).toEqual([]);
  return buildArtifact(r.policy, compilePolicy(r.policy), 'test');
}
