import type { DiagnosticBag } from '../diagnostics/bag.js';
import type { Policy } from '../policy/policy.js';
import type * as A from '../syntax/ast.js';
import type { LoadedFile } from './load.js';
import type { Symbols } from './symbols.js';

/** What a lint check sees: the syntax of every file, the symbols, and the checked policy. */
export interface CheckContext {
  readonly bag: DiagnosticBag;
  readonly files: readonly LoadedFile[];
  readonly symbols: Symbols;
  readonly policy: Policy;
  /** Rule syntax by rule index in policy.rules. */
  readonly ruleDecls: readonly A.RuleDecl[];
  /** Whether the root file is a library (no policy header and no rules). */
  readonly rootIsLibrary: boolean;
}

export interface Check {
  /** The diagnostic codes the check reports. */
  readonly codes: readonly string[];
  readonly run: (ctx: CheckContext) => void;
}
