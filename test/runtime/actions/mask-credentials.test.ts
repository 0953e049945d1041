import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  fieldKind,
  FIELD_NONE,
  FIELD_PASSWORD,
  FIELD_USER,
  KEY_LETTERS,
} from '../../../src/runtime/actions/credentials/fields.js';
import {
  PROMPT_NONE,
  PROMPT_PASSWORD,
  PROMPT_USER,
  promptOf,
} from '../../../src/runtime/actions/credentials/telnet.js';
import { credentialsTarget } from '../../../src/runtime/actions/mask-credentials.js';
import { chunks, maskConversation, maskOnce, maskStream } from './mask-scan.js';

const cred = credentialsTarget(0x2a);
const x = (s: string) => '*'.repeat(s.length);

/** One side's text: the same masked whole, one byte a piece, and in pieces of 3. */
function expectMasked(input: string, want: string): void {
  expect(maskOnce(cred, input)).toBe(want);
  expect(maskStream(cred, [input])).toBe(want);
  expect(maskStream(cred, chunks(input, 1)), 'one byte a piece').toBe(want);
  expect(maskStream(cred, chunks(input, 3)), 'pieces of 3').toBe(want);
}

describe('credentials: commands of line protocols', () => {
  it.each([
    [
      'FTP',
      'USER alice\r\nPASS s3cr3t pass\r\nACCT acme\r\nCWD /pub\r\n',
      'USER *****\r\nPASS ***********\r\nACCT ****\r\nCWD /pub\r\n',
    ],
    ['FTP, lower case, LF only', 'user bob\npass pw\nlist\n', 'user ***\npass **\nlist\n'],
    [
      'POP3',
      'USER carol\r\nPASS x\r\nAPOP mrose c4c9334bac560ecc979e58001b3e22fb\r\nSTAT\r\n',
      `USER *****\r\nPASS *\r\nAPOP ***** ${x('c4c9334bac560ecc979e58001b3e22fb')}\r\nSTAT\r\n`,
    ],
    [
      'IMAP LOGIN, quoted',
      'a001 LOGIN "neuling" "XXXXXX"\r\na002 SELECT INBOX\r\n',
      'a001 LOGIN "*******" "******"\r\na002 SELECT INBOX\r\n',
    ],
    [
      'IMAP LOGIN, literals',
      'A1 login {5}\r\nalice {6+}\r\nsecret\r\nA2 LIST "" *\r\n',
      'A1 login {5}\r\n***** {6+}\r\n******\r\nA2 LIST "" *\r\n',
    ],
    ['IMAP LOGIN, atoms', 'a2 LOGIN alice hunter2\r\n', 'a2 LOGIN ***** *******\r\n'],
    [
      'IMAP LOGIN, escapes in a quoted string (no quote left inside it)',
      'a3 LOGIN "a\\\\b" "p\\"w d"\r\n',
      'a3 LOGIN "****" "******"\r\n',
    ],
    [
      'IMAP LOGIN, a brace that announces no literal is masked',
      'a4 LOGIN {5x} {12}z {3\r\na5 LOGIN {0}\r\na6 LOGIN b{0}\r\nA7 NOOP\r\n',
      'a4 LOGIN **** ***** **\r\na5 LOGIN ***\r\na6 LOGIN ****\r\nA7 NOOP\r\n',
    ],
    [
      'IMAP LOGIN, an atom ending in {N} at the line end: taken as a literal, masked',
      'a8 LOGIN x{2}\r\nb! {1+}\r\nc\r\nA9 NOOP\r\n',
      'a8 LOGIN ****\r\n** {1+}\r\n*\r\nA9 NOOP\r\n',
    ],
    [
      'IMAP LOGIN, a complete {N} that more of its line follows announces nothing: masked, the space stays',
      'a9 LOGIN {5} {2+}\tx\r\nA10 NOOP\r\n',
      'a9 LOGIN *** ****\t*\r\nA10 NOOP\r\n',
    ],
    ['IMAP LOGIN, literal after LF only', 'A1 LOGIN {3}\nbob "pw"\nA2 NOOP\n', 'A1 LOGIN {3}\n*** "**"\nA2 NOOP\n'],
    ['IMAP LOGIN, an announcement the stream ends in', 'A1 LOGIN {5}', 'A1 LOGIN ***'],
    [
      'SMTP AUTH PLAIN with its initial response',
      'EHLO x\r\nAUTH PLAIN AGFsaWNlAHNlY3JldA==\r\nMAIL FROM:<a@b>\r\n',
      `EHLO x\r\nAUTH PLAIN ${x('AGFsaWNlAHNlY3JldA==')}\r\n${x('MAIL FROM:<a@b>')}\r\n`,
    ],
    [
      'HTTP Basic',
      'GET / HTTP/1.1\r\nHost: h\r\nAuthorization: Basic dXNlcjpwYXNz\r\nAccept: */*\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: h\r\nAuthorization: Basic ************\r\nAccept: */*\r\n\r\n',
    ],
    [
      'HTTP Bearer, Digest, proxy',
      'proxy-authorization: Bearer abc.def\r\nAuthorization: Digest username="u", response="f0"\r\n',
      'proxy-authorization: Bearer *******\r\nAuthorization: Digest username="*", response="**"\r\n',
    ],
    [
      'HTTP auth-params: names, =, quotes, commas and blanks stay, every value is masked',
      'Authorization: Digest username="Mufasa",realm="a\\"b" , nc=00000001,, qop = auth, uri=/dir/index.html\r\nX: y\r\n',
      'Authorization: Digest username="******",realm="****" , nc=********,, qop = ****, uri=***************\r\nX: y\r\n',
    ],
    [
      "HTTP token68: padded, with '+' and '/', trailing blanks, is masked whole",
      'Authorization: Basic QWxh+ZGRp/bjpvcGVu==\r\nAuthorization: Negotiate YII= \r\nAuthorization: Bearer a.b-c~\r\n',
      `Authorization: Basic ${x('QWxh+ZGRp/bjpvcGVu==')}\r\nAuthorization: Negotiate ${x('YII= ')}\r\nAuthorization: Bearer ${x('a.b-c~')}\r\n`,
    ],
    [
      'HTTP credentials that are neither token68 nor auth-params: masked from their first word to the line end',
      'Authorization: Custom a b=c\r\nAuthorization: X k=v; w=z\r\nAuthorization: Y k="v" j\r\nAuthorization: Z k=\r\n',
      `Authorization: Custom ${x('a b=c')}\r\nAuthorization: X k=*${x('; w=z')}\r\nAuthorization: Y k="*" *\r\nAuthorization: Z ${x('k=')}\r\n`,
    ],
    ['HTTP token without a scheme', 'Authorization: a1b2c3==\r\nX: y\r\n', 'Authorization: ********\r\nX: y\r\n'],
  ])('%s', (_name, input, want) => expectMasked(input, want));

  it('follows a SASL exchange to the server final reply (SMTP AUTH LOGIN, IMAP AUTHENTICATE, POP3 AUTH)', () => {
    expect(
      maskConversation(cred, [
        [1, '220 mx ESMTP\r\n'],
        [0, 'AUTH LOGIN\r\n'],
        [1, '334 VXNlcm5hbWU6\r\n'],
        [0, 'YWxpY2U='],
        [0, '\r\n'],
        [1, '334 UGFzc3dvcmQ6\r\n'],
        [0, 'c2VjcmV0\r\n'],
        [1, '235 2.7.0 Authentication successful\r\n'],
        [0, 'MAIL FROM:<a@b>\r\n'],
      ]),
    ).toEqual([
      'AUTH LOGIN\r\n********\r\n********\r\nMAIL FROM:<a@b>\r\n',
      '220 mx ESMTP\r\n334 VXNlcm5hbWU6\r\n334 UGFzc3dvcmQ6\r\n235 2.7.0 Authentication successful\r\n',
    ]);
    expect(
      maskConversation(cred, [
        [0, 'a1 AUTHENTICATE PLAIN\r\n'],
        [1, '+ \r\n'],
        [0, 'AGFsaWNlAHNlY3JldA==\r\n'],
        [1, 'a1 OK done\r\n'],
        [0, 'a2 NOOP\r\n'],
      ])[0],
    ).toBe('a1 AUTHENTICATE PLAIN\r\n********************\r\na2 NOOP\r\n');
    expect(
      maskConversation(cred, [
        [0, 'AUTH PLAIN\r\n'],
        [1, '+ \r\n'],
        [0, 'AGFsaWNlAHNlY3JldA==\r\n'],
        [1, '+OK maildrop locked\r\n'],
        [0, 'STAT\r\n'],
      ])[0],
    ).toBe('AUTH PLAIN\r\n********************\r\nSTAT\r\n');
  });

  it('leaves server replies that look like commands alone', () => {
    expectMasked('530 Login incorrect.\r\n230 User logged in.\r\n', '530 Login incorrect.\r\n230 User logged in.\r\n');
    expectMasked(
      'GET /user/login HTTP/1.1\r\nUser-Agent: curl\r\n\r\n',
      'GET /user/login HTTP/1.1\r\nUser-Agent: curl\r\n\r\n',
    );
  });
});

