import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requirements } from '../../support/tools.js';
import { runPolicy, tsharkFields, tsharkText } from './support.js';
import { conversation, type TcpEvent, writeCapture } from './tcp-conversation.js';

/**
 * mask credentials keeps the protocols' syntax: over made sessions of IMAP
 * (quoted strings with escapes, atoms, literals, a literal's announcement
 * split across segments), POP3 (USER/PASS, APOP), FTP, SMTP AUTH, Telnet, HTTP
 * Basic and Digest (SIP), a form, Wireshark
 * decodes the masked output as it decodes the input (no malformed packet,
 * no expert error), the commands read as the masks say, and no secret is
 * left in the output.
 */
const need = requirements({ tools: ['tshark'] });
const dir = mkdtempSync(join(tmpdir(), 'tmesc-mask-syntax-'));

const FORM = 'user=judy&password=p%40ss+w0rd&next=%2F';

const DIGEST =
  'Digest username="mallory", realm="example.com", nonce="ea9c8e88df84f1cec4341ae6cbe5a359", ' +
  'uri="sip:example.com", response="dfe56131d1958046689d83306477ecc", algorithm=MD5';

const SESSIONS: { port: number; events: TcpEvent[] }[] = [
  {
    port: 143,
    events: [
      { from: 's', data: '* OK IMAP4rev1 ready\r\n' },
      { from: 'c', data: 'a1 LOGIN "bo\\"b" "pa ss"\r\n' },
      { from: 's', data: 'a1 NO wrong\r\n' },
      { from: 'c', data: 'a2 LOGIN alice hunter2\r\n' },
      { from: 's', data: 'a2 NO wrong\r\n' },
      { from: 'c', data: 'a3 LOGIN {' },
      { from: 'c', data: '5}\r\n' },
      { from: 's', data: '+ go on\r\n' },
      { from: 'c', data: 'carol {8}\r\n' },
      { from: 's', data: '+ go on\r\n' },
      { from: 'c', data: 'se{1}"t!\r\n' },
      { from: 's', data: 'a3 OK LOGIN completed\r\n' },
      { from: 'c', data: 'a4 SELECT INBOX\r\n' },
      { from: 's', data: 'a4 OK done\r\n' },
    ],
  },
  {
    port: 110,
    events: [
      { from: 's', data: '+OK POP3 ready <1896.697170952@dbc.mtview.ca.us>\r\n' },
      { from: 'c', data: 'APOP mrose c4c9334bac560ecc979e58001b3e22fb\r\n' },
      { from: 's', data: '+OK maildrop has 1 message\r\n' },
    ],
  },
  {
    port: 23,
    events: [
      { from: 's', data: Buffer.from([0xff, 0xfb, 0x01, 0xff, 0xfb, 0x03]) },
      { from: 'c', data: Buffer.from([0xff, 0xfd, 0x01, 0xff, 0xfd, 0x03]) },
      { from: 's', data: '\r\nlogin: ' },
      ...[...'ivan'].flatMap((ch): TcpEvent[] => [
        { from: 'c', data: ch },
        { from: 's', data: ch },
      ]),
      { from: 'c', data: '\r\0' },
      { from: 's', data: '\r\nPassword: ' },
      ...[...'0pen sesame'].map((ch): TcpEvent => ({ from: 'c', data: ch })),
      { from: 'c', data: '\r\n' },
      { from: 's', data: '\r\n$ ' },
    ],
  },
  {
    port: 110,
    events: [
      { from: 's', data: '+OK POP3 ready\r\n' },
      { from: 'c', data: 'USER dave\r\n' },
      { from: 's', data: '+OK\r\n' },
      { from: 'c', data: 'PASS tr0ub4dor\r\n' },
      { from: 's', data: '+OK logged in\r\n' },
    ],
  },
  {
    port: 21,
    events: [
      { from: 's', data: '220 FTP ready\r\n' },
      { from: 'c', data: 'USER erin\r\n' },
      { from: 's', data: '331 Password required\r\n' },
      { from: 'c', data: 'PASS c0rrect horse\r\n' },
      { from: 's', data: '230 Logged in\r\n' },
    ],
  },
  {
    port: 25,
    events: [
      { from: 's', data: '220 mx ESMTP\r\n' },
      { from: 'c', data: 'EHLO x\r\n' },
      { from: 's', data: '250-mx\r\n250 AUTH PLAIN LOGIN\r\n' },
      { from: 'c', data: 'AUTH PLAIN AGZyYW5rAHM0bGFtaQ==\r\n' },
      { from: 's', data: '535 no\r\n' },
      { from: 'c', data: 'AUTH LOGIN\r\n' },
      { from: 's', data: '334 VXNlcm5hbWU6\r\n' },
      { from: 'c', data: 'Z3JhY2U=\r\n' },
      { from: 's', data: '334 UGFzc3dvcmQ6\r\n' },
      { from: 'c', data: 'cjBzZWJ1ZA==\r\n' },
      { from: 's', data: '235 ok\r\n' },
      { from: 'c', data: 'QUIT\r\n' },
    ],
  },
  {
    port: 5060,
    events: [
      {
        from: 'c',
        data:
          'REGISTER sip:example.com SIP/2.0\r\nVia: SIP/2.0/TCP 10.0.0.1:40007;branch=z9hG4bK776\r\n' +
          'From: <sip:m@example.com>;tag=1\r\nTo: <sip:m@example.com>\r\nCall-ID: 8438@10.0.0.1\r\nCSeq: 2 REGISTER\r\n' +
          `Contact: <sip:m@10.0.0.1>\r\nAuthorization: ${DIGEST}\r\nContent-Length: 0\r\n\r\n`,
      },
      {
        from: 's',
        data: 'SIP/2.0 200 OK\r\nVia: SIP/2.0/TCP 10.0.0.1:40007;branch=z9hG4bK776\r\nCall-ID: 8438@10.0.0.1\r\nCSeq: 2 REGISTER\r\nContent-Length: 0\r\n\r\n',
      },
    ],
  },
  {
    port: 80,
    events: [
      { from: 'c', data: 'GET / HTTP/1.1\r\nHost: h\r\nAuthorization: Basic aGVpZGk6cXVpZXQ=\r\n\r\n' },
      { from: 's', data: 'HTTP/1.1 204 No Content\r\n\r\n' },
      {
        from: 'c',
        data:
          'POST /login HTTP/1.1\r\nHost: h\r\nContent-Type: application/x-www-form-urlencoded\r\n' +
          `Content-Length: ${FORM.length}\r\n\r\n${FORM}`,
      },
      { from: 's', data: 'HTTP/1.1 204 No Content\r\n\r\n' },
    ],
  },
];

