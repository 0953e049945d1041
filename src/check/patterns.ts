/**
 * Patterns run over every packet's payload, so a pattern that backtracks
 * exponentially is a denial of service waiting for a crafted packet. JavaScript's
 * engine backtracks, so tmesc admits only the patterns on which it cannot blow
 * up: no backreferences, no lookaround, and no quantified group that itself
 * contains a quantifier or an alternation (the shapes behind catastrophic
 * backtracking, e.g. (a+)+ or (a|aa)*).
 */
export type PatternProblem = { code: 'TMES0600' | 'TMES0601' | 'TMES0602'; message: string; offset: number };

const ALLOWED_FLAGS = /^[is]*$/;

export function checkPattern(source: string, flags: string): PatternProblem | undefined {
  if (!ALLOWED_FLAGS.test(flags))
    return {
      code: 'TMES0600',
      message: `pattern flags '${flags}' are not supported; use i (ignore case) and s (dot matches newline)`,
      offset: 0,
    };
  try {
    new RegExp(source, flags);
  } catch (e) {
    return {
      code: 'TMES0600',
      message: `invalid pattern: ${(e as Error).message.replace(/^Invalid regular expression: /, '')}`,
      offset: 0,
    };
  }
  const stack: { start: number; risky: boolean }[] = [];
  let risky = false; // does the current group so far contain a quantifier or alternation?
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const ch = source[i];
    if (ch === '\\') {
      const next = source[i + 1] ?? '';
      if (/[1-9]/.test(next) || next === 'k')
        return {
          code: 'TMES0601',
          message: 'pattern uses a backreference, which can take exponential time',
          offset: i,
        };
      i++;
      continue;
    }
    if (inClass) {
      if (ch === ']') inClass = false;
      continue;
    }
    if (ch === '[') {
      inClass = true;
      continue;
    }
    if (ch === '(') {
      if (
        source.startsWith('(?=', i) ||
        source.startsWith('(?!', i) ||
        source.startsWith('(?<=', i) ||
        source.startsWith('(?<!', i)
      ) {
        return { code: 'TMES0601', message: 'pattern uses lookaround, which tmesc does not run', offset: i };
      }
      stack.push({ start: i, risky });
      risky = false;
      continue;
    }
    if (ch === '|') {
      risky = true;
      continue;
    }
    if (ch === ')') {
      const open = stack.pop();
      const innerRisky = risky;
      risky = open ? open.risky : false;
      const q = quantifierAt(source, i + 1);
      if (q === 'unbounded' && innerRisky) {
        return {
          code: 'TMES0601',
          message:
            'a repeated group contains a repetition or alternation (as in (a+)+ or (a|b)*), which can take exponential time; repeat a character class instead',
          offset: open ? open.start : i,
        };
      }
      if (q !== 'none') risky = true;
      if (innerRisky) risky = true;
      continue;
    }
    if (quantifierAt(source, i) !== 'none') risky = true;
  }
  if (new RegExp(`^(?:${source})$`, flags).test(''))
    return { code: 'TMES0602', message: 'pattern can match the empty string', offset: 0 };
  return undefined;
}

function quantifierAt(s: string, i: number): 'none' | 'bounded' | 'unbounded' {
  const ch = s[i];
  if (ch === '*' || ch === '+') return 'unbounded';
  if (ch === '?') return 'bounded';
  if (ch === '{') {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(s.slice(i));
    if (!m) return 'none';
    if (m[2] && m[3] === '') return 'unbounded';
    const max = m[3] !== undefined ? Number(m[3]) : Number(m[1]);
    return max > 1 ? 'unbounded' : 'bounded';
  }
  return 'none';
}
