/**
 * An evader who knows mask's code (session 11): sessions shaped to carry a
 * secret past the stream tracking's rules and bounds (mask-paths-harness.ts,
 * EVASIONS), each on every packet path against the decoder's, with group
 * split workers, and the oracle over what the receiver would read.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LINKTYPE } from '../../../src/fields/fields.js';
import { artifactFor } from '../support/artifact.js';
import { singleThreadRun } from '../support/single-thread-run.js';
import { SPANS_PER_DIRECTION } from '../../../src/runtime/actions/mask-bounds.js';
import {
  check,
  cleanup,
  differential,
  dir,
  type Evasion,
  EVASIONS,
  type Found,
  interleave,
  once,
  oracleFindings,
  PATHS,
  type Policy,
  POLICIES,
  session,
  type Session,
  expectSameRuns,
  splitRuns,
  type Variant,
  summary,
} from './mask-paths-harness.js';
import {
  cardNumber,
  FIN,
  pcapFile,
  PROTOCOLS,
  type Protocol,
  Rng,
  records,
  type Script,
  script,
  streamsOf,
} from './mask-paths.js';

afterAll(cleanup);

/** A session of `proto` whose focus is inside its first secret of `kind` (any kind: undefined). */
function sessionOn(i: number, proto: Protocol, r: Rng, variant: Variant, kind?: 'card' | 'credential' | 'pattern') {
  const sc = script(proto, r);
  const secrets = streamsOf(sc).secrets;
  const k = kind === undefined ? r.int(secrets.length) : secrets.findIndex((x) => x.kind === kind);
  return k < 0 ? undefined : session(i, proto, r, { variant, script: sc, secret: k, whole: true });
}

/** `n` lines made by `f`, in turns of `dir` of at most 32 lines each (one segment each: none holds 64 secrets). */
function turnsOf(dir: 0 | 1, n: number, f: (k: number) => string): Script['turns'] {
  const out: Script['turns'] = [];
  for (let k = 0; k < n; k += 32)
    out.push({ dir, text: Array.from({ length: Math.min(32, n - k) }, (_, j) => f(k + j)).join('') });
  return out;
}

/**
 * Scripts that mask more spans in a direction than mask remembers, after the
 * secret at the focus: 2 * SPANS_PER_DIRECTION lines of the kind masked, in
 * segments after the secret's.
 */
function manySpans(r: Rng): Script[] {
  const n = 2 * SPANS_PER_DIRECTION;
  const pw = `P${r.word(11)}`;
  const card = cardNumber(r);
  const base = { cards: [], decoys: [], tokens: [] };
  return [
    {
      ...base,
      port: 21,
      turns: [
        { dir: 1, text: '220 ftp ready\r\n' },
        { dir: 0, text: 'USER bob\r\n' },
        { dir: 1, text: '331 need password\r\n' },
        { dir: 0, text: `PASS ${pw}\r\n` },
        { dir: 1, text: '530 no\r\n' },
        ...turnsOf(0, n, (k) => `PASS x${k}\r\n`),
        { dir: 1, text: '530 no\r\n' },
      ],
      creds: [pw],
    },
    {
      ...base,
      port: 8080,
      turns: [
        { dir: 0, text: `POST /l HTTP/1.1\r\nHost: shop\r\n\r\npassword=${pw}&a=1\r\n` },
        { dir: 1, text: 'HTTP/1.1 403 Forbidden\r\n\r\n' },
        { dir: 0, text: 'POST /l HTTP/1.1\r\nHost: shop\r\n\r\n' },
        ...turnsOf(0, n, (k) => `password=y${k}&`),
        { dir: 1, text: 'HTTP/1.1 403 Forbidden\r\n\r\n' },
      ],
      creds: [pw],
    },
    {
      ...base,
      cards: [card],
      port: 80,
      turns: [
        { dir: 0, text: 'GET /cards HTTP/1.1\r\nHost: shop\r\n\r\n' },
        { dir: 1, text: `HTTP/1.1 200 OK\r\n\r\ncard ${card}\r\n` },
        ...turnsOf(1, n, () => `other ${cardNumber(r)}\r\n`),
      ],
      creds: [],
    },
  ];
}

