import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ETHERTYPE } from '../../../src/fields/ethertype.js';
import { LINKTYPE } from '../../../src/fields/fields.js';
import { IPPROTO } from '../../../src/fields/ip-proto.js';
import { l4ChecksumOk } from '../../../src/runtime/actions/checksum.js';
import { HOLD_PACKETS_PER_SESSION } from '../../../src/runtime/actions/mask-bounds.js';
import { FRAGMENTS_PER_DATAGRAM } from '../../../src/runtime/actions/mask-fragments.js';
import { fixSctpChecksum, sctpChecksumOk } from '../../../src/runtime/actions/sctp-checksum.js';
import type { PacketPathChoice } from '../../../src/runtime/engine/packet-path-choice.js';
import { requirements, tshark } from '../../support/tools.js';
import { artifactFor } from '../support/artifact.js';
import { eth, ipFragments, ipv4, ipv6, udp, vxlan } from './frames.js';
import { runArtifactFrames } from './mask-run.js';
import { Conversation, type Segment, type TimedFrame, timed, writeTimedPcap } from './tcp-traffic.js';

/**
 * mask over IP fragments (issue 12.4): a TCP segment or UDP datagram in
 * fragments is reassembled, searched (a TCP segment in its stream), and the
 * masks written back into each fragment, the transport checksum fixed; a
 * datagram that cannot be reassembled goes with its whole payload masked.
 * IPv4 and IPv6, every order, on the decoder path and the generated path
 * (which hands fragments to the decoder's): bytes checked, and tshark's
 * reassembly of the output checks its checksums.
 */
const dir = mkdtempSync(join(tmpdir(), 'tmesc-mask-frag-'));
const policy = `tap a { source pcap "${dir}/none.pcap" }
group g { tool t { output pcap "${dir}/t.pcap" } mask card-number, credentials }
rule r from a match any to g`;
const CARD = '4111 1111 1111 1111';
const hasTshark = !requirements({ tools: ['tshark'] }).skip;

const ETH = 14;

const fragments = ipFragments;

/** The data of the IP fragments in `frames` (Ethernet, IP at `ip`), reassembled by their offsets; and its checksum check. */
function reassembled(frames: Buffer[], ip = ETH): { text: string; checks: boolean } {
  let head: Buffer | undefined;
  const parts: [number, Buffer][] = [];
  let proto = 0;
  for (const f of frames) {
    const six = f[ip] >> 4 === 6;
    const hl = six ? 48 : (f[ip] & 0x0f) * 4;
    const off = six ? f.readUInt16BE(ip + 42) & 0xfff8 : (f.readUInt16BE(ip + 6) & 0x1fff) * 8;
    const end = six ? ip + 40 + f.readUInt16BE(ip + 4) : ip + f.readUInt16BE(ip + 2);
    proto = six ? f[ip + 40] : f[ip + 9];
    if (off === 0) head = Buffer.from(f.subarray(ip, ip + hl));
    parts.push([off, f.subarray(ip + hl, end)]);
  }
  parts.sort((a, b) => a[0] - b[0]);
  const data = Buffer.concat(parts.map((p) => p[1]));
  const six = head![0] >> 4 === 6;
  // an unfragmented header for the checksum's pseudo-header
  const h = six ? Buffer.from(head!.subarray(0, 40)) : Buffer.from(head!);
  if (six) {
    h[6] = proto;
    h.writeUInt16BE(data.length, 4);
  } else h.writeUInt16BE(h.length + data.length, 2);
  const whole = Buffer.concat([h, data]);
  const checks = l4ChecksumOk(whole, 0, proto, h.length, data.length);
  const l4 = proto === IPPROTO.TCP ? (data[12] >> 4) * 4 : 8;
  return { text: data.subarray(l4).toString('latin1'), checks };
}

