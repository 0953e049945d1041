import { checkPolicyFile, type CheckOptions } from '../check/check.js';
import { graphChecks } from '../ir/graph-check.js';
import { PolicyReadError } from '../check/load.js';
import { countBySeverity, type Diagnostic } from '../diagnostics/diagnostic.js';
import { isFormat, render, FORMATS } from '../diagnostics/render/index.js';
import { displayPath, EXIT, packageVersion, UsageError, type Io } from './io.js';
import { includeRoots } from './include-roots.js';
import { lookupRule } from './rule-lookup.js';

export interface ValidateOptions {
  format: string;
  maxWarnings?: string;
  color?: boolean;
  /** --include-root, as given. */
  includeRoot?: string[];
}

/**
 * The CI linter: every finding of every file in one run. Exit 0 when clean
 * (or warnings within --max-warnings), 1 on findings, 2 on usage or I/O errors.
 */
export function validate(files: string[], opts: ValidateOptions, io: Io, checkOptions: CheckOptions = {}): number {
  if (!isFormat(opts.format)) throw new UsageError(`unknown format '${opts.format}'; use one of ${FORMATS.join(', ')}`);
  let maxWarnings = Infinity;
  if (opts.maxWarnings !== undefined) {
    maxWarnings = Number(opts.maxWarnings);
    if (!Number.isInteger(maxWarnings) || maxWarnings < 0)
      throw new UsageError(`--max-warnings takes a whole number, not '${opts.maxWarnings}'`);
  }
  const roots = includeRoots(opts.includeRoot ?? [], io.cwd);
  const diagnostics: Diagnostic[] = [];
  let unreadable = 0;
  for (const f of files) {
    try {
      diagnostics.push(
        ...checkPolicyFile(f, {
          displayPath: displayPath(io.cwd),
          cwd: io.cwd,
          includeRoots: roots,
          extraChecks: [graphChecks],
          ...checkOptions,
        }).diagnostics,
      );
    } catch (e) {
      if (!(e instanceof PolicyReadError)) throw e;
      io.err(`tmesc: ${e.message}\n`);
      unreadable++;
    }
  }
  const output = render(opts.format, diagnostics, {
    fileCount: files.length - unreadable,
    color: opts.color ?? false,
    lookupRule,
    cwd: io.cwd,
    toolVersion: packageVersion(),
  });
  io.out(output);
  if (unreadable) return EXIT.usage;
  const { errors, warnings } = countBySeverity(diagnostics);
  if (errors > 0) return EXIT.findings;
  if (warnings > maxWarnings) {
    if (opts.format === 'text') io.err(`tmesc: ${warnings} warnings exceed --max-warnings ${maxWarnings}\n`);
    return EXIT.findings;
  }
  return EXIT.ok;
}
