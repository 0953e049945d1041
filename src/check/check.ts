import { DiagnosticBag } from '../diagnostics/bag.js';
import { CODES } from '../diagnostics/codes.js';
import { compareDiagnostics, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { Policy } from '../policy/policy.js';
import type * as A from '../syntax/ast.js';
import { PolicyBuilder } from './build-policy.js';
import { CHECKS } from './checks/index.js';
import type { Check, CheckContext } from './context.js';
import { loadPolicy, type LoadedFile, type LoadOptions } from './load.js';

export interface CheckResult {
  policy: Policy;
  /** Rule syntax by rule index, for later layers that report about rules. */
  ruleDecls: A.RuleDecl[];
  diagnostics: Diagnostic[];
  /** Whether the root file is a library of definitions (no header, no rules). */
  isLibrary: boolean;
  /** Who reported a diagnostic: 'load', 'build', 'checker', or a check's name (the declared-codes test reads it). */
  emitterOf: (d: Diagnostic) => string;
  /** The findings held back while the policy has errors (TMES0901 counts them): a suppression or baseline entry for one is not stale. */
  heldBack: Diagnostic[];
  /** Every file read, with its syntax tree (the language server indexes names from them). */
  files: LoadedFile[];
}

export interface CheckOptions extends LoadOptions {
  /** Extra checks (the compiler adds its graph-based ones). */
  extraChecks?: readonly Check[];
}

/** The lexer's repairs (an unterminated string or pattern closed, an escape skipped) lose nothing. */
const REPAIRED: ReadonlySet<string> = new Set(['TMES0002', 'TMES0003', 'TMES0004']);

/**
 * Loads, parses and checks a policy and everything it includes; never throws
 * on bad policy text. Every check runs in the same pass, around the errors:
 * the match-graph checks run on the rules that checked cleanly, and the
 * findings that may be wrong while the policy has errors (a drop rule that
 * seems to exclude nothing because the rule it restricts has an error; a tap
 * that seems unused because the rule using it was lost to a syntax error)
 * are withheld, and one info (TMES0901) says how many and of which checks, so
 * fixing the errors brings no silent second round.
 */
export function checkPolicyFile(path: string, options: CheckOptions = {}): CheckResult {
  const bag = new DiagnosticBag();
  const loadBag = bag.scope('load');
  const { files, brokenNames } = loadPolicy(path, loadBag, options);
  const statementsLost = loadBag.items.some(
    (d) => bag.emitterOf(d) === 'load' && d.severity === 'error' && !REPAIRED.has(d.code),
  );
  const builder = new PolicyBuilder(bag.scope('build'), files, brokenNames);
  const policy = builder.build();
  const root = files[0];
  const rootIsLibrary = !root.ast.statements.some(
    (s) => s.kind === 'Policy' || s.kind === 'Rule' || s.kind === 'Tap' || s.kind === 'Group',
  );
  const ctx = (check: Check, p = policy, ruleDecls = builder.ruleDecls, into = bag): CheckContext => ({
    bag: into.scope(emitterName(check)),
    files,
    symbols: builder.symbols,
    policy: p,
    ruleDecls,
    rootIsLibrary,
  });
  // Findings that may be wrong while the policy has errors are held back, and counted for the note.
  const withheld = new Map<string, number>();
  const heldBack: Diagnostic[] = [];
  const report = (c: Check, found: readonly Diagnostic[], keep: (d: Diagnostic) => boolean) => {
    bag.scope(emitterName(c)).addAll(found.filter(keep));
    for (const d of found)
      if (!keep(d)) {
        withheld.set(d.code, (withheld.get(d.code) ?? 0) + 1);
        heldBack.push(d);
      }
  };

  for (const c of [...CHECKS, ...(options.extraChecks ?? [])]) {
    if (c.soundWithoutSomeRules && bag.hasErrors) {
      // Around the errors: the rules that checked cleanly, as a policy of their own.
      const keep = policy.rules.map((_, i) => i).filter((i) => !builder.brokenRules.has(i));
      const clean: Policy = { ...policy, rules: keep.map((i, j) => ({ ...policy.rules[i], index: j })) };
      const scratch = new DiagnosticBag();
      c.run(
        ctx(
          c,
          clean,
          keep.map((i) => builder.ruleDecls[i]),
          scratch,
        ),
      );
      const partial = statementsLost || keep.length < policy.rules.length;
      const sound = new Set<string>(partial ? c.soundWithoutSomeRules : c.codes);
      report(c, scratch.items, (d) => sound.has(d.code));
    } else if (c.needsEveryStatement && statementsLost) {
      const scratch = new DiagnosticBag();
      c.run(ctx(c, policy, builder.ruleDecls, scratch));
      report(c, scratch.items, () => false);
    } else c.run(ctx(c));
  }

  if (withheld.size) {
    const broken = builder.brokenRules.size;
    const why = [
      statementsLost ? 'statements are lost to syntax errors' : '',
      broken ? `${broken === 1 ? '1 rule has' : `${broken} rules have`} errors` : '',
    ]
      .filter(Boolean)
      .join(' and ');
    const total = [...withheld.values()].reduce((a, b) => a + b, 0);
    const list = [...withheld].map(([code, n]) => `${n} ${code} (${CODES.get(code)?.name ?? code})`).join(', ');
    bag
      .scope('checker')
      .add(
        'TMES0901',
        { file: root.source, start: 0, end: 0 },
        `${total === 1 ? '1 finding is' : `${total} findings are`} held back while ${why}, as ${total === 1 ? 'it' : 'they'} may be wrong: ${list}; fix the errors and validate again`,
      );
  }
  const diagnostics = dedupe(bag.items).sort(compareDiagnostics);
  return {
    policy,
    ruleDecls: builder.ruleDecls,
    diagnostics,
    isLibrary: rootIsLibrary,
    emitterOf: (d) => bag.emitterOf(d),
    heldBack,
    files,
  };
}

function emitterName(c: Check): string {
  return c.name ?? c.codes.join('+');
}

function dedupe(ds: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return ds.filter((d) => {
    const k = `${d.code}|${d.span.file.path}|${d.span.start}|${d.span.end}|${d.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
