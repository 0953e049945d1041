import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ETHERTYPE } from '../../../src/fields/ethertype.js';
import { IPPROTO } from '../../../src/fields/ip-proto.js';
import { TCP_FLAG } from '../../../src/fields/tcp-flags.js';
import { l4ChecksumOk } from '../../../src/runtime/actions/checksum.js';
import { eth, ipv4, ipv6, udp } from './frames.js';
import { type Packet, readPackets, runPolicy } from './support.js';
import { type ConversationOptions, conversation, type TcpEvent, writeCapture } from './tcp-conversation.js';

/**
 * replace, byte for byte: each case runs a conversation through a group
 * that replaces, and expects the frames of the same conversation built with
 * the rewritten data (numbers, lengths and checksums computed in full by
 * the builder), so every sequence, acknowledgement, SACK edge, length and
 * checksum is checked against an independent construction.
 */
const dir = mkdtempSync(join(tmpdir(), 'tmesc-replace-'));

async function replaced(
  frames: Buffer[],
  replaces: string,
  timing: { gapUs?: number; timesUs?: number[] } = {},
): Promise<{ out: Packet[]; plain: Packet[]; counts: Record<string, number>; dropped: number; input: Packet[] }> {
  const tag = Math.random().toString(36).slice(2);
  const input = join(dir, `in-${tag}.pcap`);
  writeCapture(input, frames, timing);
  const out = join(dir, `out-${tag}.pcap`);
  const plain = join(dir, `plain-${tag}.pcap`);
  const { stats } = await runPolicy(
    dir,
    `tap a { source pcap "${input}" }
group g { tool t { output pcap "${out}" } ${replaces} }
group h { tool u { output pcap "${plain}" } }
rule r from a match any to g, h`,
  );
  const g = stats.groups[0];
  expect(g.in).toBe(frames.length);
  expect(g.in, 'every replica delivered or dropped').toBe(g.delivered + g.dropped['replaced-away']);
  return {
    out: readPackets(out),
    plain: readPackets(plain),
    input: readPackets(input),
    counts: g.actions.replace,
    dropped: g.dropped['replaced-away'],
  };
}

function expectFrames(out: Packet[], expected: Buffer[]): void {
  expect(out.length).toBe(expected.length);
  out.forEach((p, i) => {
    expect(p.data.toString('hex'), `frame ${i + 1}`).toBe(expected[i].toString('hex'));
    expect(p.wireLen, `frame ${i + 1} original length`).toBe(expected[i].length);
  });
}

/** Both conversations, and the run of the first through `replaces`, whose output must be the second. */
async function golden(
  events: TcpEvent[],
  expected: TcpEvent[],
  replaces: string,
  o: ConversationOptions = {},
): Promise<Record<string, number>> {
  const r = await replaced(conversation(events, o).frames, replaces);
  expectFrames(r.out, conversation(expected, o).frames);
  // the other group gets the input bytes
  expect(r.plain.map((p) => p.data.toString('hex'))).toEqual(r.input.map((p) => p.data.toString('hex')));
  return r.counts;
}

const REQUEST = 'GET / HTTP/1.1\r\nHost: a\r\n\r\n';
const SERVER = 'replace /Server: [^\\r\\n]*/ with "Server: x"';

