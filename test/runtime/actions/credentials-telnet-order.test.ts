/**
 * Telnet logins whose two directions are read in any order: the server's
 * echo of the user name ahead of the client's typing (coalesced echoes, or
 * the two directions from two tap ports a few microseconds apart), the
 * typing ahead of the echo, the next prompt (and everything after it) read
 * before the answer to the first. Each case checks both streams byte for
 * byte: the user name masked where it is typed and where it is echoed, the
 * password where it is typed, nothing else (the prompts, the IAC
 * negotiation, "Last login:", a shell command and its echo stay).
 *
 * The one order left out is the client's answer read before the prompt it
 * answers: nothing in the bytes tells it is an answer then. mask holds such a
 * segment by its acknowledgement number until the prompt is read
 * (mask-telnet-unseen.test.ts; docs/design/mask.md, Telnet).
 */
import { describe, expect, it } from 'vitest';
import { credentialsTarget } from '../../../src/runtime/actions/mask-credentials.js';
import { maskConversation } from './mask-scan.js';

const cred = credentialsTarget(0x2a);
const IAC_WILL_ECHO = '\xff\xfb\x01';
const NEGOTIATION = '\xff\xfd\x18\xff\xfb\x01\xff\xfb\x03';

/** A small seeded generator (mulberry32): the same cases every run. */
function rng(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

interface Login {
  /** The server's stream, the client's, and each masked as it must be. */
  server: string;
  client: string;
  serverWant: string;
  clientWant: string;
  /** Where the server's prompts end (the byte after), and where the client's answers to them begin. */
  promptEnds: number[];
  answerStarts: number[];
  /** Offsets the cuts must keep (an answer is typed after its prompt: it starts a segment). */
  clientCuts: number[];
}

function login(userPrompt: string, passwordPrompt: string, user: string, pw: string): Login {
  const x = (s: string) => '*'.repeat(s.length);
  const banner = `${NEGOTIATION}Welcome to host\r\n\r\n`;
  const shell = '\r\nLast login: Mon Dec  7 17:00:01 2026 from 10.0.0.1\r\n$ ';
  const server = [banner, userPrompt, user, '\r\n', passwordPrompt, shell, 'ls -l\r\n', 'total 0\r\n$ '];
  const serverWant = [banner, userPrompt, x(user), '\r\n', passwordPrompt, shell, 'ls -l\r\n', 'total 0\r\n$ '];
  const p1 = banner.length + userPrompt.length;
  const p2 = p1 + user.length + 2 + passwordPrompt.length;
  const client = `${user}\r\n${pw}\r\nls -l\r\n`;
  const clientWant = `${x(user)}\r\n${x(pw)}\r\nls -l\r\n`;
  const a2 = user.length + 2;
  return {
    server: server.join(''),
    client,
    serverWant: serverWant.join(''),
    clientWant,
    promptEnds: [p1, p2],
    answerStarts: [0, a2],
    clientCuts: [a2, a2 + pw.length + 2],
  };
}

type Cutting = 'bytes' | 'whole' | 'random';

/** A stream cut into segments: every byte one, only at `keep`, or at `keep` and random offsets. */
function cut(text: string, keep: number[], how: Cutting, r: (n: number) => number): [number, number][] {
  const at = new Set(keep.filter((k) => k > 0 && k < text.length));
  for (let i = 1; i < text.length; i++) if (how === 'bytes' || (how === 'random' && r(3) === 0)) at.add(i);
  const points = [0, ...[...at].sort((a, b) => a - b), text.length];
  return points.slice(1).map((e, i) => [points[i], e]);
}

/**
 * The two streams' segments merged in a random order that keeps each
 * direction's own and reads each answer's first segment after the whole
 * segment that ends its prompt (the client typed after seeing it; its echo,
 * the next prompt and the rest may come first).
 */
function interleave(l: Login, how: [Cutting, Cutting], r: (n: number) => number): [0 | 1, string][] {
  const s = cut(l.server, l.promptEnds, how[1], r);
  const c = cut(l.client, l.clientCuts, how[0], r);
  const out: [0 | 1, string][] = [];
  let i = 0;
  let j = 0;
  let served = 0;
  // the server's side first, most of the time: echoes and prompts ahead of the typing
  const bias = 1 + r(4);
  while (i < s.length || j < c.length) {
    const need = j < c.length ? l.answerStarts.reduce((n, a, k) => (c[j][1] > a ? l.promptEnds[k] : n), 0) : 0;
    const clientMay = j < c.length && served >= need;
    if (i < s.length && (!clientMay || r(bias + 1) !== 0)) {
      out.push([1, l.server.slice(...s[i])]);
      served = s[i++][1];
    } else {
      out.push([0, l.client.slice(...c[j++])]);
    }
  }
  return out;
}

const PROMPTS: [string, string][] = [
  ['login: ', 'Password: '],
  ['Username: ', `${IAC_WILL_ECHO}Password: `],
  ['debian login: ', `${IAC_WILL_ECHO}\xff\xfd\x01Password:`],
  ['User Name:', 'Pass\xff\xf1word: '],
  ['login as: ', "root@host's password: "],
];

function check(conv: [0 | 1, string][], l: Login): void {
  const [c, s] = maskConversation(cred, conv, [40000, 23]);
  const order = conv.map(([d, t]) => `${d === 0 ? 'C' : 'S'}${JSON.stringify(t)}`).join(' ');
  expect(c, `client, read as ${order}`).toBe(l.clientWant);
  expect(s, `server, read as ${order}`).toBe(l.serverWant);
}

describe('credentials: Telnet, the two directions read in any order', () => {
  it('the echo of each typed byte read just before it (one byte a segment): both masked, the password too', () => {
    const l = login('login: ', 'Password: ', 'alice', 'pw1');
    const conv: [0 | 1, string][] = [[1, l.server.slice(0, l.promptEnds[0])]];
    // the server echoes "a", then the client's "a" is read; and so on
    for (const ch of 'alice\r\n') conv.push([1, ch], [0, ch]);
    conv.push([1, 'Password: '], [0, 'pw1\r\n'], [1, l.server.slice(l.promptEnds[1])], [0, 'ls -l\r\n']);
    check(conv, l);
  });

  it('a coalesced echo ahead of the typing, the next prompt with it: the user name is still an answer', () => {
    const l = login('login: ', 'Password: ', 'alice', 'pw1');
    const p1 = l.promptEnds[0];
    check(
      [
        [1, l.server.slice(0, p1)],
        [1, l.server.slice(p1, l.promptEnds[1])],
        ...[...'alice\r\n'].map((ch): [0 | 1, string] => [0, ch]),
        [0, 'pw1\r\n'],
        [1, l.server.slice(l.promptEnds[1])],
        [0, 'ls -l\r\n'],
      ],
      l,
    );
  });

  it('the prompt and the first echoed byte in one segment (a retransmission that coalesced them)', () => {
    const l = login('login: ', 'Password: ', 'alice', 'pw1');
    const p1 = l.promptEnds[0];
    check(
      [
        [1, l.server.slice(0, p1 - 3)],
        [1, l.server.slice(p1 - 3, p1 + 2)],
        [0, 'a'],
        [0, 'l'],
        [1, 'ice\r\n'],
        [0, 'ice\r\n'],
        [1, 'Password: '],
        [0, 'pw1\r\n'],
        [1, l.server.slice(l.promptEnds[1])],
        [0, 'ls -l\r\n'],
      ],
      l,
    );
  });

  it('the whole of the server side read before the client side: each typed line answers one prompt, the shell command stays', () => {
    const l = login('Username: ', `${IAC_WILL_ECHO}Password: `, 'bob', 'hunter2');
    check(
      [
        [1, l.server],
        [0, l.client],
      ],
      l,
    );
  });

  it('the typing read before its echo (the usual order), coalesced or a byte a segment', () => {
    const l = login('login: ', 'Password: ', 'carol', 'x');
    const p1 = l.promptEnds[0];
    check(
      [
        [1, l.server.slice(0, p1)],
        [0, 'carol\r\n'],
        [1, l.server.slice(p1, l.promptEnds[1])],
        [0, 'x\r\n'],
        [1, l.server.slice(l.promptEnds[1])],
        [0, 'ls -l\r\n'],
      ],
      l,
    );
    const conv: [0 | 1, string][] = [[1, l.server.slice(0, p1)]];
    for (const ch of 'carol\r\n') conv.push([0, ch], [1, ch]);
    conv.push([1, 'Password: '], [0, 'x\r\n'], [1, l.server.slice(l.promptEnds[1])], [0, 'ls -l\r\n']);
    check(conv, l);
  });

  it('no echo and the next prompt on the same line: that prompt stays, its answer is masked', () => {
    const [c, s] = maskConversation(
      cred,
      [
        [1, 'login: '],
        [0, 'al'],
        [0, '\r\n'],
        [1, 'Password: '],
        [0, 'pw\r\n'],
        [1, '\r\n$ '],
        [0, 'ls\r\n'],
      ],
      [40000, 23],
    );
    expect([c, s]).toEqual(['**\r\n**\r\nls\r\n', 'login: Password: \r\n$ ']);
  });

  it('random segments and random orders (3000 cases: prompt variants, IAC inside prompts, a byte a segment, coalesced)', () => {
    const r = rng(2026);
    const cuttings: Cutting[] = ['bytes', 'whole', 'random'];
    for (let k = 0; k < 3000; k++) {
      const [up, pp] = PROMPTS[r(PROMPTS.length)];
      const user = ['root', 'alice', 'u', 'admin01'][r(4)];
      const pw = ['P4ss', 'x', 'correct horse'][r(3)];
      const l = login(up, pp, user, pw);
      check(interleave(l, [cuttings[r(3)], cuttings[r(3)]], r), l);
    }
  });
});
