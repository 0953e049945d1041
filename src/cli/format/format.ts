import type { Diagnostic } from '../../diagnostics/diagnostic.js';
import { layoutStatement, statements, type Line } from './layout.js';
import { lexForLayout, readForLayout, type Gap, type LaidSource, type LComment } from './source-tokens.js';

/**
 * tmesc fmt: one canonical layout for a policy. Statements start at column
 * 0, blocks indent by two, like statements in a row align their columns
 * (rules' from/match/action, definitions' names, taps' and tools' braces),
 * trailing comments in a row align. Every comment is kept, next to the token
 * it followed or preceded; blank lines between statements and between the
 * items of a block are kept (several as one). A statement longer than the
 * width is broken where the language allows: a rule's from/match/to each on a
 * line and its filter at the top-level and/or, a list after its commas. A
 * statement holding a comment is always broken, so the comment stays inside
 * it. The layout depends only on the tokens and comments, never on how the
 * file was laid out, so fmt(fmt(x)) == fmt(x).
 */

export type FormatResult = { ok: true; text: string } | { ok: false; diagnostics: Diagnostic[] };

interface OutLine {
  indent: number;
  cells: string[];
  align?: string;
  comment?: string;
  /** A blank line before this one. */
  blank: boolean;
  /** A comment on a line of its own (cells holds its text). */
  own?: boolean;
}

export function formatPolicy(path: string, text: string): FormatResult {
  const read = readForLayout(path, text);
  if (!read.ok) return read;
  const formatted = layoutFile(read.source);
  assertSameProgram(path, read.source, formatted);
  return { ok: true, text: formatted };
}

function layoutFile(src: LaidSource): string {
  const out: OutLine[] = [];
  for (const [first, last] of statements(src)) {
    gapLines(src.gaps[first], out, 0);
    const lines = placeComments(src, layoutStatement(src, first, last), first, last);
    lines[0].blank = out.length > 0 && (src.gaps[first].blankBeforeToken || lines[0].blank);
    out.push(...lines);
  }
  gapLines(src.gaps[src.tokens.length], out, 0);
  return render(out);
}

/** The comments before a statement: the first may end the line before; the rest are lines of their own. */
function gapLines(gap: Gap, out: OutLine[], indent: number): void {
  for (const c of gap.comments) {
    const prev = out[out.length - 1];
    if (!c.ownLine && prev && !prev.own && prev.comment === undefined) prev.comment = c.text;
    else out.push(commentLine(c, indent, out.length > 0 && c.blankBefore));
  }
}

function commentLine(c: LComment, indent: number, blank: boolean): OutLine {
  return { indent, cells: [c.text], blank, own: true };
}

/**
 * Puts the comments found between a statement's tokens on its lines: one that
 * ended a line ends the line of the token before it, one on a line of its own
 * goes before the line of the token after it. A comment is never moved out of
 * the statement (or out of a nested block), so the next run lays it out alike.
 */
function placeComments(src: LaidSource, lines: Line[], first: number, last: number): OutLine[] {
  const lineOf = new Map<number, number>();
  lines.forEach((l, k) => l.tokens.forEach((t) => lineOf.set(t, k)));
  const trailing = lines.map((): LComment[] => []);
  const before = lines.map((): LComment[] => []);
  const lastLine = lines.length - 1;
  for (let i = first + 1; i <= last; i++) {
    for (const c of src.gaps[i].comments) {
      let L: number;
      let trail: boolean;
      if (!c.ownLine) {
        L = lineOf.get(i - 1)!;
        trail = L !== lastLine;
      } else {
        L = lineOf.get(i)!;
        trail = lines[L].tokens[0] !== i && L !== lastLine;
      }
      const block = lines[L].blockOf;
      if (!trail && block && L !== lastLine && c.start > src.tokens[block[0]].start) trail = true;
      (trail ? trailing : before)[L].push(c);
    }
  }
  // one comment ends a line; more go on lines of their own before the next line
  trailing.forEach((cs, L) => {
    if (cs.length > 1) before[L + 1].push(...cs.slice(1));
  });
  const out: OutLine[] = [];
  lines.forEach((l, L) => {
    const firstTok = l.tokens[0];
    const cs = [...before[L]].sort((a, b) => a.start - b.start);
    for (const c of cs) {
      const inGap = src.gaps[firstTok].comments.includes(c);
      out.push(commentLine(c, l.closes ?? l.indent, !!l.keepBlank && inGap && c.blankBefore));
    }
    out.push({
      indent: l.indent,
      cells: l.cells,
      align: l.align,
      comment: trailing[L][0]?.text,
      blank: !!l.keepBlank && src.gaps[firstTok].blankBeforeToken,
    });
  });
  return out;
}

