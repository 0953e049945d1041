import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ETHERTYPE } from '../../../src/fields/ethertype.js';
import { IPPROTO } from '../../../src/fields/ip-proto.js';
import { ipv4HeaderChecksumOk, l4ChecksumOk } from '../../../src/runtime/actions/checksum.js';
import { decodeFrame } from '../../../src/runtime/decode/decode.js';
import { PacketView } from '../../../src/runtime/decode/view.js';
import { LINKTYPE } from '../../../src/fields/fields.js';
import { eth, gre, ipv4, ipv6, tcp, udp, vxlan } from './frames.js';
import { type Delivered, runFrames } from './mask-run.js';
import { luhn } from './card-numbers.js';
import { Conversation, type Segment, SYN, type TimedFrame, timed } from './tcp-traffic.js';

/**
 * mask through the pipeline, byte for byte: secrets split across segments,
 * Telnet typed a byte a segment, retransmissions, reordering, overlaps,
 * losses, the hold's timeout and bounds, UDP, tunnels, other groups.
 */
const dir = mkdtempSync(join(tmpdir(), 'tmesc-mask-'));
const tap = `tap a { source pcap "${dir}/none.pcap" }`;
const policy = (actions: string, more = '') =>
  `${tap}\ngroup g { tool t { output pcap "${dir}/t.pcap" } ${actions} }\n${more}rule r from a match any to g${more ? ', h' : ''}`;

const view = new PacketView();

/** The payload of a frame (innermost), as text. */
function payloadText(data: Buffer): string {
  decodeFrame(view, data, data.length, data.length, LINKTYPE.ETHERNET);
  const v = view.inner !== view && view.inner.payloadOffset >= 0 ? view.inner : view;
  return data.subarray(v.payloadOffset, v.payloadOffset + v.payloadLength).toString('latin1');
}

/** Every IPv4 header and TCP/UDP/ICMP checksum of the frame, outer and inner, verifies. */
function checksumsOk(data: Buffer): boolean {
  decodeFrame(view, data, data.length, data.length, LINKTYPE.ETHERNET);
  for (const v of view.inner !== view && view.inner.ipVersion ? [view, view.inner] : [view]) {
    if (v.ipVersion === 4 && !ipv4HeaderChecksumOk(data, v.ipHdrOffset)) return false;
    if (v.l4Offset >= 0 && v.fragment !== 2) {
      const len = v.ipHdrOffset + v.ipTotalLen - v.l4Offset;
      if (!l4ChecksumOk(data, v.ipHdrOffset, v.ipProto, v.l4Offset, len)) return false;
    }
  }
  return true;
}

const texts = (d: Delivered[]) => d.map((x) => payloadText(x.data));
/** `text` cut into pieces of these sizes, the rest last. */
function cut(text: string, sizes: number[]): string[] {
  const out: string[] = [];
  let at = 0;
  for (const n of [...sizes, text.length]) {
    if (at >= text.length) break;
    out.push(text.slice(at, at + n));
    at += n;
  }
  return out;
}
const frames = (c: Conversation, segs: Segment[], step = 0.001) =>
  timed(
    segs.map((s) => c.frame(s)),
    1_700_000_000,
    step,
  );

function run(actions: string, input: TimedFrame[], more = '') {
  const r = runFrames(dir, policy(actions, more), input);
  const out = r.out.get('t')!;
  for (const d of out) expect(checksumsOk(d.data), payloadText(d.data)).toBe(true);
  const g = r.groups[0];
  const counted = Object.values(g.actions.mask).reduce((a, b) => a + b, 0);
  expect(counted).toBe(g.in);
  expect(g.delivered).toBe(g.in);
  return { out, g, r };
}

