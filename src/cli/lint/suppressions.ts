import { DiagnosticBag } from '../../diagnostics/bag.js';
import type { CodeInfo } from '../../diagnostics/codes.js';
import type { Diagnostic, Fix } from '../../diagnostics/diagnostic.js';
import type { SourceFile } from '../../diagnostics/source.js';
import { tokenize } from '../../syntax/lexer.js';
import { codeNamed, suggestCode } from './config.js';
import { linesSilenced } from './constructs.js';
import type { LintCode } from './codes.js';
import { catalogueSeverity } from './severity.js';

/** One code named in a suppression, where it is written. */
interface Named {
  written: string;
  info?: CodeInfo;
  start: number;
  end: number;
  used: boolean;
}

export interface Suppression {
  file: SourceFile;
  /** The line it names (1-based): the one it ends, or the next line with code for a comment on a line of its own. */
  line: number;
  /** The lines it silences: those of the statement or block item on that line (constructs.ts). */
  from: number;
  to: number;
  codes: Named[];
  reason: string;
  /** The comment: from `#` to its end. */
  start: number;
  end: number;
  ownLine: boolean;
}

const MARK = /^#\s*tmesc-ignore\b/;

/**
 * Finds `# tmesc-ignore CODE[, CODE...]: reason` comments. A code may be
 * written as TMES0500 or by its name (unused-definition). Comments are found
 * between the tokens, so a `#` in a string or pattern is never one.
 */
export function findSuppressions(file: SourceFile): Suppression[] {
  const tokens = tokenize(file, new DiagnosticBag());
  const text = file.text;
  const out: Suppression[] = [];
  const tokenLines = tokens.map((t) => file.position(t.startOffset).line);
  let prevEnd = 0;
  for (let i = 0; i <= tokens.length; i++) {
    const gapEnd = i < tokens.length ? tokens[i].startOffset : text.length;
    let k = prevEnd;
    while (k < gapEnd) {
      const hash = text.indexOf('#', k);
      if (hash < 0 || hash >= gapEnd) break;
      let e = hash;
      while (e < gapEnd && text[e] !== '\n' && text[e] !== '\r') e++;
      const comment = text.slice(hash, e);
      if (MARK.test(comment)) {
        const line = file.position(hash).line;
        const before = text.slice(text.lastIndexOf('\n', hash - 1) + 1, hash);
        const ownLine = before.trim() === '';
        const target = ownLine ? tokenLines.find((l, j) => j >= i && l > line) : line;
        out.push(parse(file, comment, hash, e, target ?? 0, ownLine));
      }
      k = e;
    }
    if (i < tokens.length) prevEnd = tokens[i].endOffset! + 1;
  }
  return out;
}

function parse(
  file: SourceFile,
  comment: string,
  start: number,
  end: number,
  line: number,
  ownLine: boolean,
): Suppression {
  const body = comment.replace(MARK, '');
  const bodyAt = start + comment.length - body.length;
  const colon = body.indexOf(':');
  const list = colon < 0 ? body : body.slice(0, colon);
  const reason = colon < 0 ? '' : body.slice(colon + 1).trim();
  const codes: Named[] = [];
  for (const m of list.matchAll(/[^\s,]+/g)) {
    codes.push({
      written: m[0],
      info: codeNamed(m[0]),
      start: bodyAt + m.index!,
      end: bodyAt + m.index! + m[0].length,
      used: false,
    });
  }
  const { from, to } = line ? linesSilenced(file, line, ownLine) : { from: 0, to: 0 };
  return { file, line, from, to, codes, reason, start, end: start + comment.trimEnd().length, ownLine };
}

function diag(code: LintCode, file: SourceFile, start: number, end: number, message: string, fix?: Fix): Diagnostic {
  return { code, severity: catalogueSeverity(code), message, span: { file, start, end }, ...(fix ? { fix } : {}) };
}

/**
 * Silences the findings suppressions name on their lines, and reports the
 * suppressions themselves: without a reason (TMES0951; it still silences),
 * silencing nothing (TMES0952, with a fix that removes it), naming no code
 * that can be silenced (TMES0954: unknown, or an error, which makes a policy
 * unrunnable and is never silenced). `files` are every file of the policy,
 * so a suppression in a file without findings is seen. `heldBack` are the
 * findings the checker held back while the policy has errors: not shown, but
 * the suppressions naming them are in use.
 */
