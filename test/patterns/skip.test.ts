import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkPattern, compilePattern, type Pattern } from '../../src/patterns/pattern.js';
import { buildSkip, nextCandidate, type Skip } from '../../src/patterns/skip.js';
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

/**
 * A pattern whose matches all start with the same two or more bytes has its
 * candidates found by Buffer's native indexOf: the first position where the
 * prefix starts, counting a prefix cut by `end`, whatever lies past `end`.
 */
describe('the native search for a literal prefix', () => {
  const prefixed = fc
    .tuple(
      fc.array(fc.constantFrom('a', 'b', ':', '/', ' '), { minLength: 2, maxLength: 4 }),
      fc.array(patternSource, { minLength: 0, maxLength: 2 }),
      patternFlags.filter((f) => !f.includes('i')),
    )
    .map(([lit, parts, f]) => [lit.join(''), lit.join('') + parts.map((x) => `(?:${x})`).join(''), f] as const)
    .filter(([, s, f]) => checkPattern(s, f) === undefined);

  it('finds the first prefix, never past a match start, bounded by end', () => {
    let searched = 0;
    fc.assert(
      fc.property(
        prefixed,
        fc.array(fc.constantFrom('a', 'b', ':', '/', ' ', 'x'), { maxLength: 40 }),
        fc.nat(),
        ([lit, source, flags], chars, cut) => {
          const sk = buildSkip(compilePattern(source, flags).program);
          if (!sk?.prefix) return;
          searched++;
          expect(Buffer.from(sk.prefix).toString('latin1').startsWith(lit)).toBe(true);
          const text = chars.join('');
          const b = bytes(text);
          const end = cut % (b.length + 1);
          const pre = Buffer.from(sk.prefix).toString('latin1');
          const sticky = new RegExp(source, flags + 'y');
          for (let from = 0; from <= end; from++) {
            const cand = nextCandidate(sk, b, from, end);
            // the naive answer: a whole prefix inside [from, end), or one that end cuts
            let want = from;
            while (want < end && !pre.startsWith(text.slice(want, Math.min(end, want + pre.length)))) want++;
            expect(cand, `/${source}/ on ${JSON.stringify(text)} from ${from} to ${end}`).toBe(want);
            const first = [...Array(end - from).keys()]
              .map((k) => from + k)
              .find((i) => ((sticky.lastIndex = i), sticky.test(text.slice(0, end))));
            if (first !== undefined) expect(cand).toBeLessThanOrEqual(first);
          }
        },
      ),
      { numRuns: 300, seed: 7 },
    );
    expect(searched).toBeGreaterThan(100);
  });

  it("takes the user-info pattern's `://`, and no prefix where the first bytes vary", () => {
    expect(
      Buffer.from(buildSkip(compilePattern(String.raw`:\/\/[^\/?#@\s"'<>\\]{1,256}@`, '').program)!.prefix!).toString(),
    ).toBe('://');
    expect(buildSkip(compilePattern('authorization: basic [a-z0-9+/=]+', 'i').program)!.prefix).toBeUndefined();
    // the search stops at end: a prefix past it is not found, one cut by it is
    const sk = buildSkip(compilePattern('://[a-z]+@', '').program)!;
    const b = Buffer.from('http://u@h xx://');
    expect(nextCandidate(sk, b, 0, b.length)).toBe(4);
    expect(nextCandidate(sk, b, 5, 12)).toBe(12);
    expect(nextCandidate(sk, b, 5, 15)).toBe(13);
  });
});

/**
 * The matcher with the native prefix search against itself with the window
 * loop (the search before it): streams cut at random into segments placed
 * inside larger buffers (other bytes before and after them), every match and
 * every holdFrom() after each segment equal.
 */
describe('the prefix search against the window loop, on streams', () => {
  const withoutPrefix = (p: Pattern): Pattern => {
    const dfa = (p as unknown as { m: { dfa: { skip: Skip | undefined } } }).m.dfa;
    if (dfa.skip) dfa.skip = { ...dfa.skip, prefix: undefined };
    return p;
  };
  const sources = [
    String.raw`:\/\/[^\/?#@\s"'<>\\]{1,256}@`,
    '://[a-z]*@?',
    'ab[ab]*b',
    ':/',
    'a:(?:b|/)+$',
    '^ab',
    String.raw`\bab:`,
  ];
  const stream = fc.array(
    fc.oneof(
      fc.constantFrom('http://', 'u:p@', '://', ':/', '@', ' ', 'ab', 'a', 'b', ':', '/', '"', '\n', 'x'),
      fc.string({ maxLength: 3 }),
    ),
    { maxLength: 40 },
  );

  it('finds the same matches and holds back the same bytes, cut anywhere', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...sources),
        stream,
        fc.array(fc.nat(), { maxLength: 8 }),
        fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 6 }),
        fc.boolean(),
        (source, parts, cuts, junk, atStart) => {
          const text = Buffer.from(parts.join(''), 'latin1');
          const fast = compilePattern(source, '');
          expect(buildSkip(fast.program)?.prefix).toBeDefined();
          const slow = withoutPrefix(compilePattern(source, ''));
          const a = fast.stream(5, atStart);
          const b = slow.stream(5, atStart);
          const got: number[] = [];
          const want: number[] = [];
          const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((x, y) => x - y);
          let at = 0;
          for (const to of [...points, text.length]) {
            // the segment inside a larger buffer: bytes before and after it that are not its own
            const buf = Buffer.concat([
              Buffer.from(junk),
              text.subarray(at, to),
              Buffer.from(':///@' + 'ab'.repeat(3)),
            ]);
            a.write(buf, (s, e) => got.push(s, e), junk.length, junk.length + to - at);
            b.write(buf, (s, e) => want.push(s, e), junk.length, junk.length + to - at);
            expect(got).toEqual(want);
            expect(a.holdFrom()).toBe(b.holdFrom());
            at = to;
          }
          a.end((s, e) => got.push(s, e));
          b.end((s, e) => want.push(s, e));
          expect(got).toEqual(want);
        },
      ),
      { numRuns: 1500, seed: 12 },
    );
  });
});
