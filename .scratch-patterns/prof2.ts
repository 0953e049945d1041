import { compilePattern } from '../src/patterns/pattern.js';
const p = compilePattern('(?:a|b)*a(?:a|b){12}', '');
const buf = Buffer.from('ab'.repeat(2000), 'latin1');
for (let r = 0; r < 5; r++) {
  const t = performance.now(); const w = p.work;
  p.findAll(buf, 0, buf.length, () => {});
  console.log((performance.now() - t).toFixed(1), 'ms', p.work - w);
}
const q = compilePattern('\\w*\\w*\\w*\\w*\\w*\\w*\\w*\\w*!', '');
const b2 = Buffer.from('a'.repeat(4000), 'latin1');
for (let r = 0; r < 5; r++) {
  const t = performance.now(); const w = q.work;
  const s = q.stream(); for (let i = 0; i < b2.length; i++) s.write(b2, () => {}, i, i + 1); s.end(() => {});
  console.log('stream1', (performance.now() - t).toFixed(1), 'ms', q.work - w);
}
