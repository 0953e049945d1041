import { diffPolicies } from '../ir/diff.js';
import { EXIT, type Io } from './io.js';
import { includeRoots } from './include-roots.js';
import { loadValidPolicy } from './load-policy.js';
import { formatPacket } from './packet-spec.js';

/** tmesc diff: each change in where traffic goes, with an example packet; exit 1 when anything changes, as diff(1). */
export function diffCommand(oldPath: string, newPath: string, io: Io, includeRoot: string[] = []): number {
  const options = { includeRoots: includeRoots(includeRoot, io.cwd) };
  const before = loadValidPolicy(oldPath, io, undefined, options).policy;
  const after = loadValidPolicy(newPath, io, undefined, options).policy;
  const changes = diffPolicies(before, after);
  if (changes.length === 0) {
    io.out('no change in where traffic goes\n');
    return EXIT.ok;
  }
  const out: string[] = [`${changes.length} change${changes.length === 1 ? '' : 's'} in where traffic goes:`];
  for (const c of changes) {
    const gains = c.after.filter((g) => !c.before.includes(g));
    const loses = c.before.filter((g) => !c.after.includes(g));
    out.push('');
    out.push(
      `  packet: ${formatPacket((n) => (n === 'tap' ? -1 : (c.example.get(n) ?? -1)), c.tap) || '(any packet)'}`,
    );
    out.push(`    before: ${c.before.join(', ') || 'nothing'}`);
    out.push(`    after:  ${c.after.join(', ') || 'nothing'}`);
    if (gains.length) out.push(`    gains:  ${gains.join(', ')}`);
    if (loses.length) out.push(`    loses:  ${loses.join(', ')}`);
  }
  io.out(out.join('\n') + '\n');
  return EXIT.findings;
}
