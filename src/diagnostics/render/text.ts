import { countBySeverity, type Diagnostic, type Severity, type Span } from '../diagnostic.js';
import { escapeForTerminal, isUnsafe, standIn } from './terminal.js';
import { plural, sortDiagnostics, spanRange } from './util.js';

export interface TextRenderOptions {
  /** Number of files checked, for the summary line. Default: the number of distinct files with diagnostics. */
  readonly fileCount?: number;
  /** ANSI colours (red error, yellow warning, cyan info, bold location). Default false. */
  readonly color?: boolean;
  /** Tab stops in the source excerpt are this many columns apart. Default 4. */
  readonly tabWidth?: number;
}

const ESC = '\u001b[';
const RESET = `${ESC}0m`;
const BOLD = `${ESC}1m`;
const SEVERITY_COLOR: Record<Severity, string> = { error: `${ESC}31m`, warning: `${ESC}33m`, info: `${ESC}36m` };
const NOTE_COLOR = `${ESC}36m`;
const FIX_COLOR = `${ESC}32m`;

interface Paint {
  bold(s: string): string;
  severity(sev: Severity, s: string): string;
  note(s: string): string;
  fix(s: string): string;
}

const PLAIN: Paint = { bold: (s) => s, severity: (_v, s) => s, note: (s) => s, fix: (s) => s };
const ANSI: Paint = {
  bold: (s) => `${BOLD}${s}${RESET}`,
  severity: (v, s) => `${BOLD}${SEVERITY_COLOR[v]}${s}${RESET}`,
  note: (s) => `${BOLD}${NOTE_COLOR}${s}${RESET}`,
  fix: (s) => `${BOLD}${FIX_COLOR}${s}${RESET}`,
};

/**
 * Compiler-style text, one block per diagnostic:
 *
 * ```
 * rules/dc.tmes:12:35: error TMES0200: unknown group 'idss'; did you mean 'ids'?
 *    12 | rule web from core-a match tcp to idss
 *       |                                   ^^^^
 *   rules/dc.tmes:3:7: note: 'ids' is defined here
 *   fix: replace with 'ids'
 * ```
 *
 * Blocks are separated by a blank line and followed by a summary line
 * (`2 errors, 1 warning in 3 files`, or `no problems in 3 files`).
 */
export function renderText(diagnostics: readonly Diagnostic[], options: TextRenderOptions = {}): string {
  const paint = options.color ? ANSI : PLAIN;
  const tabWidth = Math.max(1, Math.floor(options.tabWidth ?? 4));
  const sorted = sortDiagnostics(diagnostics);
  const blocks = sorted.map((d) => renderOne(d, paint, tabWidth));
  const fileCount = options.fileCount ?? new Set(sorted.map((d) => d.span.file.path)).size;
  blocks.push(paint.bold(summary(diagnostics, fileCount)) + '\n');
  return blocks.join('\n');
}

/** `2 errors, 1 warning in 3 files`; `no problems in 1 file`. */
export function summary(diagnostics: readonly Diagnostic[], fileCount: number): string {
  const { errors, warnings, infos } = countBySeverity(diagnostics);
  const parts: string[] = [];
  if (errors > 0) parts.push(plural(errors, 'error', 'errors'));
  if (warnings > 0) parts.push(plural(warnings, 'warning', 'warnings'));
  if (infos > 0) parts.push(plural(infos, 'info', 'infos'));
  const what = parts.length > 0 ? parts.join(', ') : 'no problems';
  return `${what} in ${plural(fileCount, 'file', 'files')}`;
}

function location(span: Span): string {
  const r = spanRange(span);
  return `${escapeForTerminal(r.file)}:${r.line}:${r.column}:`;
}

/** Text of the policy in a message: shown, never acted on by the terminal (a tab stays white space). */
function safe(s: string): string {
  return escapeForTerminal(s, '\t');
}

