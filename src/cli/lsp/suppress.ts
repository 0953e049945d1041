import { CODES } from '../../diagnostics/codes.js';
import type { SourceFile } from '../../diagnostics/source.js';
import { LINT_CODES } from '../lint/codes.js';
import { constructAt, constructsOf } from '../lint/constructs.js';
import { catalogueSeverity } from '../lint/severity.js';
import { findSuppressions } from '../lint/suppressions.js';

/** An insertion into a document. */
export interface Insertion {
  offset: number;
  text: string;
}

/** Whether a code can be accepted with `# tmesc-ignore`: not an error, not one about suppressions or the lint files. */
export function suppressible(code: string): boolean {
  return CODES.has(code) && catalogueSeverity(code) !== 'error' && !(LINT_CODES as readonly string[]).includes(code);
}

/**
 * The edit that accepts a finding with a `# tmesc-ignore CODE: ` comment for
 * its statement, as the ESLint extension's "disable for this line": the code
 * added to the statement's suppression when it has one, else a comment at the
 * end of the statement's last line, or on a line of its own before the
 * statement when that line already ends in a comment. The reason is left for
 * the user to write (TMES0951 says so until they do).
 */
export function suppressionEdit(file: SourceFile, offset: number, code: string): Insertion | undefined {
  if (!suppressible(code)) return undefined;
  const text = file.text;
  const inner = constructAt(file, offset);
  const line = inner ? inner.lastLine : file.position(offset).line;
  // the largest statement or item ending on that line: the one a trailing comment there speaks for
  let ending = inner;
  for (const c of constructsOf(file))
    if (c.lastLine === line && (!ending || c.end - c.start > ending.end - ending.start)) ending = c;
  const sups = findSuppressions(file);
  const trailing = sups.find((s) => !s.ownLine && s.line === line);
  if (trailing?.codes.length) {
    if (trailing.codes.some((n) => n.info?.code === code)) return undefined;
    return { offset: trailing.codes[trailing.codes.length - 1].end, text: `, ${code}` };
  }
  const lineStart = startOfLine(text, line);
  let lineEnd = text.indexOf('\n', lineStart);
  if (lineEnd < 0) lineEnd = text.length;
  const comment = `# tmesc-ignore ${code}: `;
  if (!hasComment(file, lineStart, lineEnd)) {
    const end = text.slice(lineStart, lineEnd).replace(/[ \t\r]+$/, '').length + lineStart;
    return { offset: end, text: `  ${comment}` };
  }
  // the line has a comment already: a suppression on a line of its own, before the statement
  const first = ending?.firstLine ?? line;
  const at = startOfLine(text, first);
  const indent = /^[ \t]*/.exec(text.slice(at))![0];
  return { offset: at, text: `${indent}${comment}\n` };
}

/** The offset a 1-based line starts at. */
function startOfLine(text: string, line: number): number {
  let at = 0;
  for (let l = 1; l < line; l++) {
    const nl = text.indexOf('\n', at);
    if (nl < 0) return text.length;
    at = nl + 1;
  }
  return at;
}

/** Whether a line ends in a comment (a `#` outside the tokens). */
function hasComment(file: SourceFile, start: number, end: number): boolean {
  const line = file.text.slice(start, end);
  let quote = false;
  let slash = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === '"') quote = false;
    } else if (slash) {
      if (c === '\\') i++;
      else if (c === '/') slash = false;
    } else if (c === '"') quote = true;
    else if (c === '/' && /(^|[\s(,])$/.test(line.slice(0, i))) slash = true;
    else if (c === '#') return true;
  }
  return false;
}
