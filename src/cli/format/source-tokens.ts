import type { IToken } from 'chevrotain';
import type { Diagnostic } from '../../diagnostics/diagnostic.js';
import { DiagnosticBag } from '../../diagnostics/bag.js';
import { SourceFile } from '../../diagnostics/source.js';
import { tokenize } from '../../syntax/lexer.js';
import { parseSource } from '../../syntax/parse.js';

/** A token of the layout: its text and where it was. `;` is not one (the layout puts separators itself). */
export interface LTok {
  readonly image: string;
  readonly type: string;
  readonly start: number;
  readonly end: number;
}

export interface LComment {
  /** `# ...` without trailing blanks. */
  readonly text: string;
  readonly start: number;
  /** Begins a line (else it ends the line of the token before it). */
  readonly ownLine: boolean;
  /** A blank line separates it from what came before. */
  readonly blankBefore: boolean;
}

/** What lies between two tokens: comments, and whether a blank line precedes the token. */
export interface Gap {
  readonly comments: readonly LComment[];
  readonly blankBeforeToken: boolean;
}

export interface LaidSource {
  readonly tokens: readonly LTok[];
  /** gaps[i] lies before tokens[i]; gaps[tokens.length] after the last token. */
  readonly gaps: readonly Gap[];
  /** Tokens inside a range literal (8000-8999), written without spaces. */
  readonly rangeTokens: ReadonlySet<number>;
  /** `-` tokens that negate (unary), written against their operand. */
  readonly unaryMinus: ReadonlySet<number>;
}

export type ReadResult = { ok: true; source: LaidSource } | { ok: false; diagnostics: Diagnostic[] };

/**
 * Lexes and parses a policy for the formatter. A file with lexical or syntax
 * errors is not formatted (the errors are returned): a layout of a broken
 * statement could change what it means once repaired.
 */
export function readForLayout(path: string, text: string): ReadResult {
  const file = new SourceFile(path, text);
  const bag = new DiagnosticBag();
  const { ast } = parseSource(file, bag);
  const errors = bag.items.filter((d) => d.severity === 'error');
  if (errors.length) return { ok: false, diagnostics: errors };
  const { tokens, gaps } = lexForLayout(path, text);
  const { ranges, negs } = markedSpans(ast);
  const startIndex = new Map(tokens.map((t, i) => [t.start, i]));
  const rangeTokens = new Set<number>();
  for (const [s, e] of ranges) {
    for (let i = startIndex.get(s); i !== undefined && i < tokens.length && tokens[i].start < e; i++)
      rangeTokens.add(i);
  }
  const unaryMinus = new Set<number>();
  for (const s of negs) {
    const i = startIndex.get(s);
    if (i !== undefined && tokens[i].type === 'Minus') unaryMinus.add(i);
  }
  return { ok: true, source: { tokens, gaps, rangeTokens, unaryMinus } };
}

/** The tokens (without `;`) and what lies between them; lexing only, so the formatter's own check of its output is cheap. */
export function lexForLayout(path: string, text: string): { tokens: LTok[]; gaps: Gap[] } {
  const raw = lexTokens(new SourceFile(path, text));
  const tokens: LTok[] = [];
  for (const t of raw) {
    if (t.tokenType.name === 'Semi') continue;
    tokens.push({ image: t.image, type: t.tokenType.name, start: t.startOffset, end: t.endOffset! + 1 });
  }
  const gaps: Gap[] = [];
  let prevEnd = 0;
  for (let i = 0; i <= tokens.length; i++) {
    const end = i < tokens.length ? tokens[i].start : text.length;
    gaps.push(readGap(text, prevEnd, end, i === 0));
    if (i < tokens.length) prevEnd = tokens[i].end;
  }
  return { tokens, gaps };
}

function lexTokens(file: SourceFile): IToken[] {
  // tokenized again: parseSource hands its tokens to the parser; their errors were reported above
  return tokenize(file, new DiagnosticBag());
}

function readGap(text: string, from: number, to: number, atStart: boolean): Gap {
  const comments: LComment[] = [];
  let newlines = atStart ? 1 : 0;
  let i = from;
  while (i < to) {
    const c = text.charCodeAt(i);
    if (c === 35 /* # */) {
      let j = i;
      while (j < to && text.charCodeAt(j) !== 10 && text.charCodeAt(j) !== 13) j++;
      comments.push({
        text: text.slice(i, j).trimEnd(),
        start: i,
        ownLine: newlines > 0,
        blankBefore: !atStart || comments.length ? newlines > 1 : false,
      });
      newlines = 0;
      i = j;
      continue;
    }
    if (c === 10) newlines++;
    else if (c === 13) {
      newlines++;
      if (text.charCodeAt(i + 1) === 10) i++;
    }
    i++;
  }
  return { comments, blankBeforeToken: newlines > 1 };
}

/** Spans of range literals and negations, found without recursion (policies nest deeply). */
function markedSpans(root: unknown): { ranges: [number, number][]; negs: number[] } {
  const ranges: [number, number][] = [];
  const negs: number[] = [];
  const stack: unknown[] = [root];
  const seen = new Set<object>();
  while (stack.length) {
    const node = stack.pop();
    if (typeof node !== 'object' || node === null || seen.has(node)) continue;
    seen.add(node);
    if (Array.isArray(node)) {
      for (const x of node) stack.push(x);
      continue;
    }
    const n = node as { kind?: unknown; span?: { start: number; end: number } };
    if (n.kind === 'Range' && n.span) ranges.push([n.span.start, n.span.end]);
    if (n.kind === 'Neg' && n.span) negs.push(n.span.start);
    for (const [k, v] of Object.entries(node)) {
      if (k === 'span' || k === 'file' || k.endsWith('Span') || k.endsWith('Spans')) continue;
      if (typeof v === 'object' && v !== null) stack.push(v);
    }
  }
  return { ranges, negs };
}
