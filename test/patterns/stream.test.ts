import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkPattern, compilePattern } from '../../src/patterns/pattern.js';
import { bytes, input, patternFlags, patternSource } from './generators.js';

type Span = [number, number];

function oneShot(source: string, flags: string, text: string): Span[] {
  const out: Span[] = [];
  compilePattern(source, flags).findAll(bytes(text), 0, text.length, (s, e) => out.push([s, e]));
  return out;
}

/** Feeds `text` cut at `cuts`, each segment in a buffer of its own (as packets arrive), from stream offset `base`. */
function streamed(source: string, flags: string, text: string, cuts: number[], base = 0) {
  const p = compilePattern(source, flags);
  const s = p.stream(base);
  const found: Span[] = [];
  const onMatch = (a: number, b: number) => found.push([a, b]);
  const bounds = [0, ...[...new Set(cuts)].filter((c) => c > 0 && c < text.length).sort((x, y) => x - y), text.length];
  const checks: { holdFrom: number; reportedBefore: number }[] = [];
  for (let k = 0; k + 1 < bounds.length; k++) {
    const seg = bytes(text.slice(bounds[k], bounds[k + 1]));
    s.write(seg, onMatch);
    expect(s.offset).toBe(base + bounds[k + 1]);
    checks.push({ holdFrom: s.holdFrom(), reportedBefore: found.length });
  }
  s.end(onMatch);
  return { found, checks };
}

const accepted = fc.tuple(patternSource, patternFlags).filter(([s, f]) => checkPattern(s, f) === undefined);
const cutPoints = fc.array(fc.nat({ max: 40 }), { maxLength: 12 });

describe('streams: a pattern fed segment by segment', () => {
  it('finds what one pass over the whole text finds, at absolute offsets, however the text is cut', () => {
    fc.assert(
      fc.property(accepted, input, cutPoints, fc.nat({ max: 1 << 20 }), ([source, flags], text, cuts, base) => {
        const want = oneShot(source, flags, text);
        // ^ is the stream's start, so a stream that starts at `base` sees what the text sees at 0
        const got = streamed(source, flags, text, cuts, base).found.map(([a, b]) => [a - base, b - base]);
        expect(got, `/${source}/${flags} on ${JSON.stringify(text)} cut at ${cuts}`).toEqual(want);
      }),
      { numRuns: 1000, seed: 12 },
    );
  });

  it('says which bytes are settled: no match reported later reaches before holdFrom', () => {
    fc.assert(
      fc.property(accepted, input, cutPoints, ([source, flags], text, cuts) => {
        const { found, checks } = streamed(source, flags, text, cuts);
        for (const c of checks)
          for (const [a] of found.slice(c.reportedBefore)) expect(a).toBeGreaterThanOrEqual(c.holdFrom);
      }),
      { numRuns: 500, seed: 13 },
    );
  });

  it('decide() at any point still reports matches in order, apart, and over bytes already fed', () => {
    fc.assert(
      fc.property(accepted, input, cutPoints, ([source, flags], text, cuts) => {
        const s = compilePattern(source, flags).stream();
        const found: Span[] = [];
        const on = (a: number, b: number) => {
          expect(b).toBeLessThanOrEqual(s.offset);
          found.push([a, b]);
        };
        let at = 0;
        for (const c of [...cuts.filter((c) => c < text.length).sort((x, y) => x - y), text.length]) {
          s.write(bytes(text.slice(at, c)), on);
          at = Math.max(at, c);
          s.decide(on);
        }
        s.end(on);
        for (let k = 0; k < found.length; k++) {
          expect(found[k][0]).toBeLessThan(found[k][1]);
          if (k > 0) expect(found[k][0]).toBeGreaterThanOrEqual(found[k - 1][1]);
        }
      }),
      { numRuns: 300, seed: 14 },
    );
  });

  it('masks a password typed one byte a segment (Telnet), across any number of segments', () => {
    const p = compilePattern('password: *[^\\r\\n]+', 'i');
    const s = p.stream(1000);
    const text = 'login: bob\r\nPassword: hunter2\r\n$ ls\r\n';
    const found: Span[] = [];
    for (let i = 0; i < text.length; i++) s.write(bytes(text[i]), (a, b) => found.push([a, b]));
    s.end((a, b) => found.push([a, b]));
    const at = 1000 + text.indexOf('Password');
    expect(found).toEqual([[at, at + 'Password: hunter2'.length]]);
  });

  it('holds only what may still be part of a match, and its state stays small', () => {
    const p = compilePattern('secret=[0-9]+', '');
    const s = p.stream();
    const none = () => {};
    s.write(bytes('GET /?a=1&secr'), none);
    expect(s.holdFrom()).toBe(10); // "secr" may begin a match
    s.write(bytes('et=12'), none);
    expect(s.holdFrom()).toBe(10);
    const found: Span[] = [];
    s.write(bytes('34&b=2 '), (a, b) => found.push([a, b]));
    expect(found).toEqual([[10, 21]]);
    expect(s.holdFrom()).toBe(s.offset);
    // nothing under way: a handful of numbers, no arrays held
    expect(s.size).toBe(8);
    s.write(bytes('x'.repeat(10_000)), none);
    expect(s.size).toBe(8);
  });

  it('decide() makes what was found final and goes on searching after it', () => {
    const p = compilePattern('a+', '');
    const s = p.stream();
    const found: Span[] = [];
    const on = (a: number, b: number) => found.push([a, b]);
    s.write(bytes('xaaa'), on);
    expect(found).toEqual([]); // a longer run may follow
    expect(s.holdFrom()).toBe(1);
    s.decide(on);
    expect(found).toEqual([[1, 4]]);
    s.write(bytes('aab'), on);
    s.end(on);
    expect(found).toEqual([
      [1, 4],
      [4, 6],
    ]);
  });

  it('decide() keeps a search that began after the last match', () => {
    const p = compilePattern('ab|b+c', '');
    const s = p.stream();
    const found: Span[] = [];
    const on = (a: number, b: number) => found.push([a, b]);
    s.write(bytes('abbb'), on);
    s.decide(on);
    s.write(bytes('c'), on);
    s.end(on);
    expect(found).toEqual([
      [0, 2],
      [2, 5],
    ]);
  });

  it('$ is the end of the stream, not of a segment', () => {
    const p = compilePattern('ab$', '');
    const s = p.stream();
    const found: Span[] = [];
    const on = (a: number, b: number) => found.push([a, b]);
    s.write(bytes('xab'), on);
    s.write(bytes('ab'), on);
    expect(found).toEqual([]);
    s.end(on);
    expect(found).toEqual([[3, 5]]);
  });
});