/** Each evasion's sessions: one a protocol (but where the evasion needs a shape a protocol lacks). */
function sessionsOf(ev: Evasion): Session[] {
  const r = new Rng(1100 + EVASIONS.indexOf(ev));
  const out: Session[] = [];
  const add = (s: Session | undefined) => s && out.push(s);
  switch (ev) {
    case 'stale-fin':
    case 'syn-anew':
    case 'tunnel-hop':
      for (const p of PROTOCOLS) {
        add(sessionOn(out.length + 1, p, r, ev, 'credential'));
        if (p !== 'telnet' && p !== 'smtp-login') add(sessionOn(out.length + 1, p, r, ev, 'card'));
      }
      break;
    case 'insertion':
      // the first copy's fill bytes in a credential's place are masked with the credential (the recorded spans), so
      // the evader's targets are the card number and the pattern's match
      for (const p of PROTOCOLS) {
        if (p !== 'smtp-login') add(sessionOn(out.length + 1, p, r, ev, 'card'));
        if (p !== 'telnet') add(sessionOn(out.length + 1, p, r, ev, 'pattern'));
      }
      break;
    case 'table-full':
      // (behind MASKCHECK_SWEEP: 65,536 sessions before the focus)
      add(sessionOn(out.length + 1, 'ftp', r, ev, 'credential'));
      break;
    case 'idle':
    case 'late-filler':
      // (not Telnet: its secrets are typed a byte a segment, so no segment to cut in two)
      for (const p of PROTOCOLS.filter((x) => x !== 'telnet')) {
        add(sessionOn(out.length + 1, p, r, ev, 'credential'));
        if (ev === 'late-filler') add(sessionOn(out.length + 1, p, r, ev, 'card'));
      }
      break;
    case 'spans-forgotten':
      for (const sc of manySpans(r))
        out.push(session(out.length + 1, 'bulk', r, { variant: ev, script: sc, secret: 0, whole: true }));
      break;
  }
  return out.map((s, i) => ({ ...s, name: `${ev} ${s.name}`, ep: { ...s.ep, ports: [30000 + i, s.ep.ports[1]] } }));
}

/** The long sweep (MASKCHECK_SWEEP=1): the session table's bound, 65,536 sessions a case. */
const SWEEP = process.env.MASKCHECK_SWEEP === '1';
const RUN = EVASIONS.filter((e) => e !== 'table-full' || SWEEP);

const found = (ev: Evasion): Promise<Found> =>
  once(`evasion ${ev}`, () =>
    check(
      sessionsOf(ev),
      LINKTYPE.ETHERNET,
      ev === 'late-filler' ? 1 : 3,
      ev === 'table-full' ? ['mask only'] : ['mask only', 'mask beside other groups'],
    ),
  );

describe('mask: an evader who knows the code, every packet path', () => {
  for (const ev of RUN)
    it(`${ev}: the generated and auto paths deliver what the decoder path does`, async () => {
      const f = await found(ev);
      expect(summary(f.paths)).toEqual([]);
      // the capture holds the evasion: its sessions are there, each with secrets
      expect(sessionsOf(ev).length).toBeGreaterThanOrEqual(ev === 'table-full' ? 1 : 3);
    });

  it('group split (workers 0 and 1; decoder, generated, auto): the same files and counters', async () => {
    const sessions = EVASIONS.filter((e) => e !== 'late-filler' && e !== 'idle' && e !== 'table-full').flatMap(
      sessionsOf,
    );
    sessions.forEach((s, i) => (s.ep.addr[0] = `0a63${(i + 1).toString(16).padStart(4, '0')}`));
    const file = pcapFile(dir, 'evasion-split.pcap', interleave(sessions, LINKTYPE.ETHERNET, 4), LINKTYPE.ETHERNET);
    const pol = POLICIES['mask beside other groups'];
    const runs = await splitRuns(file, pol, 'evasion-split');
    expectSameRuns(runs);
    // nothing leaks there either (the defects below are all fixed)
    expect(summary(oracleFindings(pol, runs[0].files, sessions, false))).toEqual([]);
  });
});

/**
 * Defects found (main, every path: the decoder's too), each named in the
 * harness's LEAKY. `it.fails`: passes while the defect is there; flip to
 * `it` once fixed.
 */