describe('replace: golden bytes', () => {
  it('replaces a match split across two segments, and shifts the numbers after it', async () => {
    const counts = await golden(
      [
        { from: 'c', data: REQUEST },
        { from: 's', data: 'HTTP/1.1 200 OK\r\nServ' },
        { from: 's', data: 'er: Apache/2.4.1\r\nContent-Length: 2\r\n\r\nhi' },
        { from: 'c', data: 'GET /2 HTTP/1.1\r\n\r\n' },
        { from: 's', data: 'HTTP/1.1 304 Not Modified\r\nServer: nginx\r\n\r\n' },
        { from: 'c', flags: TCP_FLAG.FIN },
        { from: 's', flags: TCP_FLAG.FIN },
        { from: 'c' },
      ],
      [
        { from: 'c', data: REQUEST },
        // the text is laid over the match: "Serv" stays in the first segment, "er: x" goes in the second
        { from: 's', data: 'HTTP/1.1 200 OK\r\nServ' },
        { from: 's', data: 'er: x\r\nContent-Length: 2\r\n\r\nhi' },
        { from: 'c', data: 'GET /2 HTTP/1.1\r\n\r\n' },
        { from: 's', data: 'HTTP/1.1 304 Not Modified\r\nServer: x\r\n\r\n' },
        { from: 'c', flags: TCP_FLAG.FIN },
        { from: 's', flags: TCP_FLAG.FIN },
        { from: 'c' },
      ],
      SERVER,
    );
    // the first segment of the split match keeps its bytes ("Serv" is where the text begins too)
    expect(counts).toMatchObject({ replaced: 2, renumbered: 4, unchanged: 5 });
  });

  it('grows a stream: the text left over after the match goes with its last byte', async () => {
    const long = 'replace /Server: [^\\r\\n]*/ with "Server: a name much longer than the one before"';
    await golden(
      [
        { from: 'c', data: REQUEST },
        { from: 's', data: 'HTTP/1.1 200 OK\r\nServer: Apa' },
        { from: 's', data: 'che\r\n\r\n' },
        { from: 'c', data: 'x' },
        { from: 's', data: 'Server: y\r\n' },
        { from: 'c', flags: TCP_FLAG.FIN },
      ],
      [
        { from: 'c', data: REQUEST },
        { from: 's', data: 'HTTP/1.1 200 OK\r\nServer: a n' },
        { from: 's', data: 'ame much longer than the one before\r\n\r\n' },
        { from: 'c', data: 'x' },
        { from: 's', data: 'Server: a name much longer than the one before\r\n' },
        { from: 'c', flags: TCP_FLAG.FIN },
      ],
      long,
    );
  });

  it('over IPv6 in PPPoE: the payload length and the PPPoE length follow', async () => {
    const events: TcpEvent[] = [
      { from: 'c', data: REQUEST },
      { from: 's', data: 'HTTP/1.1 200 OK\r\nServer: Apache\r\n\r\n' },
      { from: 'c', data: 'GET /2 HTTP/1.1\r\n\r\n' },
    ];
    const expected: TcpEvent[] = [
      { from: 'c', data: REQUEST },
      { from: 's', data: 'HTTP/1.1 200 OK\r\nServer: x\r\n\r\n' },
      { from: 'c', data: 'GET /2 HTTP/1.1\r\n\r\n' },
    ];
    await golden(events, expected, SERVER, { v6: true, pppoe: true });
    await golden(events, expected, SERVER, { pppoe: true });
    await golden(events, expected, SERVER, { v6: true });
  });

  it('chains replacements in the order written, each over the output of the one before', async () => {
    // "ab".replace(/a/g, "bb").replace(/b/g, "c") is "ccc"
    await golden(
      [
        { from: 'c', data: 'xa' },
        { from: 'c', data: 'by' },
        { from: 's', data: 'ok' },
      ],
      [
        { from: 'c', data: 'xcc' },
        { from: 'c', data: 'cy' },
        { from: 's', data: 'ok' },
      ],
      'replace /a/ with "bb"\n replace /b/ with "c"',
    );
  });

  it('rewrites a retransmission as the original was, however it is cut', async () => {
    const counts = await golden(
      [
        { from: 'c', data: REQUEST },
        { from: 's', data: 'HTTP/1.1 200 OK\r\nServer: Apache\r\n' },
        { from: 's', data: 'Content-Length: 0\r\n\r\n' },
        // the same segment again, then the stream cut anew across the match and the next segment
        { from: 's', resend: [0, 33] },
        { from: 's', resend: [20, 30] },
        { from: 'c', data: 'GET /2 HTTP/1.1\r\n\r\n' },
      ],
      [
        { from: 'c', data: REQUEST },
        { from: 's', data: 'HTTP/1.1 200 OK\r\nServer: x\r\n' },
        { from: 's', data: 'Content-Length: 0\r\n\r\n' },
        { from: 's', resend: [0, 28] },
        // input [20, 50) is output [20, 45): "ver: x\r\n" and the next segment's first 17 bytes
        { from: 's', resend: [20, 25] },
        { from: 'c', data: 'GET /2 HTTP/1.1\r\n\r\n' },
      ],
      SERVER,
    );
    expect(counts.unsearched).toBe(0);
  });

  it('maps SACK edges and acknowledgements through the other direction', async () => {
    await golden(
      [
        { from: 'c', data: REQUEST },
        { from: 's', data: 'HTTP/1.1 200 OK\r\nServer: Apache\r\n' },
        { from: 's', data: 'AAAAAAAAAA', lost: true },
        { from: 's', data: 'BBBBBBBBBB' },
        { from: 'c', ackOffset: 33, sack: [[43, 53]] },
        { from: 's', resend: [33, 10] },
        { from: 'c' },
      ],
      [
        { from: 'c', data: REQUEST },
        { from: 's', data: 'HTTP/1.1 200 OK\r\nServer: x\r\n' },
        { from: 's', data: 'AAAAAAAAAA', lost: true },
        { from: 's', data: 'BBBBBBBBBB' },
        { from: 'c', ackOffset: 28, sack: [[38, 48]] },
        { from: 's', resend: [28, 10] },
        { from: 'c' },
      ],
      SERVER,
    );
  });

  it('a session first seen mid-stream: numbers from its first segment, ^ is not its start', async () => {
    const o = { handshake: false };
    const events: TcpEvent[] = [
      { from: 's', data: 'GET-ish HTTP/1.1 200 OK\r\nServer: Apache\r\n' },
      { from: 'c', data: 'GET /2\r\n' },
      { from: 's', data: 'Server: b\r\n' },
    ];
    await golden(
      events,
      [
        { from: 's', data: 'GET-ish HTTP/1.1 200 OK\r\nServer: x\r\n' },
        { from: 'c', data: 'GET /2\r\n' },
        { from: 's', data: 'Server: x\r\n' },
      ],
      SERVER,
      o,
    );
    // with the handshake seen, ^ is the first byte of each direction
    const hs: TcpEvent[] = [{ from: 'c', data: 'GET /\r\n' }, ...events];
    await golden(
      hs,
      [
        { from: 'c', data: 'PUT /\r\n' },
        { from: 's', data: 'PUT-ish HTTP/1.1 200 OK\r\nServer: Apache\r\n' },
        ...events.slice(1),
      ],
      'replace /^GET/ with "PUT"',
    );
    await golden(hs, hs, 'replace /^GET/ with "PUT"', o);
  });

  it('Telnet, one byte a segment with echoes: every byte of the match is found; emptied segments stay as ACKs', async () => {
    const typed: TcpEvent[] = [];
    const out: TcpEvent[] = [];
    const text = 'login: ';
    typed.push({ from: 's', data: text });
    out.push({ from: 's', data: text });
    // replace the user name "root" by "ab": the client's "r" "o" become "a" "b", "o" "t" carry nothing
    for (const [ch, rep] of [
      ['r', 'a'],
      ['o', 'b'],
      ['o', ''],
      ['t', ''],
    ]) {
      // the echo is a star, as for a password: the server's stream has no match of its own
      typed.push({ from: 'c', data: ch }, { from: 's', data: '*' });
      out.push({ from: 'c', data: rep }, { from: 's', data: '*' });
    }
    typed.push({ from: 'c', data: '\r\n' });
    out.push({ from: 'c', data: '\r\n' });
    const counts = await golden(typed, out, 'replace /root/ with "ab"');
    expect(counts['replaced-away']).toBe(0);
  });

  it('drops a segment left empty that would only repeat the last acknowledgement', async () => {
    const r = await replaced(
      conversation([
        { from: 'c', data: 'r' },
        { from: 'c', data: 'o' },
        { from: 'c', data: 'o' },
        { from: 'c', data: 't' },
        { from: 'c', data: '!' },
        { from: 's', data: 'ok' },
      ]).frames,
      'replace /root/ with "x"',
    );
    expectFrames(
      r.out,
      conversation([
        { from: 'c', data: 'x' },
        { from: 'c', data: '!', id: 8 },
        { from: 's', data: 'ok', id: 9 },
      ]).frames,
    );
    expect(r.dropped).toBe(3);
    expect(r.counts['replaced-away']).toBe(3);
  });

  it('a RST ends the stream: $ matches there', async () => {
    await golden(
      [
        { from: 'c', data: 'abc' },
        { from: 'c', flags: TCP_FLAG.RST },
      ],
      [
        { from: 'c', data: 'abX' },
        { from: 'c', flags: TCP_FLAG.RST },
      ],
      'replace /c$/ with "X"',
    );
  });
});

