import type { AST, RegExpParser } from '@eslint-community/regexpp';
import { createRequire } from 'node:module';
import {
  ANY,
  DIGIT,
  DOT,
  SPACE,
  WORD,
  addAll,
  addRange,
  byteSet,
  complement,
  foldAscii,
  type ByteSet,
} from './byteset.js';
import { MAX_PATTERN_LENGTH, MAX_REPEAT } from './limits.js';
import { refuse } from './problem.js';

/**
 * A pattern as the automaton sees it: over bytes. JavaScript's syntax is read
 * by regexpp (the parser ESLint uses, so what is valid is exactly what the
 * ECMAScript grammar says); this file gives each piece its byte meaning and
 * refuses what an automaton cannot run or what would mean something else
 * over bytes than over JavaScript strings.
 */
export type Node =
  | { t: 'bytes'; set: ByteSet }
  | { t: 'seq'; items: Node[] }
  | { t: 'alt'; items: Node[] }
  | { t: 'rep'; node: Node; min: number; max: number; greedy: boolean }
  | { t: 'assert'; kind: AssertKind };

/** Zero-width tests: payload (or stream) start and end, word boundary and its negation (ASCII \w). */
export const BEGIN = 0;
export const END = 1;
export const WORD_BOUNDARY = 2;
export const NOT_WORD_BOUNDARY = 3;
export type AssertKind = typeof BEGIN | typeof END | typeof WORD_BOUNDARY | typeof NOT_WORD_BOUNDARY;

interface Mode {
  ignoreCase: boolean;
  dotAll: boolean;
}

const FLAG_HELP: Record<string, string> = {
  m: '^ and $ always mean the start and end of the payload',
  g: 'every test looks for any match, and mask and replace take every match already',
  y: 'a test looks at the whole payload',
  u: 'patterns match bytes, not Unicode text',
  v: 'patterns match bytes, not Unicode text',
  d: 'tmesc reports no capture indices',
};

export function parseFlags(flags: string): Mode {
  const mode: Mode = { ignoreCase: false, dotAll: false };
  for (let k = 0; k < flags.length; k++) {
    const f = flags[k];
    if (flags.indexOf(f) !== k) refuse('TMES0600', `pattern flag '${f}' is given twice`);
    if (f === 'i') mode.ignoreCase = true;
    else if (f === 's') mode.dotAll = true;
    else if (FLAG_HELP[f])
      refuse('TMES0600', `pattern flag '${f}' is not supported (${FLAG_HELP[f]}); tmesc takes i and s`);
    else refuse('TMES0600', `'${f}' is not a pattern flag; tmesc takes i (ignore case) and s (dot matches newline)`);
  }
  return mode;
}

type Regexpp = typeof import('@eslint-community/regexpp');
let regexpp: { module: Regexpp; parser: RegExpParser } | undefined;

/**
 * regexpp, loaded on first use: a policy without patterns (most) never loads
 * it, and the runtime's heap stays as small as it was (its size is what every
 * major GC walks: 0.45 MB more cost the instructions bench ~6% a packet).
 */
function parser(): { module: Regexpp; parser: RegExpParser } {
  if (!regexpp) {
    const module = createRequire(import.meta.url)('@eslint-community/regexpp') as Regexpp;
    regexpp = { module, parser: new module.RegExpParser({ ecmaVersion: 2025, strict: false }) };
  }
  return regexpp;
}

export function parsePattern(source: string, flags: string): Node {
  if (source.length > MAX_PATTERN_LENGTH)
    refuse(
      'TMES0603',
      `pattern is ${source.length} characters long; tmesc takes patterns of at most ${MAX_PATTERN_LENGTH} characters`,
      0,
      source.length,
    );
  const mode = parseFlags(flags);
  const { module, parser: p } = parser();
  let ast: AST.Pattern;
  try {
    ast = p.parsePattern(source, 0, source.length, { unicode: false, unicodeSets: false });
  } catch (e) {
    if (!(e instanceof module.RegExpSyntaxError)) throw e;
    const why = e.message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '');
    refuse('TMES0600', `invalid pattern: ${why}`, Math.min(e.index, source.length), 1);
  }
  return alternatives(ast.alternatives, mode);
}

function alternatives(alts: AST.Alternative[], mode: Mode): Node {
  const items = alts.map((a) => sequence(a.elements, mode));
  return items.length === 1 ? items[0] : { t: 'alt', items };
}