describe('credentials: form fields, JSON, XML, URLs', () => {
  it.each([
    [
      'query',
      'GET /login?user=bob&password=hunter2&next=/ HTTP/1.1\r\n',
      'GET /login?user=***&password=*******&next=/ HTTP/1.1\r\n',
    ],
    ['form body', 'login=foo&password=bar&remember=1', 'login=***&password=***&remember=1'],
    [
      'nested and prefixed names',
      'user%5Bpassword%5D=a1&j_username=u&j_password=p&new_pwd=x',
      'user%5Bpassword%5D=**&j_username=*&j_password=*&new_pwd=*',
    ],
    [
      'JSON',
      '{"username": "al", "password":"p\\"w", "pin": 1, "userPassword": 12345}',
      '{"username": "**", "password":"****", "pin": 1, "userPassword": *****}',
    ],
    [
      'XML',
      '<soap:Body><ns:Username>al</ns:Username><ns:password>pw</ns:password></soap:Body>',
      '<soap:Body><ns:Username>**</ns:Username><ns:password>**</ns:password></soap:Body>',
    ],
    [
      'URL user info',
      'see ftp://anon:guest@ftp.example.org/ and http://example.org/a@b',
      'see ftp://**********@ftp.example.org/ and http://example.org/a@b',
    ],
    [
      'names that are not credentials',
      'bypass=1&user_agent=x&compass=n&username_hint=h',
      'bypass=1&user_agent=x&compass=n&username_hint=h',
    ],
  ])('%s', (_name, input, want) => expectMasked(input, want));

  it('masks a form part named as a password', () => {
    expectMasked(
      '--b\r\nContent-Disposition: form-data; name="user"\r\n\r\nal\r\n--b\r\nContent-Disposition: form-data; name="password"\r\nContent-Type: text/plain\r\n\r\nsecret\r\n--b--\r\n',
      '--b\r\nContent-Disposition: form-data; name="user"\r\n\r\n**\r\n--b\r\nContent-Disposition: form-data; name="password"\r\nContent-Type: text/plain\r\n\r\n******\r\n--b--\r\n',
    );
  });

  it('masks a form part named by a token (RFC 2183) and an XML value in a CDATA section, the markup kept', () => {
    expectMasked(
      '--b\r\nContent-Disposition: form-data; name=password\r\n\r\nsecret\r\n--b\r\nContent-Disposition: form-data; name=note\r\n\r\nhi\r\n--b--\r\n',
      '--b\r\nContent-Disposition: form-data; name=password\r\n\r\n******\r\n--b\r\nContent-Disposition: form-data; name=note\r\n\r\nhi\r\n--b--\r\n',
    );
    expectMasked(
      '<a><password><![CDATA[s]3]]]></password><pwd> <![CDATA[]]]]></pwd><user>al<b/>x</user><pass><![CDAT</pass></a>',
      '<a><password><![CDATA[****]]></password><pwd>*<![CDATA[**]]></pwd><user>**<b/>x</user><pass><![CDAT</pass></a>',
    );
  });

  it('names fields by what they are called', () => {
    for (const n of [
      'password',
      'passwd',
      'pwd',
      'pass',
      'user[password]',
      'userpassword',
      'j_password',
      'confirm-password',
      'passphrase',
    ])
      expect(fieldKind(n), n).toBe(FIELD_PASSWORD);
    for (const n of ['user', 'username', 'user_name', 'login', 'j_username', 'session[login]', 'userid', 'uname'])
      expect(fieldKind(n), n).toBe(FIELD_USER);
    for (const n of ['bypass', 'user_agent', 'compass', 'name', 'email', 'passport'])
      expect(fieldKind(n), n).toBe(FIELD_NONE);
  });

  it('names fields as the receiver decodes them: %XX (forms) and \\uXXXX (JSON keys), once', () => {
    for (const n of [
      '%70assword',
      'pass%77ord',
      '%50%41%53%53',
      'user%5bpassword%5d',
      '\\u0070assword',
      '\\u0050\\u0057\\u0044',
    ])
      expect(fieldKind(n), n).toBe(FIELD_PASSWORD);
    for (const n of ['%75ser', 'us\\u0065r', 'session%5blogin%5d']) expect(fieldKind(n), n).toBe(FIELD_USER);
    // decoded once, as a server does: %25 is a percent sign, not the start of another escape
    for (const n of ['%2570assword', '\\u005cu0070assword', '%7', '\\u00']) expect(fieldKind(n), n).toBe(FIELD_NONE);
  });

  it('names no credential without a key letter (the finder passes such names: KEY_LETTERS)', () => {
    // every name the lists take, and every way they are joined, holds one; names made of the other letters, the
    // separators and %5b / %5d, however joined, are FIELD_NONE
    for (const n of ['pw', 'pswd', 'usr', 'u-name', 'lo_gin', 'u%5bsr', 'login%5did']) {
      expect(fieldKind(n), n).not.toBe(FIELD_NONE);
      expect(
        [...n].some((c) => KEY_LETTERS.includes(c)),
        n,
      ).toBe(true);
    }
    const other = 'abcdefghijkmnoqrstvwxyz0123456789_.-[]%$:'.split('').filter((c) => !KEY_LETTERS.includes(c));
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...other, '%5b', '%5d', 'ass', 'ser', 'ogin', 'name', 'wd'), { maxLength: 12 }),
        (a) => {
          expect(fieldKind(a.join(''))).toBe(FIELD_NONE);
        },
      ),
      { numRuns: 3000, seed: 7 },
    );
  });
});