function render(out: OutLine[]): string {
  const texts = alignCells(out);
  const commentCol = alignComments(out, texts);
  let s = '';
  out.forEach((l, k) => {
    if (l.blank && k > 0) s += '\n';
    let line = ' '.repeat(l.indent) + texts[k];
    if (l.comment !== undefined) line = line.padEnd(commentCol[k]) + l.comment;
    s += line.trimEnd() + '\n';
  });
  return s;
}

/** Each line's text; runs of lines with one align key (no blank line or comment line between) pad their cells to columns. */
function alignCells(out: OutLine[]): string[] {
  const texts = out.map((l) => l.cells.filter(Boolean).join(' '));
  let k = 0;
  while (k < out.length) {
    const key = out[k].align;
    let e = k + 1;
    if (key !== undefined)
      while (e < out.length && out[e].align === key && out[e].indent === out[k].indent && !out[e].blank) e++;
    if (key !== undefined && e - k > 1) {
      const run = out.slice(k, e);
      const cols = Math.max(...run.map((l) => l.cells.length));
      const widths: number[] = [];
      for (let c = 0; c < cols; c++) widths.push(Math.max(...run.map((l) => (l.cells[c] ?? '').length)));
      run.forEach((l, j) => {
        let s = '';
        for (let c = 0; c < cols; c++) {
          if (widths[c] === 0) continue;
          const cell = l.cells[c] ?? '';
          s += c === cols - 1 ? cell : cell.padEnd(widths[c]) + ' ';
        }
        texts[k + j] = s.trimEnd();
      });
    }
    k = e;
  }
  return texts;
}

/**
 * Trailing comments of a run of lines (no blank line, comment line or change
 * of indentation between) start in one column, two spaces after the longest
 * of the lines that have one.
 */
function alignComments(out: OutLine[], texts: string[]): number[] {
  const col = out.map(() => 0);
  let k = 0;
  while (k < out.length) {
    let e = k + 1;
    while (e < out.length && !out[e].own && !out[e].blank && out[e].indent === out[k].indent && !out[k].own) e++;
    let width = 0;
    for (let j = k; j < e; j++)
      if (out[j].comment !== undefined) width = Math.max(width, out[j].indent + texts[j].length);
    for (let j = k; j < e; j++) col[j] = width + 2;
    k = e;
  }
  return col;
}

/**
 * The layout only moves tokens and comments: a difference is a bug, never
 * written to a file. The output is lexed again (the same tokens mean the same
 * parse) and its tokens and comments compared with the input's.
 */
function assertSameProgram(path: string, before: LaidSource, formatted: string): void {
  const after = lexForLayout(path, formatted);
  const words = (s: { tokens: readonly { image: string }[] }) => s.tokens.map((t) => t.image).join('\u0000');
  const notes = (s: { gaps: readonly Gap[] }) =>
    s.gaps
      .flatMap((g) => g.comments.map((c) => c.text))
      .sort()
      .join('\n');
  if (words(after) !== words(before) || notes(after) !== notes(before))
    throw new Error(
      `internal error: formatting ${path} would change its tokens or comments; the file is left as it is`,
    );
}
