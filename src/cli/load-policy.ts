import { checkPolicyFile, type CheckResult } from '../check/check.js';
import { PolicyReadError } from '../check/load.js';
import { renderText } from '../diagnostics/render/index.js';
import { displayPath, PolicyInvalid, UsageError, type Io } from './io.js';

export { PolicyInvalid };

/** Checks a policy for a command that needs a valid one; errors are printed and end the command with 1. */
export function loadValidPolicy(path: string, io: Io): CheckResult {
  let result: CheckResult;
  try {
    result = checkPolicyFile(path, { displayPath: displayPath(io.cwd) });
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
