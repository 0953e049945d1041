import type { SourceFile } from './source.js';

export type Severity = 'error' | 'warning' | 'info';

/** Half-open range of 0-based character offsets in one source file. */
export interface Span {
  readonly file: SourceFile;
  readonly start: number;
  readonly end: number;
}

export interface RelatedInfo {
  readonly message: string;
  readonly span: Span;
}

/** A suggested edit: replace the text of `span` with `text`. */
export interface Fix {
  readonly message: string;
  readonly span: Span;
  readonly text: string;
}

/**
 * One shape for every layer's findings. `code` is stable (TMES + 4 digits) and
 * is what tools key on; `message` may be reworded between releases.
 */
export interface Diagnostic {
  readonly code: string;
  readonly severity: Severity;
  readonly message: string;
  readonly span: Span;
  readonly related?: readonly RelatedInfo[];
  readonly fix?: Fix;
}

/** Line/column view of a diagnostic, 1-based, end exclusive column as editors expect. */
export interface LocatedDiagnostic {
  code: string;
  severity: Severity;
  message: string;
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

export function locate(d: Diagnostic): LocatedDiagnostic {
  const s = d.span.file.position(d.span.start);
  const e = d.span.file.position(Math.max(d.span.end, d.span.start));
  return {
    code: d.code,
    severity: d.severity,
    message: d.message,
    file: d.span.file.path,
    line: s.line,
    column: s.column,
    endLine: e.line,
    endColumn: e.column,
  };
}

/** Orders diagnostics by file, then position, then code, so output is stable. */
export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  if (a.span.file.path !== b.span.file.path) return a.span.file.path < b.span.file.path ? -1 : 1;
  return a.span.start - b.span.start || a.span.end - b.span.end || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0);
}

export function countBySeverity(ds: readonly Diagnostic[]): { errors: number; warnings: number; infos: number } {
  let errors = 0,
    warnings = 0,
    infos = 0;
  for (const d of ds) {
    if (d.severity === 'error') errors++;
    else if (d.severity === 'warning') warnings++;
    else infos++;
  }
  return { errors, warnings, infos };
}
