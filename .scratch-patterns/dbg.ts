import { compilePattern } from '../src/patterns/pattern.js';
const s = compilePattern('[ab]{1,2}', '').stream();
const on = (a: number, b: number) => console.log('match', a, b, 'offset', s.offset);
s.write(Buffer.from('a'), on); console.log(JSON.stringify({...s.state, threads: [...s.state.threads], levels: [...s.state.levels]}));
s.decide(on); console.log(JSON.stringify({...s.state, threads: [...s.state.threads], levels: [...s.state.levels]}));
s.write(Buffer.from('aa'), on); console.log(JSON.stringify({...s.state, threads: [...s.state.threads], levels: [...s.state.levels]}));
s.end(on);
