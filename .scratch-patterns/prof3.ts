import { compilePattern } from '../src/patterns/pattern.js';
for (const [src, unit] of [['a{0,1000}a{0,1000}!', 'a'], ['(?:a|b)*a(?:a|b){14}', 'abbabaabbbaababbab'], ['[a-q][^u-z]{13}x', 'abcdefghijklmnopq'], ['(?:.*a){10}!', 'ab']] as const) {
  for (let r = 0; r < 4; r++) {
    const p = compilePattern(src, '');
    const buf = Buffer.from(unit.repeat(Math.ceil(20000 / unit.length)), 'latin1');
    const t = performance.now();
    p.test(buf);
    console.log(src, p.program.size, (performance.now() - t).toFixed(1), 'ms', p.work, 'resets', p.dfaResets, ((performance.now() - t) * 1e6 / p.work).toFixed(0), 'ns/unit');
  }
}
