import { countBySeverity, locate, type Diagnostic, type LocatedDiagnostic } from '../diagnostic.js';
import { sortDiagnostics, spanRange } from './util.js';
import { escapeJsonForTerminal } from './terminal.js';

/** Bumped only on an incompatible change of the shape below. */
const JSON_FORMAT_VERSION = 1;

/** 1-based lines and columns, end column exclusive. */
interface JsonRange {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

export interface JsonRelated extends JsonRange {
  message: string;
  file: string;
}

export interface JsonFix extends JsonRange {
  message: string;
  text: string;
}

export interface JsonDiagnostic extends LocatedDiagnostic {
  related?: JsonRelated[];
  fix?: JsonFix;
}

export interface JsonReport {
  formatVersion: typeof JSON_FORMAT_VERSION;
  valid: boolean;
  errorCount: number;
  warningCount: number;
  diagnostics: JsonDiagnostic[];
}

/** No options today; the parameter keeps every renderer's signature alike. */
export type JsonRenderOptions = Record<string, never>;

/** The report as a plain object (what {@link renderJson} serialises). */
function toJsonReport(diagnostics: readonly Diagnostic[]): JsonReport {
  const { errors, warnings } = countBySeverity(diagnostics);
  return {
    formatVersion: JSON_FORMAT_VERSION,
    valid: errors === 0,
    errorCount: errors,
    warningCount: warnings,
    diagnostics: sortDiagnostics(diagnostics).map(toJsonDiagnostic),
  };
}

function toJsonDiagnostic(d: Diagnostic): JsonDiagnostic {
  const l = locate(d);
  // Key order is part of the format: the required keys first, extras after.
  const out: JsonDiagnostic = {
    code: l.code,
    severity: l.severity,
    message: l.message,
    file: l.file,
    line: l.line,
    column: l.column,
    endLine: l.endLine,
    endColumn: l.endColumn,
  };
  if (d.related && d.related.length > 0) {
    out.related = d.related.map((r) => {
      const p = spanRange(r.span);
      return {
        message: r.message,
        file: p.file,
        line: p.line,
        column: p.column,
        endLine: p.endLine,
        endColumn: p.endColumn,
      };
    });
  }
  if (d.fix) {
    const p = spanRange(d.fix.span);
    out.fix = {
      message: d.fix.message,
      text: d.fix.text,
      line: p.line,
      column: p.column,
      endLine: p.endLine,
      endColumn: p.endColumn,
    };
  }
  return out;
}

/**
 * `{ formatVersion, valid, errorCount, warningCount, diagnostics: [...] }`,
 * pretty-printed with two spaces and a trailing newline. Lines and columns
 * are 1-based; end columns are exclusive.
 */
export function renderJson(diagnostics: readonly Diagnostic[], _options: JsonRenderOptions = {}): string {
  return escapeJsonForTerminal(JSON.stringify(toJsonReport(diagnostics), null, 2)) + '\n';
}
