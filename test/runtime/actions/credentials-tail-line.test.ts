import { describe, expect, it } from 'vitest';
import { CredentialScanner } from '../../../src/runtime/actions/credentials/credentials.js';
import { findWork, load, workLine } from '../../../src/runtime/actions/mask-wasm.js';
import { Always, Never, type Run, runScanner, StepOnly, Near, FILLER, STILL } from './credential-runs.js';

/**
 * A segment's last line (fewer than 64 bytes from its start to the segment's
 * end): the finder enters it (mask-wasm.ts clearedLine, credentials.ts
 * clearLine) when its head lies in the segment and no command can start it
 * (a word cut by the end that may still be a command is taken as one),
 * instead of answering the line break before it (JavaScript then stepped the
 * break, the line's first byte and the end of each of its two words: most of
 * a text body's steps). Each line is cut at every byte, the cut being the
 * first segment's end, after a long line whose start is read (the scanner
 * idle and jumpable): a command split there must still be read, and every
 * scanner (the finder's from 64, 2 or 1 bytes left; the loops only; step()
 * only) reports the same spans and holds the same bytes.
 */

/** Lines a cut inside a command would hide, and lines that hold none (the finder enters those). */
const LINES: [ports: readonly number[], line: string, after: string][] = [
  [[143, 40000], 'a1 LOGIN alice secret', ''],
  [[143, 40000], 'A001 login "alice" "pw"', ''],
  [[143, 40000], 'x1 AUTHENTICATE PLAIN', '\r\ndXNlcjpwYXNz'],
  [[21, 40000], 'USER alice', ''],
  [[21, 40000], 'PASS secret', ''],
  [[80, 40000], 'Authorization: Basic dXNlcjpwYXNz', ''],
  [[80, 40000], 'Proxy-Authorization: Digest username="a", response="b"', ''],
  [[80, 40000], 'Content-Disposition: form-data; name="password"', '\r\n\r\nsecret'],
  [[80, 40000], 'Transfer-Encoding: chunked', '\r\n\r\n5\r\npass=\r\n6\r\nsecret\r\n0\r\n\r\n'],
  [[80, 40000], 'tap broker pass=secret&x=1', ''],
  [[80, 40000], 'ab: pass=secret x LOGIN pw', ''],
  [[80, 40000], 'x pa', ''],
  [[80, 40000], 'x pass=secret LOGIN pw', ''],
  [[80, 40000], 'ab cd <password>secret</password>', ''],
  [[80, 40000], 'ab cd {"password": "s e c"}', ''],
  [[80, 40000], 'a::x', ''],
  [[80, 40000], 'HTTP/1.1 200 OK', '\r\nServer: x'],
  [[80, 40000], 'lorem ipsum dolor amet', ''],
  [[25, 40000], '334 VXNlcm5hbWU6', ''],
];

const run = (
  Scanner: typeof CredentialScanner,
  turns: [0 | 1, string[]][],
  ports: readonly number[],
  cut: number,
): Run => runScanner(Scanner, turns, ports, [cut - 1, 4998], 5000);

