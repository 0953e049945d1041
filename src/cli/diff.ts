import { diffPolicies } from '../ir/diff.js';
import type { Policy } from '../policy/policy.js';
import { exampleFor, plausibility } from './diff-example.js';
import { ruleRef, type RuleRef } from './explain-packet.js';
import { EXIT, PolicyInvalid, UsageError, type Io } from './io.js';
import { includeRoots as includeRootsFrom } from './include-roots.js';
import { loadValidPolicy } from './load-policy.js';
import { stdinOnce } from './stdin.js';

export interface DiffOptions {
  format: string;
  /** --include-root, as given. */
  includeRoot?: string[];
}

/** A rule that makes a change happen, in the policy it is in. */
export interface Cause extends RuleRef {
  policy: 'old' | 'new';
  /**
   * added / removed: the rule is in one policy only; now-matches / no-longer-matches:
   * a rule of that name is in both, and its filter (or taps) changed; changed: it
   * matches in both, with other groups or another action.
   */
  change: 'added' | 'removed' | 'now-matches' | 'no-longer-matches' | 'changed';
  /** The rule of the same name in the other policy, for now-matches, no-longer-matches and changed. */
  counterpart?: { file: string; line: number; column: number };
}

export interface DiffChange {
  packet: string;
  /** Whether the example was built, decoded and classified by both policies as this change says. */
  verified: boolean;
  /** When not verified: the payload tests the change depends on that no packet tried met. */
  needs: string[];
  tap: string | null;
  before: string[];
  after: string[];
  gains: string[];
  loses: string[];
  causes: Cause[];
}

/**
 * tmesc diff: each change in where traffic goes, with a real example packet
 * (built and classified by both policies), the rules that cause it and where
 * they are written. Exit codes as diff(1): 0 the same, 1 different, 2 trouble
 * (a policy that cannot be read or has errors, a usage error).
 */
export function diffCommand(oldPath: string, newPath: string, opts: DiffOptions, io: Io): number {
  if (opts.format !== 'text' && opts.format !== 'json')
    throw new UsageError(`--format takes text or json, not '${opts.format}'`);
  stdinOnce([oldPath, newPath]);
  let before: Policy;
  let after: Policy;
  try {
    const includeRoots = includeRootsFrom(opts.includeRoot ?? [], io.cwd);
    before = loadValidPolicy(oldPath, io, { includeRoots }).policy;
    after = loadValidPolicy(newPath, io, { includeRoots }).policy;
  } catch (e) {
    // diff(1)'s 1 means "different": a policy with errors is trouble, as an unreadable file is
    if (e instanceof PolicyInvalid) throw new UsageError(e.message);
    throw e;
  }
  // one entry for each change and set of rules behind it (several rules' differences can reach one change)
  const changes: DiffChange[] = [];
  const seen = new Set<string>();
  for (const c of diffPolicies(before, after, { prefer: plausibility })) {
    const ex = exampleFor(c, before, after);
    const gains = c.after.filter((g) => !c.before.includes(g));
    const loses = c.before.filter((g) => !c.after.includes(g));
    const changed = new Set([...gains, ...loses]);
    const why = ex.verified ? causes(before, after, ex.rulesBefore, ex.rulesAfter, changed) : [];
    const key = `${c.before}>${c.after}|${why.map((k) => `${k.policy}:${k.name}:${k.change}`).join(',')}|${ex.verified ? '' : ex.packet}`;
    if (seen.has(key)) continue;
    seen.add(key);
    changes.push({
      packet: ex.packet,
      verified: ex.verified,
      needs: ex.needs,
      tap: c.tap ?? null,
      before: c.before,
      after: c.after,
      gains,
      loses,
      causes: why,
    });
  }
  if (opts.format === 'json')
    io.out(JSON.stringify({ formatVersion: 1, same: changes.length === 0, changes }, null, 2) + '\n');
  else io.out(text(changes));
  return changes.length ? EXIT.findings : EXIT.ok;
}

/**
 * The rules behind a change, for its example packet: of the rules matching it
 * in either policy and sending to or dropping from a group that changed,
 * those that are not the same rule doing the same thing in both.
 */
function causes(before: Policy, after: Policy, inA: number[], inB: number[], changed: Set<string>): Cause[] {
  const out: Cause[] = [];
  const touches = (p: Policy, r: number) => p.rules[r].groups.some((g) => changed.has(p.groups[g].name));
  const named = (p: Policy, name: string) => p.rules.findIndex((r) => r.name === name);
  const sameEffect = (ra: number, rb: number) => {
    const x = ruleRef(before, ra);
    const y = ruleRef(after, rb);
    return x.action === y.action && [...x.groups].sort().join() === [...y.groups].sort().join();
  };
  for (const r of inA) {
    if (!touches(before, r)) continue;
    const other = named(after, before.rules[r].name);
    let change: Cause['change'];
    if (other < 0) change = 'removed';
    else if (!inB.includes(other)) change = 'no-longer-matches';
    else if (!sameEffect(r, other)) change = 'changed';
    else continue;
    out.push({ policy: 'old', change, ...ruleRef(before, r), ...where(after, other) });
  }
  for (const r of inB) {
    if (!touches(after, r)) continue;
    const other = named(before, after.rules[r].name);
    let change: Cause['change'];
    if (other < 0) change = 'added';
    else if (!inA.includes(other)) change = 'now-matches';
    else if (!sameEffect(other, r)) change = 'changed';
    else continue;
    out.push({ policy: 'new', change, ...ruleRef(after, r), ...where(before, other) });
  }
  return out;
}

function where(p: Policy, r: number): Pick<Cause, 'counterpart'> {
  if (r < 0) return {};
  const { file, line, column } = ruleRef(p, r);
  return { counterpart: { file, line, column } };
}

const SAYS: Record<Cause['change'], string> = {
  added: 'added: matches it',
  removed: 'removed: it matched',
  'now-matches': 'now matches it',
  'no-longer-matches': 'no longer matches it',
  changed: 'matches it, and now does something else',
};

function text(changes: DiffChange[]): string {
  if (changes.length === 0) return 'no change in where traffic goes\n';
  const out: string[] = [`${changes.length} change${changes.length === 1 ? '' : 's'} in where traffic goes:`];
  for (const c of changes) {
    out.push('');
    out.push(`  packet: ${c.packet || '(any packet)'}`);
    if (!c.verified)
      out.push(
        `    (not verified: no packet tried changed as this change does${c.needs.length ? `; it needs ${c.needs.join(' and ')}` : ''})`,
      );
    out.push(`    before: ${c.before.join(', ') || 'nothing'}`);
    out.push(`    after:  ${c.after.join(', ') || 'nothing'}`);
    if (c.gains.length) out.push(`    gains:  ${c.gains.join(', ')}`);
    if (c.loses.length) out.push(`    loses:  ${c.loses.join(', ')}`);
    if (c.causes.length) out.push('    because:');
    for (const k of c.causes)
      out.push(
        `      ${k.policy === 'old' ? '-' : '+'} ${k.file}:${k.line}: rule ${k.name} (${k.action} ${k.groups.join(', ')}) ${SAYS[k.change]}${k.counterpart ? ` (${k.policy === 'old' ? 'now' : 'was'} ${k.counterpart.file}:${k.counterpart.line})` : ''}`,
      );
  }
  return out.join('\n') + '\n';
}
