import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CardScanner } from '../../../src/runtime/actions/mask-card.js';
import { CredentialScanner, credentialSession } from '../../../src/runtime/actions/credentials/credentials.js';
import {
  CARD_MIN_DIGITS,
  C_BREAK,
  C_DIGIT,
  C_JUMP,
  C_SEP,
  C_WORD_END,
  findCard,
  findClass,
  findWork,
  RUN_HIGH,
  RUN_LOW,
  load,
  markClass,
  shuffleTables,
} from '../../../src/runtime/actions/mask-wasm.js';

/**
 * The next-trigger finder (mask-wasm.ts) against plain JavaScript loops that
 * say what each of its searches means, on random bytes rich in the bytes of
 * its classes, segments placed anywhere inside larger buffers (it must not
 * see past its segment), and on segments larger than its first memory (the
 * memory grows). What the scanners make of its answers is checked by the
 * scanners' own tests (Always against Never: credentials-native,
 * credentials-line-filter, mask-card-native, mask-segment-text).
 */

const CLASS_OF: Record<number, number> = {};
const mark = (bit: number, bytes: number[]) => bytes.forEach((b) => (CLASS_OF[b] = (CLASS_OF[b] ?? 0) | bit));
mark(C_DIGIT, [0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39]);
mark(C_SEP, [0x20, 0x2d]);
mark(C_JUMP, [0x3d, 0x22, 0x27, 0x3c, 0xff]);
mark(C_BREAK, [0x0d, 0x0a]);
mark(C_WORD_END, [0x20, 0x09, 0x3a, 0x0d, 0x0a]);
const classOf = (b: number) => CLASS_OF[b] ?? 0;

function findClassJs(bytes: Uint8Array, i: number, to: number, mask: number): number {
  while (i < to && (classOf(bytes[i]) & mask) === 0) i++;
  return i;
}

/**
 * Where card-number has work (mask-card.ts): the first digit whose next
 * CARD_MIN_DIGITS bytes, or all of them to the end, are digits or separators.
 */
function findCardJs(bytes: Uint8Array, i: number, to: number): number {
  for (; i < to; i++) {
    if ((classOf(bytes[i]) & C_DIGIT) === 0) continue;
    let j = i;
    while (j < to && j - i < CARD_MIN_DIGITS && (classOf(bytes[j]) & (C_DIGIT | C_SEP)) !== 0) j++;
    if (j === to || j - i === CARD_MIN_DIGITS) return i;
  }
  return to;
}

const byte = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(0x61, 0x7a, 0x41, 0x00, 0x80, 0xfe) },
  { weight: 3, arbitrary: fc.integer({ min: 0x30, max: 0x39 }) },
  { weight: 2, arbitrary: fc.constantFrom(0x20, 0x09, 0x2d, 0x3a, 0x0d, 0x0a, 0x3d, 0x22, 0x27, 0x3c, 0xff) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 255 }) },
);
const segment = fc.record({
  before: fc.uint8Array({ maxLength: 9 }),
  bytes: fc.array(byte, { maxLength: 300 }).map((a) => Uint8Array.from(a)),
  after: fc.uint8Array({ maxLength: 9 }),
});
const masks = [C_DIGIT, C_SEP, C_JUMP, C_BREAK, C_WORD_END, C_JUMP | C_BREAK, 0x1f];