describe('mask: defects an evader can use (main, every path)', () => {
  // DEFECT: a FIN whose sequence number is long behind (the direction's first) ends the direction at once
  // (tcp-stream.ts takes any FIN's offset as finAt; checkEnd ends a direction whose next is past it): every later
  // segment is a retransmission searched alone. A receiver drops that FIN (outside its window) and reads on.
  it('stale-fin: a FIN long behind the stream does not end it', async () => {
    expect(summary((await found('stale-fin')).all)).toEqual([]);
  });

  // DEFECT: a SYN with another initial sequence number on the open session starts it over (tcp-stream.ts
  // 'restarted'): the old session's undecided bytes are masked as at a release (a card's first six digits kept),
  // and the rest of the stream, in the old numbers, lies behind the new stream's start: searched segment by segment
  // (a credential without its command, a card number without its first digits). A receiver in ESTABLISHED answers
  // such a SYN with a challenge ACK (RFC 5961 4) and the connection goes on.
  it('syn-anew: a SYN with a new sequence number on an open session does not cut its stream', async () => {
    expect(summary((await found('syn-anew')).all)).toEqual([]);
  });

  // FIXED (leakfix2, session 13: bytes decided by bytes the receiver has not acknowledged yet wait, held, for its
  // acknowledgment; a copy of those deciding bytes with other bytes masks them, forced). Was: the first copy of a
  // segment carries other bytes than the copy the receiver keeps (an insertion: a TTL that runs out after the tap, a
  // zero-window probe); the receiver's copy is searched on its own (and masked by the first copy's spans): a card
  // number or a pattern's match that began in the segment before is in neither search. Half fixed (leakfix, session
  // 12): the receiver's copy is carried (its first line, its first digit run), so the rest of the secret is masked;
  // its start, in the segment before, was decided by the first copy's bytes (no card, no match) and left before the
  // second copy came: `tok-` or a card's first digits delivered.
  it('insertion: the copy the receiver keeps is searched with the stream before it', async () => {
    expect(summary((await found('insertion')).all)).toEqual([]);
  });

  // What the half fix holds: the secret from the split on (the receiver's copy's bytes) is masked, every copy.
  it("insertion: the secret's bytes in the copy the receiver keeps are masked", async () => {
    const f = await found('insertion');
    const tails = sessionsOf('insertion').map((s) => ({
      ...s,
      secrets: s.secrets.map((x) =>
        x.dir === s.focus.dir && x.start <= s.focus.at && s.focus.at < x.end ? { ...x, start: s.focus.at } : x,
      ),
    }));
    for (const name of ['mask only', 'mask beside other groups'])
      expect(summary(oracleFindings(POLICIES[name], f.files.get(name)!, tails, false))).toEqual([]);
  });

  // FIXED (leakfix, session 12: a segment searched on its own is carried from its start, as after a gap, unless the
  // stream's byte before it says no match can be under way there). Was: a gap given up at the hold timeout (the bytes after it carried to the line's or digit run's end) that
  // fills later: the filler is a retransmission whose first copy was never seen, searched on its own: the rest of
  // a password after `PASS `, of a token, of a card number, delivered. The receiver waits for it and reads it.
  it("late-filler: bytes that fill a gap given up are masked as the gap's carry does", async () => {
    expect(summary((await found('late-filler')).all)).toEqual([]);
  });

  // FIXED (leakfix, session 12: carried as any segment searched on its own). Was: an identical retransmission of a
  // segment whose spans were forgotten (more than SPANS_PER_DIRECTION
  // masked after it) is searched on its own: the tail of a password, of a card number, delivered.
  // docs/language.md: "masked exactly as the first copy was when it carries the same bytes" (no bound named).
  it('spans-forgotten: a retransmission after 64 masked spans is masked as its first copy', async () => {
    expect(summary((await found('spans-forgotten')).all)).toEqual([]);
  });

  // FIXED (leakfix, session 12: a session whose scanners hold context past the current line, a match under way or a
  // SASL exchange, is kept past the idle bound: MaskScanner.resting, TcpTableOptions.keepIdle; one forgotten at rest
  // is picked up without its SYN and carried). Was (and a doc gap: docs/language.md names no idle bound; docs/design/mask.md says a session idle 300 s is
  // forgotten): a sender that pauses more than IDLE_SECONDS inside a secret (while the group sees a new session):
  // the rest of it is the start of a stream picked up mid-way, a password's rest without its command. The same
  // when 65,536 other sessions push the session out of the table (MAX_SESSIONS). TCP has no idle timeout.
  it('idle: a secret whose sender pauses past the idle bound is masked to its end', async () => {
    expect(summary((await found('idle')).all)).toEqual([]);
  });

  // FIXED (leakfix, session 12: the tunnelled segment is a session picked up without its SYN, carried; the plain
  // session's FIN beyond its lost bytes is a gap at the end, not the stream's end). Was a DOC GAP (tcp-stream.ts keys a
  // session by its tunnel; docs/language.md only says the
  // innermost payload is searched): a segment sent inside GRE (taken out by a router past the tap), the rest
  // plain: two sessions, the rest of a password and a card number split there delivered.
  it('tunnel-hop: a stream whose segments come inside a tunnel and outside it is one stream', async () => {
    expect(summary((await found('tunnel-hop')).all)).toEqual([]);
  });

  // FIXED (leakfix, session 12: the evicted session's undecided bytes masked whole, the rest picked up and carried).
  // Was (the same as idle, and the same doc gap): 65,536 new sessions (MAX_SESSIONS) inside a secret evict its
  // session; the rest is picked up as a new stream. MASKCHECK_SWEEP=1 (about 65,600 packets, a minute a path under load).
  (SWEEP ? it : it.skip)('table-full: a secret whose session the table evicts is masked to its end', async () => {
    expect(summary((await found('table-full')).all)).toEqual([]);
  });

  // Fixed (telnetfix, session 11: SpanList.keepFrom): more than SPANS_PER_DIRECTION secrets in one segment (a card
  // list, a form): the spans list kept the last 64, the segment is written after its search, so the first secrets
  // in it were delivered. 85 card numbers fit a 1,460-byte segment; a capture taken with GRO/TSO holds segments of
  // up to 64 KiB. No evader needed.
  it('more than 64 secrets in one segment are all masked', async () => {
    const r = new Rng(64);
    const sessions: Session[] = [];
    for (const n of [SPANS_PER_DIRECTION + 6, 3 * SPANS_PER_DIRECTION]) {
      const cards = Array.from({ length: n }, () => cardNumber(r));
      const pws = Array.from({ length: n }, () => `P${r.word(8)}`);
      const sc: Script = {
        port: 80,
        cards,
        decoys: [],
        tokens: [],
        creds: pws,
        turns: [
          { dir: 0, text: `POST /l HTTP/1.1\r\nHost: shop\r\n\r\n${pws.map((p) => `password=${p}&`).join('')}` },
          { dir: 1, text: `HTTP/1.1 200 OK\r\n\r\n${cards.map((c) => `card ${c}\r\n`).join('')}` },
        ],
      };
      sessions.push(session(sessions.length + 1, 'bulk', r, { script: sc, secret: 0, split: 2, whole: true }));
    }
    const f = await check(sessions, LINKTYPE.ETHERNET, 1, ['mask only']);
    expect(f.paths).toEqual([]);
    expect(summary(f.all)).toEqual([]);
  });
});

