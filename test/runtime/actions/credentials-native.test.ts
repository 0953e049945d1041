import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CredentialScanner } from '../../../src/runtime/actions/credentials/credentials.js';
import { Always, Never, type Run, runScanner, StepOnly } from './credential-runs.js';

/**
 * The credentials scanner's jump over idle text (NEXT_WORK, a RegExp over
 * the segment) against the scanner without it (its loops only, as before
 * the jump existed) and against step() a byte at a time: the same
 * conversations cut the same way must give the same spans and hold the
 * same bytes back after every piece. Segments are long (the jump needs
 * bytes ahead) and lie inside a buffer whose bytes around them are line
 * breaks and commands, so a search that read past its segment would show.
 */

const TOKENS = [
  // line commands, as first or second word, any case
  'USER ',
  'user ',
  'uSeR ',
  'PASS ',
  'pass ',
  'ACCT ',
  'APOP ',
  'AUTH LOGIN',
  'AUTH PLAIN ',
  'auth ',
  'a001 LOGIN ',
  'a1 login ',
  'A1 AUTHENTICATE PLAIN',
  'x: user ',
  'Authorization: Basic ',
  'authorization:',
  'Authorization: ',
  'Proxy-Authorization: Bearer ',
  'Content-Disposition: form-data; name="password"',
  'content-disposition: form-data; name=pwd',
  'User-Agent: x',
  'Username: ',
  'passw',
  'ord',
  'us',
  'er ',
  'Auth',
  'orization: ',
  '334 VXNlcm5hbWU6',
  '334 VXNlcm5hbWU6 more words',
  '+ eA== x y',
  '334 ',
  '+ ',
  '235 ok',
  '530 Login incorrect',
  // fields and their stops
  'password',
  'pwd',
  'user',
  'login',
  'token',
  'x',
  '=',
  '"',
  "'",
  ':',
  ' ',
  '\t',
  '&',
  ';',
  '<',
  '>',
  '<password>',
  '</password>',
  '{"password": "',
  '"user":',
  'pass=',
  '?user=',
  // line breaks, NULs, IAC
  '\r\n',
  '\n',
  '\r',
  '\r\n\r\n',
  '\r\x00',
  '\x00',
  '\xff',
  '\xff\xff',
  '\xff\xfb\x01',
  // idle text
  'lorem ipsum dolor sit amet ',
  'GET /api/v1/items HTTP/1.1\r\nHost: intranet.example.com\r\nUser-Agent: tmesc-gen/1.0\r\nAccept: */*\r\n\r\n',
  'HTTP/1.1 200 OK\r\nServer: tmesc-gen\r\nContent-Type: application/json\r\nContent-Length: 2137\r\n\r\n',
  'session policy dolor broker session flow session dolor dolor\n',
  'abcdefghijklmnopqrstuvwxyz0123456789-abcdefghijklmnopqrstuvwxyz0123456789',
];

const piece = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...TOKENS) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 8 }).map((a) => Buffer.from(a).toString('latin1')) },
);

const conversation = fc.array(
  fc.tuple(fc.constantFrom<0 | 1>(0, 0, 0, 1), fc.array(piece, { minLength: 1, maxLength: 40 })),
  { minLength: 1, maxLength: 10 },
);

/** The conversation in segments of up to 300 bytes. */
const run = (
  Scanner: typeof CredentialScanner,
  turns: [0 | 1, string[]][],
  ports: readonly number[],
  cuts: number[],
): Run => runScanner(Scanner, turns, ports, cuts, 300);

