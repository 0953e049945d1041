import { describe, expect, it } from 'vitest';
import { type CredentialSession, credentialSession } from '../../../src/runtime/actions/credentials/credentials.js';
import { cardNumberTarget } from '../../../src/runtime/actions/mask-card.js';
import { credentialsTarget } from '../../../src/runtime/actions/mask-credentials.js';
import type { MaskScanner, MaskTarget } from '../../../src/runtime/actions/mask-scanner.js';

/**
 * mask hands an ended direction's scanners to the next direction it starts
 * (restart()), instead of making new ones. A restarted scanner must be what
 * a new one is, whatever state the old one was left in: every field of the
 * old one is set to another value first (so a field restart() forgets, also
 * one added later, shows), then it is restarted and compared with a new
 * one field by field, and both read the same traffic to the same spans.
 */

const enc = new TextEncoder();
// what a scanner shares (its session's state, its target's pattern and trim, the automaton (`m`) its pattern
// stream reads) is not scrambled; the stream's own state is (restart() resets it in place)
const SHARED_SKIP = new Set(['session', 'me', 'other', 'pattern', 'trim', 'm']);

/** Every own field (recursively into plain objects it owns) set to a value other than the one it has. */
function scramble(o: Record<string, unknown>, seen = new Set<object>()): void {
  if (seen.has(o)) return;
  seen.add(o);
  for (const k of Object.keys(o)) {
    if (SHARED_SKIP.has(k) || k === 'nativeFrom') continue;
    const v = o[k];
    if (typeof v === 'number') o[k] = Number.isFinite(v) ? v + 7919 : 4242;
    else if (typeof v === 'boolean') o[k] = !v;
    else if (v instanceof Uint8Array) {
      if (v.length === 0) o[k] = new Uint8Array(64).fill(0x61);
      else v.fill(0x61);
    } else if (v !== null && typeof v === 'object' && !Array.isArray(v)) scramble(v as Record<string, unknown>, seen);
    else if (v === undefined) continue;
  }
}

/** The fields as data: numbers, booleans, typed arrays by their length and (for shared state) identity. */
function fields(o: unknown, depth = 0): unknown {
  if (o === null || typeof o !== 'object') return o;
  if (o instanceof Uint8Array) return `bytes(${o.length})`;
  if (Array.isArray(o)) return o.map((x) => fields(x, depth + 1));
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(o).sort()) {
    const v = (o as Record<string, unknown>)[k];
    out[k] = SHARED_SKIP.has(k) ? v : depth > 3 ? '...' : fields(v, depth + 1);
  }
  return out;
}

const TRAFFIC = [
  'USER alice\r\nPASS s3cret\r\nAUTH PLAIN\r\ndGVzdAB0ZXN0AHRlc3Q=\r\n',
  'GET /a?password=hunter2&x=1 HTTP/1.1\r\nAuthorization: Basic YWxpY2U6cGFzcw==\r\nCookie: token=abc\r\n\r\n{"password": "p4ss", "user',
  'a1 LOGIN {5}\r\nalice {6}\r\nsecret\r\nPOST / HTTP/1.1\r\n\r\n<password>xml</password>\r\nlogin: ',
  'card 4111 1111 1111 1111 and 5500-0000-0000-0004 and 4111 1111 1111',
  // HTTP/2 in clear: the preface, then a HEADERS frame with authorization (static index 23) never indexed
  'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x0f\x01\x05\x00\x00\x00\x01\x82\x1f\x08\x0bBasic abcde',
];

const TARGETS: [string, MaskTarget][] = [
  ['credentials', credentialsTarget(0x2a)],
  ['card-number', cardNumberTarget(0x2a)],
];

