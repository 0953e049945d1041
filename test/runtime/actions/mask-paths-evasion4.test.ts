/**
 * Round 4 of the outside masking checker (session 13): traffic a real
 * network shows (SPAN, taps, real stacks' odd but legal TCP) and an evader's
 * shapes aimed at session 12's fixes (a FIN ends a direction once
 * acknowledged, only an RST at the next byte resets, the receiver's window).
 * Each case builds its own capture from the harness's sessions
 * (mask-paths-harness.ts), runs it on every packet path against the
 * decoder's, and reads the tools' files with the harness's reassembling
 * oracle. `it.fails`: a leak on main (the comment names the defect and what a
 * fix would do); `it`: an attack main withstands, kept against regressions.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { LINKTYPE } from '../../../src/fields/fields.js';
import { fixIpv4HeaderChecksum } from '../../../src/runtime/actions/checksum.js';
import { HOLD_TIMEOUT } from '../../../src/runtime/actions/mask-bounds.js';
import {
  cleanup,
  differential,
  dir,
  oracleFindings,
  PATHS,
  POLICIES,
  session,
  type Session,
  summary,
} from './mask-paths-harness.js';
import {
  ACK,
  cardNumber,
  FIN,
  pcapFile,
  readPcap,
  PROTOCOLS,
  type Rec,
  records,
  reassemble,
  readings,
  Rng,
  RST,
  type Script,
  type Seg,
  SYN,
} from './mask-paths.js';
import { afterDigits, focusSessions, offsetOf, recsOf, secretsOnly } from './mask-paths-focus.js';

afterAll(cleanup);

const ETH = LINKTYPE.ETHERNET;

/** The capture's leaks (every one: no known defect skipped) and the paths' differences under `policy`. */
async function run(name: string, sessions: Session[], policy = 'mask only', recs?: Rec[]) {
  const file = pcapFile(dir, `${name}.pcap`, recs ?? sessions.flatMap((s, i) => recsOf(s, i + 1)), ETH);
  const pol = POLICIES[policy];
  const { bad, files } = await differential(pol.body, file, PATHS, sessions);
  return { paths: bad, leaks: oracleFindings(pol, files, sessions, false), files };
}

// ---- 1. session 12's FIN rule: a FIN ends a direction once the other side acknowledges it

describe("mask: a FIN inside a secret that the receiver never gets, and an ACK of it forged from the receiver's side", () => {
  // Control: round 3's case (fixed by windowfix): the FIN unacknowledged, the rest of the secret in its place.
  it('control: the FIN alone, then the rest of the secret, is masked', async () => {
    const sessions = focusSessions(new Rng(1301), ['credential', 'card'], (s, k) => {
      const g = s.segs[k];
      s.segs.splice(k, 0, { dir: g.dir, seq: g.seq, ack: g.ack, flags: FIN | ACK, payload: Buffer.alloc(0) });
    });
    const f = await run('fin-alone', sessions);
    expect(summary(f.paths)).toEqual([]);
    expect(summary(f.leaks)).toEqual([]);
  });

  // Was a DEFECT (maskcheck4, session 13): tcp-stream ended the direction at any acknowledgment passing the FIN,
  // so the rest of a password or card after it was searched alone. Fixed by leakfix2: bytes in a FIN's place take
  // it back even acknowledged (a real stack never sends bytes in its own FIN's place), and a direction with a match
  // under way at its FIN is not ended (docs/language.md).
  it('a FIN, a forged ACK of it from the other side, then the rest of the secret', async () => {
    const sessions = focusSessions(new Rng(1301), ['credential', 'card'], (s, k) => {
      const g = s.segs[k];
      const other = g.dir === 0 ? 1 : 0;
      s.segs.splice(
        k,
        0,
        { dir: g.dir, seq: g.seq, ack: g.ack, flags: FIN | ACK, payload: Buffer.alloc(0) },
        { dir: other, seq: g.ack, ack: (g.seq + 1) >>> 0, flags: ACK, payload: Buffer.alloc(0) },
      );
    });
    const f = await run('fin-forged-ack', sessions);
    expect(summary(f.paths)).toEqual([]);
    // (on main: every card's digits before the FIN delivered, seven here; the rest masked as lost context)
    expect(summary(secretsOnly(f.leaks))).toEqual([]);
  });
});