/** The SCTP packet the IP fragments in `frames` (Ethernet, IP at 14) carry, reassembled by their offsets. */
function sctpReassembled(frames: Buffer[]): Buffer {
  const parts: [number, Buffer][] = frames.map((f) => {
    const six = f[ETH] >> 4 === 6;
    const hl = six ? 48 : (f[ETH] & 0x0f) * 4;
    const off = six ? f.readUInt16BE(ETH + 42) & 0xfff8 : (f.readUInt16BE(ETH + 6) & 0x1fff) * 8;
    const end = six ? ETH + 40 + f.readUInt16BE(ETH + 4) : ETH + f.readUInt16BE(ETH + 2);
    return [off, f.subarray(ETH + hl, end)];
  });
  return Buffer.concat(parts.sort((a, b) => a[0] - b[0]).map((p) => p[1]));
}

function run(frames: TimedFrame[], path: PacketPathChoice) {
  const r = runArtifactFrames(artifactFor(dir, policy), frames, LINKTYPE.ETHERNET, path);
  expect(r.path).toBe(path);
  const g = r.groups[0];
  expect(g.delivered).toBe(g.in);
  return { out: r.out.get('t')!, counters: g.actions.mask, totals: g.actionTotals!.mask };
}

/** tshark (reassembling fragments, checking TCP and UDP checksums) finds no bad checksum, and reads the secret nowhere. */
async function tsharkClean(frames: Buffer[], secret: string): Promise<void> {
  if (!hasTshark) return;
  const file = join(dir, `o${Math.random().toString(36).slice(2)}.pcap`);
  writeTimedPcap(file, timed(frames));
  const out = await tshark([
    '-r',
    file,
    '-o',
    'tcp.check_checksum:TRUE',
    '-o',
    'udp.check_checksum:TRUE',
    '-T',
    'fields',
    '-e',
    'tcp.checksum.status',
    '-e',
    'udp.checksum.status',
    '-e',
    'tcp.payload',
    '-e',
    'udp.payload',
    '-e',
    '_ws.expert.message',
  ]);
  const lines = out.trim().split('\n');
  // 0: bad (1 good, 2 not checked)
  expect(lines.filter((l) => /^0\t|^\t0\t|\tBad checksum/.test(l))).toEqual([]);
  expect(lines.some((l) => /^1\t|^\t1\t/.test(l))).toBe(true);
  expect(out).not.toContain(Buffer.from(secret).toString('hex'));
}

/** An FTP session to the password, then `last` from the client, cut into fragments by `cut`. */
function ftp(v6: boolean, last: string, cut: (frame: Buffer) => Buffer[]): { frames: Buffer[]; cutAt: number } {
  const c = new Conversation({ serverPort: 21, v6 });
  const segs: Segment[] = [...c.handshake(), ...c.send(1, '220 ready\r\n'), ...c.send(0, 'USER bob\r\n')];
  segs.push(...c.send(1, '331 password\r\n'));
  const frames = segs.map((s) => c.frame(s));
  const cutAt = frames.length;
  frames.push(...cut(c.frame(c.send(0, last)[0])));
  frames.push(c.frame(c.ack(1)), ...c.send(1, '230 ok\r\n').map((s) => c.frame(s)));
  return { frames, cutAt };
}

/** The frames delivered from input frames [from, to), in input order. */
const inputs = (out: { data: Buffer; input: number }[], from: number, to: number) =>
  out
    .filter((d) => d.input >= from && d.input < to)
    .sort((a, b) => a.input - b.input)
    .map((d) => d.data);

const PATHS: PacketPathChoice[] = ['decoder', 'generated'];

