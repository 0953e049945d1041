import { checkPolicyFile, type CheckOptions } from '../check/check.js';
import { graphChecks } from '../ir/graph-check.js';
import { pcapLinkTypes } from '../runtime/checks/pcap-link-types.js';
import { PolicyReadError, readPolicyFile } from '../check/load.js';
import { countBySeverity, type Diagnostic } from '../diagnostics/diagnostic.js';
import { escapeData, escapeProperty } from '../diagnostics/render/github.js';
import { FORMATS, isFormat, render, type Format } from '../diagnostics/render/index.js';
import { summary } from '../diagnostics/render/text.js';
import { EXIT, packageVersion, UsageError, type Io } from './io.js';
import { includeRoots } from './include-roots.js';
import { lookupRule } from './rule-lookup.js';
import { policyReader, stdinOnce } from './stdin.js';
import { escapeForTerminal, escapeJsonForTerminal } from '../diagnostics/render/terminal.js';

export interface ValidateOptions {
  format: string;
  maxWarnings?: string;
  color?: boolean;
  /** --include-root, as given. */
  includeRoot?: string[];
}

/** A file named on the command line that could not be read: nothing in it was checked. */
interface Unread {
  file: string;
  message: string;
}

/**
 * The CI linter: every finding of every file in one run. Exit 0 when clean
 * (or warnings within --max-warnings), 1 on findings, 2 on usage or I/O errors.
 * `-` checks standard input.
 */
export function validate(files: string[], opts: ValidateOptions, io: Io, checkOptions: CheckOptions = {}): number {
  if (!isFormat(opts.format)) throw new UsageError(`unknown format '${opts.format}'; use one of ${FORMATS.join(', ')}`);
  let maxWarnings = Infinity;
  if (opts.maxWarnings !== undefined) {
    maxWarnings = Number(opts.maxWarnings);
    if (!Number.isInteger(maxWarnings) || maxWarnings < 0)
      throw new UsageError(`--max-warnings takes a whole number, not '${opts.maxWarnings}'`);
  }
  stdinOnce(files);
  const roots = includeRoots(opts.includeRoot ?? [], io.cwd);
  const diagnostics: Diagnostic[] = [];
  const unread: Unread[] = [];
  for (const f of files) {
    try {
      diagnostics.push(
        ...checkPolicyFile(f, {
          ...policyReader(f, io, readPolicyFile),
          cwd: io.cwd,
          includeRoots: roots,
          extraChecks: [graphChecks, pcapLinkTypes],
          ...checkOptions,
        }).diagnostics,
      );
    } catch (e) {
      if (!(e instanceof PolicyReadError)) throw e;
      io.err(`tmesc: ${escapeForTerminal(e.message)}\n`);
      unread.push({ file: f, message: e.message });
    }
  }
  io.out(report(opts.format, diagnostics, files.length - unread.length, unread, opts.color ?? false, io));
  if (unread.length) return EXIT.usage;
  const { errors, warnings } = countBySeverity(diagnostics);
  if (errors > 0) return EXIT.findings;
  if (warnings > maxWarnings) {
    if (opts.format === 'text') io.err(`tmesc: ${warnings} warnings exceed --max-warnings ${maxWarnings}\n`);
    return EXIT.findings;
  }
  return EXIT.ok;
}

/**
 * The report in the chosen format. A file that could not be read is said in
 * each (as well as on stderr), so that no report calls a run clean that
 * checked less than it was given: the text summary counts it, JSON lists it
 * under `unreadable` (and `valid` is false), SARIF marks the run's invocation
 * unsuccessful with a notification per file, GitHub gets an error annotation.
 */
function report(format: Format, diagnostics: Diagnostic[], checked: number, unread: Unread[], color: boolean, io: Io) {
  const options = { fileCount: checked, color, lookupRule, cwd: io.cwd, toolVersion: packageVersion() };
  if (unread.length === 0) return render(format, diagnostics, options);
  switch (format) {
    case 'text': {
      const text = render(format, diagnostics, options);
      const line = summary(diagnostics, checked);
      const at = text.lastIndexOf(line);
      const not = `; ${unread.length} ${unread.length === 1 ? 'file' : 'files'} could not be read`;
      return text.slice(0, at + line.length) + not + text.slice(at + line.length);
    }
    case 'json': {
      const report = JSON.parse(render(format, diagnostics, options)) as Record<string, unknown>;
      return escapeJsonForTerminal(JSON.stringify({ ...report, valid: false, unreadable: unread }, null, 2)) + '\n';
    }
    case 'sarif': {
      const log = JSON.parse(render(format, diagnostics, options)) as { runs: Record<string, unknown>[] };
      const invocation = {
        executionSuccessful: false,
        toolExecutionNotifications: unread.map((u) => ({ level: 'error', message: { text: u.message } })),
      };
      return (
        escapeJsonForTerminal(
          JSON.stringify({ ...log, runs: log.runs.map((r) => ({ ...r, invocations: [invocation] })) }, null, 2),
        ) + '\n'
      );
    }
    case 'github':
      return (
        render(format, diagnostics, options) +
        unread
          .map((u) => `::error title=${escapeProperty('tmesc')}::${escapeData(escapeForTerminal(u.message, '\n\r'))}\n`)
          .join('')
      );
  }
}