const isHigh = (c: number) => c >= 0xd800 && c <= 0xdbff;
const isLow = (c: number) => c >= 0xdc00 && c <= 0xdfff;

function sequence(elements: AST.Element[], mode: Mode): Node {
  const items: Node[] = [];
  for (let k = 0; k < elements.length; k++) {
    const e = elements[k];
    const next = elements[k + 1];
    // without the u flag JavaScript sees a character beyond U+FFFF as two halves; here it is one code point
    if (e.type === 'Character' && isHigh(e.value) && next?.type === 'Character' && isLow(next.value)) {
      const cp = 0x10000 + ((e.value - 0xd800) << 10) + (next.value - 0xdc00);
      items.push(...utf8(cp).map((b) => byte(b)));
      k++;
      continue;
    }
    if (
      e.type === 'Character' &&
      isHigh(e.value) &&
      next?.type === 'Quantifier' &&
      next.element.type === 'Character' &&
      isLow(next.element.value)
    ) {
      const ch = String.fromCharCode(e.value, next.element.value);
      refuse(
        'TMES0605',
        `in JavaScript a quantifier after ${ch} repeats only the second half of it; write (?:${ch})${next.raw.slice(next.element.raw.length)}`,
        e.start,
        next.end - e.start,
      );
    }
    items.push(element(e, mode));
  }
  return items.length === 1 ? items[0] : { t: 'seq', items };
}

function byte(b: number, mode?: Mode): Node {
  const set = byteSet([b, b]);
  return { t: 'bytes', set: mode?.ignoreCase ? foldAscii(set) : set };
}

function element(e: AST.Element, mode: Mode): Node {
  switch (e.type) {
    case 'Character': {
      const b = classByte(e, false);
      if (b >= 0) return byte(b, mode);
      // a character above 0x7F, typed or written \uHHHH, stands for its UTF-8 bytes, as "text" in payload contains does
      return { t: 'seq', items: utf8(e.value).map((x) => byte(x)) };
    }
    case 'CharacterSet':
      return { t: 'bytes', set: characterSet(e, mode) };
    case 'CharacterClass':
      return { t: 'bytes', set: characterClass(e, mode) };
    case 'Assertion':
      switch (e.kind) {
        case 'start':
          return { t: 'assert', kind: BEGIN };
        case 'end':
          return { t: 'assert', kind: END };
        case 'word':
          return { t: 'assert', kind: e.negate ? NOT_WORD_BOUNDARY : WORD_BOUNDARY };
        default:
          return refuse(
            'TMES0601',
            `${e.kind} ${e.raw.slice(0, e.kind === 'lookahead' ? 3 : 4)}...) cannot be run by an automaton, and tmesc runs every pattern as one (in time linear in the payload); match the context itself instead`,
            e.start,
            e.end - e.start,
          );
      }
    case 'Backreference':
      return refuse(
        'TMES0601',
        `a backreference (${e.raw}) cannot be run by an automaton, and tmesc runs every pattern as one (in time linear in the payload); spell out what the group matches instead`,
        e.start,
        e.end - e.start,
      );
    case 'Quantifier': {
      const big = Math.max(e.min, Number.isFinite(e.max) ? e.max : 0);
      if (big > MAX_REPEAT)
        refuse(
          'TMES0604',
          `repetition count ${big} is above ${MAX_REPEAT}: the automaton holds one copy of the repeated part per count; use a smaller count, or * or + where the exact count does not matter`,
          e.start,
          e.end - e.start,
        );
      return { t: 'rep', node: element(e.element, mode), min: e.min, max: e.max, greedy: e.greedy };
    }
    case 'Group':
      return alternatives(e.alternatives, modified(e, mode));
    case 'CapturingGroup':
      // groups capture nothing: a test needs no groups, and mask and replace work on the whole match
      return alternatives(e.alternatives, mode);
    case 'ExpressionCharacterClass':
      return refuse('TMES0605', 'class set expressions need the v flag, which tmesc does not take', e.start, 1);
  }
}

