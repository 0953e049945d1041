import { resolve } from 'node:path';
import { type CheckOptions } from '../check/check.js';
import { graphChecks } from '../ir/graph-check.js';
import { pcapLinkTypes } from '../runtime/checks/pcap-link-types.js';
import { PolicyReadError, readPolicyFile } from '../check/load.js';
import { compareDiagnostics, countBySeverity, type Diagnostic } from '../diagnostics/diagnostic.js';
import { escapeData, escapeProperty } from '../diagnostics/render/github.js';
import { FORMATS, isFormat, render, type Format } from '../diagnostics/render/index.js';
import { summary } from '../diagnostics/render/text.js';
import { writeOutput } from './files.js';
import { displayPath, EXIT, packageVersion, UsageError, type Io } from './io.js';
import { applyBaseline, baselineText, BaselineError, loadBaseline, type Baseline } from './lint/baseline.js';
import { ConfigError, DEFAULT_CONFIG, failsAt, loadConfig, type FailLevel, type LintConfig } from './lint/config.js';
import { FAIL_LEVELS } from './lint/config-schema.js';
import { applyEdits, fixesByFile } from './lint/fix.js';
import { lintPolicy, type LintResult } from './lint/lint.js';
import { findingKey, uniqueFindings } from './lint/unique.js';
import { includeRoots } from './include-roots.js';
import { lookupRule } from './rule-lookup.js';
import { policyReader, STDIN, stdinOnce } from './stdin.js';
import { escapeForTerminal, escapeJsonForTerminal } from '../diagnostics/render/terminal.js';

export interface ValidateOptions {
  format: string;
  maxWarnings?: string;
  color?: boolean;
  /** A configuration file to use for every policy; false: none (no lookup). */
  config?: string | false;
  failLevel?: string;
  baseline?: string;
  writeBaseline?: string;
  fix?: boolean;
  unsafeFixes?: boolean;
  /** --include-root, as given. */
  includeRoot?: string[];
}

/** A file named on the command line that could not be read: nothing in it was checked. */
interface Unread {
  file: string;
  message: string;
}

/** At most this many rounds of fixes: each round's fixes can make room for the next (as ESLint). */
const FIX_PASSES = 10;

/**
 * The CI linter: every finding of every file in one run, as the lint
 * configuration that applies to each policy sets it (found up the tree, or
 * --config), less what `# tmesc-ignore` comments and the baseline accept.
 * Exit 0 when clean (nothing at --fail-level or above, warnings within
 * --max-warnings), 1 on findings, 2 on usage or I/O errors (a configuration
 * or baseline that is not valid included). --fix applies the safe fixes
 * (--unsafe-fixes: every fix) and validates again, until nothing is left to
 * fix. `-` checks standard input.
 */