/** One conversation of `port` whose `creds` must come out masked (each its own secret, found where it is). */
const talk = (port: number, creds: string[], ...turns: [0 | 1, string][]): Script => ({
  port,
  creds,
  cards: [],
  decoys: [],
  tokens: [],
  turns: turns.map(([dir, text]) => ({ dir, text })),
});

/**
 * Each built-in protocol's odd but valid syntax, as docs/language.md lists
 * it (case, line ends, literals, SASL on the next line, APOP, ACCT, ...):
 * every secret masked, on every path.
 */
const ODD: Record<string, Script> = {
  'form field name with a %-escape inside password': talk(
    8080,
    ['hUnt3rTwo'],
    [0, 'POST /l HTTP/1.1\r\nHost: a\r\nContent-Length: 29\r\n\r\nuser=&pass%77ord=hUnt3rTwo'],
  ),
  'form names in upper case': talk(
    8080,
    ['bOb9x', 'hUnt3rTwo'],
    [0, 'POST /l HTTP/1.1\r\n\r\nUSERNAME=bOb9x&PASSWORD=hUnt3rTwo&x=1'],
  ),
  'authorization header and scheme in lower and upper case': talk(
    80,
    ['Ym9iOmh1bnRlcjI=', 'Qm9iOkh1bnRlcjM='],
    [
      0,
      'GET / HTTP/1.1\r\nauthorization: basic Ym9iOmh1bnRlcjI=\r\n\r\nGET / HTTP/1.1\r\nAUTHORIZATION: BASIC Qm9iOkh1bnRlcjM=\r\n\r\n',
    ],
  ),
  'HTTP/1.1 pipelining: a token and a form in the third request': talk(
    80,
    ['abcdefTOKEN9', 'hUnt3rTwo'],
    [
      0,
      'GET /a HTTP/1.1\r\nHost: a\r\n\r\nGET /b HTTP/1.1\r\nAuthorization: Bearer abcdefTOKEN9\r\n\r\nPOST /c HTTP/1.1\r\nContent-Length: 22\r\n\r\npassword=hUnt3rTwo&x=1',
    ],
  ),
  'JSON with spaces around the colon, names capitalised': talk(
    80,
    ['hUnt3rTwo', 'bOb9x'],
    [0, 'POST /c HTTP/1.1\r\n\r\n{"Password" : "hUnt3rTwo", "User":"bOb9x"}'],
  ),
  'IMAP LOGIN with literals, synchronising and not': talk(
    143,
    ['bOb9x', 'hUnt3rTwo', 'aLiCe7', 'pAss8word'],
    [1, '* OK\r\n'],
    [0, 'a1 LOGIN {5}\r\n'],
    [1, '+ go\r\n'],
    [0, 'bOb9x {9}\r\n'],
    [1, '+ go\r\n'],
    [0, 'hUnt3rTwo\r\n'],
    [1, 'a1 NO\r\n'],
    [0, 'a2 login {6+}\r\naLiCe7 {9+}\r\npAss8word\r\n'],
  ),
  'SMTP AUTH PLAIN, the response on the next line, lower case': talk(
    25,
    ['AGJvYgBodW50ZXIy', 'AGFsaWNlAHB3ZDM='],
    [1, '220 x\r\n'],
    [0, 'EHLO a\r\n'],
    [1, '250 ok\r\n'],
    [0, 'AUTH PLAIN\r\n'],
    [1, '334 \r\n'],
    [0, 'AGJvYgBodW50ZXIy\r\n'],
    [1, '535 no\r\n'],
    [0, 'auth plain AGFsaWNlAHB3ZDM=\r\n'],
    [1, '235 ok\r\n'],
  ),
  'POP3 APOP in both cases': talk(
    110,
    ['bOb9x', 'c4c9334bac560ecc979e58001b3e22fb', 'aLiCe7', 'd5d0445cbd671fdd08af69112c4f33ac'],
    [1, '+OK <1.2@x>\r\n'],
    [0, 'APOP bOb9x c4c9334bac560ecc979e58001b3e22fb\r\n'],
    [1, '-ERR\r\n'],
    [0, 'apop aLiCe7 d5d0445cbd671fdd08af69112c4f33ac\r\n'],
  ),
  'FTP ACCT, lower case, LF line ends, a bare CR before PASS': talk(
    21,
    ['bOb9x', 'hUnt3rTwo', 'aCct99x', 'pAss8word', 'tHird7pw'],
    [1, '220 x\r\n'],
    [0, 'USER bOb9x\r\n'],
    [1, '331 x\r\n'],
    [0, 'PASS hUnt3rTwo\r\n'],
    [1, '332 x\r\n'],
    [0, 'ACCT aCct99x\r\n'],
    [1, '230 x\r\n'],
    [0, 'pass pAss8word\nNOOP\rPASS tHird7pw\r\n'],
  ),
  'multipart form part named password (quoted)': talk(
    80,
    ['hUnt3rTwo'],
    [
      0,
      'POST / HTTP/1.1\r\nContent-Type: multipart/form-data; boundary=XX\r\n\r\n--XX\r\nContent-Disposition: form-data; name="password"\r\n\r\nhUnt3rTwo\r\n--XX--\r\n',
    ],
  ),
  'Telnet prompts in upper case': talk(
    23,
    ['bOb9x', 'hUnt3rTwo'],
    [1, 'LOGIN: '],
    [0, 'bOb9x\r\n'],
    [1, 'PASSWORD: '],
    [0, 'hUnt3rTwo\r\n'],
  ),
};

