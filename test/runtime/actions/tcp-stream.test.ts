import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LINKTYPE } from '../../../src/fields/fields.js';
import { linkKey, TcpDirection, TcpSessionTable } from '../../../src/runtime/actions/tcp-stream.js';
import { decodeFrame } from '../../../src/runtime/decode/decode.js';
import { PacketView } from '../../../src/runtime/decode/view.js';
import { ACK, Conversation, FIN, RST, type Segment, SYN } from './tcp-traffic.js';

/** The session table mask uses (and replace can): keys, directions, offsets, bounds. */
const view = new PacketView();

function table(max = 100, idle = 300, keepIdle?: (n: number) => boolean) {
  const evicted: string[] = [];
  const t = new TcpSessionTable<{ n: number }>({
    maxSessions: max,
    idleSeconds: idle,
    keepIdle: keepIdle && ((s) => keepIdle(s.data.n)),
    create: () => ({ n: 0 }),
    onEvict: (s, why) => evicted.push(`${s.key} ${why}`),
  });
  const see = (c: Conversation, s: Segment, now = 0, link = 0) => {
    const f = c.frame(s);
    decodeFrame(view, f, f.length, f.length, LINKTYPE.ETHERNET);
    const h = t.find(view, view, now, link)!;
    return { session: h.session, dir: h.dir, start: h.start, fresh: h.fresh };
  };
  return { t, see, evicted };
}

