import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compilePattern, type Pattern } from '../../src/patterns/pattern.js';
import { checkPattern } from '../../src/patterns/pattern.js';
import { patternFlags, patternSource } from './generators.js';

/**
 * The work every operation does (instructions visited and bytes scanned,
 * counted by the matcher itself, never time) grows linearly with the input:
 * on adversarial inputs, long runs of the pattern's own characters that
 * never complete a match, it is at most a constant times the program size
 * per byte, and doubling the input at most doubles it (plus what filling the
 * DFA's cache costs once).
 */
type Op = 'test' | 'findAll' | 'stream, 1 byte a segment' | 'stream, 7 bytes a segment';
const OPS: Op[] = ['test', 'findAll', 'stream, 1 byte a segment', 'stream, 7 bytes a segment'];

function workOf(source: string, flags: string, op: Op, input: Uint8Array): { work: number; size: number } {
  const p: Pattern = compilePattern(source, flags);
  const none = () => {};
  if (op === 'test') p.test(input);
  else if (op === 'findAll') p.findAll(input, 0, input.length, none);
  else {
    const step = op === 'stream, 1 byte a segment' ? 1 : 7;
    const s = p.stream();
    for (let i = 0; i < input.length; i += step) s.write(input, none, i, Math.min(input.length, i + step));
    s.end(none);
  }
  return { work: p.work, size: p.program.size };
}

function run(unit: string, n: number): Uint8Array {
  return Buffer.from(unit.repeat(Math.ceil(n / unit.length)).slice(0, n), 'latin1');
}

function expectLinear(source: string, flags: string, unit: string, n: number): void {
  for (const op of OPS) {
    const a = workOf(source, flags, op, run(unit, n));
    const b = workOf(source, flags, op, run(unit, 2 * n));
    const c = workOf(source, flags, op, run(unit, 4 * n));
    const what = `/${source}/${flags} over ${4 * n} bytes of ${JSON.stringify(unit)}, ${op}: ${a.work}, ${b.work}, ${c.work}`;
    // per byte, at most a few passes over the program
    expect(c.work, what).toBeLessThanOrEqual(4 * n * (4 * c.size + 4) + 8 * c.size);
    // and doubling the bytes does not more than double the work (beyond filling the DFA once)
    expect(c.work - b.work, what).toBeLessThanOrEqual(2 * (b.work - a.work) + 16 * c.size + 64);
  }
}

describe('work is linear in the input', () => {
  it("on issue 19's patterns, which stall a backtracking engine", () => {
    const cases: [string, string][] = [
      ['\\w*\\w*\\w*\\w*\\w*\\w*\\w*\\w*!', 'a'],
      ['a*a*a*a*a*a*a*a*a*a*a*a*!', 'a'],
      ['.*.*.*.*=x', '='],
      ['[a-z]+[a-z]+[a-z]+!', 'ab'],
      ['(a+)+$', 'aaaaab'],
      // every match waits on a longer one that never comes: searching again after each match would be quadratic
      ['a*b|a', 'a'],
      ['(a|aa)*b', 'a'],
      ['(?:a*)*b', 'a'],
      ['(?:x+x+)+y', 'x'],
      ['(.*a){12}!', 'ab'],
      // issue 19's a{0,30000}a{0,30000}! is refused (TMES0604); this is its shape within the limits
      ['a{0,300}a{0,300}!', 'a'],
      ['(?:a|b)*a(?:a|b){14}!', 'abbabaabbbaabab'],
    ];
    for (const [source, unit] of cases) expectLinear(source, '', unit, 1000);
  });

  it('on random patterns fed runs of their own characters', () => {
    const accepted = fc
      .tuple(patternSource, patternFlags)
      .filter(([s, f]) => checkPattern(s, f) === undefined && /[a-z0-9 _-]/i.test(s));
    fc.assert(
      fc.property(accepted, fc.integer({ min: 1, max: 5 }), ([source, flags], len) => {
        // the pattern's own literal characters, in the order they appear, cut to a short unit
        const own = [...new Set(source.replace(/\\./g, '').match(/[A-Za-z0-9 _-]/g) ?? ['a'])].join('');
        expectLinear(source, flags, own.slice(0, len) || 'a', 300);
      }),
      { numRuns: 150, seed: 23 },
    );
  });
});