/** Valid syntax docs/language.md covers whose secret is delivered (main, every path). */
const ODD_LEAKS: Record<string, Script> = {
  // RFC 7578 4.2 / RFC 2183: a Content-Disposition parameter's value is a token or a quoted string
  'multipart form part named password (a token, unquoted)': talk(
    80,
    ['hUnt3rTwo'],
    [
      0,
      'POST / HTTP/1.1\r\nContent-Type: multipart/form-data; boundary=XX\r\n\r\n--XX\r\nContent-Disposition: form-data; name=password\r\n\r\nhUnt3rTwo\r\n--XX--\r\n',
    ],
  ),
  // XML 1.0 2.7: character data in a CDATA section is the element's text
  'XML <password> whose value is a CDATA section': talk(
    80,
    ['hUnt3rTwo'],
    [0, 'POST / HTTP/1.1\r\nContent-Type: text/xml\r\n\r\n<login><password><![CDATA[hUnt3rTwo]]></password></login>'],
  ),
};

const oddFound = (set: Record<string, Script>, key: string) =>
  once(key, () => {
    const r = new Rng(1111);
    const sessions = Object.entries(set).map(([name, sc], i) => ({
      ...session(i + 1, 'bulk', r, { script: sc, secret: 0, split: 1, whole: true }),
      name: `#${i + 1} ${name}`,
    }));
    return check(sessions, LINKTYPE.ETHERNET, 2, ['mask only']);
  });

