import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CredentialScanner } from '../../../src/runtime/actions/credentials/credentials.js';
import { Never, type Run, runScanner, StepOnly, Near, FILLER, STILL } from './credential-runs.js';

/**
 * The finder's answer inside a later line (mask-wasm.ts clearedLine,
 * credentials.ts enterLine): where the next work is a stop in a line after a
 * line break and clearLine would clear that line, the scanner takes the
 * line's start as read and goes on to the stop, not back to JavaScript at the
 * break. Against the scanner without the jump (Never: its loops) and step()
 * alone: the same spans, the same bytes held. The lines come after a long
 * line whose start is read (the scanner idle and jumpable at its break) and
 * carry stops (`<`, `=`, quotes, IAC) and the things clearLine checks: a
 * first byte that is a stop, a word end or NUL; a credential field whose value
 * moves a command into the line's first 64 bytes as read; a line of about 64
 * bytes to the segment's end; SASL replies, whose head decides the exchange.
 */

const STARTS = ['', ' ', ':', '\x00', '<', '=', '"', '\xff', 'a', 'x', 'PA', '334 ', '334-', '+ ', 'a1 ', 'GET '];
const PIECES = [
  'lorem ipsum ',
  'x'.repeat(20),
  'x'.repeat(45),
  '<b>',
  '<',
  '<pwd>',
  '</pwd>',
  '<j_password>',
  '<ns:password>',
  '<abc',
  '=',
  'id=',
  'pass=',
  'pwd=',
  'login=',
  'user=',
  '"',
  "'",
  '"x"',
  '"password": "',
  '\xff',
  '\xff\xfb\x01',
  ' LOGIN secret',
  ' login ',
  'USER ',
  'PASS ',
  'Authorization: Basic ',
  ':',
  ' ',
  '&',
];
const BREAKS = ['\r\n', '\n', '\r', '\n\r'];

const line = fc
  .tuple(
    fc.constantFrom(...STARTS),
    fc.array(
      fc.oneof(
        { weight: 8, arbitrary: fc.constantFrom(...PIECES) },
        {
          weight: 1,
          arbitrary: fc.uint8Array({ minLength: 1, maxLength: 6 }).map((a) => Buffer.from(a).toString('latin1')),
        },
      ),
      { minLength: 0, maxLength: 8 },
    ),
    fc.constantFrom(...BREAKS),
  )
  .map(([start, pieces, br]) => `${start}${pieces.join('')}${br}`);

/** A direction's turn: lines, each after a filler line (or not), a turn cut anywhere. */
const turn = fc
  .array(fc.tuple(fc.constantFrom('', FILLER, STILL), line, fc.constantFrom(...BREAKS)), {
    minLength: 1,
    maxLength: 12,
  })
  .map((ls) => ls.map(([filler, l, br]) => (filler !== '' ? `${filler}${br}${l}` : l)));

const run = (
  Scanner: typeof CredentialScanner,
  turns: [0 | 1, string[]][],
  ports: readonly number[],
  cuts: number[],
): Run => runScanner(Scanner, turns, ports, cuts, 400);

function same(turns: [0 | 1, string[]][], ports: readonly number[], cuts: number[]): void {
  const never = run(Never, turns, ports, cuts);
  expect(run(CredentialScanner, turns, ports, cuts)).toEqual(never);
  expect(run(Near, turns, ports, cuts)).toEqual(never);
  expect(run(StepOnly, turns, ports, cuts)).toEqual(never);
}

describe('credentials: a line entered at a stop after a line break reads as step() reads it', () => {
  it('lines with stops after long lines, in long segments cut anywhere', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom<0 | 1>(0, 0, 0, 1), turn), { minLength: 1, maxLength: 4 }),
        fc.constantFrom([80, 40000], [143, 40000], [110, 40000]),
        fc.array(fc.nat(), { minLength: 1, maxLength: 10 }),
        (turns, ports, cuts) => same(turns, ports, cuts),
      ),
      { numRuns: 2000, seed: 20261207 },
    );
  });

  it('a credential field whose value moves LOGIN into the first 64 bytes read: the line is read, not entered', () => {
    // "NAME=xx...x LOGIN secret" after a long line: as the bytes lie no command starts the line; as step() reads
    // it the value is none of the line's, "NAME=" and "LOGIN" are its words (an IMAP login). The finder must not
    // enter it (plain); its stop is the `=` or the tag.
    for (const name of ['pass', 'pwd', 'login', 'user']) {
      for (const [open, close] of [
        [`${name}=`, ''],
        [`x<${name}>`, '<'],
      ]) {
        const l = `${open}${'x'.repeat(60 - open.length - close.length)}${close} LOGIN secret`;
        const turns: [0 | 1, string[]][] = [[0, ['hello\r\n', `${FILLER}\r\n`, l, '\r\n', 'text '.repeat(30)]]];
        for (const cuts of [[0], [95], [399]]) {
          const never = run(Never, turns, [80, 40000], cuts);
          expect(never.spans, `${l} ${cuts}`).toMatch(/\b0:152-/);
          expect(run(CredentialScanner, turns, [80, 40000], cuts), `${l} ${cuts}`).toEqual(never);
        }
      }
    }
  });

  it('a SASL reply entered at a stop keeps its head: the exchange goes on or ends as step() decides', () => {
    // the server's reply line is entered (its stop `<` past its head) and cut before its end; the client starts
    // the exchange meanwhile; at the reply's end its head ("334 ", "+ " or not) says whether the exchange goes on
    for (const head of ['334 ', '334x', '3341', '+ ', '+x', '335 ', 'ABCD', '33', '3']) {
      for (const br of ['\r\n', '\n']) {
        const reply = `${head}${'y'.repeat(70)}<b>${'z'.repeat(80)}`;
        const turns: [0 | 1, string[]][] = [
          [1, [`220 ${FILLER}${br}`, reply]],
          [0, [`AUTH LOGIN${br}`]],
          [1, [br]],
          [0, [`dXNlcm5hbWU=${br}`]],
          [1, [`334 ${FILLER}${br}`]],
          [0, [`cGFzc3dvcmQ=${br}`]],
        ];
        for (const cuts of [[399], [160], [100, 399]]) same(turns, [25, 40000], cuts);
      }
    }
  });
});