// ---- 2. session 12's RST rule: only an RST at the next byte resets

describe('mask: an RST at exactly the next byte that the receiver never gets, then a SYN anew, then the rest of the secret', () => {
  // An RST at the next byte whose TTL runs out after the tap (or with a bad checksum): the receiver never resets,
  // answers the SYN after it with a challenge ACK (RFC 5961 4) and reads the rest of the secret in the old numbers.
  it('the rest of the secret, in the old numbers, is masked', async () => {
    const sessions = focusSessions(new Rng(1302), ['credential', 'card'], (s, k) => {
      const g = s.segs[k];
      s.segs.splice(
        k,
        0,
        { dir: g.dir, seq: g.seq, ack: g.ack, flags: RST | ACK, payload: Buffer.alloc(0) },
        { dir: g.dir, seq: (g.seq + 0x1234_5678) >>> 0, ack: 0, flags: SYN, payload: Buffer.alloc(0) },
      );
    });
    const f = await run('rst-next-syn', sessions);
    expect(summary(f.paths)).toEqual([]);
    // (decoys after the SYN are masked: the new session's first line and digit run, lost context)
    expect(summary(secretsOnly(f.leaks))).toEqual([]);
  });
});

// ---- 3. real stacks' odd but legal openings

/** The index of the first data segment of direction 0 (the client's), which must start its stream. */
function firstClientData(s: Session): number {
  const k = s.segs.findIndex((g) => g.dir === 0 && g.payload.length > 0);
  if (k < 0 || offsetOf(s, s.segs[k]) !== 0) throw new Error(`${s.name}: the client does not speak first`);
  return k;
}

describe("mask: TCP Fast Open (the client's first request in its SYN)", () => {
  /** HTTP and form sessions (the client speaks first) whose SYN carries the first client segment; `accepted`: the SYN-ACK acknowledges it. */
  function fastOpen(accepted: boolean): Session[] {
    return focusSessions(
      new Rng(1303),
      ['credential', 'card'],
      (s) => {
        const k = firstClientData(s);
        const g = s.segs[k];
        s.segs[0] = { ...s.segs[0], payload: g.payload };
        if (accepted) {
          // the server took the data (a valid cookie): the SYN-ACK acknowledges it, the client goes on after it
          s.segs.splice(k, 1);
          s.segs[1] = { ...s.segs[1], ack: (s.segs[1].ack + g.payload.length) >>> 0 };
          s.segs[2] = { ...s.segs[2], seq: (s.segs[2].seq + g.payload.length) >>> 0 };
        }
        // else the server refused the cookie: the SYN-ACK acknowledges the SYN only, the client sends the data again
      },
      { protocols: ['http', 'form'] },
    );
  }

  it("the SYN's data acknowledged by the SYN-ACK: the secrets in and after it are masked", async () => {
    const sessions = fastOpen(true);
    const f = await run('tfo-accepted', sessions);
    expect(summary(f.paths)).toEqual([]);
    expect(summary(f.leaks)).toEqual([]);
  });

  it("the SYN's data refused (the SYN-ACK acknowledges the SYN only) and sent again after the handshake", async () => {
    const sessions = fastOpen(false);
    const f = await run('tfo-refused', sessions);
    expect(summary(f.paths)).toEqual([]);
    expect(summary(f.leaks)).toEqual([]);
  });
});