describe('mask over TCP streams', () => {
  it('masks an FTP login split across segments, in every segment that holds a part of it', () => {
    const c = new Conversation({ serverPort: 21 });
    const segs = [
      ...c.handshake(),
      ...c.send(1, '220 ready\r\n'),
      ...c.send(0, 'USER alice\r\nPASS se', [3, 7]),
      ...c.send(0, 'cr'),
      ...c.send(0, 'et\r\nLIST\r\n', [1, 1]),
      c.fin(0),
    ];
    const { out, g } = run('mask credentials', frames(c, segs));
    expect(texts(out).filter(Boolean)).toEqual([
      '220 ready\r\n',
      'USE',
      'R *****',
      '\r\nPASS **',
      '**',
      '*',
      '*',
      '\r\nLIST\r\n',
    ]);
    expect(out.map((d) => d.input)).toEqual(segs.map((_, i) => i));
    expect(g.actions.mask).toMatchObject({ masked: 5, clean: 3, 'masked-undecided': 0 });
    expect(g.actionTotals!.mask['bytes-masked']).toBe(11);
  });

  it('masks a card number split in three, holding the first parts until it is decided, in capture order', () => {
    const c = new Conversation();
    const segs = [...c.handshake(), ...c.send(0, 'POST /pay HTTP/1.1\r\n\r\ncard=4111 1111 1111 1111&x=1', [27, 9, 4])];
    segs.splice(5, 0, c.ack(1));
    const { out, g } = run('mask card-number', frames(c, segs));
    expect(texts(out).filter(Boolean)).toEqual(
      cut('POST /pay HTTP/1.1\r\n\r\ncard=*******************&x=1', [27, 9, 4]),
    );
    expect(out.map((d) => d.input)).toEqual(segs.map((_, i) => i));
    expect(g.actionTotals!.mask['packets-held']).toBeGreaterThan(0);
    expect(g.actions.mask['masked-undecided']).toBe(0);
  });

  it('releases held packets when a live clock passes the timeout with no packet (tick), masking what was undecided', () => {
    const c = new Conversation();
    const segs = [...c.handshake(), ...c.send(0, 'card=4111 1111 1111 '), ...c.send(0, '1111&x=1')];
    const plain = run('mask card-number', frames(c, segs));
    expect(plain.g.actionTotals!.mask['released-by-timeout']).toBe(0);
    const input = frames(c, segs);
    input[3].tickAfter = input[3].ts + 2;
    const { out, g } = run('mask card-number', input);
    expect(g.actionTotals!.mask['released-by-timeout']).toBe(1);
    expect(g.actions.mask['masked-undecided']).toBe(1);
    expect(texts(out).slice(3)).toEqual(['card=***************', '****&x=1']);
  });

  it('masks a Telnet login typed one byte a segment, the echo of the user name too, however slowly', () => {
    for (const step of [0.2, 3]) {
      const c = new Conversation({ serverPort: 23 });
      const segs: Segment[] = [...c.handshake(), ...c.send(1, '\r\nUbuntu 22.04\r\nhost login: ')];
      for (const ch of 'bob') segs.push(...c.send(0, ch), ...c.send(1, ch));
      segs.push(...c.send(0, '\r\n'), ...c.send(1, '\r\nPassword: '));
      for (const ch of 's3cret') segs.push(...c.send(0, ch), c.ack(1));
      segs.push(...c.send(0, '\r\n'), ...c.send(1, '\r\nLast login: Mon\r\n$ '), ...c.send(0, 'ls\r\n'));
      const { out, g } = run('mask credentials', frames(c, segs, step));
      const client = out.filter((d) => d.data[29] === 0x01).map((d) => payloadText(d.data));
      const server = out.filter((d) => d.data[29] === 0x02).map((d) => payloadText(d.data));
      expect(client.join('')).toBe('***\r\n******\r\nls\r\n');
      expect(server.join('')).toBe('\r\nUbuntu 22.04\r\nhost login: ***\r\nPassword: \r\nLast login: Mon\r\n$ ');
      expect(g.actions.mask['masked-undecided']).toBe(0);
      expect(g.actionTotals!.mask['packets-held']).toBe(0);
    }
  });

  it("masks a Telnet client's first 8 lines, typed while no packet of the server's is seen (a one-way tap)", () => {
    const c = new Conversation({ serverPort: 23 });
    const [syn, , ack] = c.handshake();
    const lines = ['bob', 's3cret', 'ls', 'cd /', 'pwd', 'id', 'who', 'w', 'date', 'exit'];
    const segs: Segment[] = [syn, ack];
    for (const l of lines) for (const ch of `${l}\r\n`) segs.push(...c.send(0, ch));
    const { out, g } = run('mask credentials', frames(c, segs));
    const typed = out.map((d) => payloadText(d.data)).join('');
    const masked = lines.map((l, i) => (i < 8 ? '*'.repeat(l.length) : l));
    expect(typed).toBe(masked.map((l) => `${l}\r\n`).join(''));
    expect(g.actions.mask['masked-undecided']).toBeGreaterThan(0);
  });

  it('masks a retransmitted segment as it masked the original, and a copy of the session from a second tap', () => {
    const c = new Conversation({ serverPort: 110 });
    const segs = [...c.handshake(), ...c.send(0, 'USER a\r\nPASS hunter2\r\n', [10])];
    const again = [segs[3], segs[4], { ...segs[4] }];
    const { out } = run('mask credentials', frames(c, [...segs, ...again]));
    const t = texts(out);
    expect(t[3]).toBe('USER *\r\nPA');
    expect(t[4]).toBe('SS *******\r\n');
    expect(out[5].data.equals(out[3].data)).toBe(true);
    expect(out[6].data.equals(out[4].data)).toBe(true);
    expect(out[7].data.equals(out[4].data)).toBe(true);
  });

  it('waits for a segment that arrives late, and masks both parts', () => {
    const c = new Conversation();
    const segs = [...c.handshake(), ...c.send(0, 'pan 5555 5555 5555 4444 ok', [9, 10])];
    const swapped = [segs[0], segs[1], segs[2], segs[4], segs[3], segs[5]];
    const { out } = run('mask card-number', frames(c, swapped));
    expect(texts(out).slice(3)).toEqual(['**********', 'pan *****', '**** ok']);
    expect(out.map((d) => d.input)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('masks overlapping segments by the bytes they hold', () => {
    const c = new Conversation();
    const isn = c.next[0];
    const segs = [...c.handshake(), ...c.send(0, 'x=1 pass=topsecret&y=2\r\n')];
    const whole = segs[3].payload;
    // the same bytes cut differently: [0,8) then [4,24)
    const a: Segment = { ...segs[3], payload: whole.subarray(0, 8) };
    const b: Segment = { ...segs[3], seq: (isn + 1 + 4) >>> 0, payload: whole.subarray(4) };
    const { out } = run('mask credentials', frames(c, [segs[0], segs[1], segs[2], a, b]));
    expect(texts(out).slice(3)).toEqual(['x=1 pass', 'pass=*********&y=2\r\n']);
  });

  it('gives up a gap the capture lost after the timeout: what was undecided before it is masked and counted', () => {
    const c = new Conversation();
    const segs = [...c.handshake(), ...c.send(0, 'id 4111 1111 1111 1111 end', [12, 10])];
    // the middle segment never reaches the tap
    const input = frames(c, [segs[0], segs[1], segs[2], segs[3], segs[5]]);
    input.push({ data: c.frame(c.ack(1)), ts: input[input.length - 1].ts + 2 });
    const { out, g } = run('mask card-number', input);
    expect(texts(out).slice(3, 5)).toEqual(['id *********', ' end']);
    expect(g.actions.mask['masked-undecided']).toBe(1);
    expect(g.actionTotals!.mask['tcp-gaps']).toBe(1);
    expect(g.actionTotals!.mask['released-by-timeout']).toBe(1);
  });

  it('a card typed a digit at a time, slower than the timeout: masked but for at most its first six digits', () => {
    const c = new Conversation({ serverPort: 23 });
    const segs: Segment[] = [...c.handshake()];
    for (const ch of '4111111111111111\r\n') segs.push(...c.send(0, ch));
    const { out, g } = run('mask card-number', frames(c, segs, 1.5));
    expect(texts(out).join('')).toBe('411111**********\r\n');
    expect(g.actions.mask['masked-undecided']).toBe(10);
  });

  it('releases a session holding more than its bound, masking what a match was under way in', () => {
    const c = new Conversation();
    const segs = [...c.handshake(), ...c.send(0, 'BEGIN', [])];
    for (let i = 0; i < 80; i++) segs.push(...c.send(0, 'x'.repeat(100)));
    segs.push(...c.send(0, 'END after'));
    const { out, g } = run('mask /BEGIN[^!]*END/', frames(c, segs));
    expect(g.actionTotals!.mask['released-by-bound']).toBeGreaterThan(0);
    const t = texts(out).slice(3).join('');
    expect(t).toBe('*'.repeat(5 + 8000 + 3) + ' after');
    expect(g.actions.mask['masked-undecided']).toBeGreaterThan(0);
  });

  // a match under way longer than a release's worth of bytes (140 KB, past the bounds: 64 packets, 256 KiB) is masked
  // to its end through every release, whatever the pattern's shape: one with its end found so far (greedy, could go
  // longer) and one that has found none yet (needs END) alike; the bytes after it are searched again as usual
  for (const [pattern, tail] of [
    ['/k=[a-z]+/', '!k=done'],
    ['/BEGIN[^!]*END/', 'END!k=done'],
  ] as const)
    it(`masks a match running past 140 KB through bound releases to its end: ${pattern}`, () => {
      const c = new Conversation();
      const head = pattern.startsWith('/k') ? 'k=' : 'BEGIN';
      const segs = [...c.handshake(), ...c.send(0, head, [])];
      for (let i = 0; i < 100; i++) segs.push(...c.send(0, 'x'.repeat(1400)));
      segs.push(...c.send(0, tail));
      const { out, g } = run(`mask ${pattern}`, frames(c, segs));
      expect(g.actionTotals!.mask['released-by-bound']).toBeGreaterThan(0);
      const t = texts(out).slice(3).join('');
      const matched = head.length + 140_000 + (tail.startsWith('END') ? 3 : 0);
      const rest = tail.slice(tail.indexOf('!'));
      // k=done after the match is a new match of /k=[a-z]+/ (a search goes on after a match), none of the other
      const restMasked = pattern.startsWith('/k') ? '!******' : rest;
      expect(t.length).toBe(matched + rest.length);
      expect(t.slice(0, matched)).toBe('*'.repeat(matched));
      expect(t.slice(matched)).toBe(restMasked);
      expect(g.actions.mask['masked-undecided']).toBeGreaterThan(0);
    });

  it('follows sequence numbers across the 32-bit wrap and sessions restarted with a new SYN', () => {
    const c = new Conversation({ isn: [0xfffffff0, 7], serverPort: 21 });
    const segs = [...c.handshake(), ...c.send(0, 'PASS abcdefghijklmnop\r\n', [8, 8])];
    const d = new Conversation({ isn: [12345, 99], serverPort: 21 });
    const segs2 = [...d.handshake(), ...d.send(0, 'PASS qwerty\r\n', [7])];
    const input = [
      ...frames(c, segs),
      ...timed(
        segs2.map((s) => d.frame(s)),
        1_700_000_100,
      ),
    ];
    const { out, g } = run('mask credentials', input);
    expect(texts(out).filter(Boolean)).toEqual(['PASS ***', '********', '*****\r\n', 'PASS **', '****\r\n']);
    expect(g.actionTotals!.mask['tcp-sessions']).toBe(2);
  });

  it('a SYN put off (another ISN on an open session) moves nothing: the stream read on after it is still one stream', () => {
    // the SYN with data far ahead of the stream, then the password split, past the hold timeout: taken as stream
    // data beyond a gap, the SYN's offset moved the direction's position and the old stream was searched alone
    const c = new Conversation({ serverPort: 21 });
    const segs: Segment[] = [...c.handshake(), ...c.send(1, '220 ready\r\n'), ...c.send(0, 'USER alice\r\n')];
    segs.push({ dir: 0, seq: (c.next[0] + 100000) >>> 0, ack: 0, flags: SYN, payload: Buffer.from('x') });
    const input: TimedFrame[] = segs.map((x, i) => ({ data: c.frame(x), ts: 1_700_000_000 + i * 0.001 }));
    const rest = [...c.send(0, 'PASS se'), ...c.send(0, 'cret\r\n')];
    rest.forEach((x, i) => input.push({ data: c.frame(x), ts: 1_700_000_002 + i * 0.001 }));
    const r = runFrames(dir, policy('mask credentials'), input);
    const out = r.out.get('t')!;
    expect(out.length).toBe(input.length);
    const all = texts(out).join('');
    expect(all).not.toContain('se');
    expect(all).not.toContain('cret');
    expect(all).toContain('PASS ******\r\n');
  });

  it('masks every secret of a segment holding more than the span list keeps (SPANS_PER_DIRECTION), in order', () => {
    // 150 card numbers (of 1,500 candidates, a tenth Luhn-valid) in one segment (a GRO capture), then the same again split in two: each one masked
    const cards = Array.from(
      { length: 1500 },
      (_, i) => `4111 1111 11${String(10000 + i).slice(1, 3)} ${String(1000 + i).slice(-4)}`,
    );
    const valid = cards.filter((n) => luhn(n.replace(/\D/g, '')));
    const body = valid.map((n) => `card ${n}\r\n`).join('');
    const c = new Conversation({ serverPort: 80 });
    const segs = [...c.handshake(), ...c.send(1, body), ...c.send(1, body, [body.length >> 1])];
    const { out } = run('mask card-number with "x"', frames(c, segs));
    const masked = valid.map((n) => `card ${'x'.repeat(n.length)}\r\n`).join('');
    expect(valid.length).toBeGreaterThan(2 * 64);
    expect(texts(out).slice(3).join('')).toBe(masked + masked);
  });

  it('masks user patterns across segments, each target with its fill, the first written winning where they overlap', () => {
    const c = new Conversation();
    const segs = [
      ...c.handshake(),
      ...c.send(0, 'GET /?api_key=AKIAABCDEFGHIJKLMNOP&password=4111111111111111 HTTP/1.1\r\n', [20, 30]),
    ];
    const { out } = run('mask /api_key=[A-Za-z0-9]+/ with "#", card-number with "x", credentials', frames(c, segs));
    expect(texts(out).slice(3).join('')).toBe(`GET /?${'#'.repeat(28)}&password=${'x'.repeat(16)} HTTP/1.1\r\n`);
  });
});

describe('mask packet by packet', () => {
  it('masks UDP payloads per packet (IPv4 and IPv6), keeping the checksums', () => {
    const p = Buffer.from('<13>sshd: login user=root password=hunter2 card 4111-1111-1111-1111\n');
    const input = timed([
      eth(ETHERTYPE.IPV4, ipv4(IPPROTO.UDP, udp(5000, 514, p))),
      eth(ETHERTYPE.IPV6, ipv6(IPPROTO.UDP, udp(5000, 514, p))),
    ]);
    const { out, g } = run('mask card-number, credentials', input);
    for (const t of texts(out)) expect(t).toBe('<13>sshd: login user=**** password=******* card *******************\n');
    expect(g.actions.mask.masked).toBe(2);
  });

  it('keeps the outer checksums of a tunnel around the masked payload (VXLAN, GRE with a checksum)', () => {
    const c = new Conversation({ serverPort: 21 });
    const inner = c.frame(c.send(0, 'PASS opensesame\r\n')[0]);
    const outerUdp = eth(ETHERTYPE.IPV4, ipv4(IPPROTO.UDP, udp(41000, 4789, vxlan(7, inner)), { src: 'c0a80001' }));
    const greBody = gre(ETHERTYPE.IPV4, inner.subarray(14));
    greBody[0] = 0x80; // checksum present
    const withCsum = Buffer.concat([greBody.subarray(0, 4), Buffer.alloc(4), greBody.subarray(4)]);
    let sum = 0;
    for (let i = 0; i < withCsum.length; i += 2) sum += (withCsum[i] << 8) | (withCsum[i + 1] ?? 0);
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    withCsum.writeUInt16BE(~sum & 0xffff, 4);
    const outerGre = eth(ETHERTYPE.IPV4, ipv4(IPPROTO.GRE, withCsum, { src: 'c0a80009' }));
    const { out } = run('mask credentials', timed([outerUdp, outerGre]));
    // each tunnel's session is picked up without its SYN: its first line is carried (it may end a secret begun
    // before the capture), masked whole; the password is masked either way
    expect(texts(out)).toEqual(['***************\r\n', '***************\r\n']);
    // the GRE checksum verifies after
    const g = out[1].data.subarray(34);
    let s2 = 0;
    for (let i = 0; i < g.length; i += 2) s2 += (g[i] << 8) | (g[i + 1] ?? 0);
    while (s2 > 0xffff) s2 = (s2 & 0xffff) + (s2 >>> 16);
    expect(s2).toBe(0xffff);
  });

  it('masks the whole of a later IP fragment whose datagram never becomes whole, counting it', () => {
    const text = Buffer.from('rest of it: 4111111111111111 end');
    const frag = ipv4(IPPROTO.UDP, text, { flags: 0x0010 });
    // a later fragment has no UDP header: put back the two bytes the frame builder took for its checksum
    text.copy(frag, 20);
    const r = runFrames(dir, policy('mask card-number'), timed([eth(ETHERTYPE.IPV4, frag)]));
    expect(r.groups[0].actions.mask['undecided-fragment']).toBe(1);
    // its first fragment never came: nothing can be searched, all of it is masked (issue 12.4)
    expect(payloadText(r.out.get('t')![0].data)).toBe('*'.repeat(text.length));
  });

  it('delivers what it cannot search as captured, counted by why: not IP, a header cut or contradicting its length, a protocol it does not read', () => {
    const secret = Buffer.from('PASS hunter2\r\ncard=4111111111111111\r\n');
    const badTcp = tcp(40000, 21, secret);
    badTcp[12] = 15 << 4; // a 60-byte TCP header in a segment of fewer bytes
    const input = timed([
      eth(ETHERTYPE.LLDP, secret),
      eth(ETHERTYPE.IPV4, ipv4(IPPROTO.TCP, badTcp)),
      eth(ETHERTYPE.IPV4, ipv4(IPPROTO.UDP, udp(5000, 5001, secret)).subarray(0, 12)),
      eth(ETHERTYPE.IPV4, ipv4(IPPROTO.ESP, secret)),
      eth(ETHERTYPE.IPV4, ipv4(IPPROTO.TCP, tcp(40000, 21, Buffer.alloc(0), 0x10))),
    ]);
    const r = runFrames(dir, policy('mask credentials, card-number'), input);
    expect(r.out.get('t')!.map((d) => d.data)).toEqual(input.map((f) => f.data));
    expect(r.groups[0].actions.mask).toMatchObject({
      'not-ip': 1,
      malformed: 2,
      'not-scanned': 1,
      'no-payload': 1,
      masked: 0,
      clean: 0,
    });
  });

  it('leaves other groups alone: a group without actions gets the input bytes, another masking group its own fill', () => {
    const c = new Conversation({ serverPort: 21 });
    const segs = [...c.handshake(), ...c.send(0, 'USER x\r\nPASS y', [9]), ...c.send(0, 'z\r\n')];
    const input = frames(c, segs);
    const more = `group h { tool u { output pcap "${dir}/u.pcap" } }\ngroup k { tool v { output pcap "${dir}/v.pcap" } mask credentials with "#" }\n`;
    const r = runFrames(
      dir,
      `${tap}\ngroup g { tool t { output pcap "${dir}/t.pcap" } mask credentials }\n${more}rule r from a match any to g, h, k`,
      input,
    );
    expect(r.out.get('u')!.map((d) => d.data)).toEqual(input.map((f) => f.data));
    expect(texts(r.out.get('t')!).slice(3)).toEqual(['USER *\r\nP', 'ASS *', '*\r\n']);
    expect(texts(r.out.get('v')!).slice(3)).toEqual(['USER #\r\nP', 'ASS #', '#\r\n']);
  });
});
