import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requirements } from '../../support/tools.js';
import { huffmanCoded } from '../../../src/runtime/actions/credentials/h2c.js';
import { credentialsTarget } from '../../../src/runtime/actions/mask-credentials.js';
import { Always, Never } from './credential-runs.js';
import { chunks, maskConversation, maskOnce, maskStream } from './mask-scan.js';
import { runPolicy, tsharkFields } from './support.js';
import { conversation, writeCapture } from './tcp-conversation.js';

/**
 * credentials over HTTP/2 in clear (credentials/h2c.ts): the value octets of
 * literal `authorization`, `proxy-authorization` and `cookie` fields in the
 * client's header blocks are masked, whatever their name's form and however
 * the frames and the segments cut the block.
 */
const cred = credentialsTarget(0x2a);

const PREFACE = 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n';
const SETTINGS = frame(0x4, 0, 0, '');

function frame(type: number, flags: number, stream: number, payload: string): string {
  const h = Buffer.alloc(9);
  h.writeUIntBE(payload.length, 0, 3);
  h[3] = type;
  h[4] = flags;
  h.writeUInt32BE(stream, 5);
  return h.toString('latin1') + payload;
}

const bytes = (...b: number[]) => Buffer.from(b).toString('latin1');
/** An HPACK string: length with a 7-bit prefix (RFC 7541 5.1), `huffman` bit set when told. */
function str(s: string, huffman = false): string {
  const n = s.length;
  const h = huffman ? 0x80 : 0;
  if (n < 0x7f) return bytes(h | n) + s;
  let rest = n - 0x7f;
  const out = [h | 0x7f];
  while (rest >= 0x80) {
    out.push((rest & 0x7f) | 0x80);
    rest >>= 7;
  }
  out.push(rest);
  return bytes(...out) + s;
}
const huff = (s: string) => Buffer.from(huffmanCoded(s)).toString('latin1');

/** Where each occurrence of `secret` lies in `text`: masked, the rest as it was. */
function masked(text: string, ...secrets: string[]): string {
  let out = text;
  for (const s of secrets) {
    const i = out.indexOf(s);
    expect(i, s).toBeGreaterThanOrEqual(0);
    out = out.slice(0, i) + '*'.repeat(s.length) + out.slice(i + s.length);
  }
  return out;
}

/** The text masked whole, a byte a piece, in pieces of 3 and 7, and by the scanner with and without its jump. */
function expectMasked(input: string, want: string): void {
  expect(maskStream(cred, [input])).toBe(want);
  expect(maskOnce(cred, input)).toBe(want);
  for (const n of [1, 3, 7]) expect(maskStream(cred, chunks(input, n)), `pieces of ${n}`).toBe(want);
  for (const S of [Always, Never]) {
    const b = Buffer.from(input, 'latin1');
    const s = new S(0, true, 0, cred.shared!() as never);
    s.write(b, 0, b.length, (x, y) => b.fill('*', x, y));
    s.end((x, y) => b.fill('*', x, y));
    expect(b.toString('latin1'), S.name).toBe(want);
  }
}

const BASIC = 'Basic dXNlcjpwYXNzd29yZA==';
const COOKIE = 'session=9f8e7d6c5b4a; csrftoken=abcdef';