describe('credentials: Telnet', () => {
  const tail = (s: string) => {
    const b = Buffer.from(s.toLowerCase());
    return promptOf(b, b.length);
  };

  it('knows prompts by their words', () => {
    for (const p of ['login: ', 'host login:', 'Username:', 'User Name: ', 'user:'])
      expect(tail(p), p).toBe(PROMPT_USER);
    for (const p of ['Password: ', "alice's Password:", 'Password for bob:', 'PIN: '])
      expect(tail(p), p).toBe(PROMPT_PASSWORD);
    for (const p of ['Last login: Mon', '$ ', 'Enter choice:', 'login']) expect(tail(p), p).toBe(PROMPT_NONE);
  });

  it("takes a `>` for a prompt's end as it takes a colon (`Enter Password>`); a shell or exec prompt is none", () => {
    for (const p of ['Enter Username> ', 'login>', 'User Name >']) expect(tail(p), p).toBe(PROMPT_USER);
    for (const p of ['Enter Password> ', 'Password>', 'PIN >']) expect(tail(p), p).toBe(PROMPT_PASSWORD);
    for (const p of ['Router>', 'C:\\Users\\bob>', '> ', 'Password']) expect(tail(p), p).toBe(PROMPT_NONE);
  });

  it('reads a styled prompt as a terminal shows it: its control sequences are none', () => {
    for (const p of ['\x1b[1mlogin:\x1b[0m ', '\x1b[1;32mUsername:\x1b[m'])
      expect(tail(p), JSON.stringify(p)).toBe(PROMPT_USER);
    for (const p of ['\x1b[1mPassword:\x1b[0m ', 'Password: \x1b[K', '\x1b[7mPassword for bob:\x1b[0m\x1b[K '])
      expect(tail(p), JSON.stringify(p)).toBe(PROMPT_PASSWORD);
    for (const p of ['\x1b[1mchoice:\x1b[0m ', 'login:\x1b[1mx', '\x1b[mPassword\x1b[0m'])
      expect(tail(p), JSON.stringify(p)).toBe(PROMPT_NONE);
  });

  it('masks what is typed after a prompt, and the echo of a user name, byte by byte', () => {
    const conv: [0 | 1, string][] = [[1, 'Ubuntu\r\nhost login: ']];
    for (const ch of 'root') conv.push([0, ch], [1, ch]);
    conv.push([0, '\r'], [0, '\n'], [1, '\r\nPassword: ']);
    for (const ch of 'toor') conv.push([0, ch]);
    conv.push([0, '\r\0'], [1, '\r\nLast login: Mon\r\n$ '], [0, 'w\r\n']);
    expect(maskConversation(cred, conv, [40000, 23])).toEqual([
      '****\r\n****\r\0w\r\n',
      'Ubuntu\r\nhost login: ****\r\nPassword: \r\nLast login: Mon\r\n$ ',
    ]);
  });

  it('knows Telnet by its negotiation on another port, and skips its commands', () => {
    const iac = '\xff\xfd\x18\xff\xfb\x01';
    const [c, s] = maskConversation(cred, [
      [1, `${iac}login: `],
      [0, '\xff\xfc\x01al\xff\xff'],
      [0, '\r\n'],
      [1, 'Password:'],
      [0, 'p\xff\xf1w\r\n'],
    ]);
    expect(c).toBe('\xff\xfc\x01****\r\n*\xff\xf1*\r\n');
    expect(s).toBe(`${iac}login: Password:`);
  });

  it("takes no Telnet line for an FTP or POP3 command: a Cisco banner and a 'User Name:' prompt stay", () => {
    const conv: [0 | 1, string][] = [[1, '\r\n\r\nUser Access Verification\r\n\r\nUsername: ']];
    for (const ch of 'admin') conv.push([0, ch]);
    conv.push([0, '\r\n'], [1, '\r\nPassword: ']);
    for (const ch of 'cisco') conv.push([0, ch]);
    conv.push([0, '\r\n'], [1, '\r\nrouter>']);
    expect(maskConversation(cred, conv, [40000, 23])).toEqual([
      '*****\r\n*****\r\n',
      '\r\n\r\nUser Access Verification\r\n\r\nUsername: \r\nPassword: \r\nrouter>',
    ]);
    const named: [0 | 1, string][] = [[1, 'User Name: ']];
    for (const ch of 'root') named.push([0, ch]);
    named.push([0, '\r\n'], [1, 'Password: '], [0, 'pw\r\n']);
    expect(maskConversation(cred, named, [40001, 23])).toEqual(['****\r\n**\r\n', 'User Name: Password: ']);
  });

  it('means nothing by a prompt outside Telnet', () => {
    const [c] = maskConversation(cred, [
      [1, 'HTTP/1.1 200 OK\r\n\r\nlogin: '],
      [0, 'GET / HTTP/1.1\r\n'],
    ]);
    expect(c).toBe('GET / HTTP/1.1\r\n');
  });
});