describe('TCP sessions', () => {
  it('puts both directions in one session, the SYN sender as direction 0, offsets from the byte after each SYN', () => {
    const { see } = table();
    const c = new Conversation();
    const [syn, synAck, ack] = c.handshake();
    const a = see(c, syn);
    expect(a).toMatchObject({ dir: 0, fresh: true });
    expect(see(c, synAck)).toMatchObject({ dir: 1, fresh: false, session: a.session });
    expect(see(c, ack)).toMatchObject({ dir: 0, start: 0 });
    const [d1, d2] = c.send(0, 'hello world', [5]);
    expect(see(c, d1).start).toBe(0);
    expect(see(c, d2).start).toBe(5);
    expect(see(c, c.send(1, 'hi')[0])).toMatchObject({ dir: 1, start: 0 });
  });

  it('keeps one address and port pair on two links (VLANs, taps) as two sessions, each with its own offsets', () => {
    const { t, see } = table();
    const c = new Conversation();
    const [syn, synAck] = c.handshake();
    const links = [linkKey(0, 7, -1), linkKey(0, 8, -1), linkKey(1, 7, -1), linkKey(0, 7, 9)];
    expect(new Set(links).size).toBe(links.length);
    const sessions = links.map((l) => see(c, syn, 0, l).session);
    expect(new Set(sessions).size).toBe(links.length);
    expect(see(c, synAck, 0, links[1])).toMatchObject({ dir: 1, session: sessions[1] });
    expect(t.size).toBe(links.length);
    expect(sessions[0].key).toMatch(/^link \d+\//);
    // no tap and no VLAN: the link is 0, the key as before
    expect(linkKey(-1, -1, -1)).toBe(0);
    expect(linkKey(0, -1, -1)).toBe(0);
  });

  it('without a SYN takes the side facing a well-known port as the client, and its first byte as offset 0', () => {
    const { see } = table();
    const c = new Conversation({ serverPort: 110 });
    c.handshake();
    const reply = c.send(1, '+OK ready\r\n')[0];
    expect(see(c, reply)).toMatchObject({ dir: 1, start: 0, fresh: true });
    expect(see(c, c.send(0, 'USER a\r\n')[0])).toMatchObject({ dir: 0, start: 0 });
  });

  it('unwraps sequence numbers across 2^32 and places old segments behind', () => {
    const d = new TcpDirection();
    d.begin(0xfffffff0, true);
    expect(d.offsetOf(0xfffffff1)).toBe(0);
    expect(d.offsetOf(0x00000005)).toBe(20);
    d.saw(3_000_000_000);
    expect(d.offsetOf((0xfffffff1 + 3_000_000_000) >>> 0)).toBe(3_000_000_000);
    d.saw(5_000_000_000);
    expect(d.offsetOf((0xfffffff1 + 5_000_000_000) % 2 ** 32)).toBe(5_000_000_000);
    expect(d.offsetOf((0xfffffff1 + 4_999_999_000) % 2 ** 32)).toBe(4_999_999_000);
  });

  it('starts a session over on a SYN with another initial sequence number, not on a SYN sent again', () => {
    const { see, evicted } = table();
    const c = new Conversation({ isn: [100, 200] });
    const [syn] = c.handshake();
    const s1 = see(c, syn).session;
    expect(see(c, syn).session).toBe(s1);
    const d = new Conversation({ isn: [9999, 200] });
    const again = see(d, { dir: 0, seq: 9999, ack: 0, flags: SYN, payload: Buffer.alloc(0) });
    expect(again.session).not.toBe(s1);
    expect(again.fresh).toBe(true);
    expect(evicted).toEqual([`${s1.key} restarted`]);
  });

  it('ends a direction at a FIN at or past its highest byte, never at one long behind (a receiver drops that)', () => {
    const { see } = table();
    const c = new Conversation({ isn: [100, 200] });
    c.handshake().forEach((s) => see(c, s));
    const [d1, d2] = c.send(0, 'PASS hunter2\r\n', [5]);
    const s = see(c, d1).session;
    // a bare FIN with the direction's first sequence number, inside the password
    see(c, { dir: 0, seq: 101, ack: 201, flags: FIN | ACK, payload: Buffer.alloc(0) });
    expect(s.dirs[0].finAt).toBe(-1);
    see(c, d2);
    // the real FIN, then the same FIN sent again (its offset is now behind the highest byte: the FIN's own)
    const fin: Segment = { dir: 0, seq: 115, ack: 201, flags: FIN | ACK, payload: Buffer.alloc(0) };
    see(c, fin);
    expect(s.dirs[0].finAt).toBe(14);
    see(c, fin);
    expect(s.dirs[0].finAt).toBe(14);
    expect(s.dirs[0].high).toBe(15);
  });

  it('counts payload bytes past the capture only when the frame was longer on the wire, not when the IP length lies', () => {
    const t = new TcpSessionTable<{ n: number }>({
      maxSessions: 10,
      idleSeconds: 300,
      create: () => ({ n: 0 }),
      onEvict: () => {},
    });
    const c = new Conversation({ isn: [100, 200] });
    const f = c.frame({ dir: 0, seq: 101, ack: 201, flags: ACK, payload: Buffer.from('PASS hunter2\r\n') });
    // the IPv4 total length 1,000 more than the frame holds, the frame captured whole: 14 bytes, no gap after them
    const liar = Buffer.from(f);
    liar.writeUInt16BE(liar.readUInt16BE(16) + 1000, 16);
    decodeFrame(view, liar, liar.length, liar.length, LINKTYPE.ETHERNET);
    expect(t.find(view, view, 0, 0)!.segment).toMatchObject({ captured: 14, length: 14 });
    // a snap cut: the record's original length says 10 bytes more were on the wire
    decodeFrame(view, f, f.length - 10, f.length, LINKTYPE.ETHERNET);
    expect(t.find(view, view, 0, 0)!.segment).toMatchObject({ captured: 4, length: 14 });
  });

  it('starts the session over at a SYN anew only after an RST at the next byte, not one elsewhere (RFC 5961 3.2)', () => {
    const { see, evicted } = table();
    const c = new Conversation({ isn: [100, 200] });
    c.handshake().forEach((s) => see(c, s));
    const [d1] = c.send(0, 'PASS hunter2\r\n', [5]);
    const s1 = see(c, d1).session;
    const rst = (seq: number) => ({ dir: 0 as const, seq, ack: 201, flags: RST, payload: Buffer.alloc(0) });
    // out of the window, then in it but not at the next byte (106: the next is 101 + 5): no reset
    see(c, rst(0x40000000));
    see(c, rst(110));
    expect(s1.dirs[0].reset).toBe(false);
    expect(see(c, { dir: 0, seq: 0x1234, ack: 0, flags: SYN, payload: Buffer.alloc(0) }).session).toBe(s1);
    expect(evicted).toEqual([]);
    // at the next byte: the connection is over, and a SYN anew starts the session over at once
    see(c, rst(106));
    expect(s1.dirs[0].reset).toBe(true);
    expect(see(c, { dir: 0, seq: 0x5678, ack: 0, flags: SYN, payload: Buffer.alloc(0) }).fresh).toBe(true);
    expect(evicted).toEqual([`${s1.key} restarted`]);
  });

  it('takes a FIN as the end once the other side acknowledges it, and not at all when bytes follow it unacknowledged', () => {
    const { see } = table();
    const c = new Conversation({ isn: [100, 200] });
    c.handshake().forEach((s) => see(c, s));
    const [d1, d2] = c.send(0, 'PASS hunter2\r\n', [5]);
    const s = see(c, d1).session;
    const [a, b] = s.dirs;
    // a FIN at the next byte that the receiver never gets, then the rest of the password in sequence
    see(c, { dir: 0, seq: 106, ack: 201, flags: FIN | ACK, payload: Buffer.alloc(0) });
    expect(a.finAt).toBe(5);
    expect(a.closed(b)).toBe(false);
    see(c, d2);
    expect(a.finAt).toBe(-1);
    // the real FIN, acknowledged by the other side's ACK past it
    see(c, { dir: 0, seq: 115, ack: 201, flags: FIN | ACK, payload: Buffer.alloc(0) });
    expect(a.closed(b)).toBe(false);
    see(c, { dir: 1, seq: 201, ack: 115, flags: ACK, payload: Buffer.alloc(0) });
    expect(a.closed(b)).toBe(false);
    see(c, { dir: 1, seq: 201, ack: 116, flags: FIN | ACK, payload: Buffer.alloc(0) });
    expect(a).toMatchObject({ finAt: 14, finAcked: true });
    expect(a.closed(b)).toBe(true);
    // acknowledged, it stays: bytes after it are none of the stream's
    see(c, { dir: 0, seq: 116, ack: 202, flags: ACK, payload: Buffer.from('x') });
    expect(a.finAt).toBe(14);
  });

  it('takes a FIN as the end at once when the other side is unseen (a one-way capture)', () => {
    const { see } = table();
    const c = new Conversation({ isn: [100, 200] });
    const s = see(c, c.send(0, 'QUIT\r\n')[0]).session;
    see(c, { dir: 0, seq: 106, ack: 201, flags: FIN | ACK, payload: Buffer.alloc(0) });
    expect(s.dirs[0].closed(s.dirs[1])).toBe(true);
  });

  it("takes a segment past the bytes seen and past the receiver's window as outside the stream (RFC 9293 3.10.7.4)", () => {
    const t = new TcpSessionTable<{ n: number }>({
      maxSessions: 10,
      idleSeconds: 300,
      create: () => ({ n: 0 }),
      onEvict: () => {},
    });
    const see = (c: Conversation, g: Segment) => {
      const f = c.frame(g);
      decodeFrame(view, f, f.length, f.length, LINKTYPE.ETHERNET);
      return t.find(view, view, 0, 0, f)!;
    };
    const c = new Conversation({ isn: [100, 200] });
    // the handshake: no window scale option, so the server's 65,535 bytes are the window, unscaled
    c.handshake().forEach((g) => see(c, g));
    const [d1] = c.send(0, 'PASS hunter2\r\n', [5]);
    const s = see(c, d1).session;
    expect(s.dirs[0].limit).toBe(65535);
    const far = see(c, { dir: 0, seq: 101 + 200_000, ack: 201, flags: ACK, payload: Buffer.from('zzzz') });
    expect(far.outside).toBe(true);
    expect(s.dirs[0].high).toBe(5);
    // a gap inside the window is a gap: the segment is the stream's
    expect(see(c, { dir: 0, seq: 101 + 60_000, ack: 201, flags: ACK, payload: Buffer.from('zzzz') })).toMatchObject({
      outside: false,
      start: 60_000,
    });
    // the window moves with the server's acknowledgment
    see(c, { dir: 1, seq: 201, ack: 101 + 190_000, flags: ACK, payload: Buffer.alloc(0) });
    expect(see(c, { dir: 0, seq: 101 + 200_000, ack: 201, flags: ACK, payload: Buffer.from('z') }).outside).toBe(false);
  });

  it("reads no window without the receiver's side, and scales windows only as both SYNs say (RFC 7323 2.2)", () => {
    const { see } = table();
    const c = new Conversation({ isn: [100, 200] });
    const a = see(c, c.send(0, 'hello')[0]).session;
    expect(a.dirs[0].limit).toBe(-1);
    const [x, y] = [new TcpDirection(), new TcpDirection()];
    expect(x.windowShift(y)).toBe(-1);
    x.shift = 7;
    y.shift = -1;
    expect(x.windowShift(y)).toBe(0);
    y.shift = 2;
    expect(x.windowShift(y)).toBe(7);
    expect(y.windowShift(x)).toBe(2);
  });

  it('puts off a SYN with another initial sequence number on an open session until its SYN-ACK', () => {
    const { see, evicted } = table();
    const c = new Conversation({ isn: [100, 200] });
    c.handshake().forEach((s) => see(c, s));
    const [d1, d2] = c.send(0, 'PASS hunter2\r\n', [5]);
    const s1 = see(c, d1).session;
    // inside the password: a receiver answers with a challenge ACK and reads on in the old numbers
    const anew = see(c, { dir: 0, seq: 0x100000, ack: 0, flags: SYN, payload: Buffer.alloc(0) });
    expect(anew).toMatchObject({ session: s1, fresh: false });
    expect(s1.dirs[0].high).toBe(5);
    expect(see(c, d2)).toMatchObject({ session: s1, start: 5 });
    expect(evicted).toEqual([]);
    // the other side accepts it: the new connection, its client the SYN's sender, its offsets from that SYN
    const acc = see(c, { dir: 1, seq: 7000, ack: 0x100001, flags: SYN | ACK, payload: Buffer.alloc(0) });
    expect(acc).toMatchObject({ dir: 1, fresh: true });
    expect(acc.session).not.toBe(s1);
    expect(evicted).toEqual([`${s1.key} restarted`]);
    expect(see(c, { dir: 0, seq: 0x100001, ack: 7001, flags: ACK, payload: Buffer.from('x') })).toMatchObject({
      dir: 0,
      start: 0,
      session: acc.session,
    });
  });

  it('keeps at most maxSessions, the least recently used going first, and forgets idle ones', () => {
    const { t, see, evicted } = table(3, 60);
    const conv = (port: number) => new Conversation({ clientPort: port });
    const cs = [1, 2, 3, 4].map((p) => conv(40000 + p));
    const seg = (_c: Conversation) => ({ dir: 0 as const, seq: 1, ack: 1, flags: ACK, payload: Buffer.alloc(0) });
    see(cs[0], seg(cs[0]), 0);
    see(cs[1], seg(cs[1]), 1);
    see(cs[2], seg(cs[2]), 2);
    see(cs[0], seg(cs[0]), 3); // used again: moves to the back
    see(cs[3], seg(cs[3]), 4);
    expect(t.size).toBe(3);
    expect(evicted).toHaveLength(1);
    expect(evicted[0]).toMatch(/40002.* full$/);
    see(cs[1], seg(cs[1]), 200);
    expect(evicted.slice(1).every((e) => e.endsWith(' idle'))).toBe(true);
    expect(t.size).toBe(1);
  });

  it('keeps an idle session that keepIdle keeps, until the table is full', () => {
    const { t, see, evicted } = table(3, 60, (n) => n === 1);
    const conv = (port: number) => new Conversation({ clientPort: port });
    const cs = [1, 2, 3, 4, 5].map((p) => conv(40000 + p));
    const seg = (_c: Conversation) => ({ dir: 0 as const, seq: 1, ack: 1, flags: ACK, payload: Buffer.alloc(0) });
    see(cs[0], seg(cs[0]), 0).session.data.n = 1; // its context open
    see(cs[1], seg(cs[1]), 1);
    // both idle past the bound: the one kept stays, the other goes
    see(cs[2], seg(cs[2]), 100);
    expect(evicted).toHaveLength(1);
    expect(evicted[0]).toMatch(/40002.* idle$/);
    expect(t.size).toBe(2);
    // a full table pushes it out as the least recently used
    see(cs[3], seg(cs[3]), 150);
    expect(t.size).toBe(3);
    see(cs[4], seg(cs[4]), 151);
    expect(evicted.slice(1)).toHaveLength(1);
    expect(evicted[1]).toMatch(/40001.* full$/);
  });

  it("finds a packet's session and direction by its addresses and ports, as the key string names them", () => {
    // the table looks sessions up by a hash of numbers; the model keys them by `address:port|address:port`
    const addrs = ['0a000001', '0a000002', 'c0a80001', 'ffffff01'];
    const ports = [80, 1023, 1024, 40000, 40001];
    const endpoint = fc.tuple(fc.constantFrom(...addrs), fc.constantFrom(...ports));
    const packet = fc.tuple(fc.boolean(), endpoint, endpoint, fc.constantFrom<0 | 1>(0, 1));
    fc.assert(
      fc.property(fc.array(packet, { minLength: 1, maxLength: 40 }), (packets) => {
        const { see } = table(1000);
        const model = new Map<string, { client: string; session?: unknown }>();
        for (const [v6, [ca, cp], [sa, sp], dir] of packets) {
          const c = new Conversation({ client: ca, server: v6 ? ca : sa, clientPort: cp, serverPort: sp, v6 });
          // (the helper's IPv6 frames all go from 2001:db8::1 to 2001:db8::2)
          const [src, dst] = (
            dir === 0
              ? [
                  [ca, cp],
                  [sa, sp],
                ]
              : [
                  [sa, sp],
                  [ca, cp],
                ]
          ).map(([a, p], i) => `${v6 ? `v6-${i}` : a}:${p}`);
          const key = [src, dst].sort().join('|');
          const seg = { dir, seq: 1, ack: 1, flags: ACK, payload: Buffer.alloc(0) };
          const got = see(c, seg);
          let m = model.get(key);
          if (m === undefined) {
            const [s0, d0] = dir === 0 ? [cp, sp] : [sp, cp];
            m = { client: s0 < 1024 && d0 >= 1024 ? dst : src };
            model.set(key, m);
            expect(got.fresh).toBe(true);
            m.session = got.session;
          } else expect(got.session).toBe(m.session);
          expect(got.dir).toBe(m.client === src ? 0 : 1);
        }
      }),
      { numRuns: 300, seed: 12 },
    );
  });
});
