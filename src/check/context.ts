import type { Reporter } from '../diagnostics/bag.js';
import type { Code } from '../diagnostics/codes.js';
import type { Policy } from '../policy/policy.js';
import type * as A from '../syntax/ast.js';
import type { LoadedFile } from './load.js';
import type { Symbols } from './symbols.js';

/** What a lint check sees: the syntax of every file, the symbols, and the checked policy. */
export interface CheckContext<C extends Code = Code> {
  /** Reports only the codes the check declares: a check that reports another does not compile. */
  readonly bag: Reporter<C>;
  readonly files: readonly LoadedFile[];
  readonly symbols: Symbols;
  readonly policy: Policy;
  /** Rule syntax by rule index in policy.rules. */
  readonly ruleDecls: readonly A.RuleDecl[];
  /** Whether the root file is a library (no policy header and no rules). */
  readonly rootIsLibrary: boolean;
}

export interface Check<C extends Code = Code> {
  /** Shown in the declared-codes test and in the note about checks that did not run. */
  readonly name?: string;
  /** The diagnostic codes the check reports; a test runs every fixture and holds the check to them. */
  readonly codes: readonly C[];
  /**
   * For checks that need a policy without errors (the match-graph analysis):
   * the codes whose findings stay true when rules are missing from the policy
   * (rules with errors are left out, rules may be lost to syntax errors). When
   * the policy has errors, such a check runs on the rules that checked
   * cleanly and reports only these codes; a note says the others did not run.
   * Checks without this field run on the whole policy, errors or not.
   */
  readonly soundWithoutSomeRules?: readonly C[];
  /**
   * The check needs every statement (it looks for things nothing uses): it
   * does not run while statements are lost to syntax errors, and a note says so.
   */
  readonly needsEveryStatement?: boolean;
  // method syntax: a check for some codes is a check (the checker calls it with the bag for every code)
  run(ctx: CheckContext<C>): void;
}

/** Declares a check; the codes it may report are inferred from `codes`. */
export function defineCheck<C extends Code>(check: Check<C>): Check<C> {
  return Object.freeze(check);
}