describe('replace: UDP, each datagram alone', () => {
  it('rewrites the payload with the UDP length, IP length and checksums fixed, ^ and $ at its edges', async () => {
    const dgram = (s: string) => eth(ETHERTYPE.IPV4, ipv4(IPPROTO.UDP, udp(5000, 514, Buffer.from(s, 'latin1'))));
    const r = await replaced(
      [dgram('user=alice pass=secret'), dgram('pass=x'), dgram('nothing here')],
      'replace /pass=[a-z]+$/ with "pass=******"\n replace /^user=[a-z]+/ with "user=?"',
    );
    expectFrames(r.out, [dgram('user=? pass=******'), dgram('pass=******'), dgram('nothing here')]);
    expect(r.counts).toMatchObject({ replaced: 2, unchanged: 1 });
  });
});

describe('replace: holding segments back', () => {
  const A = (events: TcpEvent[]) => conversation(events, { clientPort: 40001 }).frames;
  const B = (events: TcpEvent[]) => conversation(events, { clientPort: 40002 }).frames;
  const stamp = (p: Packet) => p.data.readUInt16BE(18); // the IPv4 identification: the frame's number in its conversation

  it('holds a segment whose end may start a match until the next one decides; other sessions pass meanwhile', async () => {
    const a = A([
      { from: 's', data: 'HTTP/1.1 200 OK\r\nServ' },
      { from: 's', data: 'er: Apache\r\n\r\n' },
    ]);
    const b = B([{ from: 's', data: 'no match here' }]);
    const r = await replaced([...a.slice(0, 3), ...b.slice(0, 3), a[3], b[3], a[4]], SERVER);
    const ea = A([
      { from: 's', data: 'HTTP/1.1 200 OK\r\nServ' },
      { from: 's', data: 'er: x\r\n\r\n' },
    ]);
    // a's first data segment waits for its second: b's goes first
    expectFrames(r.out, [...ea.slice(0, 3), ...b.slice(0, 3), b[3], ea[3], ea[4]]);
    expect(r.counts['released-early']).toBe(0);
  });

  it('releases a segment held past the hold time when any later packet comes, the match cut at its end', async () => {
    const a = A([
      { from: 's', data: 'HTTP/1.1 200 OK\r\nServer: Apa' },
      { from: 's', data: 'che\r\n' },
    ]);
    const b = B([{ from: 's', data: 'other' }]);
    const frames = [...a.slice(0, 4), ...b.slice(0, 4), a[4]];
    // a's data at 10 ms, b's packets from 1.5 s, a's second segment at 3 s
    const timesUs = [0, 1, 2, 10_000, 1_500_000, 1_500_001, 1_500_002, 1_500_003, 3_000_000];
    const r = await replaced(frames, SERVER, { timesUs });
    const ea = A([
      { from: 's', data: 'HTTP/1.1 200 OK\r\nServer: x' },
      { from: 's', data: 'che\r\n' },
    ]);
    expectFrames(r.out, [...ea.slice(0, 4), ...b.slice(0, 4), ea[4]]);
    expect(r.counts['released-early']).toBe(1);
    expect(r.out.map(stamp)).toEqual([1, 2, 3, 4, 1, 2, 3, 4, 5]);
  });

  it('at the end of the input, what is held goes out, decided as at the end of the stream', async () => {
    const r = await replaced(A([{ from: 'c', data: 'abc' }]), 'replace /c$/ with "X"');
    expectFrames(r.out, A([{ from: 'c', data: 'abX' }]));
    expect(r.counts).toMatchObject({ replaced: 1, 'released-early': 0 });
  });

  it('decides a session that holds more packets than the bound, and counts them', async () => {
    const events: TcpEvent[] = Array.from({ length: 300 }, () => ({ from: 'c' as const, data: 'a' }));
    const r = await replaced(A(events), 'replace /a+b/ with "x"', { gapUs: 10 });
    expect(r.out.length).toBe(303);
    expect(r.counts['released-early']).toBeGreaterThanOrEqual(257);
    // nothing matched (no b ever came): the bytes are the input's
    expect(r.out.map((p) => p.data.toString('hex'))).toEqual(r.input.map((p) => p.data.toString('hex')));
  });
});