function renderOne(d: Diagnostic, paint: Paint, tabWidth: number): string {
  const lines: string[] = [];
  lines.push(
    `${paint.bold(location(d.span))} ${paint.severity(d.severity, `${d.severity} ${d.code}`)}: ${safe(d.message)}`,
  );
  lines.push(...excerpt(d.span, tabWidth, (s) => paint.severity(d.severity, s)));
  for (const r of d.related ?? []) {
    lines.push(`  ${paint.bold(location(r.span))} ${paint.note('note')}: ${safe(r.message)}`);
  }
  if (d.fix) lines.push(`  ${paint.fix('fix')}: ${safe(d.fix.message)}`);
  return lines.map((l) => l + '\n').join('');
}

/** Characters of a long source line shown around a span: machine-made lines run to megabytes. */
const EXCERPT_BEFORE = 40;
const EXCERPT_WIDTH = 160;
const ELLIPSIS = '…';

/**
 * The source line of the span's start and a caret line under the span. A
 * span that goes on past its first line is underlined to the end of that
 * line; an empty span gets one caret. A line longer than EXCERPT_WIDTH is
 * shown as a window around the span's start, with an ellipsis where it is
 * cut (as compilers show minified code), so that each diagnostic costs the
 * same whatever the line's length.
 */
function excerpt(span: Span, tabWidth: number, caretPaint: (s: string) => string): string[] {
  const r = spanRange(span);
  const whole = span.file.lineText(r.line);
  const wholeStart = Math.min(r.column - 1, whole.length);
  const wholeEnd = r.endLine === r.line ? Math.min(Math.max(r.endColumn - 1, wholeStart), whole.length) : whole.length;
  let from = 0;
  let to = whole.length;
  if (whole.length > EXCERPT_WIDTH) {
    from = Math.max(0, Math.min(wholeStart - EXCERPT_BEFORE, whole.length - EXCERPT_WIDTH));
    to = from + EXCERPT_WIDTH;
    // never cut a surrogate pair in two
    if (from > 0 && isLowSurrogate(whole.charCodeAt(from))) from--;
    if (to < whole.length && isLowSurrogate(whole.charCodeAt(to))) to++;
  }
  const raw = whole.slice(from, to);
  const startIdx = wholeStart - from;
  const endIdx = Math.min(wholeEnd, to) - from;
  const { text, columns } = expandTabs(raw, tabWidth);
  const lead = from > 0 ? ELLIPSIS : '';
  const trail = to < whole.length ? ELLIPSIS : '';
  const caretStart = columns[startIdx] + lead.length;
  const caretCount = Math.max(1, columns[endIdx] - columns[startIdx]);
  const num = String(r.line);
  const width = Math.max(5, num.length + 1);
  return [
    `${num.padStart(width)} |${text.length > 0 ? ' ' + lead + text + trail : ''}`,
    `${' '.repeat(width)} | ${' '.repeat(caretStart)}${caretPaint('^'.repeat(caretCount))}`,
  ];
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

/**
 * The line as shown: tabs expanded to the next multiple of `tabWidth`, and
 * characters a terminal would act on shown by their stand-ins (terminal.ts).
 * `columns[i]` is the display column (0-based) where character `i` of the
 * original line starts; `columns[line.length]` is the display width of the
 * whole line, so carets line up under what is shown. The second half of a
 * surrogate pair takes no column of its own.
 */
export function expandTabs(line: string, tabWidth: number): { text: string; columns: number[] } {
  const columns: number[] = new Array(line.length + 1);
  let text = '';
  let col = 0;
  for (let i = 0; i < line.length; i++) {
    columns[i] = col;
    const c = line.charCodeAt(i);
    if (c === 9) {
      const next = col + tabWidth - (col % tabWidth);
      text += ' '.repeat(next - col);
      col = next;
    } else if (isUnsafe(line[i])) {
      const shown = standIn(line[i]);
      text += shown;
      col += shown.length;
    } else {
      text += line[i];
      const lowSurrogate =
        c >= 0xdc00 && c <= 0xdfff && i > 0 && line.charCodeAt(i - 1) >= 0xd800 && line.charCodeAt(i - 1) <= 0xdbff;
      if (!lowSurrogate) col++;
    }
  }
  columns[line.length] = col;
  return { text, columns };
}