export async function validate(
  files: string[],
  opts: ValidateOptions,
  io: Io,
  checkOptions: CheckOptions = {},
): Promise<number> {
  if (!isFormat(opts.format)) throw new UsageError(`unknown format '${opts.format}'; use one of ${FORMATS.join(', ')}`);
  let maxWarnings = Infinity;
  if (opts.maxWarnings !== undefined) {
    maxWarnings = Number(opts.maxWarnings);
    if (!Number.isInteger(maxWarnings) || maxWarnings < 0)
      throw new UsageError(`--max-warnings takes a whole number, not '${opts.maxWarnings}'`);
  }
  if (opts.failLevel !== undefined && !(FAIL_LEVELS as readonly string[]).includes(opts.failLevel))
    throw new UsageError(`--fail-level takes ${FAIL_LEVELS.join(', ')}, not '${opts.failLevel}'`);
  if (opts.unsafeFixes && !opts.fix) throw new UsageError('--unsafe-fixes goes with --fix');
  if (opts.fix && files.includes(STDIN))
    throw new UsageError('--fix rewrites the files it fixes: standard input has none (use tmesc fmt - for layout)');
  if (opts.baseline && opts.writeBaseline) throw new UsageError('--baseline and --write-baseline: give one');
  stdinOnce(files);
  const roots = includeRoots(opts.includeRoot ?? [], io.cwd);
  const show = displayPath(io.cwd);

  let forced: LintConfig | undefined;
  try {
    if (opts.config === false) forced = DEFAULT_CONFIG;
    else if (opts.config !== undefined) forced = loadConfig(resolve(io.cwd, opts.config), show);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return trouble(opts, e.diagnostics, io);
  }
  const configCache = new Map<string, LintConfig>();
  const lintAll = () => {
    const results: LintResult[] = [];
    const unread: Unread[] = [];
    const configProblems: Diagnostic[] = [];
    for (const f of files) {
      try {
        results.push(
          lintPolicy(f, {
            ...policyReader(f, io, readPolicyFile),
            cwd: io.cwd,
            includeRoots: roots,
            extraChecks: [graphChecks, pcapLinkTypes],
            config: forced,
            configCache,
            ...checkOptions,
          }),
        );
      } catch (e) {
        if (e instanceof ConfigError) {
          configProblems.push(...e.diagnostics);
          continue;
        }
        if (!(e instanceof PolicyReadError)) throw e;
        io.err(`tmesc: ${escapeForTerminal(e.message)}\n`);
        unread.push({ file: f, message: e.message });
      }
    }
    return { results, unread, configProblems };
  };

  let run = lintAll();
  if (run.configProblems.length) return trouble(opts, run.configProblems, io);
  if (opts.fix) {
    let fixed = 0;
    const touched = new Set<string>();
    let passes = 0;
    for (; passes < FIX_PASSES; passes++) {
      const applied = await applyFixes(run.results, !!opts.unsafeFixes, io);
      if (!applied.count) break;
      fixed += applied.count;
      for (const f of applied.files) touched.add(f);
      run = lintAll();
      if (run.configProblems.length) return trouble(opts, run.configProblems, io);
    }
    io.err(
      fixed
        ? `tmesc: fixed ${fixed} ${fixed === 1 ? 'problem' : 'problems'} in ${escapeForTerminal([...touched].sort().join(', '))}\n`
        : 'tmesc: nothing to fix\n',
    );
  }

  const { results, unread } = run;
  let diagnostics: Diagnostic[] = uniqueFindings(results.flatMap((r) => r.diagnostics));
  if (opts.writeBaseline) {
    const { text, count } = baselineText(diagnostics, opts.writeBaseline, io.cwd);
    await writeOutput(resolve(io.cwd, opts.writeBaseline), text, (m) => io.err(`tmesc: note: ${m}\n`));
    io.err(
      `tmesc: wrote ${count} ${count === 1 ? 'finding' : 'findings'} to ${escapeForTerminal(opts.writeBaseline)}; errors are never put in a baseline\n`,
    );
    diagnostics = diagnostics.filter((d) => d.severity === 'error');
  } else {
    try {
      diagnostics = baselined(results, opts.baseline, io);
    } catch (e) {
      if (!(e instanceof BaselineError)) throw e;
      return trouble(opts, e.diagnostics, io);
    }
  }
  diagnostics = uniqueFindings(diagnostics).sort(compareDiagnostics);

  io.out(report(opts.format, diagnostics, files.length - unread.length, unread, opts.color ?? false, io));
  if (unread.length) return EXIT.usage;
  const { errors, warnings } = countBySeverity(diagnostics);
  if (errors > 0) return EXIT.findings;
  const level = (r?: LintResult): FailLevel =>
    (opts.failLevel as FailLevel | undefined) ?? r?.config.failLevel ?? 'error';
  // each policy fails at its own configuration's level; the baseline's stale entries at --fail-level's
  // (by key: a library's finding shown once is every including policy's)
  const shown = new Set(diagnostics.map(findingKey));
  const mine = new Set(results.flatMap((r) => r.diagnostics.map(findingKey)));
  const failing =
    results.some((r) =>
      failsAt(
        r.diagnostics.filter((d) => shown.has(findingKey(d))),
        level(r),
      ),
    ) ||
    failsAt(
      diagnostics.filter((d) => !mine.has(findingKey(d))),
      level(),
    );
  if (failing) {
    if (opts.format === 'text') io.err(`tmesc: findings at or above the fail level\n`);
    return EXIT.findings;
  }
  if (warnings > maxWarnings) {
    if (opts.format === 'text') io.err(`tmesc: ${warnings} warnings exceed --max-warnings ${maxWarnings}\n`);
    return EXIT.findings;
  }
  return EXIT.ok;
}

/** A configuration or baseline that cannot be used: its problems in the chosen format, exit 2. */
function trouble(opts: ValidateOptions, ds: Diagnostic[], io: Io): number {
  const format = opts.format as Format;
  io.out(
    render(format, ds, {
      fileCount: new Set(ds.map((d) => d.span.file.path)).size,
      color: opts.color ?? false,
      lookupRule,
      cwd: io.cwd,
      toolVersion: packageVersion(),
    }),
  );
  io.err('tmesc: the lint configuration or baseline is not valid; nothing was validated\n');
  return EXIT.usage;
}

/** The findings less those the baselines (--baseline, or each policy's configuration's) know, with their stale entries. */
function baselined(results: LintResult[], given: string | undefined, io: Io): Diagnostic[] {
  const groups = new Map<string, LintResult[]>();
  const out: Diagnostic[] = [];
  for (const r of results) {
    const path = given !== undefined ? resolve(io.cwd, given) : r.config.baseline;
    if (path === undefined) out.push(...r.diagnostics);
    else groups.set(path, [...(groups.get(path) ?? []), r]);
  }
  const show = displayPath(io.cwd);
  for (const [path, rs] of groups) {
    const baseline: Baseline = loadBaseline(path, show(path));
    const checked = new Set(rs.flatMap((r) => [...r.files.values()].map((f) => f.abs)));
    out.push(
      ...applyBaseline(
        uniqueFindings(rs.flatMap((r) => r.diagnostics)),
        baseline,
        io.cwd,
        checked,
        uniqueFindings(rs.flatMap((r) => r.heldBack)),
      ),
    );
  }
  return out;
}

/** One round of fixes over every file the run read; files are rewritten as fmt rewrites them. */
async function applyFixes(results: LintResult[], unsafe: boolean, io: Io): Promise<{ count: number; files: string[] }> {
  const texts = new Map<string, { abs: string; text: string }>();
  for (const r of results) for (const [shown, f] of r.files) texts.set(shown, f);
  let count = 0;
  const files: string[] = [];
  const diagnostics = results.flatMap((r) => r.diagnostics);
  for (const [shown, fixes] of fixesByFile(diagnostics, unsafe)) {
    const f = texts.get(shown);
    if (!f) continue;
    const { text, applied } = applyEdits(f.text, fixes);
    if (!applied || text === f.text) continue;
    await writeOutput(f.abs, text, (m) => io.err(`tmesc: note: ${m}\n`));
    count += applied;
    files.push(shown);
  }
  return { count, files };
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