describe('replace: segments renumbered but not searched', () => {
  const ETH = 14;
  const IP = 20;

  it('a TCP first fragment takes the session numbers; the checksum verifies over the reassembled segment', async () => {
    const events: TcpEvent[] = [
      { from: 's', data: 'Server: Apache\r\n' },
      { from: 's', data: 'Server: y ' + 'z'.repeat(40) },
    ];
    const frames = conversation(events).frames;
    // cut the second data segment into two IPv4 fragments: TCP header and 16 bytes, then the rest
    const whole = frames[4];
    const seg = whole.subarray(ETH + IP);
    const frag = (part: Buffer, offset: number, more: boolean) =>
      eth(
        ETHERTYPE.IPV4,
        ipv4(IPPROTO.TCP, part, {
          src: '0a000002',
          dst: '0a000001',
          flags: (more ? 0x2000 : 0) | (offset / 8),
          id: 99,
        }),
      );
    const first = frag(seg.subarray(0, 36), 0, true);
    const second = frag(seg.subarray(36), 36, false);
    // ipv4() wrote a TCP checksum over each fragment alone: put back the segment's own bytes
    seg.copy(first, ETH + IP + 16, 16, 18);
    seg.copy(second, ETH + IP + 16, 36 + 16, 36 + 18);
    const r = await replaced([...frames.slice(0, 4), first, second], SERVER);
    expect(r.counts).toMatchObject({ fragment: 2, replaced: 1 });
    const out1 = r.out[4].data;
    const expected = conversation([
      { from: 's', data: 'Server: x\r\n' },
      { from: 's', data: 'Server: y ' + 'z'.repeat(40) },
    ]).frames[4];
    expect(out1.readUInt32BE(ETH + IP + 4)).toBe(expected.readUInt32BE(ETH + IP + 4));
    // the second fragment is as captured; the two together verify as one segment
    expect(r.out[5].data.equals(second)).toBe(true);
    const reassembled = Buffer.concat([
      expected.subarray(0, ETH + IP),
      out1.subarray(ETH + IP),
      r.out[5].data.subarray(ETH + IP),
    ]);
    reassembled.writeUInt16BE(reassembled.length - ETH, ETH + 2);
    expect(l4ChecksumOk(reassembled, ETH, IPPROTO.TCP, ETH + IP, reassembled.length - ETH - IP)).toBe(true);
  });

  it('a segment cut by the snap length keeps its bytes and takes the session numbers', async () => {
    const events: TcpEvent[] = [
      { from: 's', data: 'Server: Apache\r\n' },
      { from: 's', data: 'Server: y and the rest of a long segment' },
      { from: 's', data: 'Server: z\r\n' },
    ];
    const frames = conversation(events).frames;
    const cutAt = ETH + IP + 20 + 12;
    const input = [...frames.slice(0, 4), frames[4].subarray(0, cutAt), frames[5]];
    const tag = Math.random().toString(36).slice(2);
    const file = join(dir, `cut-${tag}.pcap`);
    writePcapWire(
      file,
      input,
      frames.map((f) => f.length),
    );
    const out = join(dir, `cut-out-${tag}.pcap`);
    const { stats } = await runPolicy(
      dir,
      `tap a { source pcap "${file}" }
group g { tool t { output pcap "${out}" } ${SERVER} }
rule r from a match any to g`,
    );
    expect(stats.groups[0].actions.replace).toMatchObject({ cut: 1, replaced: 2 });
    const got = readPackets(out);
    const expected = conversation([
      { from: 's', data: 'Server: x\r\n' },
      { from: 's', data: 'Server: y and the rest of a long segment' },
      { from: 's', data: 'Server: x\r\n' },
    ]).frames;
    // the cut one: the bytes captured, the original length, the shifted number; the stream goes on after it
    expect(got[4].data.length).toBe(cutAt);
    expect(got[4].wireLen).toBe(frames[4].length);
    expect(got[4].data.readUInt32BE(ETH + IP + 4)).toBe(expected[4].readUInt32BE(ETH + IP + 4));
    expect(got[4].data.subarray(ETH + IP + 20).equals(frames[4].subarray(ETH + IP + 20, cutAt))).toBe(true);
    expect(got[5].data.toString('hex')).toBe(expected[5].toString('hex'));
  });

  it('UDP over IPv6: payload length, UDP length and checksum', async () => {
    const dgram = (s: string) => eth(ETHERTYPE.IPV6, ipv6(IPPROTO.UDP, udp(5000, 514, Buffer.from(s, 'latin1'))));
    const r = await replaced([dgram('password=hunter2;')], 'replace /password=[^;]*/ with "password=?"');
    expectFrames(r.out, [dgram('password=?;')]);
  });
});

/** A pcap whose records keep the given original lengths (snap-length cuts). */
function writePcapWire(path: string, frames: Buffer[], wire: number[]): void {
  const gh = Buffer.alloc(24);
  gh.writeUInt32LE(0xa1b2c3d4, 0);
  gh.writeUInt16LE(2, 4);
  gh.writeUInt16LE(4, 6);
  gh.writeUInt32LE(262144, 16);
  gh.writeUInt32LE(1, 20);
  const parts: Buffer[] = [gh];
  frames.forEach((f, i) => {
    const h = Buffer.alloc(16);
    h.writeUInt32LE(1_700_000_000, 0);
    h.writeUInt32LE(i, 4);
    h.writeUInt32LE(f.length, 8);
    h.writeUInt32LE(wire[i], 12);
    parts.push(h, f);
  });
  writeFileSync(path, Buffer.concat(parts));
}