describe('mask: a simultaneous open (both sides send a SYN, then each a SYN-ACK: RFC 9293 3.5)', () => {
  /** The session's SYN-ACK replaced by the server's own SYN, then the two SYN-ACKs; `serverFirst`: its SYN captured first. */
  function simultaneous(serverFirst: boolean): Session[] {
    return focusSessions(new Rng(1304), ['credential', 'card'], (s) => {
      const [syn0, synAck1] = s.segs;
      const syn1: Seg = { ...synAck1, flags: SYN, ack: 0 };
      const synAck0: Seg = { ...syn0, flags: SYN | ACK, ack: (synAck1.seq + 1) >>> 0 };
      s.segs.splice(0, 2, ...(serverFirst ? [syn1, syn0] : [syn0, syn1]), synAck0, synAck1);
    });
  }

  it("the client's SYN captured first", async () => {
    const sessions = simultaneous(false);
    const f = await run('simultaneous-client-first', sessions);
    expect(summary(f.paths)).toEqual([]);
    expect(summary(f.leaks)).toEqual([]);
  });

  it("the server's SYN captured first", async () => {
    const sessions = simultaneous(true);
    const f = await run('simultaneous-server-first', sessions);
    expect(summary(f.paths)).toEqual([]);
    expect(summary(f.leaks)).toEqual([]);
  });
});

// ---- 4. a pause inside a secret: keep-alives and zero-window probes

describe('mask: a keep-alive with a byte inside a secret (BSD and Windows send the last byte sent again, or a zero byte)', () => {
  // The sender pauses inside the secret; its keep-alive carries one byte at the sequence number before the next
  // (RFC 9293 3.8.4: a garbage byte, 0 here), which the receiver drops as old and acknowledges; then the rest.
  it('the rest of the secret after the keep-alive is masked', async () => {
    const sessions = focusSessions(new Rng(1305), ['credential', 'card'], (s, k) => {
      const g = s.segs[k];
      s.segs[k] = { ...g, delay: HOLD_TIMEOUT + 1 };
      s.segs.splice(k, 0, {
        dir: g.dir,
        seq: (g.seq - 1) >>> 0,
        ack: g.ack,
        flags: ACK,
        payload: Buffer.from([0]),
        delay: HOLD_TIMEOUT + 1,
      });
    });
    const f = await run('keepalive-byte', sessions);
    expect(summary(f.paths)).toEqual([]);
    expect(summary(f.leaks)).toEqual([]);
  });
});

describe('mask: the receiver closes its window inside a secret, the sender probes it (zero-window probes)', () => {
  // The receiver advertises a zero window right before the focus; the sender probes with the next byte (Linux does),
  // which the receiver drops (no window); then the window opens and the rest of the secret comes whole.
  it('the probe and the rest of the secret are masked', async () => {
    const sessions = focusSessions(new Rng(1306), ['credential', 'card'], (s, k) => {
      const g = s.segs[k];
      const other = g.dir === 0 ? 1 : 0;
      const closed: Seg = { dir: other, seq: g.ack, ack: g.seq, flags: ACK, payload: Buffer.alloc(0), window: 0 };
      const probe: Seg = { ...g, payload: g.payload.subarray(0, 1), delay: 1 };
      const opened: Seg = { ...closed, window: 65535, delay: 1 };
      s.segs.splice(k, 0, closed, probe, { ...closed, delay: 1 }, opened);
    });
    const f = await run('zero-window-probe', sessions);
    expect(summary(f.paths)).toEqual([]);
    expect(summary(f.leaks)).toEqual([]);
  });
});

// ---- 5. the tap loses a burst of a bulk transfer, its acknowledgments too (a SPAN port over its rate)