describe('mask scanners restarted for a new direction', () => {
  for (const [name, t] of TARGETS)
    for (let k = 0; k < TRAFFIC.length; k++)
      for (const [atStart, dir, telnet] of [
        [true, 0, false],
        [false, 1, false],
        [true, 1, true],
      ] as const)
        it(`${name}: after traffic ${k} left ${k % 2 === 0 ? 'ended' : 'open'}, restarted as dir ${dir}${atStart ? ' at the start' : ''}${telnet ? ' on Telnet' : ''}`, () => {
          const old = t.scanner(0, true, 0, t.shared?.([80, 40000]));
          const bytes = enc.encode(TRAFFIC[k]);
          // the old direction: its traffic cut in pieces, left ended or under way
          const report = () => {};
          old.write(bytes, 0, 17, report);
          old.write(bytes, 17, bytes.length - 3, report);
          if (k % 2 === 0) old.end(report);
          scramble(old as unknown as Record<string, unknown>);
          const ports = telnet ? [23, 40001] : [80, 40001];
          const shared = t.shared?.(ports);
          const offset = 1000 + k;
          old.restart!(offset, atStart, dir, shared);
          const fresh = t.scanner(offset, atStart, dir, shared);
          expect(fields(old)).toEqual(fields(fresh));
          // and they read the next direction's traffic alike (each with its own session state, as two directions
          // of two sessions would)
          const next = enc.encode(' '.repeat(offset) + TRAFFIC[(k + 1) % TRAFFIC.length] + TRAFFIC[k] + TRAFFIC[3]);
          const b = t.scanner(0, true, 0, t.shared?.([80, 1]));
          b.write(bytes, 0, bytes.length - 1, report);
          scramble(b as unknown as Record<string, unknown>);
          b.restart!(offset, atStart, dir, t.shared?.(ports));
          const cuts = [offset + 5, offset + 40, offset + 41, offset + 90];
          const want = spansFrom(t.scanner(offset, atStart, dir, t.shared?.(ports)), next, offset, cuts);
          // the traffic gives spans (on Telnet, a line answers a prompt of the other side's: none here)
          if (!telnet) expect(want.length).toBeGreaterThan(0);
          expect(spansFrom(b, next, offset, cuts)).toEqual(want);
        });

  for (const [from, to] of [
    [
      [80, 40000],
      [23, 40001],
    ],
    [
      [23, 40000],
      [80, 40001],
    ],
    [[80, 40000], undefined],
  ] as const)
    it(`credentials' session state restarted for ports ${to?.join(',')} after ${from.join(',')}`, () => {
      const t = credentialsTarget(0x2a);
      const old = t.shared!(from) as CredentialSession;
      // both sides used (tails, echoes, prompts: a Telnet login), then every field set to another value
      const a = t.scanner(0, true, 0, old);
      const b = t.scanner(0, true, 1, old);
      const report = () => {};
      b.write(enc.encode('login: '), 0, 7, report);
      a.write(enc.encode('alice\r\n'), 0, 7, report);
      b.write(enc.encode('alice\r\nPassword: '), 7, 24, report);
      for (const side of old.sides) scramble(side as unknown as Record<string, unknown>);
      old.telnet = !old.telnet;
      t.restartShared!(old, to);
      // its buffers stay (their bytes past the lengths are not read): compared by kind only
      const asData = (x: CredentialSession) =>
        JSON.parse(
          JSON.stringify(fields(x), (_k, v) => (typeof v === 'string' && v.startsWith('bytes(') ? 'bytes' : v)),
        );
      expect(asData(old)).toEqual(asData(t.shared!(to) as CredentialSession));
    });

  it('credentialSession and credentials scanners made on Telnet ports are told apart (the test sees them)', () => {
    expect(credentialSession([23]).telnet).toBe(true);
    expect(credentialSession([80]).telnet).toBe(false);
  });
});

/** Spans of a scanner started at `offset`, fed next[offset, ...) cut at `cuts`. */
function spansFrom(s: MaskScanner, next: Uint8Array, offset: number, cuts: number[]): number[] {
  const out: number[] = [];
  const report = (a: number, b: number) => out.push(a, b);
  let at = offset;
  for (const c of [...cuts, next.length]) {
    if (c <= at) continue;
    s.write(next, at, c, report);
    at = c;
  }
  s.end(report);
  return out;
}
