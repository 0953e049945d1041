import { checkPolicyFile, type CheckResult } from '../check/check.js';
import type { Check } from '../check/context.js';
import { PolicyReadError, readPolicyFile, type ReadFile } from '../check/load.js';
import { renderText } from '../diagnostics/render/index.js';
import { graphChecks } from '../ir/graph-check.js';
import { PolicyInvalid, UsageError, type Io } from './io.js';
import { policyReader } from './stdin.js';

export interface LoadOptions {
  /** Reads the policy and its includes (run's cache records what it read). */
  read?: ReadFile;
  /**
   * Also report warnings, with the checks that need the match graph (rules
   * that never match, redundant rules, dead drops), as validate does: for
   * the commands that act on a policy (compile, run), so that they never act
   * on a policy validate would warn about without saying so.
   */
  warnings?: boolean;
  /** Receives the text of every file read, by the name the policy gives it (policy.files). */
  sources?: Map<string, string>;
  /** With `warnings`: more checks whose warnings are printed too (compile's look at the capture files' link types). */
  extraChecks?: readonly Check[];
  /** Directories includes may read besides the policy's own and the working directory (--include-root). */
  includeRoots?: readonly string[];
}

export interface LoadedPolicy extends CheckResult {
  /** What was printed on standard error (the warnings, rendered as text), '' when nothing. */
  printed: string;
}

/**
 * Checks a policy for a command that needs a valid one; the findings go to
 * standard error (errors always, warnings when asked), and errors end the
 * command with 1. `-` reads the policy from standard input.
 */
export function loadValidPolicy(path: string, io: Io, options: LoadOptions = {}): LoadedPolicy {
  let result: CheckResult;
  try {
    const { read, displayPath } = policyReader(path, io, options.read ?? readPolicyFile);
    const sources = options.sources;
    result = checkPolicyFile(path, {
      read: sources
        ? (p, how) => {
            const body = read(p, how);
            sources.set(displayPath(p), typeof body === 'string' ? body : body.toString('utf8'));
            return body;
          }
        : read,
      displayPath,
      cwd: io.cwd,
      includeRoots: options.includeRoots,
      // always: a rule that can never match is an error, and a policy past the compiler's budgets is refused
      // here with its diagnostic (TMES0706) for every command (the compile is kept for the command to reuse)
      extraChecks: [graphChecks, ...(options.extraChecks ?? [])],
    });
  } catch (e) {
    if (e instanceof PolicyReadError) throw new UsageError(e.message);
    throw e;
  }
  const shown = result.diagnostics.filter((d) => d.severity === 'error' || (options.warnings && d.severity !== 'info'));
  const printed = shown.length ? renderText(shown, { fileCount: 1 }) : '';
  io.err(printed);
  if (shown.some((d) => d.severity === 'error'))
    throw new PolicyInvalid(`${path} has errors; fix them first (tmesc validate ${path})`);
  return { ...result, printed };
}