const SECRETS = [
  'bo\\"b',
  'pa ss',
  'alice',
  'hunter2',
  'carol',
  'se{1}"t!',
  'dave',
  'tr0ub4dor',
  'erin',
  'c0rrect',
  'mrose',
  'c4c9334bac56',
  'judy',
  'p%40ss',
  'mallory',
  'dfe56131d1958',
];
const BASE64 = ['AGZyYW5rAHM0bGFtaQ==', 'Z3JhY2U=', 'cjBzZWJ1ZA==', 'aGVpZGk6cXVpZXQ='];

/** Wireshark's complaints: malformed packets and expert errors, one line each. */
async function complaints(file: string): Promise<string[]> {
  return (await tsharkText(['-r', file, '-V']))
    .split('\n')
    .filter((l) => l.includes('[Malformed Packet') || l.includes('Severity level: Error'));
}

describe.skipIf(need.skip)('mask credentials keeps the syntax of the commands it masks', () => {
  it('Wireshark decodes the masked IMAP, POP3, FTP, SMTP and HTTP logins as it decodes the input', async () => {
    const frames: Buffer[] = [];
    SESSIONS.forEach((s, i) =>
      frames.push(...conversation(s.events, { serverPort: s.port, clientPort: 42000 + i }).frames),
    );
    const input = join(dir, 'logins.pcap');
    const output = join(dir, 'logins.out.pcap');
    writeCapture(input, frames);
    await runPolicy(
      dir,
      `tap a { source pcap "${input}" }
group g { tool t { output pcap "${output}" } mask credentials }
rule r from a match any to g`,
    );
    // Wireshark calls a LOGIN whose user name is a literal malformed (it wants the password on the same line):
    // the input's one complaint, which the output must not add to
    const before = await complaints(input);
    expect(before.filter((l) => l.startsWith('[Malformed')).length).toBeLessThanOrEqual(1);
    expect(await complaints(output)).toEqual(before);

    const imap = (await tsharkFields(output, ['imap.request'], ['-Y', 'imap.request'])).map((r) => r[0]);
    expect(imap).toEqual(
      expect.arrayContaining(['a1 LOGIN "*****" "*****"', 'a2 LOGIN ***** *******', 'a3 LOGIN {5}', 'a4 SELECT INBOX']),
    );
    // what the clients sent
    const payload = (await tsharkFields(output, ['tcp.payload'], ['-Y', 'tcp.len > 0 and tcp.srcport >= 42000']))
      .map((r) => Buffer.from(r[0].replace(/:/g, ''), 'hex').toString('latin1'))
      .join('');
    expect(payload).toContain('***** {8}\r\n********\r\n');
    expect(payload).toContain('USER ****\r\n');
    expect(payload).toContain(`PASS ${'*'.repeat(13)}\r\n`);
    expect(payload).toContain('Authorization: Basic ****************\r\n');
    expect(payload).toContain('AUTH PLAIN ********************\r\n');
    expect(payload).toContain(`APOP ***** ${'*'.repeat(32)}\r\n`);
    for (const secret of [...SECRETS, ...BASE64]) expect(payload).not.toContain(secret);
    // Telnet: the typed user name, its echo and the password are masked, the option negotiation and line ends stay
    const telnet = (await tsharkFields(output, ['telnet.data'], ['-Y', 'telnet.data'])).map((r) => r[0]).join('');
    expect(telnet).toContain(`login: ${'*'.repeat(8)}`);
    expect(telnet).toContain(`Password: ${'*'.repeat(11)}`);
    for (const secret of ['iv', 'sesame']) expect(telnet).not.toContain(secret);
    expect(
      (await tsharkFields(output, ['telnet.cmd'], ['-Y', 'telnet.cmd'])).length,
      'Telnet commands decoded in the output',
    ).toBe((await tsharkFields(input, ['telnet.cmd'], ['-Y', 'telnet.cmd'])).length);
    // SIP Digest: the parameters are still read, their values masked
    expect(
      await tsharkFields(
        output,
        ['sip.auth.scheme', 'sip.auth.username', 'sip.auth.digest.response', 'sip.auth.uri'],
        ['-Y', 'sip.auth.username'],
      ),
    ).toEqual([['Digest', `"${'*'.repeat(7)}"`, `"${'*'.repeat(31)}"`, `"${'*'.repeat(15)}"`]]);
    // the form: its keys and `&` stay, the values are masked
    expect(
      await tsharkFields(output, ['urlencoded-form.key', 'urlencoded-form.value'], ['-Y', 'urlencoded-form']),
    ).toEqual([['user,password,next', `****,${'*'.repeat(11)},/`]]);
  });

  it('Wireshark de-chunks a masked chunked form whose chunks cut a name and a value, and reads it masked', async () => {
    // a chunk boundary inside `password` and inside its value; a percent-encoded name (Wireshark decodes it too)
    const chunks = ['a=1&pa', 'ssword=hun', 'ter2&%75ser=bo', 'b'];
    const body = chunks.map((c) => `${c.length.toString(16)}\r\n${c}\r\n`).join('') + '0\r\n\r\n';
    const events: TcpEvent[] = [
      {
        from: 'c',
        data:
          'POST /login HTTP/1.1\r\nHost: h\r\nContent-Type: application/x-www-form-urlencoded\r\n' +
          `Transfer-Encoding: chunked\r\n\r\n${body}`,
      },
      { from: 's', data: 'HTTP/1.1 204 No Content\r\n\r\n' },
    ];
    const input = join(dir, 'chunked.pcap');
    const output = join(dir, 'chunked.out.pcap');
    writeCapture(input, conversation(events, { serverPort: 80, clientPort: 43000 }).frames);
    await runPolicy(
      dir,
      `tap a { source pcap "${input}" }
group g { tool t { output pcap "${output}" } mask credentials }
rule r from a match any to g`,
    );
    expect(await complaints(output)).toEqual(await complaints(input));
    const form = ['urlencoded-form.key', 'urlencoded-form.value'];
    expect(await tsharkFields(input, form, ['-Y', 'urlencoded-form'])).toEqual([['a,password,user', '1,hunter2,bob']]);
    expect(await tsharkFields(output, form, ['-Y', 'urlencoded-form'])).toEqual([['a,password,user', '1,*******,***']]);
  });
});
