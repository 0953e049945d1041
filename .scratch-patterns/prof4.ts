import { compilePattern } from '../src/patterns/pattern.js';
let seed = 7; const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed);
const ab = Buffer.from(Array.from({ length: 20000 }, () => (rnd() & 1024 ? 'a' : 'b')).join(''), 'latin1');
for (const src of ['(?:a|b)*a(?:a|b){14}!', '(?:a|b)*a(?:a|b){200}!', 'a(?:a|b){900}!']) {
  for (let r = 0; r < 3; r++) {
    const p = compilePattern(src, '');
    let t = performance.now();
    p.test(ab);
    const tt = performance.now() - t;
    const w1 = p.work;
    t = performance.now();
    const s = p.stream(); for (let i = 0; i < ab.length; i += 100) s.write(ab, () => {}, i, Math.min(ab.length, i + 100)); s.end(() => {});
    const ts = performance.now() - t;
    console.log(src, p.program.size, 'test', tt.toFixed(1), 'ms', w1, 'resets', p.dfaResets, (tt * 1e6 / w1).toFixed(0), 'ns/unit; stream', ts.toFixed(1), 'ms', p.work - w1);
  }
}
