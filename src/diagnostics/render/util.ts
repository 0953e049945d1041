import * as path from 'node:path';
import { compareDiagnostics, locate, type Diagnostic, type Span } from '../diagnostic.js';

/** A copy of `diagnostics` in the stable output order (file, position, code). */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort(compareDiagnostics);
}

/** 1-based line/column range of a span; end column is exclusive, as in {@link locate}. */
export interface SpanRange {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

/** The line/column range of any span, computed exactly as {@link locate} does for a diagnostic. */
export function spanRange(span: Span): SpanRange {
  const l = locate({ code: '', severity: 'info', message: '', span });
  return { file: l.file, line: l.line, column: l.column, endLine: l.endLine, endColumn: l.endColumn };
}

/**
 * A file path as a relative path with forward slashes. With `cwd`, the path is
 * resolved against it and made relative to it; without, it is only normalised
 * (backslashes to slashes, a leading `./` dropped).
 */
export function displayPath(file: string, cwd?: string): string {
  let p = file;
  if (cwd !== undefined) {
    const rel = path.relative(cwd, path.resolve(cwd, file));
    p = rel === '' ? path.basename(file) : rel;
  }
  p = p.replace(/\\/g, '/');
  while (p.startsWith('./')) p = p.slice(2);
  return p;
}

/** True for a path that is absolute on POSIX or Windows (`/x`, `C:\x`, `C:/x`, `\\host\x`). */
export function isAbsolutePath(p: string): boolean {
  return p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p) || p.startsWith('\\\\');
}

/** `unknown-name` -> `UnknownName`. */
export function pascalCase(kebab: string): string {
  return kebab
    .split(/[-_\s]+/)
    .filter((w) => w.length > 0)
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join('');
}

export function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}