describe('the next-trigger finder against JavaScript loops', () => {
  it('finds the next byte of a class and the next card run from every index', () => {
    fc.assert(
      fc.property(segment, ({ before, bytes, after }) => {
        const buf = Buffer.concat([before, bytes, after]);
        const from = before.length;
        const to = from + bytes.length;
        const delta = load(buf, from, to);
        for (let i = from; i <= to; i++) {
          for (const m of masks) expect(findClass(i, to, m, delta)).toBe(findClassJs(buf, i, to, m));
          expect(findCard(i, to, delta)).toBe(findCardJs(buf, i, to));
        }
      }),
      { numRuns: 300, seed: 20261207 },
    );
  });

  it('finds the next card run from every index where runs of digits and separators are near 13 bytes long', () => {
    // runs of 11 to 15 digit-or-separator bytes, one other byte between, so a run test off by one either way,
    // a start not at a digit, or a run that reaches the end (or past it, into the buffer's other bytes) shows
    const run = fc
      .array(fc.constantFrom(0x30, 0x34, 0x39, 0x39, 0x31, 0x20, 0x2d), { minLength: 11, maxLength: 15 })
      .map((a) => Uint8Array.from(a));
    const runs = fc
      .array(fc.tuple(run, fc.constantFrom(0x61, 0x3a, 0x0a, 0x2f, 0xff)), { maxLength: 12 })
      .map((rs) => Uint8Array.from(rs.flatMap(([r, b]) => [...r, b])));
    const around = fc.uint8Array({ maxLength: 20 }).map((a) => a.map((b, k) => (k % 2 === 0 ? 0x35 : b)));
    fc.assert(
      fc.property(around, runs, fc.nat(20), around, (before, bytes, cut, after) => {
        const body = bytes.subarray(0, Math.max(0, bytes.length - cut));
        const buf = Buffer.concat([before, body, after]);
        const from = before.length;
        const to = from + body.length;
        const delta = load(buf, from, to);
        for (let i = from; i <= to; i++) expect(findCard(i, to, delta)).toBe(findCardJs(buf, i, to));
      }),
      { numRuns: 500, seed: 20261208 },
    );
  });

  it("finds the next card run past card's block prefilter: runs of 12 to 14 at every place of a block", () => {
    // card passes a block when no two four-byte groups in a row, among its four and the next block's first two,
    // are all in RUN_LOW..RUN_HIGH (a superset of the run bytes), or when it holds no digit: runs placed at every
    // offset of a block, in a background of the superset's other bytes (which must not make a run) and of
    // separator-only stretches (full groups without a digit), show a pair range, group test or digit test off
    const runByte = fc.constantFrom(0x30, 0x35, 0x39, 0x20, 0x2d);
    const near = fc.constantFrom(0x21, 0x2b, 0x2c, 0x2e, 0x2f, 0x3a, 0x1f, 0x61);
    const piece = fc.oneof(
      { weight: 3, arbitrary: fc.array(runByte, { minLength: 12, maxLength: 14 }) },
      { weight: 2, arbitrary: fc.array(near, { minLength: 1, maxLength: 9 }) },
      { weight: 1, arbitrary: fc.array(fc.constantFrom(0x20, 0x2d), { minLength: 4, maxLength: 20 }) },
      { weight: 1, arbitrary: fc.array(fc.oneof(runByte, near), { minLength: 1, maxLength: 30 }) },
    );
    fc.assert(
      fc.property(fc.nat(40), fc.array(piece, { minLength: 1, maxLength: 12 }), (lead, pieces) => {
        const bytes = Uint8Array.from([...Array<number>(lead).fill(0x61), ...pieces.flat()]);
        const buf = Buffer.concat([Buffer.from('xyz'), bytes, Buffer.from('1234567890123')]);
        const from = 3;
        const to = from + bytes.length;
        const delta = load(buf, from, to);
        for (let i = from; i <= to; i++) expect(findCard(i, to, delta)).toBe(findCardJs(buf, i, to));
      }),
      { numRuns: 1500, seed: 20261209 },
    );
  });

  it("refuses card run bytes outside its prefilter's range", () => {
    expect(RUN_LOW <= 0x20 && RUN_HIGH >= 0x39).toBe(true);
    expect(() => markClass(C_SEP, [RUN_HIGH + 1])).toThrow();
    expect(() => markClass(C_DIGIT, [RUN_LOW - 1])).toThrow();
  });

  it("answers the same whatever lies past the segment's end: lines and words cut there", () => {
    // work tests a line's first 16 bytes at once: bytes past `to` (a frame's trailer, an older segment) are no word
    // end; a first word cut by the end may be a command's, whatever would end it past the end (` zz` after `Auth`:
    // no keyword of that length, no second-word keyword)
    const word = fc.constantFrom('auth', 'Authorization:', 'user', 'a001', 'login', 'Content-Type:', 'x', 'pass', '');
    const line = fc.array(word, { maxLength: 4 }).map((ws) => ws.join(' '));
    const text = fc.tuple(fc.array(line, { minLength: 1, maxLength: 8 }), fc.nat(20)).map(([ls, cut]) => {
      const t = Buffer.from('\r\n' + ls.join('\r\n'), 'latin1');
      return t.subarray(0, Math.max(1, t.length - cut));
    });
    const afters = ['x zz x zz x zz x zz', ': : : : : : : : : :', '\r\n\r\n\r\n\r\n', 'orization: Basic'].map((a) =>
      Buffer.from(a.repeat(2), 'latin1'),
    );
    fc.assert(
      fc.property(text, (t) => {
        const answers = afters.map((after) => {
          const buf = Buffer.concat([Buffer.from('ab'), t, after]);
          const delta = load(buf, 2, 2 + t.length);
          const out: number[] = [];
          for (let i = 2; i <= 2 + t.length; i++) out.push(findWork(i, 2 + t.length, -1, 64, delta));
          return out;
        });
        for (const a of answers.slice(1)) expect(a).toEqual(answers[0]);
      }),
      { numRuns: 400, seed: 20261210 },
    );
  });

  it('tests 16 bytes at once exactly: every byte value, every class mask, at every place of a block', () => {
    // the blocks are tested by nibble tables (shuffleTables): a byte of the class missed, or one outside it taken,
    // in any of the 256 x 32 cases shows here; a filler outside the mask around it
    const fillerFor = (m: number) => [0x61, 0x00, 0x80, 0xfe, 0x41].find((b) => (classOf(b) & m) === 0) ?? -1;
    for (let m = 0; m < 32; m++) {
      const fill = fillerFor(m);
      if (fill < 0) continue;
      const buf = Buffer.alloc(48, fill);
      for (let b = 0; b < 256; b++) {
        const want = (classOf(b) & m) !== 0;
        for (const at of [0, 5, 15, 16, 31, 40]) {
          buf.fill(fill);
          buf[at] = b;
          const delta = load(buf, 0, 48);
          expect(findClass(0, 48, m, delta), `mask ${m} byte ${b} at ${at}`).toBe(want ? at : 48);
        }
        // a whole block of it
        buf.fill(b, 16, 32);
        const delta = load(buf, 0, 48);
        expect(findClass(0, 48, m, delta)).toBe(want ? 16 : (classOf(fill) & m) !== 0 ? 0 : 48);
        buf.fill(fill);
      }
    }
  });

  it("the nibble tables hold each mask's bytes exactly", () => {
    const classes = Uint8Array.from({ length: 256 }, (_, b) => classOf(b));
    for (let m = 0; m < 32; m++) {
      const t = shuffleTables(classes, m);
      for (let b = 0; b < 256; b++) expect((t[b & 15] & t[16 + (b >> 4)]) !== 0).toBe((classOf(b) & m) !== 0);
    }
    // more than 8 sets of low nibbles: every byte positive (find goes byte by byte)
    const many = Uint8Array.from({ length: 256 }, (_, b) => ((b & 15) === (b >> 4) % 9 ? 1 : 0));
    expect(shuffleTables(many, 1).every((x) => x === 0xff)).toBe(true);
  });

  it('grows its memory for a large segment, and finds what is near its end', () => {
    const size = 300_000;
    const buf = Buffer.alloc(size + 20, 0x61);
    buf.write('4111 1111 1111 1111', size - 30, 'latin1');
    buf.write('x="', size - 5, 'latin1');
    buf.fill(0x31, size, size + 20); // digits past the segment's end: not to be seen
    const from = 7;
    const delta = load(buf, from, size);
    expect(findClass(from, size, C_JUMP, delta)).toBe(size - 4);
    expect(findCard(from, size, delta)).toBe(size - 30);
    expect(findClass(size - 3, size, C_DIGIT, delta)).toBe(size);
  });

  it('leaves the scanners as their loops do over a large segment', () => {
    // a card number and a password field past the first memory's end, through the scanners with and without it
    const size = 200_000;
    const filler = Buffer.alloc(size, 0x61);
    for (let k = 0; k < size; k += 97) filler[k] = k % 2 === 0 ? 0x0a : 0x20;
    const text = Buffer.concat([
      filler,
      Buffer.from('\r\ncard 4111-1111-1111-1111 password=hunter2&x=1\r\n', 'latin1'),
    ]);
    const spans = (nativeFrom: number) => {
      class Card extends CardScanner {
        protected override readonly nativeFrom: number = nativeFrom;
      }
      class Credentials extends CredentialScanner {
        protected override readonly nativeFrom: number = nativeFrom;
      }
      const out: string[] = [];
      const scanners = [new Card(0), new Credentials(0, true, 0, credentialSession([40000, 80]))];
      scanners.forEach((s, t) => {
        s.write(text, 0, text.length, (a, b) => out.push(`${t}:${a}-${b}`));
        s.end((a, b) => out.push(`${t}:${a}-${b}:end`));
      });
      return out;
    };
    const want = spans(Infinity);
    expect(want.length).toBeGreaterThanOrEqual(2);
    expect(spans(1)).toEqual(want);
  });
});
