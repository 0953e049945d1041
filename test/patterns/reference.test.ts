import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkPattern, compilePattern } from '../../src/patterns/pattern.js';
import { bytes, input, patternFlags, patternSource } from './generators.js';

/** Matches as JavaScript's matchAll finds them (leftmost-first, non-overlapping). */
function v8Matches(source: string, flags: string, text: string): [number, number][] {
  return [...text.matchAll(new RegExp(source, flags + 'g'))].map((m) => [m.index!, m.index! + m[0].length]);
}

function ours(source: string, flags: string, text: string): [number, number][] {
  const out: [number, number][] = [];
  compilePattern(source, flags).findAll(bytes(text), 0, text.length, (s, e) => out.push([s, e]));
  return out;
}

const accepted = fc.tuple(patternSource, patternFlags).filter(([s, f]) => checkPattern(s, f) === undefined);

describe('patterns against V8 RegExp (ASCII, where the semantics agree)', () => {
  it('find the same matches, and test agrees with them', () => {
    fc.assert(
      fc.property(accepted, fc.array(input, { minLength: 1, maxLength: 4 }), ([source, flags], texts) => {
        const p = compilePattern(source, flags);
        for (const text of texts) {
          const want = v8Matches(source, flags, text);
          expect(ours(source, flags, text), `/${source}/${flags} on ${JSON.stringify(text)}`).toEqual(want);
          expect(p.test(bytes(text)), `test /${source}/${flags} on ${JSON.stringify(text)}`).toBe(want.length > 0);
        }
      }),
      { numRuns: 1500, seed: 19 },
    );
  });

  it('agree on a range of hand-picked cases', () => {
    const cases: [string, string, string][] = [
      ['pass|password', '', 'password=secret'],
      ['password|pass', '', 'password=secret'],
      ['a*b|a', '', 'aaaa'],
      ['a*b|a', '', 'aaab'],
      ['a+?b', '', 'aaab aab'],
      ['(a|ab)(c|bcd)(d*)', '', 'abcd abcdd'],
      ['\\bfoo\\b', '', 'foo afoo foo_ foo'],
      ['\\Boo\\B', '', 'foo afoo fooo'],
      ['^GET ', '', 'GET /x GET '],
      ['x$', '', 'axbx'],
      ['\\d{3}-\\d{4}', '', 'call 555-1234 or 555-9876'],
      ['[a-z]+[a-z]+[a-z]+!', 'i', 'Hello World!'],
      ['user=\\w+', 'i', 'USER=bob&user=alice'],
      ['.+', '', 'one\r\ntwo\nthree'],
      ['.+', 's', 'one\r\ntwo'],
      ['(?:ab|a)(?:bc|c)?', '', 'abc abcbc'],
      ['(a+)+$', '', 'aaaaaaaab'],
      ['(?:a|b)*?b', '', 'aabab'],
    ];
    for (const [s, f, t] of cases)
      expect(ours(s, f, t), `/${s}/${f} on ${JSON.stringify(t)}`).toEqual(v8Matches(s, f, t));
  });
});
