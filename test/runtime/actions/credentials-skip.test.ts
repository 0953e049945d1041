import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CredentialScanner,
  type CredentialSession,
  credentialSession,
} from '../../../src/runtime/actions/credentials/credentials.js';
import { StepOnly } from './credential-runs.js';

/**
 * The credentials scanner's skip loops (skipText, skipLine) against its
 * definition: step() a byte at a time, which is what the scanner does with
 * the loops turned off. Both read the same conversations cut the same way
 * and must report the same spans and hold the same bytes back after every
 * piece. The streams are made of what changes the scanner's state: field
 * names and their `=`, quotes and colons, line commands, line breaks, XML
 * tags, JSON, IAC, echoes, with random bytes between them.
 */

const TOKENS = [
  'pass',
  'password',
  'passwd',
  'user',
  'username',
  'login',
  'token',
  'x',
  'Pass',
  'a1',
  'ns:pwd',
  'api_key',
  'a.b',
  '-',
  '_',
  '[',
  ']',
  '%',
  '$',
  '=',
  '==',
  '"',
  "'",
  ':',
  ': ',
  ' ',
  '  ',
  '\t',
  '&',
  ';',
  ',',
  '{',
  '}',
  '[1]',
  '<',
  '>',
  '</',
  '\\"',
  '\r\n',
  '\n',
  '\r',
  '\r\n\r\n',
  '\x00',
  '\xff',
  '\xff\xff',
  '\xff\xfb\x01',
  '\xff\xfa\x18\xff\xf0',
  'USER ',
  'PASS ',
  'user ',
  'a001 LOGIN ',
  'A1 AUTHENTICATE PLAIN',
  'AUTH LOGIN',
  'AUTH PLAIN ',
  '334 VXNlcm5hbWU6',
  '+ ',
  'Authorization: Basic ',
  'Authorization: ',
  'Proxy-Authorization: Bearer ',
  'Cookie: ',
  'Content-Disposition: form-data; name="password"',
  '530 Login incorrect',
  'login: ',
  'Password: ',
  '{"password": "',
  '{"user":',
  '<password>',
  '<ns:pass>',
  'pass=',
  '?user=',
  'GET /?password=x HTTP/1.1',
  'lorem ipsum dolor sit amet ',
  '0123456789',
  'abcdefghijklmnopqrstuvwxyz0123456789-abcdefghijklmnopqrstuvwxyz0123456789',
  'Content-Disposition: form-data; filename="' + 'f'.repeat(200) + '"; name="pwd"',
];

const piece = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...TOKENS) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 8 }).map((a) => Buffer.from(a).toString('latin1')) },
);

/** A conversation: each entry is (direction, text); the text is cut where the segment ends. */
const conversation = fc.array(
  fc.tuple(fc.constantFrom<0 | 1>(0, 0, 0, 1), fc.array(piece, { minLength: 1, maxLength: 12 })),
  { minLength: 1, maxLength: 14 },
);

type Run = { spans: string; held: number[] };

function run(
  Scanner: typeof CredentialScanner,
  turns: [0 | 1, string[]][],
  ports: readonly number[],
  cuts: number[],
): Run {
  const session: CredentialSession = credentialSession(ports);
  const scanners = [new Scanner(0, true, 0, session), new Scanner(0, true, 1, session)];
  const spans: string[] = [];
  const held: number[] = [];
  let c = 0;
  for (const [dir, parts] of turns) {
    const bytes = Buffer.from(parts.join(''), 'latin1');
    // a turn's bytes in pieces (a segment each), fed at an offset into a larger buffer
    let i = 0;
    while (i < bytes.length) {
      const n = Math.min(bytes.length - i, 1 + (cuts[c++ % cuts.length] % 9));
      const buf = Buffer.alloc(n + 3, 0x41);
      bytes.copy(buf, 2, i, i + n);
      scanners[dir].write(buf, 2, 2 + n, (s, e) => spans.push(`${dir}:${s}-${e}`));
      i += n;
      held.push(scanners[dir].undecidedFrom());
    }
  }
  for (const dir of [0, 1] as const) scanners[dir].end((s, e) => spans.push(`${dir}:${s}-${e}:end`));
  return { spans: spans.join(' '), held };
}

describe('credentials: the skip loops read as step() does', () => {
  it('on random and adversarial conversations, cut anywhere', () => {
    fc.assert(
      fc.property(
        conversation,
        fc.constantFrom([80, 40000], [23, 40000], [143, 40000]),
        fc.array(fc.nat(), { minLength: 1, maxLength: 20 }),
        (turns, ports, cuts) => {
          expect(run(CredentialScanner, turns, ports, cuts)).toEqual(run(StepOnly, turns, ports, cuts));
        },
      ),
      { numRuns: 3000, seed: 20261206 },
    );
  });

  it('on long text lines, where a name runs over segment ends', () => {
    const text = fc
      .array(fc.constantFrom('pass', 'word', 'user', 'x', '=', '"', "'", ' ', '-', ':', 'lorem ', '\n', 'ab'), {
        minLength: 1,
        maxLength: 200,
      })
      .map((a) => ['data ', ...a]);
    fc.assert(
      fc.property(text, fc.array(fc.nat(), { minLength: 1, maxLength: 20 }), (parts, cuts) => {
        const turns: [0 | 1, string[]][] = [[0, parts]];
        expect(run(CredentialScanner, turns, [80, 40000], cuts)).toEqual(run(StepOnly, turns, [80, 40000], cuts));
      }),
      { numRuns: 1500, seed: 7 },
    );
  });
});
