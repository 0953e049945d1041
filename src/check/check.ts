import { DiagnosticBag } from '../diagnostics/bag.js';
import { compareDiagnostics, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { Policy } from '../policy/policy.js';
import type * as A from '../syntax/ast.js';
import { PolicyBuilder } from './build-policy.js';
import { CHECKS } from './checks/index.js';
import type { Check, CheckContext } from './context.js';
import { loadPolicy, type LoadOptions } from './load.js';

export interface CheckResult {
  policy: Policy;
  /** Rule syntax by rule index, for later layers that report about rules. */
  ruleDecls: A.RuleDecl[];
  diagnostics: Diagnostic[];
  /** Whether the root file is a library of definitions (no header, no rules). */
  isLibrary: boolean;
}

export interface CheckOptions extends LoadOptions {
  /** Extra checks (the compiler adds its graph-based ones). */
  extraChecks?: readonly Check[];
}

/** Loads, parses and checks a policy and everything it includes; never throws on bad policy text. */
export function checkPolicyFile(path: string, options: CheckOptions = {}): CheckResult {
  const bag = new DiagnosticBag();
  const { files, brokenNames } = loadPolicy(path, bag, options);
  const builder = new PolicyBuilder(bag, files, brokenNames);
  const policy = builder.build();
  const root = files[0];
  const rootIsLibrary = !root.ast.statements.some(
    (s) => s.kind === 'Policy' || s.kind === 'Rule' || s.kind === 'Tap' || s.kind === 'Group',
  );
  const ctx: CheckContext = {
    bag,
    files,
    symbols: builder.symbols,
    policy,
    ruleDecls: builder.ruleDecls,
    rootIsLibrary,
  };
  for (const c of [...CHECKS, ...(options.extraChecks ?? [])]) c.run(ctx);
  const diagnostics = dedupe(bag.items).sort(compareDiagnostics);
  return { policy, ruleDecls: builder.ruleDecls, diagnostics, isLibrary: rootIsLibrary };
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
