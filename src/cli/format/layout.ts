import type { LaidSource } from './source-tokens.js';
import { joinTokens } from './spacing.js';

/** Lines longer than this are broken where the statement allows (the project's own code uses 120 too). */
export const WIDTH = 120;
const INDENT = 2;

/**
 * One output line of a statement. `cells` are the columns a run of like
 * statements aligns (rule name, from, match, action); a line that is not
 * aligned has one cell. `tokens` are the token indices it holds, for placing
 * the comments that were between them.
 */
export interface Line {
  indent: number;
  cells: string[];
  tokens: number[];
  /** Lines of one key in a row align their cells. */
  align?: string;
  /** Starts an item of a block: a blank line written before it is kept. */
  keepBlank?: boolean;
  /** The header of a nested block (a tool): [first, last] token of that block. */
  blockOf?: [number, number];
  /** A closing brace: comments placed before it are indented as the block's items. */
  closes?: number;
}

const STATEMENT = new Set(['Kw_policy', 'Kw_include', 'Kw_define', 'Kw_tap', 'Kw_group', 'Kw_rule']);
const ITEM = new Set([
  'Kw_tool',
  'Kw_source',
  'Kw_inline',
  'Kw_mark',
  'Kw_output',
  'Kw_rate',
  'Kw_balance',
  'Kw_shape',
  'Kw_strip',
  'Kw_mask',
  'Kw_replace',
  'Kw_truncate',
  'Kw_timestamp',
  'Kw_dedup',
]);
const FILTER_OPS = new Set(['Kw_and', 'Kw_or', 'AndAnd', 'OrOr']);

/** The statements of a file: [first, last] token ranges. */
export function statements(src: LaidSource): [number, number][] {
  return splitAt(src, 0, src.tokens.length - 1, STATEMENT);
}

/** Splits first..last at tokens of `starts` outside brackets and braces. */
function splitAt(src: LaidSource, first: number, last: number, starts: ReadonlySet<string>): [number, number][] {
  const out: [number, number][] = [];
  let depth = 0;
  let begin = first;
  for (let i = first; i <= last; i++) {
    const t = src.tokens[i].type;
    if (depth === 0 && starts.has(t) && i > begin) {
      out.push([begin, i - 1]);
      begin = i;
    }
    if (t === 'LBrace' || t === 'LParen' || t === 'LBracket') depth++;
    else if (t === 'RBrace' || t === 'RParen' || t === 'RBracket') depth--;
  }
  if (last >= begin) out.push([begin, last]);
  return out;
}

function range(a: number, b: number): number[] {
  const r: number[] = [];
  for (let i = a; i <= b; i++) r.push(i);
  return r;
}

/** Any comment between tokens first and last (not before first, not after last). */
export function hasInteriorComments(src: LaidSource, first: number, last: number): boolean {
  for (let i = first + 1; i <= last; i++) if (src.gaps[i].comments.length) return true;
  return false;
}

function fits(indent: number, text: string): boolean {
  return indent + text.length <= WIDTH;
}

function findTop(src: LaidSource, first: number, last: number, types: ReadonlySet<string>): number {
  let depth = 0;
  for (let i = first; i <= last; i++) {
    const t = src.tokens[i].type;
    if (depth === 0 && types.has(t)) return i;
    if (t === 'LBrace' || t === 'LParen' || t === 'LBracket') depth++;
    else if (t === 'RBrace' || t === 'RParen' || t === 'RBracket') depth--;
  }
  return -1;
}

function matchingBrace(src: LaidSource, open: number): number {
  let depth = 0;
  for (let i = open; i < src.tokens.length; i++) {
    const t = src.tokens[i].type;
    if (t === 'LBrace') depth++;
    else if (t === 'RBrace' && --depth === 0) return i;
  }
  return src.tokens.length - 1;
}

/** The lines of one statement, at indentation 0. */
export function layoutStatement(src: LaidSource, first: number, last: number): Line[] {
  switch (src.tokens[first].type) {
    case 'Kw_rule':
      return layoutRule(src, first, last);
    case 'Kw_define':
      return layoutDefine(src, first, last);
    case 'Kw_tap':
      return layoutBlock(src, first, last, 0, 'tap', false);
    case 'Kw_group':
      return layoutBlock(src, first, last, 0, 'group', true);
    default:
      return [{ indent: 0, cells: [joinTokens(src, first, last)], tokens: range(first, last) }];
  }
}

function layoutRule(src: LaidSource, first: number, last: number): Line[] {
  const from = findTop(src, first, last, new Set(['Kw_from']));
  const match = findTop(src, first, last, new Set(['Kw_match']));
  const action = findTop(src, match < 0 ? first : match, last, new Set(['Kw_to', 'Kw_drop']));
  if (match < 0 || action < 0)
    return [{ indent: 0, cells: [joinTokens(src, first, last)], tokens: range(first, last) }];
  const nameEnd = (from >= 0 ? from : match) - 1;
  const head = joinTokens(src, first, nameEnd);
  const fromText = from >= 0 ? joinTokens(src, from, match - 1) : '';
  const matchText = joinTokens(src, match, action - 1);
  const actionText = joinTokens(src, action, last);
  const comments = hasInteriorComments(src, first, last);
  const flat = [head, fromText, matchText, actionText];
  if (!comments && fits(0, flat.filter(Boolean).join(' ')))
    return [{ indent: 0, cells: flat, tokens: range(first, last), align: 'rule' }];
  const lines: Line[] = [{ indent: 0, cells: [head], tokens: range(first, nameEnd) }];
  if (from >= 0) lines.push({ indent: INDENT, cells: [fromText], tokens: range(from, match - 1) });
  if (!comments && fits(INDENT, matchText))
    lines.push({ indent: INDENT, cells: [matchText], tokens: range(match, action - 1) });
  else lines.push(...filterLines(src, match, action - 1, INDENT, INDENT * 2));
  lines.push({ indent: INDENT, cells: [actionText], tokens: range(action, last) });
  return lines;
}

