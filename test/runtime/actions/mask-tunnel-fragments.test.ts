import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ETHERTYPE } from '../../../src/fields/ethertype.js';
import { LINKTYPE } from '../../../src/fields/fields.js';
import { IPPROTO } from '../../../src/fields/ip-proto.js';
import type { PacketPathChoice } from '../../../src/runtime/engine/packet-path-choice.js';
import { requirements, tshark } from '../../support/tools.js';
import { artifactFor } from '../support/artifact.js';
import { eth, gre, ipFragments, ipv4, ipv6, udp, vxlan } from './frames.js';
import { runArtifactFrames } from './mask-run.js';
import { Conversation, type Segment, timed, writeTimedPcap } from './tcp-traffic.js';

/**
 * mask over a tunnel whose outer packet is fragmented (GRE, VXLAN, IP in IP
 * over fragmented IPv4): the outer datagram is reassembled, and as the
 * tunnel inside it is not followed (its inner packet would need searching
 * in its own TCP stream and writing back through two levels of checksums),
 * the datagram is given up: every fragment goes on with its payload masked
 * (`undecided-fragment`). Whatever fragment the secret is in, no byte of it
 * is delivered; tshark, reassembling the outer packets, reads it nowhere.
 */
const dir = mkdtempSync(join(tmpdir(), 'tmesc-mask-tunfrag-'));
const policy = `tap a { source pcap "${dir}/none.pcap" }
group g { tool t { output pcap "${dir}/t.pcap" } mask card-number, credentials }
rule r from a match any to g`;
const CARD = '4111 1111 1111 1111';
const hasTshark = !requirements({ tools: ['tshark'] }).skip;
const ETH = 14;

const TEB = 0x6558;

const OUTER = { src: 'c0a80001' };

/** A UDP datagram whose checksum the frame builder fills in (over IPv4 it leaves a zero one: "none"). */
function checksummed(u: Buffer): Buffer {
  u[6] = 0xff;
  return u;
}

/** An outer IPv4 header's bytes, and an outer IPv6 header's with its fragment header (RFC 8200 4.5). */
const V4 = 20;
const V6 = 40 + 8;

/**
 * Tunnels around an inner Ethernet frame: the outer frame (Ethernet, IPv4
 * from 192.168.0.1 or IPv6), the bytes of outer IP data before the inner TCP
 * payload (tunnel headers, inner IPv4 and TCP headers of 20), and the outer
 * IP header's bytes in a fragment.
 */
const TUNNELS: [string, (inner: Buffer) => Buffer, number, number][] = [
  ['VXLAN', (f) => eth(ETHERTYPE.IPV4, ipv4(IPPROTO.UDP, checksummed(udp(41000, 4789, vxlan(7, f))), OUTER)), 70, V4],
  ['GRE (Ethernet)', (f) => eth(ETHERTYPE.IPV4, ipv4(IPPROTO.GRE, gre(TEB, f), OUTER)), 58, V4],
  ['GRE (IPv4)', (f) => eth(ETHERTYPE.IPV4, ipv4(IPPROTO.GRE, gre(ETHERTYPE.IPV4, f.subarray(ETH)), OUTER)), 44, V4],
  ['IPv4 in IPv4', (f) => eth(ETHERTYPE.IPV4, ipv4(IPPROTO.IPIP, f.subarray(ETH), OUTER)), 40, V4],
  // the outer datagram over IPv6, fragmented by its source (an IPv6 router never fragments): a fragment header
  ['VXLAN over IPv6', (f) => eth(ETHERTYPE.IPV6, ipv6(IPPROTO.UDP, udp(41000, 4789, vxlan(7, f)))), 70, V6],
  ['GRE (Ethernet) over IPv6', (f) => eth(ETHERTYPE.IPV6, ipv6(IPPROTO.GRE, gre(TEB, f))), 58, V6],
  ['IPv4 in IPv6', (f) => eth(ETHERTYPE.IPV6, ipv6(IPPROTO.IPIP, f.subarray(ETH))), 40, V6],
];

/** An outer fragment's data size (a multiple of 8) that cuts the inner payload at about `at`. */
const cut = (head: number, at: number) => Math.floor((head + at) / 8) * 8;

const PATHS: PacketPathChoice[] = ['decoder', 'generated'];

function run(frames: Buffer[], path: PacketPathChoice) {
  const r = runArtifactFrames(artifactFor(dir, policy), timed(frames), LINKTYPE.ETHERNET, path);
  expect(r.path).toBe(path);
  const g = r.groups[0];
  expect(g.delivered).toBe(g.in);
  const out = r.out.get('t')!;
  // what each input frame became, by its index
  const byInput = new Map(out.map((d) => [d.input, d.data]));
  return { out: out.map((d) => d.data), byInput, counters: g.actions.mask, totals: g.actionTotals!.mask };
}