describe('credentials: the jump over idle text (NEXT_WORK) reads as the loops and step() do', () => {
  it('on random and adversarial conversations, in long segments cut anywhere', () => {
    fc.assert(
      fc.property(
        conversation,
        fc.constantFrom([80, 40000], [23, 40000], [143, 40000], [25, 40000]),
        fc.array(fc.nat(), { minLength: 1, maxLength: 20 }),
        (turns, ports, cuts) => {
          const never = run(Never, turns, ports, cuts);
          expect(run(Always, turns, ports, cuts)).toEqual(never);
          expect(run(CredentialScanner, turns, ports, cuts)).toEqual(never);
          expect(run(StepOnly, turns, ports, cuts)).toEqual(never);
        },
      ),
      { numRuns: 1500, seed: 20261206 },
    );
  });

  it('a line whose field value comes before its words: read as step() reads it, not cleared at its start', () => {
    // the value ("USER ") is no part of the line as read: "=<password><a001" and "LOGIN" are its words, an IMAP
    // login whose rest is masked; a line start judged on the bytes as they lie (clearLine) missed it
    const turns: [0 | 1, string[]][] = [
      [0, ['=', '<password>', 'USER ', '<', 'a001 LOGIN ', 'authorization:', 'Proxy-Authorization: Bearer ']],
      [0, ['\u0000']],
    ];
    for (const cuts of [[64, 0], [299], [0]]) {
      const never = run(Never, turns, [80, 40000], cuts);
      expect(never.spans).toMatch(/\b0:28-/);
      expect(run(Always, turns, [80, 40000], cuts)).toEqual(never);
      expect(run(CredentialScanner, turns, [80, 40000], cuts)).toEqual(never);
      expect(run(StepOnly, turns, [80, 40000], cuts)).toEqual(never);
    }
  });

  it('a line whose credential field value moves its words into the first bytes read: not cleared at its start', () => {
    // "NAME=xx...x LOGIN secret": as the bytes lie, LOGIN starts past the line's first 64 bytes (mayCommand sees
    // no command); as step() reads it the value is no part of the line, "NAME=" and "LOGIN" are its words, an IMAP
    // login. The finder may pass a stop only where no value can start (plain: no key letter in the name); one
    // name a key letter, each of p, l and u, as a form field and as an XML tag
    for (const name of ['pass', 'pwd', 'login', 'user', 'j_password']) {
      for (const [open, close] of [
        [`${name}=`, ''],
        [`x<${name}>`, '<'],
      ]) {
        const line = `${open}${'x'.repeat(60 - open.length - close.length)}${close} LOGIN secret`;
        const turns: [0 | 1, string[]][] = [[0, ['hello\r\n', line, '\r\n', 'text '.repeat(30)]]];
        for (const cuts of [[0], [7], [299]]) {
          const never = run(Never, turns, [80, 40000], cuts);
          expect(never.spans, `${line} ${cuts}`).toMatch(/\b0:74-/);
          expect(run(Always, turns, [80, 40000], cuts), `${line} ${cuts}`).toEqual(never);
          expect(run(CredentialScanner, turns, [80, 40000], cuts), `${line} ${cuts}`).toEqual(never);
        }
      }
    }
  });

  it('on HTTP-like traffic: many header and text lines, commands split over segment ends', () => {
    const line = fc
      .array(fc.constantFrom(...TOKENS.slice(0, 40), 'lorem ', 'ipsum ', 'a', '-', '/', '.'), {
        minLength: 0,
        maxLength: 8,
      })
      .map((a) => a.join(''));
    const text = fc
      .tuple(fc.array(line, { minLength: 1, maxLength: 60 }), fc.constantFrom('\r\n', '\n', '\r', '\r\x00'))
      .map(([lines, br]) => [lines.join(br)]);
    fc.assert(
      fc.property(text, fc.array(fc.nat(), { minLength: 1, maxLength: 20 }), (parts, cuts) => {
        const turns: [0 | 1, string[]][] = [[0, parts]];
        const never = run(Never, turns, [80, 40000], cuts);
        expect(run(Always, turns, [80, 40000], cuts)).toEqual(never);
        expect(run(StepOnly, turns, [80, 40000], cuts)).toEqual(never);
      }),
      { numRuns: 1500, seed: 11 },
    );
  });

  it('in SASL exchanges whose replies run over many lines (a reply that is no continuation ends the exchange)', () => {
    const reply = fc
      .array(
        fc.constantFrom(
          '334 VXNlcm5hbWU6',
          '334 VXNlcm5hbWU6 more words',
          '+ eA== x y',
          '334 ',
          '+ ',
          '+ eA==',
          '235 2.7.0 Authentication successful',
          'lorem ipsum dolor sit amet consectetur',
        ),
        { minLength: 1, maxLength: 8 },
      )
      .chain((lines) =>
        // a reply may stop inside its last line, which a later turn ends (while the other side began an exchange)
        fc.constantFrom('\r\n', '').map((end) => lines.join('\r\n') + end),
      );
    const turn = fc.oneof(
      fc.constantFrom<[0 | 1, string[]]>(
        [0, ['AUTH LOGIN\r\n']],
        [0, ['a1 AUTHENTICATE PLAIN\r\n']],
        [0, ['dXNlcg==\r\n']],
        [0, ['secret line\r\nanother line\r\n']],
        [1, [' elit\r\n']],
      ),
      reply.map((r): [0 | 1, string[]] => [1, [r]]),
    );
    fc.assert(
      fc.property(
        fc.array(turn, { minLength: 1, maxLength: 10 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 20 }),
        (turns, cuts) => {
          const never = run(Never, turns, [25, 40000], cuts);
          expect(run(Always, turns, [25, 40000], cuts)).toEqual(never);
          expect(run(StepOnly, turns, [25, 40000], cuts)).toEqual(never);
        },
      ),
      { numRuns: 1500, seed: 5 },
    );
  });
});
