import type { Diagnostic, Fix } from '../../diagnostics/diagnostic.js';

/**
 * Codes whose fix keeps what the policy means (or removes what means nothing),
 * so `validate --fix` applies it without asking: the lexer already reads an
 * unterminated string as closed at the end of its line, and a suppression that
 * silences nothing can go. Other fixes are guesses (the closest known name for
 * an unknown one, the network of a prefix with host bits set): shown with the
 * finding, offered by the language server, applied only with --unsafe-fixes,
 * as Ruff separates safe from unsafe fixes.
 */
export const SAFE_FIXES: ReadonlySet<string> = new Set(['TMES0002', 'TMES0952']);

export interface FileEdit {
  start: number;
  end: number;
  text: string;
}

/** The fixes to apply, by file path (as the diagnostics name it). */
export function fixesByFile(ds: readonly Diagnostic[], unsafe: boolean): Map<string, Fix[]> {
  const out = new Map<string, Fix[]>();
  for (const d of ds) {
    if (!d.fix || (!unsafe && !SAFE_FIXES.has(d.code))) continue;
    const p = d.fix.span.file.path;
    out.set(p, [...(out.get(p) ?? []), d.fix]);
  }
  return out;
}

/**
 * Applies edits that do not overlap, first come first served in text order
 * (as ESLint does: the others wait for the next pass, after the file is
 * validated again). Identical edits count once.
 */
export function applyEdits(text: string, fixes: readonly Fix[]): { text: string; applied: number } {
  const edits = [...fixes]
    .map((f) => ({ start: f.span.start, end: f.span.end, text: f.text }))
    .sort((a, b) => a.start - b.start || a.end - b.end);
  const chosen: FileEdit[] = [];
  for (const e of edits) {
    const last = chosen[chosen.length - 1];
    if (last && last.start === e.start && last.end === e.end && last.text === e.text) continue;
    // an insertion at the end of the previous edit is still an overlap: their order would be a guess
    if (last && e.start < last.end + (last.start === last.end || e.start === e.end ? 1 : 0)) continue;
    chosen.push(e);
  }
  let out = '';
  let at = 0;
  for (const e of chosen) {
    out += text.slice(at, e.start) + e.text;
    at = e.end;
  }
  return { text: out + text.slice(at), applied: chosen.length };
}
