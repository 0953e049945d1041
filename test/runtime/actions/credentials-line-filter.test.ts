import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CredentialScanner } from '../../../src/runtime/actions/credentials/credentials.js';
import { Always, Never, type Run, runScanner } from './credential-runs.js';

/**
 * The jump's line filter (mayCommand: a word is no keyword when its first
 * two bytes start none of its rank's keywords, PAIR_1/PAIR_2) against the
 * scanner without the jump: text made of lines whose first and second
 * words are keywords, words sharing a keyword's first bytes or its length,
 * keywords at the wrong rank, in any case, cut into segments anywhere. The
 * same spans and the same undecided offset after every segment, or the
 * filter skipped a line that holds a command.
 */
const KEYWORDS = [
  'user',
  'pass',
  'acct',
  'apop',
  'auth',
  'login',
  'authenticate',
  'authorization',
  'proxy-authorization',
  'content-disposition',
];
/** Words a line may start with: keywords, near misses (same first bytes, same length, longer), plain words. */
const NEAR = [
  'usage',
  'us',
  'u',
  'passes',
  'pa',
  'apo',
  'lo',
  'logins',
  'lorem',
  'authx',
  'ac',
  'au',
  'co',
  'pr',
  'ipsum',
  'a1',
  'x',
  '',
];

/** A word in a random case per letter (the scanner reads commands ignoring case). */
const anyCase = (w: string) =>
  fc
    .array(fc.boolean(), { minLength: w.length, maxLength: w.length })
    .map((up) => [...w].map((c, i) => (up[i] ? c.toUpperCase() : c)).join(''));

const word = fc.oneof({ weight: 2, arbitrary: fc.constantFrom(...KEYWORDS) }, fc.constantFrom(...NEAR)).chain(anyCase);
const delim = fc.constantFrom(' ', ':', ' ', '\t', '');
const line = fc
  .tuple(word, delim, word, delim, fc.constantFrom('', 'secret', 'dolor sit', 'x=1', '"q"'))
  .map((p) => p.join(''));
const text = fc
  .tuple(fc.array(line, { minLength: 1, maxLength: 40 }), fc.constantFrom('\r\n', '\n', '\r', '\r\x00'))
  .map(([lines, br]) => lines.join(br) + br);

/** The text as one stream (client to server), in segments of up to 400 bytes. */
const run = (Scanner: typeof CredentialScanner, t: string, ports: readonly number[], cuts: number[]): Run =>
  runScanner(Scanner, [[0, [t]]], ports, cuts, 400);

describe('credentials: the jump reads every line that may hold a command (mayCommand line filter)', () => {
  it('keywords, near misses and wrong ranks, any case, segments cut anywhere', () => {
    let masked = 0;
    fc.assert(
      fc.property(
        text,
        fc.constantFrom([80, 40000], [143, 40000]),
        fc.array(fc.nat(), { minLength: 1, maxLength: 20 }),
        (t, ports, cuts) => {
          const never = run(Never, t, ports, cuts);
          if (never.spans !== '') masked++;
          expect(run(Always, t, ports, cuts)).toEqual(never);
          expect(run(CredentialScanner, t, ports, cuts)).toEqual(never);
        },
      ),
      { numRuns: 1500, seed: 20261207 },
    );
    // the streams do hold commands (a filter that dropped every line would fail above, not pass vacuously)
    expect(masked).toBeGreaterThan(500);
  });
});
