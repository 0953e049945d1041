import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkPattern, compilePattern } from '../../src/patterns/pattern.js';
import { buildSkip, nextCandidate } from '../../src/patterns/skip.js';
import { bytes, input, patternFlags, patternSource } from './generators.js';

/**
 * The skip (Horspool over byte sets) may only pass over positions where no
 * match starts: from any position, the next candidate is never beyond the
 * next match start.
 */
describe('skipping where no match can start', () => {
  const accepted = fc
    .tuple(
      fc.array(fc.constantFrom('a', 'b', 'c', '1', '-', ' '), { minLength: 2, maxLength: 5 }),
      fc.array(patternSource, { minLength: 1, maxLength: 3 }),
      patternFlags,
    )
    // a literal run in front, so that most patterns have a skip worth taking
    .map(([lit, parts, f]) => [lit.join('') + parts.map((x) => `(?:${x})`).join(''), f] as const)
    .filter(([s, f]) => checkPattern(s, f) === undefined);

  it('never passes a match start', () => {
    let skips = 0;
    fc.assert(
      fc.property(accepted, fc.array(input, { minLength: 1, maxLength: 3 }), ([source, flags], texts) => {
        const p = compilePattern(source, flags);
        const sk = buildSkip(p.program);
        if (!sk) return;
        skips++;
        const text = texts.join('');
        const starts = [...text.matchAll(new RegExp(source, flags + 'g'))].map((m) => m.index!);
        // every match start, even of overlapping matches: a match may start at any position
        const sticky = new RegExp(source, flags + 'y');
        const all = [...Array(text.length).keys()].filter((i) => ((sticky.lastIndex = i), sticky.test(text)));
        expect(all).toEqual(expect.arrayContaining(starts));
        const b = bytes(text);
        for (let from = 0; from <= text.length; from++) {
          const next = all.find((s) => s >= from);
          const cand = nextCandidate(sk, b, from, b.length);
          if (next !== undefined)
            expect(cand, `/${source}/${flags} on ${JSON.stringify(text)} from ${from}`).toBeLessThanOrEqual(next);
        }
      }),
      { numRuns: 400, seed: 31 },
    );
    expect(skips).toBeGreaterThan(200);
  });

  it('builds a skip for a pattern with a selective prefix, none where it could not move', () => {
    const sk = buildSkip(compilePattern('authorization: basic [a-z0-9+/=]+', 'i').program)!;
    // the window ends at the space of "basic ", rarer in text than the class after it
    expect(sk.k).toBe(21);
    const text = Buffer.from('GET / HTTP/1.1\r\nHost: x\r\nAuthorization: Basic YWxhZGRpbjpvcGVuc2VzYW1l\r\n');
    expect(nextCandidate(sk, text, 0, text.length)).toBe(text.indexOf('Authorization'));
    expect(buildSkip(compilePattern('.+x', '').program)).toBeUndefined();
    expect(buildSkip(compilePattern('a', '').program)).toBeUndefined();
  });
});