/** A filter (with what leads it, from `lead`) one top-level operand a line: `match a` / `and b` / `or c`. */
function filterLines(src: LaidSource, lead: number, last: number, indent: number, rest: number): Line[] {
  const cuts: number[] = [];
  let depth = 0;
  for (let i = lead + 1; i <= last; i++) {
    const t = src.tokens[i].type;
    if (depth === 0 && FILTER_OPS.has(t)) cuts.push(i);
    if (t === 'LParen' || t === 'LBracket') depth++;
    else if (t === 'RParen' || t === 'RBracket') depth--;
  }
  const starts = [lead, ...cuts];
  return starts.map((s, k) => {
    const e = k + 1 < starts.length ? starts[k + 1] - 1 : last;
    return { indent: k === 0 ? indent : rest, cells: [joinTokens(src, s, e)], tokens: range(s, e) };
  });
}

function layoutDefine(src: LaidSource, first: number, last: number): Line[] {
  const eq = findTop(src, first, last, new Set(['Equals']));
  if (eq < 0 || eq === last || eq - first < 2)
    return [{ indent: 0, cells: [joinTokens(src, first, last)], tokens: range(first, last) }];
  const kindEnd = eq - 2;
  const cells = [joinTokens(src, first, kindEnd), src.tokens[eq - 1].image, joinTokens(src, eq, last)];
  const comments = hasInteriorComments(src, first, last);
  if (!comments && fits(0, cells.join(' '))) return [{ indent: 0, cells, tokens: range(first, last), align: 'define' }];
  const lines: Line[] = [{ indent: 0, cells: [joinTokens(src, first, eq)], tokens: range(first, eq) }];
  const isFilter = src.tokens[first + 1]?.image === 'filter';
  if (isFilter) {
    if (!comments && fits(INDENT, joinTokens(src, eq + 1, last)))
      lines.push({ indent: INDENT, cells: [joinTokens(src, eq + 1, last)], tokens: range(eq + 1, last) });
    else lines.push(...filterLines(src, eq + 1, last, INDENT, INDENT));
    return lines;
  }
  return [...lines, ...fillList(src, eq + 1, last, INDENT)];
}

/** A comma-separated list filled into lines of at most WIDTH, each line ending with its comma. */
function fillList(src: LaidSource, first: number, last: number, indent: number): Line[] {
  const items: [number, number][] = [];
  let begin = first;
  let depth = 0;
  for (let i = first; i <= last; i++) {
    const t = src.tokens[i].type;
    if (t === 'LParen' || t === 'LBracket') depth++;
    else if (t === 'RParen' || t === 'RBracket') depth--;
    else if (t === 'Comma' && depth === 0) {
      items.push([begin, i]);
      begin = i + 1;
    }
  }
  if (begin <= last) items.push([begin, last]);
  const lines: Line[] = [];
  let cur: Line | undefined;
  for (const [a, b] of items) {
    const text = joinTokens(src, a, b);
    if (cur && fits(indent, cur.cells[0] + ' ' + text)) {
      cur.cells[0] += ' ' + text;
      cur.tokens.push(...range(a, b));
    } else {
      cur = { indent, cells: [text], tokens: range(a, b) };
      lines.push(cur);
    }
  }
  return lines;
}

/**
 * A `tap`, `group` or `tool` block. Taps and tools sit on one line when they
 * fit and hold no comment (`tap core-a { source interface "ens1f0"; mark vlan 101 }`);
 * groups always open, one item a line.
 */
function layoutBlock(src: LaidSource, first: number, last: number, indent: number, key: string, open: boolean): Line[] {
  const lbrace = findTop(src, first, last, new Set(['LBrace']));
  if (lbrace < 0) return [{ indent, cells: [joinTokens(src, first, last)], tokens: range(first, last), align: key }];
  const rbrace = Math.min(matchingBrace(src, lbrace), last);
  const items = rbrace > lbrace + 1 ? splitAt(src, lbrace + 1, rbrace - 1, ITEM) : [];
  const head = joinTokens(src, first, lbrace - 1);
  const tail = rbrace < last ? ' ' + joinTokens(src, rbrace + 1, last) : '';
  if (!open && !hasInteriorComments(src, first, last)) {
    const body = items.length ? `{ ${items.map(([a, b]) => joinTokens(src, a, b)).join('; ')} }` : '{}';
    if (fits(indent, `${head} ${body}${tail}`))
      return [{ indent, cells: [head, body + tail], tokens: range(first, last), align: key }];
  }
  const lines: Line[] = [
    { indent, cells: [joinTokens(src, first, lbrace)], tokens: range(first, lbrace), blockOf: [first, last] },
  ];
  items.forEach(([a, b], k) => {
    const sub =
      src.tokens[a].type === 'Kw_tool'
        ? layoutBlock(src, a, b, indent + INDENT, 'tool', false)
        : [{ indent: indent + INDENT, cells: [joinTokens(src, a, b)], tokens: range(a, b) }];
    if (k > 0) sub[0].keepBlank = true;
    lines.push(...sub);
  });
  lines.push({ indent, cells: ['}' + tail], tokens: range(rbrace, last), closes: indent + INDENT });
  return lines;
}