describe('credentials: a segment ending in a line the finder enters reads as step() reads it', () => {
  it('each line cut at each byte after a long line: every scanner the same spans and held bytes', () => {
    for (const [ports, line, after] of LINES) {
      for (const filler of [FILLER, STILL]) {
        for (const br of ['\r\n', '\n']) {
          const head = `hello${br}${filler}${br}`;
          const text = `${head}${line}${after}${br}${'text '.repeat(20)}${br}`;
          // SMTP's 334 is the server's: the client's AUTH before it, its answer after
          const turns: [0 | 1, string[]][] = line.startsWith('334')
            ? [
                [0, [`AUTH LOGIN${br}`]],
                [1, [text]],
                [0, [`dXNlcm5hbWU=${br}`]],
              ]
            : [[0, [text]]];
          for (let k = 0; k <= line.length + 1; k++) {
            const cut = head.length + k;
            const never = run(Never, turns, ports, cut);
            const label = `${JSON.stringify(line)} cut at ${k} (${JSON.stringify(br)}, ${filler === FILLER ? 'stop' : 'no stop'})`;
            expect(run(CredentialScanner, turns, ports, cut), label).toEqual(never);
            expect(run(Near, turns, ports, cut), label).toEqual(never);
            expect(run(Always, turns, ports, cut), label).toEqual(never);
            expect(run(StepOnly, turns, ports, cut), label).toEqual(never);
          }
        }
      }
    }
  });

  it('the secrets of commands cut at each byte are masked', () => {
    // the comparison above holds for a scanner that masks nothing too: here the commands' secrets are masked
    for (const [ports, line, secret] of [
      [[143, 40000], 'a1 LOGIN alice secret', 'secret'],
      [[21, 40000], 'PASS secret', 'secret'],
      [[80, 40000], 'Authorization: Basic dXNlcjpwYXNz', 'dXNlcjpwYXNz'],
    ] as const) {
      const head = `hello\r\n${FILLER}\r\n`;
      const text = `${head}${line}\r\n${'text '.repeat(20)}\r\n`;
      const at = text.indexOf(secret);
      for (let k = 0; k <= line.length; k++) {
        const r = run(CredentialScanner, [[0, [text]]], ports, head.length + k);
        const masked = new Set<number>();
        for (const m of r.spans.matchAll(/0:(\d+)-(\d+)/g))
          for (let i = Number(m[1]); i < Number(m[2]); i++) masked.add(i);
        for (let i = at; i < at + secret.length; i++)
          expect(masked.has(i), `${line} cut at ${k}: byte ${i}`).toBe(true);
      }
    }
  });

  it('the finder enters a last line no command can start, and answers the break otherwise', () => {
    const before = `hello\r\n${STILL}\r\n`;
    const answer = (last: string) => {
      const bytes = Buffer.from(`${before}${last}`, 'latin1');
      const delta = load(bytes, 0, bytes.length);
      // from inside the long line: its start is read, the scanner idle
      const r = findWork(10, bytes.length, -1, 64, delta);
      return { q: r >>> 1, flag: r & 1, line: workLine(delta), to: bytes.length };
    };
    const s = before.length;
    // entered: its start taken as read to the segment's end (q = to), the line's start told; a second word cut by
    // the end whose first two bytes are no command's is none
    for (const last of [
      'tap broker filter',
      'HTTP/1.1 200 OK',
      'ab: cd: x',
      'a b c',
      'tap brok',
      'abc:',
      'ab: x',
      // IMAP's login starts so, but not its next two bytes (PAIR_2_NEXT_AT)
      'tap lorem ipsum',
      'tap lore',
      'a1 LOGOUT',
      'a1 autumn x',
    ]) {
      const a = answer(last);
      expect([a.q, a.flag, a.line], last).toEqual([a.to, 0, s]);
    }
    // the break (or, for JavaScript to decide, the break flagged): fewer than four bytes (its head), a word cut by
    // the end that may be a command, a command, a credential field among its bytes
    for (const last of [
      'a::',
      'a b',
      'ab ',
      'tap',
      'a1 LOG',
      'a1 LOGI',
      'a1 lo',
      'a1 LOGIN ',
      'a1 login x',
      'a1 AUTHENTICATE PLAIN',
      'a1 authe',
      'a1 L',
      'USER',
      'USER ',
      'pass=x y z',
    ]) {
      const a = answer(last);
      expect([a.q, a.line], last).toEqual([s - 1, -1]);
    }
  });

  it('lines whose second word starts as a command but goes on otherwise are passed over, not answered', () => {
    // a text body's `lorem` (IMAP's `login` starts with `lo`): the finder goes on past such lines to the next stop
    const lines = (second: string) =>
      `hello\r\n${STILL}\r\n${`tap ${second} ipsum dolor sit amet\r\n`.repeat(3)}x pass=1 y`;
    const answer = (text: string) => {
      const bytes = Buffer.from(text, 'latin1');
      const delta = load(bytes, 0, bytes.length);
      const r = findWork(10, bytes.length, -1, 64, delta);
      return { q: r >>> 1, flag: r & 1 };
    };
    for (const second of ['lorem', 'LOREM', 'logout', 'lo', 'autumn']) {
      const text = lines(second);
      // the line with the credential field, not entered (plain): the break before it
      expect(answer(text), second).toEqual({ q: text.lastIndexOf('\n'), flag: 0 });
    }
    // a command's word, or one too short to tell: the break before its line, for mayCommand to decide
    for (const second of ['login', 'LOGIN', 'logi', 'authenticate']) {
      const text = lines(second);
      expect(answer(text), second).toEqual({ q: text.indexOf('\ntap'), flag: 1 });
    }
  });
});