describe("mask: a SPAN drops a burst of a download and the receiver's ACKs with it, then a card crosses two segments", () => {
  /**
   * An HTTP download of 300 KB in 1,460-byte segments with a card number
   * whose first `digits` digits end one segment; the tap loses every packet
   * (data and ACKs) between `from` and 250,000 bytes of the download (`from`
   * 250,000: none), so the segments after the loss start past the window
   * the client last advertised, plus the slack.
   */
  function download(seed: number, from: number, digits: number): Session[] {
    const r = new Rng(seed);
    const sessions: Session[] = [];
    for (let i = 0; i < 6; i++) {
      const card = cardNumber(r);
      const head = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n';
      const lead = 'x'.repeat(260_000 + r.int(1460) - head.length);
      const body = `${head}${lead}\ncard ${card} end\n${'y'.repeat(40_000)}\n`;
      const sc: Script = {
        port: 80,
        turns: [
          { dir: 0, text: 'GET /export HTTP/1.1\r\nHost: shop\r\n\r\n' },
          { dir: 1, text: body },
        ],
        creds: [],
        cards: [card],
        decoys: [],
        tokens: [],
      };
      const at = body.indexOf(card);
      const split = afterDigits(card, digits);
      // MSS-sized segments up to the card's cut, then from it
      const cuts: number[] = [];
      for (let o = at + split - 1460; o > 0; o -= 1460) cuts.push(o);
      for (let o = at + split + 1460; o < body.length; o += 1460) cuts.push(o);
      const s = session(i + 1, 'bulk', r, { script: sc, secret: 0, whole: true, split, cuts: [[], cuts] });
      const lost = (g: Seg) => {
        const o = g.dir === 1 ? offsetOf(s, g) : (g.ack - s.segs[1].seq - 1) >>> 0;
        return (g.dir === 1 ? g.payload.length > 0 : g.flags === ACK) && o > from && o < 250_000;
      };
      s.segs = s.segs.filter((g) => !lost(g));
      sessions.push(s);
    }
    return sessions;
  }

  it('control: no loss, the card masked', async () => {
    const sessions = download(1307, 250_000, 10);
    const f = await run('span-burst-control', sessions);
    expect(summary(f.paths)).toEqual([]);
    expect(summary(f.leaks)).toEqual([]);
  });

  // FIXED (maskcheck4, session 13). Was (real captures: a SPAN port or a capturing host drops bursts when the
  // mirrored traffic exceeds its rate, and the receiver's ACKs are lost with the data): tcp-stream.ts lookup() takes
  // a segment that starts past the bytes seen and past the right edge the receiver last advertised (plus 64 KiB of
  // slack) as `outside` (windowfix: a stray, or an evader's, that the receiver drops). After such a loss the
  // receiver's real window has moved on with the ACKs the tap lost, so the next real segments are taken as outside
  // until an ACK of the receiver is captured. mask.ts apart() searched such a segment on its own with no carry, and
  // nothing masked what may be under way at its end: a card number crossing two such segments was delivered whole
  // (its first digits end one, its last ones start the next; each half alone is no card). Now an outside segment is
  // searched as lost context at both ends (at its start as after a gap, at its end as before one: the line, the
  // digit run), counted masked-undecided.
  it('the loss: the card after it is masked', async () => {
    const sessions = download(1307, 20_000, 10);
    const f = await run('span-burst', sessions);
    expect(summary(f.paths)).toEqual([]);
    expect(summary(f.leaks)).toEqual([]);
  });
});

// ---- 6. credentials in XML elements with attributes (SOAP's WS-Security UsernameToken)

