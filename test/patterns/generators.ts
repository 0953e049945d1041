import fc from 'fast-check';
import { checkPattern } from '../../src/patterns/pattern.js';

/**
 * Small patterns over a small alphabet, built from every construct the
 * dialect shares with JavaScript (classes, \w \d \s, dot, groups, greedy and
 * lazy quantifiers, alternation, ^ $ \b \B), and inputs over the same
 * alphabet, so that matches are frequent and V8's RegExp can serve as the
 * reference. ASCII only: that is where the dialect and JavaScript agree
 * (docs/language.md lists where they part).
 */
export const ALPHABET = ['a', 'A', 'b', 'c', '1', ' ', '-', '_', '\n', '\r'];

const literal = fc.constantFrom('a', 'b', 'c', 'A', '1', '-', ' ', '\\n', '_');
const klass = fc.constantFrom('[ab]', '[^a]', '[a-c]', '[^\\s]', '[\\d-]', '[A-Z_]', '[^]');
const escape = fc.constantFrom('.', '\\w', '\\d', '\\s', '\\W', '\\S', '\\D');
const assertion = fc.constantFrom('^', '$', '\\b', '\\B');
const quantifier = fc.constantFrom(
  '',
  '',
  '',
  '*',
  '+',
  '?',
  '{2}',
  '{1,2}',
  '{0,3}',
  '{2,}',
  '*?',
  '+?',
  '??',
  '{1,3}?',
);

const canMatchEmpty = (body: string) => checkPattern(body, '')?.code === 'TMES0602';

function alt(depth: number): fc.Arbitrary<string> {
  const atom = fc.oneof(literal, klass, escape);
  const piece =
    depth === 0
      ? fc.oneof(
          fc.tuple(atom, quantifier).map(([a, q]) => a + q),
          assertion,
        )
      : fc.oneof(
          { weight: 3, arbitrary: fc.tuple(atom, quantifier).map(([a, q]) => a + q) },
          { weight: 1, arbitrary: assertion },
          {
            weight: 1,
            arbitrary: fc
              .tuple(fc.constantFrom('(?:', '('), alt(depth - 1), quantifier)
              // a repeated part that can match nothing is where JavaScript parts from RE2 and Perl (docs/design/patterns.md)
              .map(([open, body, q]) => `${open}${body})${q && !canMatchEmpty(body) ? q : ''}`),
          },
        );
  const seq = fc.array(piece, { minLength: 1, maxLength: 4 }).map((x) => x.join(''));
  return fc.array(seq, { minLength: 1, maxLength: 3 }).map((x) => x.join('|'));
}

export const patternSource: fc.Arbitrary<string> = alt(2);

export const patternFlags = fc.constantFrom('', 'i', 's', 'is');

export const input = fc.array(fc.constantFrom(...ALPHABET), { maxLength: 40 }).map((a) => a.join(''));

export const bytes = (s: string): Uint8Array => Buffer.from(s, 'latin1');
