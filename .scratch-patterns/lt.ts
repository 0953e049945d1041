import { compilePattern } from '../src/patterns/pattern.js';
const cases: [string, string][] = [
      ['\\w*\\w*\\w*\\w*\\w*\\w*\\w*\\w*!', 'a'], ['a*a*a*a*a*a*a*a*a*a*a*a*!', 'a'], ['.*.*.*.*=x', '='], ['[a-z]+[a-z]+[a-z]+!', 'ab'], ['(a+)+$', 'aaaaab'], ['(a|aa)*b', 'a'], ['(?:a*)*b', 'a'], ['(?:x+x+)+y', 'x'], ['(.*a){12}!', 'ab'], ['a{0,1000}a{0,1000}!', 'a'], ['(?:a|b)*a(?:a|b){14}!', 'abbabaabbbaabab'],
];
for (const [src, unit] of cases) {
  const t = performance.now();
  for (const n of [1000, 2000, 4000]) {
    const buf = Buffer.from(unit.repeat(n).slice(0, n), 'latin1');
    compilePattern(src, '').test(buf);
    compilePattern(src, '').findAll(buf, 0, n, () => {});
    const p = compilePattern(src, ''); const s = p.stream(); for (let i = 0; i < n; i++) s.write(buf, () => {}, i, i + 1); s.end(() => {});
    const q = compilePattern(src, ''); const s2 = q.stream(); for (let i = 0; i < n; i += 7) s2.write(buf, () => {}, i, Math.min(n, i + 7)); s2.end(() => {});
  }
  console.log(src, (performance.now() - t).toFixed(0));
}