describe('mask: a credential element with attributes (SOAP WS-Security, a namespace declared on the element)', () => {
  /** A SOAP login over HTTP, its body cut into `pieces` segments. */
  function soap(r: Rng, i: number): Session {
    const user = `u${r.word(7)}`;
    const pw = `P${r.word(9)}`;
    const pw2 = `Q${r.word(9)}`;
    const pw3 = `R${r.word(9)}`;
    const body =
      `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Header>` +
      `<wsse:Security><wsse:UsernameToken><wsse:Username>${user}</wsse:Username>` +
      `<wsse:Password Type="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText">${pw}</wsse:Password>` +
      `</wsse:UsernameToken></wsse:Security></soap:Header><soap:Body><ChangePassword xmlns="urn:acct">` +
      `<password xmlns="urn:acct">${pw2}</password><newPassword\txsi:type="xsd:string">${pw3}</newPassword>` +
      `</ChangePassword></soap:Body></soap:Envelope>\r\n`;
    const sc: Script = {
      port: 80,
      turns: [
        {
          dir: 0,
          text: `POST /ws/Account HTTP/1.1\r\nHost: shop\r\nContent-Type: text/xml; charset=utf-8\r\nSOAPAction: "urn:acct#ChangePassword"\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
        },
        { dir: 1, text: 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n' },
      ],
      creds: [user, pw, pw2, pw3],
      cards: [],
      decoys: [],
      tokens: [],
    };
    return session(i, 'bulk', r, { script: sc, secret: 1 });
  }

  // FIXED (maskcheck4, session 13: the start tag of a credential element with attributes is read to its `>`, its
  // attributes read as any others', and the value after it masked as XML's; `/>` has none). Was (real traffic:
  // every WS-Security UsernameToken carries `Type` on its Password element; SOAP toolkits declare namespaces on
  // elements): credentials.ts field() read `<name>` as a credential element only when `>` followed the name at once
  // (T_TAG); a space after the name ended the tag's reading, so the element's value went in clear.
  it('the passwords in elements with attributes are masked', async () => {
    const r = new Rng(1308);
    const sessions = [1, 2, 3].map((i) => soap(r, i));
    const f = await run('soap-attrs', sessions);
    expect(summary(f.paths)).toEqual([]);
    expect(summary(f.leaks)).toEqual([]);
  });
});

// ---- 7. Telnet prompts drawn with terminal escapes

describe('mask: a Telnet login whose prompts carry terminal escapes (bold, colour, a reset after the colon)', () => {
  /** script('telnet')'s login with the prompts `user` and `pass`. */
  function telnet(r: Rng, i: number, user: string, pass: string): Session {
    const name = `u${r.word(7)}`;
    const pw = `P${r.word(9)}`;
    const turns: Script['turns'] = [{ dir: 1, text: `\xff\xfd\x18\xff\xfb\x01Welcome\r\n${user}` }];
    for (const ch of `${name}\r\n`) turns.push({ dir: 0, text: ch }, { dir: 1, text: ch });
    turns.push({ dir: 1, text: pass }, { dir: 0, text: `${pw}\r\n`, bytewise: true }, { dir: 1, text: '\r\n$ ' });
    const sc: Script = { port: 23, turns, creds: [name, pw], cards: [], decoys: [], tokens: [] };
    return session(i, 'bulk', r, { script: sc, secret: 1, whole: true });
  }

  // FIXED (maskcheck4, session 13: promptEnd() and promptOf() pass over ANSI control sequences, ECMA-48 5.4, which
  // a terminal shows as nothing). Was (devices and hosts whose prompts are styled: an SGR sequence around the prompt,
  // a reset or an erase to the line's end after it): telnet.ts promptOf() read the line's tail as text and wanted a
  // colon as its last byte but blanks; `\x1b[1mPassword:\x1b[0m ` ends in `m`, and `\x1b[1mlogin` has a letter before
  // the word, so neither was a prompt and the client's answer went in clear.
  it('the user name and password typed after styled prompts are masked', async () => {
    const r = new Rng(1309);
    const sessions = [
      telnet(r, 1, 'login: ', '\x1b[1mPassword:\x1b[0m '),
      telnet(r, 2, '\x1b[1;32mUsername:\x1b[0m ', '\x1b[1;32mPassword:\x1b[0m\x1b[K '),
      telnet(r, 3, '\x1b[7mlogin:\x1b[m ', 'Password: \x1b[K'),
    ];
    const f = await run('telnet-ansi', sessions);
    expect(summary(f.paths)).toEqual([]);
    expect(summary(f.leaks)).toEqual([]);
  });

  // FIXED (scanfix2, session 13: promptOf() takes a `>` for a prompt's end as it takes a colon). Was (devices whose
  // login asks `Enter Password>`, `Username>`: menus of embedded devices, some terminal servers): a prompt had to
  // end in a colon, so the user name and password typed after one went in clear.
  it('the user name and password typed after prompts ending in `>` are masked', async () => {
    const r = new Rng(1312);
    const sessions = [
      telnet(r, 1, 'Enter Username> ', 'Enter Password> '),
      telnet(r, 2, 'login>', '\x1b[1mPassword>\x1b[0m '),
    ];
    const f = await run('telnet-gt', sessions);
    expect(summary(f.paths)).toEqual([]);
    expect(summary(f.leaks)).toEqual([]);
  });
});

// ---- 8. credential syntax a receiver reads: unquoted attributes (left: docs/language.md, "Also not found"), line breaks

describe('mask: credential fields in rarer syntax: unquoted attributes, line breaks (both fixed)', () => {
  /** An HTTP exchange whose client body is `body` (with `pw` in it), then a 200. */
  function http(r: Rng, i: number, body: (pw: string) => string): Session {
    const pw = `P${r.word(9)}`;
    const text = body(pw);
    const sc: Script = {
      port: 80,
      turns: [
        { dir: 0, text: `POST /login HTTP/1.1\r\nHost: shop\r\nContent-Length: ${text.length}\r\n\r\n${text}` },
        { dir: 1, text: 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n' },
      ],
      creds: [pw],
      cards: [],
      decoys: [],
      tokens: [],
    };
    return session(i, 'bulk', r, { script: sc, secret: 0 });
  }

  // FIXED (scanfix2, session 13: a credential name right after an `=`, ended by a blank, `>` or `/`, sets attrValue
  // as a quoted one does; quiet() is false while such a name is read, so step() sees the blank skip() passes over).
  // Was (real pages: HTML minifiers drop attribute quotes, `<input type=password name=pw value=...>`; a login form
  // that fills in its field): credentials.ts field() took a name as an attribute's value (attrValue, so that a
  // later `value=` is the field's) only when it was quoted (T_AFTER_QUOTED); an unquoted `name=password` was a form
  // field `name` whose value is `password`, and the `value=` after it nobody's.
  it('an HTML input whose attributes are not quoted: its value is masked', async () => {
    const r = new Rng(1310);
    const sessions = [
      http(r, 1, (pw) => `<form><input type=password name=pwd value=${pw} size=8></form>\r\n`),
      http(r, 2, (pw) => `<input name=password value=${pw}>\r\n`),
    ];
    const f = await run('unquoted-attrs', sessions);
    expect(summary(f.paths)).toEqual([]);
    expect(summary(f.leaks)).toEqual([]);
  });

  // FIXED (maskcheck4, session 13: endLine() and newLine() keep a JSON key's colon under way, and a credential
  // element's start tag as xmlOpen, across the line break). Was (legal, rare in real traffic: XML allows white space,
  // line breaks too, in a start tag; JSON allows a line break between a key's colon and its value): a line break
  // ended the tokenizer's reading, so `<password\r\n>`, `<password\r\n  Type="x">` and `{"password":\r\n"..."}`
  // were not read as credential fields.
  it('a line break inside a start tag or after a JSON key: the value is masked', async () => {
    const r = new Rng(1311);
    const sessions = [
      http(r, 1, (pw) => `<login><password\r\n>${pw}</password></login>\r\n`),
      http(r, 2, (pw) => `<wsse:Password\r\n  Type="x#PasswordText">${pw}</wsse:Password>\r\n`),
      http(r, 3, (pw) => `{"user": "bob", "password":\r\n  "${pw}"}\r\n`),
    ];
    const f = await run('line-break-fields', sessions);
    expect(summary(f.paths)).toEqual([]);
    expect(summary(f.leaks)).toEqual([]);
  });
});

// ---- 9. WebSocket in clear (ws://): a client's frames are masked with a key (RFC 6455 5.3)

describe('mask: a login sent over a WebSocket in clear (ws://), the client frame masked with its key as RFC 6455 wants', () => {
  // NOT COVERED (documented in docs/language.md beside HTTP/2; real traffic: ws:// dashboards, chat, MQTT over
  // WebSockets send a login as a JSON text frame): after the `101 Switching Protocols` a client's frame payload is
  // XORed with the frame's 4-byte key, so `"password": "..."` never lies in the stream as text and `credentials` (or
  // a pattern) cannot find it; the server unmasks it and reads the password, as does Wireshark. A fix would read a
  // WebSocket's frames after the upgrade (their lengths, the key) and search each payload unmasked, writing the
  // mask's fill through the key.
  it.fails("not covered (documented): the password in the client's text frame is masked", async () => {
    const r = new Rng(1312);
    const pw = `P${r.word(9)}`;
    const json = Buffer.from(`{"op":"login","user":"bob","password":"${pw}"}`, 'latin1');
    const key = Buffer.from([0x37, 0xfa, 0x21, 0x3d]);
    const frame = Buffer.concat([
      Buffer.from([0x81, 0x80 | json.length]),
      key,
      Buffer.from(json.map((b, k) => b ^ key[k % 4])),
    ]);
    const upgrade =
      'GET /live HTTP/1.1\r\nHost: shop\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';
    const sc: Script = {
      port: 80,
      turns: [
        { dir: 0, text: upgrade },
        {
          dir: 1,
          text: 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n',
        },
        { dir: 0, text: frame.toString('latin1') },
      ],
      // (the harness's session wants a secret to cut at: the host name, not read here)
      creds: ['shop'],
      cards: [],
      decoys: [],
      tokens: [],
    };
    const s = session(1, 'bulk', r, { script: sc, whole: true, secret: 0, cuts: [[upgrade.length + 3], []] });
    const f = await run('websocket', [s]);
    expect(summary(f.paths)).toEqual([]);
    // the client's stream as delivered, its frame unmasked as the server reads it
    const [a, b] = s.ep.addr;
    const stream = reassemble([f.files[0]]).get(`${a}:${s.ep.ports[0]}>${b}:${s.ep.ports[1]}`)!;
    const got = Buffer.from(readings(stream)[0].slice(upgrade.length), 'latin1');
    const k = got.subarray(2, 6);
    const read = Buffer.from(got.subarray(6).map((x, j) => x ^ k[j % 4])).toString('latin1');
    expect(read).not.toContain(pw);
  });
});

// ---- 10. a 4-tuple used again (a client port reused within TIME_WAIT, RFC 6528 initial sequence numbers)

/** The records of a pcap file (Ethernet, IPv4) whose IP TTL is `ttl`, as a pcap file of their own. */
function onlyTtl(file: Buffer, ttl: number, first: Buffer[] = []): Buffer {
  const keep = [...first, ...readPcap(file).recs.filter((d) => d.readUInt16BE(12) === 0x0800 && d[14 + 8] === ttl)];
  return Buffer.concat([
    file.subarray(0, 24),
    ...keep.flatMap((d) => {
      const h = Buffer.alloc(16);
      h.writeUInt32LE(d.length, 8);
      h.writeUInt32LE(d.length, 12);
      return [h, d];
    }),
  ]);
}

describe('mask: a connection on the same addresses and ports right after another (TIME_WAIT reuse)', () => {
  /**
   * For each protocol, session A, then session B on its 4-tuple, B's initial
   * sequence numbers A's plus 250,000 (RFC 6528: a 4 us clock, one second
   * later); B's frames with TTL 63 (the oracle reads each alone). `lose`: the
   * tap lost A's last ACK (its second FIN unacknowledged: A not over) and B's
   * SYN-ACK, so nothing says B's SYN was accepted.
   */
  function reuse(lose: boolean): { recs: Rec[]; a: Session[]; b: Session[]; lost: Buffer[] } {
    const r = new Rng(1313);
    const a: Session[] = [];
    const b: Session[] = [];
    const recs: Rec[] = [];
    const lost: Buffer[] = [];
    PROTOCOLS.forEach((p, i) => {
      const x = session(i + 1, p, r, {});
      const y = session(i + 1, p, r, {});
      const isnX = [x.segs[0].seq, x.segs[1].seq];
      const isnY = [y.segs[0].seq, y.segs[1].seq];
      const move = (d: number, v: number) => (v - isnY[d] + isnX[d] + 250_000) >>> 0;
      y.segs = y.segs.map((g) => ({ ...g, seq: move(g.dir, g.seq), ack: g.ack === 0 ? 0 : move(1 - g.dir, g.ack) }));
      if (lose) {
        x.segs = x.segs.slice(0, -1);
        // (kept for the oracle, which places a direction by its SYN)
        lost.push(...records(y.segs[1], y.ep, y.enc, ETH, [0, 0]).map((x) => x.data));
        y.segs.splice(1, 1);
      }
      a.push(x);
      b.push(y);
      recs.push(...recsOf(x, i + 1));
      for (const rec of recsOf(y, i + 1)) {
        const d = Buffer.from(rec.data);
        d[14 + 8] = 63;
        fixIpv4HeaderChecksum(d, 14);
        recs.push({ ...rec, data: d });
      }
    });
    return { recs, a, b, lost };
  }

  // Whole: withstood on main (A over, B's SYN starts anew). With the losses: a LEAK on main, FIXED with the outside
  // segment's two ends (above): A not over, B's SYN is put off until a SYN-ACK that never comes, so B's segments are
  // read in A's numbers, 250,000 bytes on, past A's window: each was searched alone with no carry, and passwords,
  // tokens and cards split across B's segments went in clear.
  for (const lose of [false, true])
    it(lose ? "A's last ACK and B's SYN-ACK lost by the tap" : 'both whole', async () => {
      const { recs, a, b, lost } = reuse(lose);
      const f = await run(`reuse-${lose}`, [...a, ...b], 'mask only', recs);
      expect(summary(f.paths)).toEqual([]);
      const pol = POLICIES['mask only'];
      const leaks = [
        ...oracleFindings(pol, [onlyTtl(f.files[0], 64)], a, false),
        ...oracleFindings(pol, [onlyTtl(f.files[0], 63, lost)], b, false),
      ];
      expect(summary(secretsOnly(leaks))).toEqual([]);
    });
});

// ---- 11. a SPAN that tags one direction only (ingress frames with their VLAN tag, egress without)

describe("mask: one session whose client frames carry a VLAN tag and whose server frames do not (a SPAN's RX and TX)", () => {
  // A switch mirroring a VLAN's port may copy received frames with their tag and sent ones without (or the
  // reverse): the session's two directions on two links (tmesc keys a session by its outer VLAN ids), each searched
  // as a one-way capture is (Telnet's and SASL's unseen fallbacks).
  it('every protocol: its secrets masked', async () => {
    const r = new Rng(1314);
    const sessions = PROTOCOLS.map((p, i) => session(i + 1, p, r, { enc: 'vlan' }));
    const recs = sessions.flatMap((s, i) =>
      s.segs.flatMap((g) => {
        const rs = records(g, s.ep, s.enc, ETH, [(i + 1) & 0xffff, ((i + 1) * 7 + 1) & 0xffff]);
        if (g.dir === 0) return rs;
        // the server's frames untagged: the 4-byte 802.1Q tag taken out
        return rs.map((x) => {
          const d = Buffer.concat([x.data.subarray(0, 12), x.data.subarray(16)]);
          return { data: d, wireLen: x.wireLen - 4 };
        });
      }),
    );
    const f = await run('span-one-tagged', sessions, 'mask only', recs);
    expect(summary(f.paths)).toEqual([]);
    expect(summary(secretsOnly(f.leaks))).toEqual([]);
  });
});
