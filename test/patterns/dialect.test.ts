import { describe, expect, it } from 'vitest';
import { MAX_PATTERN_LENGTH, MAX_PROGRAM_SIZE, MAX_REPEAT } from '../../src/patterns/limits.js';
import { checkPattern, compilePattern } from '../../src/patterns/pattern.js';
import { CODES } from '../../src/diagnostics/codes.js';

/** The spans of every match of /source/flags in `data`. */
function spans(source: string, flags: string, data: Uint8Array | string): [number, number][] {
  const b = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
  const out: [number, number][] = [];
  compilePattern(source, flags).findAll(b, 0, b.length, (s, e) => out.push([s, e]));
  return out;
}
const hits = (source: string, flags: string, data: Uint8Array | string) => spans(source, flags, data).length > 0;

describe('the pattern dialect: JavaScript syntax over payload bytes', () => {
  it('classes \\d \\w \\s are ASCII; \\s leaves out 0xA0, which in a payload is usually inside a UTF-8 character', () => {
    expect(hits('\\s', '', Uint8Array.of(0xa0))).toBe(false);
    expect(hits('\\S', '', Uint8Array.of(0xa0))).toBe(true);
    expect(spans('\\s+', '', ' \t\n\v\f\r')).toEqual([[0, 6]]);
    expect(hits('\\w', '', Uint8Array.of(0xe9))).toBe(false);
    expect(hits('\\d', '', '٣')).toBe(false);
  });

  it('. is any byte but \\n and \\r (as in JavaScript); with s, any byte', () => {
    expect(spans('a.c', '', 'a\nc a\rc a\x00c a\xffc')).toEqual([
      [8, 11],
      [12, 15],
    ]);
    expect(spans('a.c', 's', 'a\nc a\rc')).toEqual([
      [0, 3],
      [4, 7],
    ]);
  });

  it('i folds ASCII letters only', () => {
    expect(spans('user', 'i', 'USER User uSeR')).toHaveLength(3);
    expect(hits('[a-c]+x', 'i', 'ABCX')).toBe(true);
    expect(hits('[^a]', 'i', 'A')).toBe(false);
    // é in Latin-1 is not folded to É: bytes above 0x7F are not taken for letters
    expect(hits('\\xe9', 'i', Uint8Array.of(0xc9))).toBe(false);
  });

  it('a character above 0x7F stands for its UTF-8 bytes; \\xHH for one byte', () => {
    expect(spans('café', '', Buffer.from('un café', 'utf8'))).toEqual([[3, 8]]);
    expect(spans('caf\\u00e9', '', Buffer.from('café', 'utf8'))).toEqual([[0, 5]]);
    expect(hits('café', '', Buffer.from('café', 'latin1'))).toBe(false);
    expect(spans('caf\\xe9', '', Buffer.from('café', 'latin1'))).toEqual([[0, 4]]);
    expect(spans('(?:😀)+', '', Buffer.from('x😀😀', 'utf8'))).toEqual([[1, 9]]);
    expect(spans('[\\x80-\\xff]+', '', Uint8Array.of(0x41, 0x80, 0xff, 0x41))).toEqual([[1, 3]]);
  });

  it('^ and $ are the payload start and end; \\b and \\B look at ASCII \\w', () => {
    expect(spans('^ab', '', 'abab')).toEqual([[0, 2]]);
    expect(spans('ab$', '', 'abab')).toEqual([[2, 4]]);
    expect(spans('^ab$', '', 'ab\nab')).toEqual([]);
    expect(spans('\\bid\\b', '', 'id xid id_ (id)')).toEqual([
      [0, 2],
      [12, 14],
    ]);
    // the payload's own bounds, even inside a larger buffer
    const buf = Buffer.from('xxabxx', 'latin1');
    const p = compilePattern('^ab$', '');
    expect(p.test(buf, 2, 4)).toBe(true);
    expect(p.test(buf, 1, 4)).toBe(false);
    const found: number[][] = [];
    p.findAll(buf, 2, 4, (s, e) => found.push([s, e]));
    expect(found).toEqual([[2, 4]]);
  });

  it('takes groups, named groups, non-capturing groups, lazy quantifiers and (?i:...) modifiers', () => {
    expect(spans('(?<k>key)=(\\w+?)&', '', 'key=abc&')).toEqual([[0, 8]]);
    expect(spans('a(?i:b)c', '', 'aBc abc ABC')).toEqual([
      [0, 3],
      [4, 7],
    ]);
    expect(spans('<.+?>', '', '<a><b>')).toEqual([
      [0, 3],
      [3, 6],
    ]);
  });

  it('finds leftmost-first matches, as JavaScript, RE2 and Perl do', () => {
    expect(spans('pass|password', '', 'password')).toEqual([[0, 4]]);
    expect(spans('password|pass', '', 'password')).toEqual([[0, 8]]);
  });

  it('find() gives the first match', () => {
    const p = compilePattern('\\d+', '');
    expect(p.find(Buffer.from('ab 12 345'))).toEqual([3, 5]);
    expect(p.find(Buffer.from('none'))).toBeUndefined();
  });
});