describe("mask: each protocol's odd but valid syntax, every packet path", () => {
  it('every secret masked; the paths deliver what the decoder path does', async () => {
    const f = await oddFound(ODD, 'odd');
    // each credential is in its conversation (a secret the oracle reads)
    for (const sc of Object.values(ODD))
      for (const c of sc.creds) expect(streamsOf(sc).secrets.map((x) => x.text)).toContain(c);
    expect(summary(f.paths)).toEqual([]);
    expect(summary(f.all)).toEqual([]);
  });

  it('the leaking syntax: the paths deliver what the decoder path does', async () => {
    expect(summary((await oddFound(ODD_LEAKS, 'odd leaks')).paths)).toEqual([]);
  });

  // FIXED (evasion, session 11; ODD_LEAKS): a multipart part named by a token (`name=password`) and an XML value in a CDATA section:
  // the password is delivered. docs/language.md: "multipart form parts so named", "`<name>value</name>` in XML".
  it('multipart name as a token, XML CDATA value: masked', async () => {
    const f = await oddFound(ODD_LEAKS, 'odd leaks');
    expect(summary(f.all)).toEqual([]);
  });
});

/** The index in `text` of its `n`th digit (1: the first). */
function nthDigit(text: string, n: number): number {
  for (let i = 0, k = 0; i < text.length; i++) if (text[i] >= '0' && text[i] <= '9' && ++k === n) return i;
  throw new Error(`no digit ${n} in ${text}`);
}