function modified(g: AST.Group, mode: Mode): Mode {
  const m = g.modifiers;
  if (!m) return mode;
  if (m.add.multiline || m.remove?.multiline)
    refuse(
      'TMES0605',
      'the m modifier is not supported: ^ and $ always mean the start and end of the payload',
      m.start,
      m.end - m.start,
    );
  return {
    ignoreCase: m.remove?.ignoreCase ? false : m.add.ignoreCase || mode.ignoreCase,
    dotAll: m.remove?.dotAll ? false : m.add.dotAll || mode.dotAll,
  };
}

/**
 * The one byte a character stands for, or -1 for a character above 0x7F
 * written other than as \xHH (it stands for its UTF-8 bytes, which only a
 * sequence can hold: inside a class that is refused). Escapes that read
 * as something else in JavaScript than they look are refused.
 */
function classByte(c: AST.Character, inClass: boolean): number {
  const raw = c.raw;
  if (isHigh(c.value) || isLow(c.value))
    refuse(
      'TMES0605',
      inClass
        ? `a class holds single bytes, and a character beyond U+FFFF is four bytes in UTF-8: write it outside the class, as (?:${'\u{1F600}'}|...)`
        : 'half of a character beyond U+FFFF (a lone surrogate) has no UTF-8 bytes',
      c.start,
      c.end - c.start,
    );
  if (/^\\[1-9]/.test(raw) || /^\\0[0-9]/.test(raw))
    refuse(
      'TMES0605',
      `${raw} is ${/^\\[89]/.test(raw) ? 'not an escape' : `a legacy octal escape (it is not a backreference: the pattern has no such group)`}; write the byte as \\x${c.value.toString(16).padStart(2, '0')}`,
      c.start,
      c.end - c.start,
    );
  if (raw === '\\')
    refuse(
      'TMES0605',
      '\\c must be followed by a letter (\\cJ is a line feed); write \\\\ for a backslash',
      c.start,
      1,
    );
  if (/^\\[A-Za-z]$/.test(raw) && !/^\\[tnvfrbc0]$/.test(raw))
    refuse(
      'TMES0605',
      raw === '\\p' || raw === '\\P'
        ? `${raw}{...} (a Unicode property) needs the u flag, which tmesc does not take: patterns match bytes`
        : raw === '\\u'
          ? '\\u takes four hex digits (\\u00e9); \\u{...} needs the u flag, which tmesc does not take'
          : raw === '\\x'
            ? '\\x takes two hex digits (\\x0a)'
            : `${raw} is not an escape; write ${raw[1]} without the backslash`,
      c.start,
      c.end - c.start,
    );
  if (/^\\x[0-9A-Fa-f]{2}$/.test(raw) || c.value < 0x80) return c.value;
  if (inClass)
    refuse(
      'TMES0605',
      `a class holds single bytes, and '${String.fromCodePoint(c.value)}' is ${utf8(c.value).length} bytes in UTF-8: write it outside the class, as (?:${String.fromCodePoint(c.value)}|...), or name bytes as \\xHH`,
      c.start,
      c.end - c.start,
    );
  return -1;
}

function characterSet(e: AST.CharacterSet, mode: Mode): ByteSet {
  if (e.kind === 'any') return mode.dotAll ? ANY : DOT;
  if (e.kind === 'property')
    return refuse('TMES0605', 'Unicode properties need the u flag, which tmesc does not take', e.start, 1);
  const base = e.kind === 'digit' ? DIGIT : e.kind === 'word' ? WORD : SPACE;
  return e.negate ? complement(base) : base;
}

function characterClass(e: AST.CharacterClass, mode: Mode): ByteSet {
  const set = new Uint8Array(256);
  for (const x of e.elements) {
    switch (x.type) {
      case 'Character': {
        const b = classByte(x, true);
        set[b] = 1;
        break;
      }
      case 'CharacterClassRange':
        addRange(set, classByte(x.min, true), classByte(x.max, true));
        break;
      case 'CharacterSet':
        addAll(set, characterSet(x, mode));
        break;
      default:
        refuse('TMES0605', 'class set expressions need the v flag, which tmesc does not take', x.start, 1);
    }
  }
  // as in JavaScript: fold the listed characters, then negate (/[^a]/i matches neither a nor A)
  const folded = mode.ignoreCase ? foldAscii(set) : set;
  return e.negate ? complement(folded) : folded;
}

export function utf8(cp: number): number[] {
  return [...Buffer.from(String.fromCodePoint(cp), 'utf8')];
}
