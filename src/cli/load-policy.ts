import { checkPolicyFile, type CheckResult } from '../check/check.js';
import { PolicyReadError, type ReadFile } from '../check/load.js';
import { renderText } from '../diagnostics/render/index.js';
import { graphChecks } from '../ir/graph-check.js';
import { displayPath, PolicyInvalid, UsageError, type Io } from './io.js';

/**
 * Checks a policy for a command that needs a valid one; errors are printed and
 * end the command with 1. `read` reads the policy and its includes (run's
 * cache records what it read).
 */
export function loadValidPolicy(path: string, io: Io, read?: ReadFile): CheckResult {
  let result: CheckResult;
  try {
    // the checks that compile the policy too: a rule that can never match is an error, and a policy past the
    // compiler's budgets is refused here with its diagnostic (the compile is kept for the command)
    result = checkPolicyFile(path, { displayPath: displayPath(io.cwd), read, extraChecks: [graphChecks] });
  } catch (e) {
    if (e instanceof PolicyReadError) throw new UsageError(e.message);
    throw e;
  }
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) {
    io.err(renderText(errors, { fileCount: 1 }));
    throw new PolicyInvalid(`${path} has errors; fix them first (tmesc validate ${path})`);
  }
  return result;
}