describe('mask: transport shapes that must not leak, every packet path', () => {
  it("data on the SYN (TCP Fast Open) and on the FIN; a card's digits from the 13th on lost to the capture", async () => {
    const r = new Rng(1113);
    const sessions: Session[] = [];
    for (const p of ['http', 'form'] as const) {
      // the client's first segment on its SYN
      const s = sessionOn(sessions.length + 1, p, r, 'none', 'credential')!;
      const k = s.segs.findIndex((g) => g.dir === 0 && g.payload.length > 0);
      s.segs[0] = { ...s.segs[0], payload: s.segs[k].payload };
      s.segs.splice(k, 1);
      sessions.push({ ...s, name: `TFO ${s.name}` });
    }
    for (const p of PROTOCOLS) {
      // each direction's last data on its FIN (the FIN sent again after, as a retransmission)
      const s = sessionOn(sessions.length + 1, p, r, 'none')!;
      for (const d of [0, 1] as const) {
        const segs = s.segs.filter((g) => g.dir === d && g.payload.length > 0);
        segs[segs.length - 1].flags |= FIN;
      }
      sessions.push({ ...s, name: `FIN ${s.name}` });
    }
    for (const p of PROTOCOLS.filter((x) => x !== 'telnet' && x !== 'smtp-login')) {
      // a card number cut before its 13th digit, the bytes from there to the card's end never captured
      const sc = script(p, r);
      const secrets = streamsOf(sc).secrets;
      const k = secrets.findIndex((x) => x.kind === 'card');
      const card = secrets[k];
      const s = session(sessions.length + 1, p, r, {
        script: sc,
        secret: k,
        split: nthDigit(card.text, 13),
        whole: true,
      });
      const at = s.segs.findIndex(
        (g) =>
          g.dir === card.dir &&
          g.payload.length > 0 &&
          g.payload.toString('latin1').startsWith(card.text.slice(nthDigit(card.text, 13))),
      );
      const g = s.segs[at];
      const lost = card.end - card.start - nthDigit(card.text, 13);
      s.segs.splice(at, 1, { ...g, seq: (g.seq + lost) >>> 0, payload: g.payload.subarray(lost) });
      // a gap the capture lost, as a snap cut is: what follows it is carried (decoys after it masked: not benign)
      sessions.push({ ...s, name: `lost 13th digit ${s.name}`, variant: 'snap-cut' });
    }
    const f = await check(sessions, LINKTYPE.ETHERNET, 3, ['mask only', 'two mask groups']);
    expect(summary(f.paths)).toEqual([]);
    expect(summary(f.all)).toEqual([]);
  });
});

describe('mask: capture time read from a nanosecond pcap', () => {
  it('a segment 0.6 s behind the one after it is held and masked as in a microsecond pcap (no timeout, no idle)', async () => {
    const r = new Rng(1114);
    const sessions: Session[] = [];
    for (const p of PROTOCOLS.filter((x) => x !== 'telnet')) {
      const s = sessionOn(sessions.length + 1, p, r, 'none', 'credential')!;
      const isn = [s.segs[0].seq, s.segs[1].seq];
      const k = s.segs.findIndex(
        (g) => g.dir === s.focus.dir && g.payload.length > 0 && g.seq === (isn[g.dir] + 1 + s.focus.at) >>> 0,
      );
      let b = k - 1;
      while (!(s.segs[b].dir === s.focus.dir && s.segs[b].payload.length > 0)) b--;
      // the segment after the focus first (held, waiting), the one before it 0.6 s later
      [s.segs[b], s.segs[k]] = [s.segs[k], { ...s.segs[b], delay: 0.6 }];
      sessions.push({ ...s, variant: 'reorder' });
    }
    const pol = POLICIES['mask only'];
    const recs = interleave(sessions, LINKTYPE.ETHERNET, 1);
    const runs = [];
    for (const nano of [false, true]) {
      const file = pcapFile(dir, `time-${nano ? 'ns' : 'us'}.pcap`, recs, LINKTYPE.ETHERNET, 0.0001, nano);
      const { bad, files, stats } = await differential(pol.body, file, undefined, sessions);
      expect(summary(bad)).toEqual([]);
      expect(summary(oracleFindings(pol, files, sessions, false))).toEqual([]);
      const g = (
        JSON.parse(stats) as { groups: { actions: unknown; actionTotals: Record<string, Record<string, number>> }[] }
      ).groups[0];
      runs.push(g);
    }
    expect(runs[1]).toEqual(runs[0]);
    expect(runs[0].actionTotals.mask['packets-held']).toBeGreaterThan(0);
    expect(runs[0].actionTotals.mask['released-by-timeout']).toBe(0);
    expect(runs[0].actionTotals.mask['tcp-sessions-evicted']).toBe(0);
  });
});

/** A pcapng block: type, body padded to 4 bytes, the length at both ends. */
function block(type: number, body: Buffer): Buffer {
  const pad = Buffer.alloc((4 - (body.length % 4)) % 4);
  const len = 12 + body.length + pad.length;
  const h = Buffer.alloc(8);
  h.writeUInt32LE(type, 0);
  h.writeUInt32LE(len, 4);
  const t = Buffer.alloc(4);
  t.writeUInt32LE(len, 0);
  return Buffer.concat([h, body, pad, t]);
}