describe.each(PATHS)('mask over IP fragments, %s path', (path) => {
  describe.each([false, true])('IPv6 %s', (v6) => {
    it('a password whose command is in the first fragment and value in the next: masked, checksum right', async () => {
      // the first fragment: the TCP header and "PA", the second "SS hunter", the third "2\r\n"
      const { frames, cutAt } = ftp(v6, 'PASS hunter2\r\n', (f) => fragments(f, [24, 8]));
      const r = run(timed(frames), path);
      expect(r.out.map((d) => d.input)).toEqual(frames.map((_, i) => i));
      const got = r.out.slice(cutAt, cutAt + 3).map((d) => d.data);
      const back = reassembled(got);
      expect(back.text).toBe('PASS *******\r\n');
      expect(back.checks).toBe(true);
      // the headers are as captured but for the TCP checksum (in the first fragment: it follows the masks in all)
      const sum = got[0].length - 24 + 16;
      expect(got[0].subarray(0, sum)).toEqual(frames[cutAt].subarray(0, sum));
      expect(got[0].subarray(sum + 2)).toEqual(frames[cutAt].subarray(sum + 2));
      expect(got[0].subarray(sum, sum + 2)).not.toEqual(frames[cutAt].subarray(sum, sum + 2));
      expect(r.counters['undecided-fragment']).toBe(0);
      await tsharkClean(
        r.out.map((d) => d.data),
        'hunter2',
      );
    });

    it('a card number across fragments that come in reverse order: masked, delivered in their order', async () => {
      const { frames, cutAt } = ftp(v6, `STOR x ${CARD}\r\n`, (f) => fragments(f, [24, 8]).reverse());
      const r = run(timed(frames), path);
      expect(r.out.map((d) => d.input)).toEqual(frames.map((_, i) => i));
      const back = reassembled(r.out.slice(cutAt, cutAt + 3).map((d) => d.data));
      expect(back.text).toBe(`STOR x ${'*'.repeat(CARD.length)}\r\n`);
      expect(back.checks).toBe(true);
      await tsharkClean(
        r.out.map((d) => d.data),
        CARD,
      );
    });

    it('a transport header cut short in the first fragment (8 bytes): reassembled, the checksum in the second fixed', async () => {
      const { frames, cutAt } = ftp(v6, 'PASS hunter2\r\n', (f) => fragments(f, [8, 16]));
      const r = run(timed(frames), path);
      const back = reassembled(r.out.slice(cutAt, cutAt + 3).map((d) => d.data));
      expect(back.text).toBe('PASS *******\r\n');
      expect(back.checks).toBe(true);
    });

    it("the session's packets that come after a first fragment wait behind its datagram (its place in the order)", () => {
      const c = new Conversation({ serverPort: 21, v6 });
      const segs: Segment[] = [...c.handshake(), ...c.send(1, '331 password\r\n')];
      const frames = segs.map((s) => c.frame(s));
      const at = frames.length;
      const [f1, f2] = fragments(c.frame(c.send(0, 'PASS hunter2\r\n')[0]), [24]);
      // a bare ACK of the client's between the two fragments (the client's: the IPv6 frames of this helper have the
      // same addresses both ways, so the server's packets are another session there)
      frames.push(f1, c.frame(c.ack(0)), f2);
      const r = run(timed(frames), path);
      const order = r.out.map((d) => d.input);
      // the fragments leave together where the first came, the ACK after them (not before the first)
      expect(order.slice(at)).toEqual([at, at + 2, at + 1]);
      const back = reassembled(inputs(r.out, at, at + 3).filter((_, i) => i !== 1));
      expect(back.text).toBe('PASS *******\r\n');
    });

    it('overlapping fragments: not reassembled (RFC 5722), every fragment delivered with its payload masked', () => {
      const { frames, cutAt } = ftp(v6, `STOR x ${CARD}\r\n`, (f) => {
        const a = fragments(f, [24, 8]);
        // a copy of the second fragment at the first's offset + 16: overlapping both
        const b = fragments(f, [16, 16]);
        return [a[0], b[1], a[1], a[2]];
      });
      const r = run(timed(frames), path);
      const got = inputs(r.out, cutAt, cutAt + 4);
      expect(r.counters['undecided-fragment']).toBe(4);
      for (const d of got) expect(d.toString('latin1')).not.toMatch(/\d{4}/);
      // the first fragment keeps its TCP header (ports, sequence number), the rest of each is masked
      expect(got[0].subarray(got[0].length - 4).toString('latin1')).toBe('****');
    });

    it('later fragments whose first never comes: masked whole at the hold timeout', () => {
      const { frames, cutAt } = ftp(v6, `STOR x ${CARD}\r\n`, (f) => fragments(f, [24, 8]).slice(1));
      // a packet of another session 2 s later: the timeout has passed
      const other = new Conversation({ serverPort: 80, v6, clientPort: 40001 });
      const late = other.frame(other.send(0, 'GET / HTTP/1.1\r\n\r\n')[0]);
      const input = timed(frames);
      input.push({ data: late, ts: input[input.length - 1].ts + 2 });
      const r = run(input, path);
      expect(r.totals['released-by-timeout']).toBeGreaterThanOrEqual(1);
      expect(r.counters['undecided-fragment']).toBe(2);
      // given up before the late packet was handed on
      const order = r.out.map((d) => d.input);
      expect(order.indexOf(cutAt)).toBeLessThan(order.indexOf(input.length - 1));
      for (const d of r.out.filter((x) => x.input === cutAt || x.input === cutAt + 1))
        expect(d.data.toString('latin1')).not.toMatch(/\d{4}|STOR/);
    });

    it('a session released at its hold bound gives up the datagram it keeps a place for: both releases counted', () => {
      const c = new Conversation({ serverPort: 21, v6 });
      const segs: Segment[] = [...c.handshake(), ...c.send(1, '331 password\r\n')];
      const frames = segs.map((s) => c.frame(s));
      const at = frames.length;
      // the first fragment only: its datagram keeps a place in the session, the client's packets wait behind it
      frames.push(fragments(c.frame(c.send(0, 'PASS hunter2\r\n')[0]), [24])[0]);
      for (let i = 0; i < HOLD_PACKETS_PER_SESSION; i++) frames.push(c.frame(c.send(0, 'NOOP\r\n')[0]));
      const r = run(timed(frames), path);
      // the session (its queue past the bound) and the datagram given up with it
      expect(r.totals['released-by-bound']).toBe(2);
      expect(r.totals['released-by-timeout']).toBe(0);
      expect(r.counters['undecided-fragment']).toBe(1);
      expect(inputs(r.out, at, at + 1)[0].toString('latin1')).not.toMatch(/PA/);
    });

    it('a session released at the hold timeout gives up the datagram it keeps a place for: both releases counted', () => {
      const c = new Conversation({ serverPort: 21, v6 });
      const segs: Segment[] = [...c.handshake(), ...c.send(1, '331 password\r\n')];
      const frames = segs.map((s) => c.frame(s));
      const at = frames.length;
      frames.push(fragments(c.frame(c.send(0, 'PASS hunter2\r\n')[0]), [24])[0]);
      // a packet of another session 2 s later: the timeout has passed
      const other = new Conversation({ serverPort: 80, v6, clientPort: 40001 });
      const input = timed(frames);
      input.push({ data: other.frame(other.send(0, 'GET / HTTP/1.1\r\n\r\n')[0]), ts: input[input.length - 1].ts + 2 });
      const r = run(input, path);
      expect(r.totals['released-by-timeout']).toBe(2);
      expect(r.totals['released-by-bound']).toBe(0);
      expect(r.counters['undecided-fragment']).toBe(1);
      expect(inputs(r.out, at, at + 1)[0].toString('latin1')).not.toMatch(/PA/);
    });

    it(`more than ${FRAGMENTS_PER_DATAGRAM} fragments: the datagram is given up at the bound, all masked`, () => {
      const text = `STOR ${'x'.repeat(8 * FRAGMENTS_PER_DATAGRAM)} ${CARD}\r\n`;
      const { frames, cutAt } = ftp(v6, text, (f) => fragments(f, Array<number>(FRAGMENTS_PER_DATAGRAM + 2).fill(8)));
      const r = run(timed(frames), path);
      expect(r.totals['released-by-bound']).toBe(1);
      const n = frames.length - cutAt - 2;
      expect(n).toBeGreaterThan(FRAGMENTS_PER_DATAGRAM);
      expect(r.counters['undecided-fragment']).toBe(n);
      const text2 = inputs(r.out, cutAt, cutAt + n)
        .map((d) => d.toString('latin1'))
        .join('');
      expect(text2).not.toMatch(/\d{4}|xxxx/);
    });

    it('a UDP datagram in fragments: the card number across them masked, the UDP checksum right', async () => {
      const body = Buffer.from(`note=1 card=${CARD} end`);
      const u = udp(5000, 5001, body);
      // a UDP checksum to keep right (over IPv4 a zero one is "none": the frame builder then leaves it)
      u[6] = 0xff;
      const frame = v6 ? eth(ETHERTYPE.IPV6, ipv6(IPPROTO.UDP, u)) : eth(ETHERTYPE.IPV4, ipv4(IPPROTO.UDP, u));
      const frs = fragments(frame, [16, 8]);
      const r = run(timed(frs), path);
      expect(r.out.map((d) => d.input)).toEqual(frs.map((_, i) => i));
      const back = reassembled(r.out.map((d) => d.data));
      expect(back.text).toBe(`note=1 card=${'*'.repeat(CARD.length)} end`);
      expect(back.checks).toBe(true);
      await tsharkClean(
        r.out.map((d) => d.data),
        CARD,
      );
    });

    it('an SCTP DATA chunk in fragments: the card number masked, the CRC32c recomputed over the datagram (tshark)', async () => {
      const text = Buffer.from(`note=1 card=${CARD} end.`);
      const chunk = Buffer.alloc(16 + text.length);
      chunk[0] = 0; // DATA
      chunk[1] = 0x03; // one chunk, beginning and end
      chunk.writeUInt16BE(chunk.length, 2);
      chunk.writeUInt32BE(1, 4); // TSN
      text.copy(chunk, 16);
      const sctp = Buffer.concat([Buffer.from('0b590b59000000010000000000', 'hex').subarray(0, 12), chunk]);
      fixSctpChecksum(sctp, 0, sctp.length);
      const frame = v6 ? eth(ETHERTYPE.IPV6, ipv6(IPPROTO.SCTP, sctp)) : eth(ETHERTYPE.IPV4, ipv4(IPPROTO.SCTP, sctp));
      // the card number across the second and third fragments
      const frs = fragments(frame, [24, 16]);
      const r = run(timed(frs), path);
      expect(r.out.map((d) => d.input)).toEqual(frs.map((_, i) => i));
      const back = sctpReassembled(r.out.map((d) => d.data));
      expect(back.subarray(28).toString('latin1')).toBe(`note=1 card=${'*'.repeat(CARD.length)} end.`);
      expect(sctpChecksumOk(back, 0, back.length)).toBe(true);
      expect(r.counters['undecided-fragment']).toBe(0);
      // the CRC's bytes are not counted masked
      expect(r.totals['bytes-masked']).toBe(CARD.length);
      if (!hasTshark) return;
      const file = join(dir, `s${Math.random().toString(36).slice(2)}.pcap`);
      writeTimedPcap(file, timed(r.out.map((d) => d.data)));
      const out = await tshark([
        '-r',
        file,
        '-o',
        'sctp.checksum:CRC-32C',
        '-T',
        'fields',
        '-e',
        'sctp.checksum.status',
        '-e',
        'sctp.data_payload_proto_id',
        '-Y',
        'sctp',
      ]);
      // 1: good (0 bad, 2 not checked)
      expect(out.trim()).toMatch(/^1\t/);
    });
  });

  it('IPv4 fragments inside VXLAN: reassembled per tunnel, the outer UDP checksum of each fragment kept right', () => {
    const c = new Conversation({ serverPort: 21 });
    const segs: Segment[] = [...c.handshake(), ...c.send(1, '331 password\r\n')];
    const inner = [...segs.map((s) => c.frame(s)), ...fragments(c.frame(c.send(0, 'PASS hunter2\r\n')[0]), [24, 8])];
    const outer = inner.map((f) => {
      const o = eth(ETHERTYPE.IPV4, ipv4(IPPROTO.UDP, udp(41000, 4789, vxlan(7, f)), { src: 'c0a80001' }));
      // an outer UDP checksum to keep right (ipv4() computed it)
      return o;
    });
    const r = run(timed(outer), path);
    const innerAt = ETH + 20 + 8 + 8;
    const got = r.out.slice(segs.length).map((d) => d.data);
    const back = reassembled(
      got.map((d) => d.subarray(innerAt)),
      ETH,
    );
    expect(back.text).toBe('PASS *******\r\n');
    expect(back.checks).toBe(true);
    for (const d of got) expect(l4ChecksumOk(d, ETH, IPPROTO.UDP, ETH + 20, d.length - ETH - 20)).toBe(true);
  });
});