/** Whether any delivered frame, or the frames joined (a secret across two), has `secret` in it. */
function leaks(out: Buffer[], secret: string): boolean {
  return (
    out.some((d) => d.toString('latin1').includes(secret)) || Buffer.concat(out).toString('latin1').includes(secret)
  );
}

/** tshark (reassembling the outer fragments, following the tunnel) reads `secret` nowhere. */
async function tsharkClean(out: Buffer[], secrets: string[], vxlan: boolean): Promise<void> {
  if (!hasTshark) return;
  const file = join(dir, `o${Math.random().toString(36).slice(2)}.pcap`);
  writeTimedPcap(file, timed(out));
  const text = await tshark(['-r', file, '-o', 'tcp.desegment_tcp_streams:TRUE', '-x']);
  const hex = await tshark(['-r', file, '-T', 'fields', '-e', 'tcp.payload', '-e', 'ftp.request.arg']);
  // the checksums, over the reassembled datagram, follow the masks in all its fragments: the outer UDP one (VXLAN's)
  // and the inner TCP one (its headers kept: the inner stream is still read, its payload masked)
  const sums = await tshark([
    '-r',
    file,
    '-o',
    'udp.check_checksum:TRUE',
    '-o',
    'tcp.check_checksum:TRUE',
    '-T',
    'fields',
    '-e',
    'udp.checksum.status',
    '-e',
    'tcp.checksum.status',
    '-E',
    'occurrence=l',
  ]);
  const rows = sums
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.split('\t'));
  expect(rows.filter((r) => r.includes('0'))).toEqual([]);
  // every packet tshark reads TCP in (all but a datagram's first fragments, where it waits for the rest) checked good
  expect(rows.filter((r) => r[1] === '1').length).toBeGreaterThanOrEqual(rows.length - 1);
  if (vxlan) expect(rows.filter((r) => r[0] === '1').length).toBeGreaterThanOrEqual(rows.length - 1);
  for (const s of secrets) {
    expect(hex).not.toContain(Buffer.from(s).toString('hex'));
    expect(hex).not.toContain(s);
    expect(text).not.toContain(s);
  }
}

describe.each(PATHS)('mask over a tunnel in IP fragments, %s path', (path) => {
  describe.each(TUNNELS)('%s', (name, wrap, head, outer) => {
    /** An FTP session in the tunnel to the password; `last` from the client in an outer packet cut at `sizes`. */
    function session(last: string, sizes: number[]): { frames: Buffer[]; at: number } {
      const c = new Conversation({ serverPort: 21 });
      const segs: Segment[] = [...c.handshake(), ...c.send(1, '220 ready\r\n'), ...c.send(0, 'USER bob\r\n')];
      segs.push(...c.send(1, '331 password\r\n'));
      const frames = segs.map((s) => wrap(c.frame(s)));
      const at = frames.length;
      frames.push(...ipFragments(wrap(c.frame(c.send(0, last)[0])), sizes));
      frames.push(wrap(c.frame(c.ack(1))), ...c.send(1, '230 ok\r\n').map((s) => wrap(c.frame(s))));
      return { frames, at };
    }

    it('a password in the second outer fragment: not delivered, the datagram given up', async () => {
      // the first outer fragment ends in the inner TCP header or in "PASS ", the password follows
      const { frames, at } = session('PASS hunter2\r\n', [cut(head, 5)]);
      const r = run(frames, path);
      expect(r.out).toHaveLength(frames.length);
      expect(leaks(r.out, 'hunter2')).toBe(false);
      expect(leaks(r.out, 'hunt')).toBe(false);
      expect(r.counters['undecided-fragment']).toBe(2);
      // the fragments keep their outer headers: they are still fragments of one datagram
      for (let k = at; k < at + 2; k++)
        expect(r.out[k].subarray(0, ETH + outer)).toEqual(frames[k].subarray(0, ETH + outer));
      await tsharkClean(r.out, ['hunter2'], name.startsWith('VXLAN'));
    });

    it('an outer datagram whose last fragment never comes: given up at the end, its fragments masked', () => {
      const { frames, at } = session(`STOR x ${CARD}\r\n`, [cut(head, 14)]);
      frames.splice(at + 1, 1);
      const r = run(frames, path);
      expect(r.out).toHaveLength(frames.length);
      expect(r.counters['undecided-fragment']).toBe(1);
      const got = r.byInput.get(at)!;
      expect(got.toString('latin1')).not.toMatch(/STOR|4111/);
      // its outer header as captured
      expect(got.subarray(0, ETH + outer)).toEqual(frames[at].subarray(0, ETH + outer));
    });

    it('a card number across the outer fragments: no digit of it delivered', async () => {
      const { frames } = session(`STOR x ${CARD}\r\n`, [cut(head, 14)]);
      const r = run(frames, path);
      expect(r.out).toHaveLength(frames.length);
      for (const d of r.out) expect(d.toString('latin1')).not.toMatch(/4111|1111/);
      await tsharkClean(r.out, [CARD], name.startsWith('VXLAN'));
    });
  });
});
