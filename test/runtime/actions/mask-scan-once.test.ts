import { describe, expect, it } from 'vitest';
import { cardNumberTarget } from '../../../src/runtime/actions/mask-card.js';
import { credentialsTarget } from '../../../src/runtime/actions/mask-credentials.js';
import { regexTarget } from '../../../src/runtime/actions/mask-regex.js';
import {
  type MaskTarget,
  pooledScanOnce,
  scanOnceWith,
  SegmentText,
} from '../../../src/runtime/actions/mask-scanner.js';

/**
 * A target's one-shot search (a UDP payload, a retransmission searched
 * alone) goes through one scanner kept for the target and restarted for each
 * payload (pooledScanOnce). What a payload leaves under way (an open line
 * after PASS, a digit run, an authorization header's scheme, a pattern's
 * match begun) must not reach the next payload: each payload's spans are
 * those of a new scanner's (scanOnceWith).
 */

const enc = new TextEncoder();

/** Payloads that each leave a different search under way at their end, and payloads a stale state would mask. */
const PAYLOADS = [
  'PASS hunter',
  'hello world 1234',
  'USER alice\r\nPASS s3cret\r\n',
  '4111 1111 1111',
  ' 1111 and more text',
  'Authorization: Basic',
  ' dGVzdDp0ZXN0\r\nplain\r\n',
  'GET http://alice:pa',
  'ss@host/ HTTP/1.1\r\n\r\n',
  'a1 LOGIN {5}',
  '\r\nalice {6}\r\nsecret\r\n',
  'password=abc&x=',
  '1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6',
  '{"password": "p4',
  'ss", "user": "x"}',
  'card 4111-1111-1111-1111 ok',
  'login: ',
  'alice\r\n',
  `${'x'.repeat(200)} PASS ${'y'.repeat(100)}`,
  `${'0'.repeat(70)}4111111111111111 ${'a'.repeat(80)}`,
];

const TARGETS: [string, MaskTarget][] = [
  ['credentials', credentialsTarget(0x2a)],
  ['card-number', cardNumberTarget(0x2a)],
];

function spans(scan: MaskTarget['scanOnce'], bytes: Uint8Array, from: number, to: number): number[] {
  const out: number[] = [];
  scan(bytes, from, to, (s, e) => out.push(s, e));
  return out;
}

describe('mask: a target searches one payload after another through one restarted scanner', () => {
  for (const [name, t] of TARGETS)
    it(`${name}: every payload, after every other, gives a new scanner's spans`, () => {
      const pooled = pooledScanOnce(t);
      let masked = 0;
      for (let a = 0; a < PAYLOADS.length; a++)
        for (let b = 0; b < PAYLOADS.length; b++) {
          // a payload inside a larger buffer, at an offset: the offsets reported are into the buffer
          const first = enc.encode(`..${PAYLOADS[a]}..`);
          spans(pooled, first, 2, first.length - 2);
          const second = enc.encode(`###${PAYLOADS[b]}#`);
          const got = spans(pooled, second, 3, second.length - 1);
          const want = spans((x, f, e, r) => scanOnceWith(t, x, f, e, r), second, 3, second.length - 1);
          expect(got, `${JSON.stringify(PAYLOADS[b])} after ${JSON.stringify(PAYLOADS[a])}`).toEqual(want);
          masked += want.length;
        }
      // the payloads do hold this target's secrets
      expect(masked).toBeGreaterThan(0);
    });

  it("the targets searching one payload share its copy in the finder's memory (SegmentText), as each alone", () => {
    const text = new SegmentText();
    const other = new SegmentText();
    const [cred, card] = [TARGETS[0][1], TARGETS[1][1]];
    let masked = 0;
    for (let a = 0; a < PAYLOADS.length; a++) {
      // long enough for the finder (the scanners use it from 64 bytes on), the secret at either end
      const p = a % 2 === 0 ? `${'text '.repeat(20)}${PAYLOADS[a]}` : `${PAYLOADS[a]}${' and more'.repeat(12)}`;
      const bytes = enc.encode(`####${p}##`);
      const [from, to] = [4, bytes.length - 2];
      const want = [cred, card].map((t) => spans((x, f, e, r) => scanOnceWith(t, x, f, e, r), bytes, from, to));
      text.set(bytes, from, to);
      const got = [cred, card].map((t) => {
        // another segment's copy in between (a direction's feed): the payload is copied back when asked
        if (a % 3 === 0) {
          other.set(enc.encode(PAYLOADS[(a + 1) % PAYLOADS.length].repeat(9)), 0, 64);
          other.wasm();
        }
        return spans((x, f, e, r) => t.scanOnce(x, f, e, r, text), bytes, from, to);
      });
      expect(got, JSON.stringify(p)).toEqual(want);
      masked += want[0].length + want[1].length;
    }
    expect(masked).toBeGreaterThan(0);
  });

  it('a pattern target keeps its own one-shot search (findAll over the pattern), unchanged', () => {
    const t = regexTarget('x', 'pa+ss', '', 0x2a);
    const bytes = enc.encode('xx paaass yy pass');
    expect(spans(t.scanOnce, bytes, 0, bytes.length)).toEqual([3, 9, 13, 17]);
  });

  it('a target whose scanner cannot restart gets a new scanner each payload', () => {
    const card = cardNumberTarget(0x2a);
    let made = 0;
    const t: MaskTarget = {
      ...card,
      scanner: (offset, atStart, dir, shared) => {
        made++;
        const s = card.scanner(offset, atStart, dir, shared);
        return { ...s, write: s.write.bind(s), end: s.end.bind(s), restart: undefined } as never;
      },
    };
    const pooled = pooledScanOnce(t);
    const bytes = enc.encode('4111 1111 1111 1111');
    expect(spans(pooled, bytes, 0, bytes.length)).toEqual([0, 19]);
    expect(spans(pooled, bytes, 0, bytes.length)).toEqual([0, 19]);
    expect(made).toBe(2);
  });
});

describe("a trimmed pattern's reports (mask-regex.ts Trim: one wrapper kept a report)", () => {
  // the URL user-info pattern trims its first and last bytes: each report gets a wrapper of its own, and one report's
  // spans never go to another's, however the step alternates them (a direction's, a UDP payload's, a segment alone)
  const bytes = enc.encode('GET http://alice:pass@host/ HTTP/1.1\r\n');
  const expected: [number, number][] = [];
  regexTarget('userinfo', 'http://[a-z]+:[a-z]+@', '', 0x2a, 7, 1).scanOnce(bytes, 0, bytes.length, (s, e) =>
    expected.push([s, e]),
  );

  it('reports each span to the report it was asked with, reports in turn (the three mask passes, then more)', () => {
    expect(expected).toEqual([[11, 21]]);
    const t = regexTarget('userinfo', 'http://[a-z]+:[a-z]+@', '', 0x2a, 7, 1);
    for (const n of [3, 5]) {
      const got: [number, number][][] = Array.from({ length: n }, () => []);
      const reports = got.map((g) => (s: number, e: number) => g.push([s, e]));
      const sc = t.scanner(0, true, 0, undefined);
      for (let round = 0; round < 3; round++)
        for (let k = 0; k < n; k++) {
          t.scanOnce(bytes, 0, bytes.length, reports[k]);
          if (k === 0 && round === 0) sc.write(bytes, 0, bytes.length, reports[k]);
        }
      sc.end(reports[0]);
      expect(got[0]).toEqual([...expected, ...expected, ...expected, ...expected]);
      for (let k = 1; k < n; k++) expect(got[k]).toEqual([...expected, ...expected, ...expected]);
    }
  });
});
