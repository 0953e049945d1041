import { describe, expect, it } from 'vitest';
import {
  CredentialScanner,
  type CredentialSession,
  credentialSession,
} from '../../../src/runtime/actions/credentials/credentials.js';
import { StepOnly } from './credential-runs.js';

/**
 * A line's first four bytes (its head) decide whether a SASL exchange goes
 * on ("334 ", "334-", "+ "): skip() reads them as step() does, and must keep
 * the same head. SASL exchanges with replies that are and are not
 * continuations, each turn cut into pieces of every size from 1 to 9 bytes,
 * read with the skip loops and with step() alone, must report the same spans.
 */

function run(
  Scanner: typeof CredentialScanner,
  turns: [0 | 1, string][],
  ports: readonly number[],
  cut: number,
): string {
  const session: CredentialSession = credentialSession(ports);
  const scanners = [new Scanner(0, true, 0, session), new Scanner(0, true, 1, session)];
  const spans: string[] = [];
  for (const [dir, text] of turns) {
    const bytes = Buffer.from(text, 'latin1');
    for (let i = 0; i < bytes.length; i += cut) {
      const n = Math.min(cut, bytes.length - i);
      const buf = Buffer.alloc(n + 3, 0x41);
      bytes.copy(buf, 2, i, i + n);
      scanners[dir].write(buf, 2, 2 + n, (s, e) => spans.push(`${dir}:${s}-${e}`));
      spans.push(`held ${scanners[dir].undecidedFrom()}`);
    }
  }
  for (const dir of [0, 1] as const) scanners[dir].end((s, e) => spans.push(`${dir}:${s}-${e}:end`));
  return spans.join(' ');
}

const REPLIES = [
  '334 VXNlcm5hbWU6',
  '334-x',
  '334',
  '3341 x',
  '33 4 x',
  '335 x',
  '+ eA==',
  '+',
  '+x',
  'x334 ',
  'ABCD efg',
];
const STARTS: [readonly number[], string][] = [
  [[25, 40000], 'AUTH LOGIN'],
  [[25, 40000], 'AUTH PLAIN '],
  [[143, 40000], 'A1 AUTHENTICATE PLAIN'],
];

describe('credentials: skip() keeps a line head as step() does', () => {
  it('in SASL exchanges, whatever the replies and cuts', () => {
    let cases = 0;
    for (const [ports, start] of STARTS)
      for (const r1 of REPLIES)
        for (const r2 of REPLIES)
          for (const eol of ['\r\n', '\n']) {
            const turns: [0 | 1, string][] = [
              [0, `${start}${eol}`],
              [1, `${r1}${eol}`],
              [0, `dXNlcm5hbWU=${eol}`],
              [1, `${r2}${eol}`],
              [0, `cGFzc3dvcmQ=${eol}`],
              [1, `250 ok${eol}`],
              [0, `QUIT${eol}`],
            ];
            for (let cut = 1; cut <= 9; cut++) {
              expect(run(CredentialScanner, turns, ports, cut)).toEqual(run(StepOnly, turns, ports, cut));
              cases++;
            }
          }
    expect(cases).toBe(3 * REPLIES.length * REPLIES.length * 2 * 9);
  });
});
