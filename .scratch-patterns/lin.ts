import { compilePattern } from '../src/patterns/pattern.js';
const cases: [string, string][] = [
  ['\\w*\\w*\\w*\\w*\\w*\\w*\\w*\\w*!', 'a'],
  ['a*a*a*a*a*a*a*a*a*a*a*a*!', 'a'],
  ['.*.*.*.*=x', '='],
  ['[a-z]+[a-z]+[a-z]+!', 'ab'],
  ['(a+)+$', 'aaab'],
  ['(a|aa)*b', 'a'],
  ['(?:a*)*b', 'a'],
  ['a{0,1000}a{0,1000}!', 'a'],
  ['(?:a|b)*a(?:a|b){12}', 'ab'],
  ['a*b|a', 'a'],
  ['(?:x+x+)+y', 'x'],
];
for (const [src, unit] of cases) {
  const row: string[] = [];
  for (const op of ['test', 'findAll', 'stream1']) {
    const per: number[] = [];
    for (const n of [1000, 2000, 4000]) {
      const p = compilePattern(src, '');
      const buf = Buffer.from(unit.repeat(Math.ceil(n / unit.length)).slice(0, n), 'latin1');
      const t = performance.now();
      if (op === 'test') p.test(buf);
      else if (op === 'findAll') p.findAll(buf, 0, buf.length, () => {});
      else { const s = p.stream(); for (let i = 0; i < buf.length; i++) s.write(buf, () => {}, i, i + 1); s.end(() => {}); }
      per.push(p.work);
      if (n === 4000) row.push(`${op}: ${per.map((w) => (w / 1000).toFixed(0) + 'k').join('/')} ${(performance.now() - t).toFixed(1)}ms`);
    }
  }
  console.log(src.padEnd(28), compilePattern(src, '').program.size, row.join('  '));
}
