import { describe, expect, it } from 'vitest';
import { compilePattern } from '../../../src/patterns/pattern.js';
import { EditList } from '../../../src/runtime/actions/replace-edits.js';
import { RewriteShared, RewriteStream } from '../../../src/runtime/actions/replace-stream.js';

/**
 * The stream rewriting on its own: whatever the cut of the input into
 * segments, the output is what chained JavaScript `replace(/re/g, text)`
 * calls make of the whole; a range synthesized from the edits is the
 * output's bytes between map(a) and map(b); the sum of the shifts is the
 * sum of the length changes.
 */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const bytes = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'));
const str = (b: Uint8Array) => Buffer.from(b).toString('latin1');

/** Substitutions whose leftmost-first matches are JavaScript's (docs/language.md, "Which matches"). */
const SUBS: [string, string, string][][] = [
  [['ab', '', 'X']],
  [['a+b', '', '']],
  [['b', '', 'bbb']],
  [
    ['a', '', 'bb'],
    ['b', '', 'c'],
  ],
  [
    ['ab|ba', '', 'Q'],
    ['Q+', '', 'qq'],
    ['c', '', ''],
  ],
  [['[ab]{2,5}c', 'i', '-']],
  [['a.*?b', '', '<>']],
  [['\\bab', '', 'AB']],
  [
    ['c$', '', 'END'],
    ['^a', '', 'START'],
  ],
];

function jsReplace(input: string, subs: [string, string, string][]): string {
  return subs.reduce((s, [src, flags, text]) => s.replace(new RegExp(src, `g${flags}`), () => text), input);
}

function sharedOf(subs: [string, string, string][]): RewriteShared {
  return new RewriteShared(subs.map(([s, f, t]) => ({ pattern: compilePattern(s, f), text: bytes(t) })));
}

function randomInput(r: () => number): string {
  const n = Math.floor(r() * 60);
  let s = '';
  for (let i = 0; i < n; i++) s += 'abc '[Math.floor(r() * 4)];
  return s;
}

/** Writes the input in random segments, holding each until decided; returns the output and the segments' output cuts. */
function streamed(input: string, shared: RewriteShared, r: () => number): { out: string; shift: number } {
  const st = new RewriteStream(shared, 0, true);
  const data = bytes(input);
  const cuts: number[] = [0];
  for (let p = 0; p < data.length;) {
    p = Math.min(data.length, p + 1 + Math.floor(r() * 7));
    cuts.push(p);
  }
  const pieces: string[] = [];
  let next = 0;
  let written = 0;
  // a segment goes out once written and decided (past what was written, nothing is under way)
  const release = () => {
    while (next < written && st.decidedUpTo(cuts[next + 1])) {
      const a = cuts[next];
      const b = cuts[next + 1];
      const { buf, length } = st.synth(data, a, a, b);
      expect(length).toBe(st.map(b) - st.map(a));
      pieces.push(str(buf.subarray(0, length)));
      next++;
    }
  };
  for (let i = 0; i + 1 < cuts.length; i++) {
    st.write(data, cuts[i], cuts[i + 1]);
    written++;
    release();
  }
  st.end();
  release();
  expect(next).toBe(cuts.length - 1);
  return { out: pieces.join(''), shift: st.shift };
}

describe('RewriteStream', () => {
  it('gives chained JavaScript replace() output however the stream is cut', () => {
    const r = rng(7);
    let cases = 0;
    for (const subs of SUBS) {
      // one compiled pattern serves every stream (one thread's use)
      const shared = sharedOf(subs);
      for (let i = 0; i < 150; i++) {
        const input = randomInput(r);
        const expected = jsReplace(input, subs);
        const { out, shift } = streamed(input, shared, r);
        expect(out, `${JSON.stringify(subs)} on ${JSON.stringify(input)}`).toBe(expected);
        // the sum of the shifts is the sum of the length changes
        expect(shift).toBe(expected.length - input.length);
        cases++;
      }
    }
    expect(cases).toBe(SUBS.length * 150);
  });

  it('rewrites any range again as it did the first time (a retransmission, cut anywhere)', () => {
    const r = rng(11);
    for (const subs of SUBS) {
      const shared = sharedOf(subs);
      for (let i = 0; i < 60; i++) {
        const input = randomInput(r);
        const st = new RewriteStream(shared, 0, true);
        const data = bytes(input);
        st.write(data, 0, data.length);
        st.end();
        const whole = jsReplace(input, subs);
        for (let k = 0; k < 10; k++) {
          const a = Math.floor(r() * (data.length + 1));
          const b = a + Math.floor(r() * (data.length - a + 1));
          const { buf, length } = st.synth(data, a, a, b);
          expect(str(buf.subarray(0, length))).toBe(whole.slice(st.map(a), st.map(b)));
        }
      }
    }
  });

  it('holds back only what a match under way may still cover', () => {
    const shared = new RewriteShared([{ pattern: compilePattern('Server: [^\\r\\n]*', ''), text: bytes('S: x') }]);
    const st = new RewriteStream(shared, 0, true);
    const d = bytes('HTTP/1.1 200 OK\r\nServer: Apa');
    st.write(d, 0, d.length);
    expect(st.decidedUpTo(17)).toBe(true);
    expect(st.decidedUpTo(18)).toBe(false);
    const e = bytes('che\r\n');
    st.write(e, 0, e.length);
    expect(st.decidedUpTo(d.length + e.length)).toBe(true);
    expect(st.map(d.length + e.length)).toBe(d.length + e.length - 'Server: Apache'.length + 4);
  });

  it('forced decisions cut a match under way and search on after it', () => {
    const shared = new RewriteShared([{ pattern: compilePattern('a+', ''), text: bytes('A') }]);
    const st = new RewriteStream(shared, 0, true);
    const d = bytes('xaaa');
    st.write(d, 0, 4);
    expect(st.decidedUpTo(4)).toBe(false);
    st.force();
    expect(st.decidedUpTo(4)).toBe(true);
    const e = bytes('aab');
    st.write(e, 0, 3);
    st.end();
    // the run of a's was cut in two by the decision
    expect(str(st.synth(d, 0, 0, 4).buf.subarray(0, 2))).toBe('xA');
    const tail = st.synth(e, 0, 4, 7);
    expect(str(tail.buf.subarray(0, tail.length))).toBe('Ab');
  });

  it('skips a gap: the bytes after it are searched afresh, the ones in it map with the shift before', () => {
    const shared = new RewriteShared([{ pattern: compilePattern('ab', ''), text: bytes('') }]);
    const st = new RewriteStream(shared, 0, true);
    st.write(bytes('abab'), 0, 4);
    st.skipTo(10);
    st.write(bytes('xab'), 0, 3);
    st.end();
    expect(st.map(4)).toBe(0);
    expect(st.map(10)).toBe(6);
    expect(st.map(13)).toBe(7);
  });
});

describe('EditList', () => {
  it('forgets acknowledged edits but keeps the newest, and knows a range it can no longer redo', () => {
    const l = new EditList(bytes('xy'));
    for (let i = 0; i < 100; i++) l.add(10 * i, 10 * i + 5);
    const before = l.map(995);
    l.forget(500, 8);
    expect(l.size).toBe(50);
    expect(l.map(995)).toBe(before);
    expect(l.forgottenEnd).toBe(495);
    l.forget(2000, 8);
    expect(l.size).toBe(8);
    expect(l.map(995)).toBe(before);
    l.cap(3);
    expect(l.size).toBe(3);
    expect(l.map(2000)).toBe(2000 - 300);
  });
});