/** The records of a pcapng file's packet blocks by their interface's link type, each set as a pcap file. */
function pcapsOf(b: Buffer): Buffer[] {
  const links: number[] = [];
  const by = new Map<number, Buffer[]>();
  for (let at = 0; at + 12 <= b.length; at += b.readUInt32LE(at + 4)) {
    const type = b.readUInt32LE(at);
    if (type === 1) links.push(b.readUInt16LE(at + 8));
    if (type !== 6) continue;
    const link = links[b.readUInt32LE(at + 8)];
    const n = b.readUInt32LE(at + 20);
    const h = Buffer.alloc(16);
    h.writeUInt32LE(n, 8);
    h.writeUInt32LE(n, 12);
    by.set(link, [...(by.get(link) ?? []), h, b.subarray(at + 28, at + 28 + n)]);
  }
  return [...by].map(([link, recs]) => {
    const head = Buffer.alloc(24);
    head.writeUInt32LE(0xa1b2c3d4, 0);
    head.writeUInt16LE(2, 4);
    head.writeUInt16LE(4, 6);
    head.writeUInt32LE(262144, 16);
    head.writeUInt32LE(link, 20);
    return Buffer.concat([head, ...recs]);
  });
}

describe('mask: one session over two interfaces of a pcapng file (Ethernet in microseconds, raw IP in nanoseconds)', () => {
  it('every other segment on the other interface: one stream, every secret masked, every path', async () => {
    const r = new Rng(1115);
    const sessions = PROTOCOLS.map((p, i) => session(i + 1, p, r, {}));
    // SHB; interface 0 Ethernet (microseconds), interface 1 raw IPv4/IPv6 (if_tsresol 9: nanoseconds)
    const shb = block(0x0a0d0d0a, Buffer.from('4d3c2b1a01000000ffffffffffffffff', 'hex'));
    const idb = (link: number, opts: string) => {
      const b = Buffer.concat([Buffer.alloc(8), Buffer.from(opts, 'hex')]);
      b.writeUInt16LE(link, 0);
      b.writeUInt32LE(262144, 4);
      return block(1, b);
    };
    const parts = [shb, idb(LINKTYPE.ETHERNET, ''), idb(LINKTYPE.RAW, '0900010009000000' + '00000000')];
    let k = 0;
    sessions.forEach((s, i) =>
      s.segs.forEach((g) => {
        const ifc = k % 2;
        const t = 1_700_000_000 * 1e6 + k * 100; // microseconds
        const ts = ifc === 0 ? t : t * 1000;
        for (const rec of records(g, s.ep, s.enc, ifc === 0 ? LINKTYPE.ETHERNET : LINKTYPE.RAW, [i, i])) {
          const head = Buffer.alloc(20);
          head.writeUInt32LE(ifc, 0);
          head.writeUInt32LE(Math.floor(ts / 2 ** 32), 4);
          head.writeUInt32LE(ts % 2 ** 32, 8);
          head.writeUInt32LE(rec.data.length, 12);
          head.writeUInt32LE(rec.wireLen, 16);
          parts.push(block(6, Buffer.concat([head, rec.data])));
        }
        k++;
      }),
    );
    const file = join(dir, 'two-interfaces.pcapng');
    writeFileSync(file, Buffer.concat(parts));
    const body = `tap t { source pcap "x.pcap" }\ngroup m { tool a { output pcapng "a.pcapng" } mask card-number, credentials, /tok-[a-z]+/ }\nrule r from t match any to m`;
    const a = artifactFor(dir, body);
    const dec = await singleThreadRun(dir, a, [[file]], 'decoder', false, 65536);
    for (const p of PATHS) {
      const gen = await singleThreadRun(dir, a, [[file]], p.path, p.loop, p.buffer);
      expect(gen.outputs[0].equals(dec.outputs[0]), `${p.path} ${p.buffer}`).toBe(true);
      expect(gen.stats).toEqual(dec.stats);
    }
    const pcaps = pcapsOf(dec.outputs[0]);
    expect(pcaps.length).toBe(2);
    const pol: Policy = { body, masked: [{ ...POLICIES['mask only'].masked[0], files: [0, 1] }] };
    expect(summary(oracleFindings(pol, pcaps, sessions, false))).toEqual([]);
  });
});