describe('what the dialect refuses, and why', () => {
  const refused: [string, string, string, number?][] = [
    ['(a)\\1', '', 'TMES0601', 3],
    ['(?<n>a)\\k<n>', '', 'TMES0601', 7],
    ['a(?=b)', '', 'TMES0601', 1],
    ['a(?!b)', '', 'TMES0601', 1],
    ['(?<=a)b', '', 'TMES0601', 0],
    ['(?<!a)b', '', 'TMES0601', 0],
    ['x*', '', 'TMES0602'],
    ['a?|\\b', '', 'TMES0602'],
    ['(?:)', '', 'TMES0602'],
    ['a(b', '', 'TMES0600'],
    ['[z-a]', '', 'TMES0600'],
    ['a', 'g', 'TMES0600'],
    ['a', 'm', 'TMES0600'],
    ['a', 'u', 'TMES0600'],
    ['a', 'ii', 'TMES0600'],
    ['a', 'x', 'TMES0600'],
    ['a{0,30000}a{0,30000}!', '', 'TMES0604', 0],
    ['a{1001}', '', 'TMES0604', 0],
    ['(?:[a-z]{100}){100}', '', 'TMES0604'],
    ['a'.repeat(MAX_PATTERN_LENGTH + 1), '', 'TMES0603'],
    ['a'.repeat(50_000), '', 'TMES0603'],
    ['[é]', '', 'TMES0605', 1],
    ['[\\u00e9]', '', 'TMES0605', 1],
    ['\\p{L}', '', 'TMES0605', 0],
    ['\\1', '', 'TMES0605', 0],
    ['\\012', '', 'TMES0605', 0],
    ['\\q', '', 'TMES0605', 0],
    ['\\c1', '', 'TMES0605', 0],
    ['(?m:a)', '', 'TMES0605', 2],
    ['\\ud83d', '', 'TMES0605', 0],
    ['😀+', '', 'TMES0605', 0],
  ];
  for (const [source, flags, code, offset] of refused)
    it(`/${source.slice(0, 30)}${source.length > 30 ? '...' : ''}/${flags}: ${code}`, () => {
      const p = checkPattern(source, flags);
      expect(p?.code).toBe(code);
      expect(p?.message.length).toBeGreaterThan(20);
      if (offset !== undefined) expect(p?.offset).toBe(offset);
    });

  it("accepts issue 19's patterns, which only a backtracking engine runs in exponential time", () => {
    for (const s of [
      '\\w*\\w*\\w*\\w*\\w*\\w*\\w*\\w*!',
      'a*a*a*a*a*a*a*a*a*a*a*a*!',
      '.*.*.*.*=x',
      '[a-z]+[a-z]+[a-z]+!',
    ])
      expect(checkPattern(s, '')).toBeUndefined();
    expect(checkPattern('(a+)+$', '')).toBeUndefined();
  });

  it('the limits in the diagnostics catalogue are the ones the compiler applies', () => {
    expect(CODES.get('TMES0603')!.help).toContain(`${MAX_PATTERN_LENGTH} characters`);
    expect(CODES.get('TMES0604')!.help).toContain(`at most ${MAX_REPEAT}`);
    expect(CODES.get('TMES0604')!.help).toContain(`${MAX_PROGRAM_SIZE} instructions`);
    expect(checkPattern('a'.repeat(MAX_PATTERN_LENGTH), '')).toBeUndefined();
    expect(checkPattern(`a{${MAX_REPEAT}}`, '')).toBeUndefined();
  });
});
