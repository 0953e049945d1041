import type { LaidSource } from './source-tokens.js';

const NO_SPACE_BEFORE = new Set(['Comma', 'RParen', 'RBracket', 'Colon', 'LBracket']);
const NO_SPACE_AFTER = new Set(['LParen', 'LBracket', 'Colon', 'Bang']);

/** Whether one space separates tokens i and i+1 on a line: pcap-filter's usual spelling (`tcp[13] & 2 != 0`, `inner(tcp)`, `8000-8999`). */
export function spaceBetween(src: LaidSource, i: number): boolean {
  const a = src.tokens[i];
  const b = src.tokens[i + 1];
  if (NO_SPACE_BEFORE.has(b.type) || NO_SPACE_AFTER.has(a.type)) return false;
  if (b.type === 'LParen' && a.type === 'Kw_inner') return false;
  if (src.unaryMinus.has(i)) return false;
  if (src.rangeTokens.has(i) && src.rangeTokens.has(i + 1) && (a.type === 'Minus' || b.type === 'Minus')) return false;
  return true;
}

/** Tokens first..last (inclusive) as they are written on one line. */
export function joinTokens(src: LaidSource, first: number, last: number): string {
  let s = '';
  for (let i = first; i <= last; i++) {
    s += src.tokens[i].image;
    if (i < last && spaceBetween(src, i)) s += ' ';
  }
  return s;
}