export function applySuppressions(
  ds: readonly Diagnostic[],
  files: readonly SourceFile[],
  heldBack: readonly Diagnostic[] = [],
): Diagnostic[] {
  const byFile = new Map<string, Suppression[]>();
  const all: Suppression[] = [];
  for (const f of files) {
    const found = findSuppressions(f);
    all.push(...found);
    if (found.length) byFile.set(f.path, [...(byFile.get(f.path) ?? []), ...found]);
  }
  if (!all.length) return [...ds];
  const silences = (d: Diagnostic): boolean => {
    const sups = byFile.get(d.span.file.path);
    if (!sups) return false;
    const line = d.span.file.position(d.span.start).line;
    let silenced = false;
    // the catalogue's severity: a warning a configuration raised to error can still be accepted
    if (catalogueSeverity(d.code) !== 'error')
      for (const s of sups.filter((x) => line >= x.from && line <= x.to))
        for (const n of s.codes)
          if (n.info?.code === d.code) {
            n.used = true;
            silenced = true;
          }
    return silenced;
  };
  const kept = ds.filter((d) => !silences(d));
  // a finding held back while the policy has errors is still there: its suppression is not stale, nor removed by --fix
  for (const d of heldBack) silences(d);
  for (const s of all) {
    const { file } = s;
    const named = s.codes.map((n) => n.written).join(', ') || '(nothing)';
    if (!s.codes.length)
      kept.push(
        diag('TMES0954', file, s.start, s.end, 'this suppression names no code: write # tmesc-ignore CODE: reason'),
      );
    for (const n of s.codes) {
      if (!n.info) {
        const close = suggestCode(n.written);
        kept.push(
          diag(
            'TMES0954',
            file,
            n.start,
            n.end,
            `no diagnostic has the code or name '${n.written}'${close ? `; did you mean '${close}'?` : ''}`,
            close
              ? { message: `replace with ${close}`, span: { file, start: n.start, end: n.end }, text: close }
              : undefined,
          ),
        );
      } else if (n.info.severity === 'error') {
        kept.push(
          diag(
            'TMES0954',
            file,
            n.start,
            n.end,
            `${n.info.code} (${n.info.name}) is an error: a policy with it cannot be compiled or run, so it cannot be suppressed`,
          ),
        );
      } else if (!n.used) {
        const where = !s.line ? 'the end of the file' : s.from === s.to ? `line ${s.line}` : `lines ${s.from}-${s.to}`;
        kept.push(
          diag(
            'TMES0952',
            file,
            n.start,
            n.end,
            `'# tmesc-ignore ${n.written}' silences nothing: no ${n.info.code} (${n.info.name}) is reported on ${where}`,
            removal(s, n),
          ),
        );
      }
    }
    if (s.codes.length && !s.reason)
      kept.push(
        diag(
          'TMES0951',
          file,
          s.start,
          s.end,
          `suppression of ${named} gives no reason: write '# tmesc-ignore ${named}: why the finding is accepted'`,
        ),
      );
  }
  return kept;
}

/** The edit that removes one code from a suppression, or the whole comment when it is the only one. */
function removal(s: Suppression, n: Named): Fix {
  const { file } = s;
  const text = file.text;
  if (s.codes.length === 1) {
    if (s.ownLine) {
      const lineStart = text.lastIndexOf('\n', s.start - 1) + 1;
      let lineEnd = s.end;
      while (lineEnd < text.length && text[lineEnd] !== '\n') lineEnd++;
      return {
        message: 'remove the suppression',
        span: { file, start: lineStart, end: Math.min(text.length, lineEnd + 1) },
        text: '',
      };
    }
    let from = s.start;
    while (from > 0 && (text[from - 1] === ' ' || text[from - 1] === '\t')) from--;
    return { message: 'remove the suppression', span: { file, start: from, end: s.end }, text: '' };
  }
  // one of several: take it and the separator after it (or before it, for the last)
  const i = s.codes.indexOf(n);
  const end = i + 1 < s.codes.length ? s.codes[i + 1].start : n.end;
  const start = i + 1 < s.codes.length ? n.start : s.codes[i - 1].end;
  return { message: `remove ${n.written} from the suppression`, span: { file, start, end }, text: '' };
}