describe('credentials: HTTP/2 in clear (h2c)', () => {
  it('prior knowledge: authorization by its static index, never indexed; :path and a custom header stay', () => {
    const block = bytes(0x83, 0x86) + bytes(0x44) + str('/svc/Login/1') + bytes(0x1f, 0x08) + str(BASIC);
    const client = PREFACE + SETTINGS + frame(0x1, 0x5, 1, block + bytes(0x40) + str('x-trace') + str('abc'));
    expectMasked(client, masked(client, BASIC));
  });

  it('cookie and proxy-authorization by static index, with incremental indexing and without', () => {
    const block =
      bytes(0x60) +
      str(COOKIE) + // cookie (32), incremental indexing
      bytes(0x0f, 0x22) +
      str('Bearer abc.def.ghi') + // proxy-authorization (49), without indexing
      bytes(0x0f, 0x0d) +
      str('text/html'); // content-length... (28): stays
    const client = PREFACE + SETTINGS + frame(0x1, 0x4, 1, block);
    expectMasked(client, masked(client, COOKIE, 'Bearer abc.def.ghi'));
  });

  it('literal names, plain (any case) and Huffman-coded; Huffman-coded values are masked as octets', () => {
    const h = huff('authorization');
    const value = huff('token-taken') + '\x81\x92\xa3\xb4\xc5';
    const block =
      bytes(0x10) +
      str('Authorization') +
      str(BASIC) +
      bytes(0x00) +
      str(h, true) +
      str(value, true) +
      bytes(0x00) +
      str(huff('cookie'), true) +
      str('a=b') +
      bytes(0x00) +
      str('cookies') +
      str('not-a-secret') +
      bytes(0x00) +
      str(huff('proxy-authorization'), true) +
      str('Negotiate YII=');
    const client = PREFACE + SETTINGS + frame(0x1, 0x5, 3, block);
    const want = masked(client, BASIC, value, 'a=b', 'Negotiate YII=');
    expectMasked(client, want);
  });

  it("a dynamic-table name: the entry an earlier literal added, the newest first; others' values stay", () => {
    // request 1 adds [x-user: bob] then [authorization: Basic ...]: the newest is 62, the one before 63
    const first = bytes(0x40) + str('x-user') + str('bob') + bytes(0x40) + str('authorization') + str(BASIC);
    // request 2: authorization by dynamic index 62 with a new value, x-user by 63 with a new value, then an indexed
    // field (the whole authorization entry: no value octets sent)
    const second =
      bytes(0x0f, 62 - 15) + str('Basic bmV3OnZhbHVl') + bytes(0x0f, 63 - 15) + str('carol') + bytes(0x80 | 63);
    const client = PREFACE + SETTINGS + frame(0x1, 0x5, 1, first) + frame(0x1, 0x5, 3, second);
    expectMasked(client, masked(client, BASIC, 'Basic bmV3OnZhbHVl'));
  });

  it('padding, priority, CONTINUATION frames (a value cut by a frame header) and other frames between blocks', () => {
    const block = bytes(0x82, 0x84) + bytes(0x1f, 0x08) + str(BASIC) + bytes(0x60) + str(COOKIE);
    const frames = (b: string, cut: number) => {
      const headers = frame(0x1, 0x08 | 0x20, 1, bytes(3) + 'PRIO!' + b.slice(0, cut) + '\0\0\0');
      const continuation = frame(0x9, 0, 1, b.slice(cut, cut + 12));
      const last = frame(0x9, 0x4, 1, b.slice(cut + 12));
      const data = frame(0x0, 0x1, 1, 'Authorization is a word here');
      const ping = frame(0x6, 0, 0, '\x1f\x08abcdef');
      return PREFACE + SETTINGS + ping + headers + continuation + ping + last + data;
    };
    for (const cut of [2, 4, 5, 8, 30]) expectMasked(frames(block, cut), frames(masked(block, BASIC, COOKIE), cut));
  });

  it('a value longer than its prefix (multi-octet length)', () => {
    const long = 'Bearer ' + 'x'.repeat(300);
    const client = PREFACE + SETTINGS + frame(0x1, 0x5, 1, bytes(0x1f, 0x08) + str(long));
    expectMasked(client, masked(client, long));
  });

  it('after an HTTP/1.1 Upgrade: h2c request (its own Authorization line masked as HTTP/1)', () => {
    const upgrade =
      'GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n' +
      'Authorization: Basic b25lOnR3bw==\r\n\r\n';
    const client = upgrade + PREFACE + SETTINGS + frame(0x1, 0x5, 3, bytes(0x82, 0x1f, 0x08) + str(BASIC));
    const server = 'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n' + SETTINGS;
    const [c] = maskConversation(cred, [
      [0, client.slice(0, upgrade.length)],
      [1, server],
      [0, client.slice(upgrade.length)],
    ]);
    expect(c).toBe(masked(client, 'b25lOnR3bw==', BASIC));
  });

  it('no preface, no reading: a line starting PRI that goes on otherwise; bytes after a broken preface', () => {
    const block = frame(0x1, 0x5, 1, bytes(0x1f, 0x08) + str('abcdefgh'));
    for (const lead of ['PRI * HTTP/1.1\r\n\r\n', 'PRI something else\r\n', 'PRIOR * HTTP/2.0\r\n\r\nSM\r\n\r\n'])
      expect(maskStream(cred, [lead + block])).toBe(lead + block);
  });

  it('bytes lost inside a header block: the rest of the block is masked, later frames read on', () => {
    const block = bytes(0x82) + bytes(0x40) + str('x-a') + str('0123456789') + bytes(0x1f, 0x08) + str(BASIC);
    const h = frame(0x1, 0x5, 1, block);
    const next = frame(0x1, 0x5, 3, bytes(0x1f, 0x08) + str('Bearer zzz'));
    const client = PREFACE + SETTINGS + h + next;
    const lostFrom = PREFACE.length + SETTINGS.length + 9 + 4;
    const lostTo = lostFrom + 5;
    const s = cred.scanner(0, true, 0, cred.shared!());
    const b = Buffer.from(client, 'latin1');
    const spans: [number, number][] = [];
    const rep = (x: number, y: number) => spans.push([x, y]);
    s.write(b, 0, lostFrom, rep);
    s.decide(lostTo, rep);
    s.write(b, lostTo, b.length, rep);
    s.end(rep);
    for (const [x, y] of spans) b.fill('*', x, y);
    const out = b.toString('latin1');
    // from the lost bytes to the block's end: masked whole; the next frame's header and non-secret octets stay
    const blockEnd = PREFACE.length + SETTINGS.length + h.length;
    expect(out.slice(lostTo, blockEnd)).toBe('*'.repeat(blockEnd - lostTo));
    expect(out.slice(blockEnd)).toBe(masked(next, 'Bearer zzz'));
  });

  it('restart() forgets the reader: a restarted scanner reads a new stream as a new one does', () => {
    const client = PREFACE + SETTINGS + frame(0x1, 0x5, 1, bytes(0x1f, 0x08) + str(BASIC));
    const s = cred.scanner(0, true, 0, cred.shared!());
    const b = Buffer.from(client.slice(0, client.length - 5), 'latin1');
    s.write(b, 0, b.length, () => {});
    s.restart!(0, true, 0, cred.shared!());
    const plain = 'GET / HTTP/1.1\r\nX: ' + bytes(0x1f, 0x08) + str(BASIC) + '\r\n';
    const c = Buffer.from(plain, 'latin1');
    s.write(c, 0, c.length, (x, y) => c.fill('*', x, y));
    expect(c.toString('latin1')).toBe(plain);
  });

  const tshark = requirements({ tools: ['tshark'] });
  it.skipIf(tshark.skip)(
    `tshark reads the names as the reader does, and the values masked in a run${tshark.note}`,
    async () => {
      // tshark's own HPACK decoder: the static indices and Huffman-coded names are the ones the reader takes
      const block =
        bytes(0x82, 0x86, 0x84, 0x41) +
        str('example.com') +
        bytes(0x1f, 23 - 15) +
        str('Basic abc') +
        bytes(0x1f, 32 - 15) +
        str('a=b') +
        bytes(0x1f, 49 - 15) +
        str('Bearer x') +
        bytes(0x00) +
        str(huff('authorization'), true) +
        str('v1') +
        bytes(0x00) +
        str(huff('proxy-authorization'), true) +
        str('v2') +
        bytes(0x00) +
        str(huff('cookie'), true) +
        str('v3');
      const client = PREFACE + SETTINGS + frame(0x1, 0x5, 1, block);
      const dir = mkdtempSync(join(tmpdir(), 'tmesc-h2c-'));
      const input = join(dir, 'h2c.pcap');
      // the block cut inside a value (the preface whole: tshark's HTTP/2 dissector does not reassemble one cut)
      const cut = client.indexOf('Bearer') + 3;
      const events = [client.slice(0, 24), client.slice(24, cut), client.slice(cut)].map((data) => ({
        from: 'c' as const,
        data: Buffer.from(data, 'latin1'),
      }));
      writeCapture(input, conversation(events, { serverPort: 50051 }).frames);
      const out = join(dir, 'out.pcap');
      await runPolicy(
        dir,
        `tap t { source file "${input}" }\ngroup m { tool a { output pcap "${out}" } mask credentials }\nrule r from t match any to m`,
      );
      const read = async (file: string) =>
        (
          await tsharkFields(
            file,
            ['http2.header.name', 'http2.header.value'],
            ['-d', 'tcp.port==50051,http2', '-Y', 'http2.type == 1'],
          )
        )
          .filter((r) => r[0] !== '')
          .map((r) => [r[0].split(','), r[1].split(',')]);
      const names = [':method', ':scheme', ':path', ':authority', 'authorization', 'cookie', 'proxy-authorization'];
      const secretNames = [...names, 'authorization', 'proxy-authorization', 'cookie'];
      expect(await read(input)).toEqual([
        [secretNames, ['GET', 'http', '/', 'example.com', 'Basic abc', 'a=b', 'Bearer x', 'v1', 'v2', 'v3']],
      ]);
      expect(await read(out)).toEqual([
        [secretNames, ['GET', 'http', '/', 'example.com', '*********', '***', '********', '**', '**', '**']],
      ]);
    },
  );
});
