import type { Diagnostic, Severity } from '../diagnostic.js';
import { escapeForTerminal } from './terminal.js';
import { displayPath, sortDiagnostics, spanRange } from './util.js';

export interface GithubRenderOptions {
  /** File paths are made relative to this directory (the repository root, where Actions runs). */
  readonly cwd?: string;
}

const COMMAND: Record<Severity, string> = { error: 'error', warning: 'warning', info: 'notice' };

/** Escapes the data part of a workflow command (after the second `::`). */
export function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Escapes a property value of a workflow command (`file=`, `title=`, ...). */
export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/**
 * GitHub Actions workflow commands, one per diagnostic, which Actions turns
 * into annotations on the files:
 *
 * `::error file=rules/dc.tmes,line=12,col=35,endLine=12,endColumn=39,title=TMES0200::unknown group 'idss'`
 *
 * Related information and the fix follow the message on lines of their own
 * (escaped, so the command stays on one line).
 */
export function renderGithub(diagnostics: readonly Diagnostic[], options: GithubRenderOptions = {}): string {
  return sortDiagnostics(diagnostics)
    .map((d) => renderOne(d, options.cwd) + '\n')
    .join('');
}

/**
 * Policy text in a command: controls shown by their stand-ins, so the log the
 * command is printed to never acts on them; line breaks stay (escapeData
 * encodes them, and the annotation shows them as line breaks).
 */
function safe(s: string): string {
  return escapeForTerminal(s, '\t\n\r');
}

function renderOne(d: Diagnostic, cwd: string | undefined): string {
  const r = spanRange(d.span);
  const props: [string, string | number][] = [
    ['file', escapeForTerminal(displayPath(r.file, cwd))],
    ['line', r.line],
    ['col', r.column],
    ['endLine', r.endLine],
    ['endColumn', r.endColumn],
    ['title', d.code],
  ];
  const lines = [safe(d.message)];
  for (const rel of d.related ?? []) {
    const p = spanRange(rel.span);
    lines.push(`${escapeForTerminal(displayPath(p.file, cwd))}:${p.line}:${p.column}: note: ${safe(rel.message)}`);
  }
  if (d.fix) lines.push(`fix: ${safe(d.fix.message)}`);
  const propText = props.map(([k, v]) => `${k}=${escapeProperty(String(v))}`).join(',');
  return `::${COMMAND[d.severity]} ${propText}::${escapeData(lines.join('\n'))}`;
}
