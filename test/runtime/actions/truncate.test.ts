import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ETHERTYPE } from '../../../src/fields/ethertype.js';
import { IPPROTO } from '../../../src/fields/ip-proto.js';
import { generate } from '../../../src/gen/index.js';
import { CORPUS_DIR, HAVE_CORPUS } from '../../support/corpus.js';
import { requirements } from '../../support/tools.js';
import { eth, hex, ipv4, payload, tcp, udp, writePcap } from './frames.js';
import { editcap, type Packet, readPackets, runPolicy, tsharkText } from './support.js';

const dir = mkdtempSync(join(tmpdir(), 'tmesc-truncate-'));
const mix = join(dir, 'mix.pcap');
generate({
  output: mix,
  packets: 600,
  seed: 5,
  encap: { vlan: 0.15, mpls: 0.1, gre: 0.1, vxlan: 0.1, gtpu: 0.1 },
});
/** Captures whose transport headers tmesc's decoder and tshark find alike. */
const captures = [
  mix,
  ...(HAVE_CORPUS
    ? [
        'vxlan-encapsulated-http.pcap',
        'gtp1_gn_normal_incl_fragmentation.pcap',
        'pppoe-session-http.pcap',
        'afs.pcap',
      ].map((f) => join(CORPUS_DIR, f))
    : []),
];

async function truncated(
  input: string,
  what: string,
  n: number,
): Promise<{ out: Packet[]; counts: Record<string, number> }> {
  const file = join(dir, `out-${what}-${n}-${Math.random().toString(36).slice(2)}.pcap`);
  const { stats } = await runPolicy(
    dir,
    `tap a { source file "${input}" }
group g { tool t { output pcap "${file}" } truncate ${what} ${n} }
rule r from a match any to g`,
  );
  return { out: readPackets(file), counts: stats.groups[0].actions.truncate };
}

function sameAs(out: Packet[], expected: Packet[], label: string): void {
  expect(out.length, label).toBe(expected.length);
  for (let i = 0; i < out.length; i++) {
    expect(out[i].data.equals(expected[i].data), `${label} #${i + 1}: bytes`).toBe(true);
    expect(out[i].wireLen, `${label} #${i + 1}: original length`).toBe(expected[i].wireLen);
  }
}

/**
 * Where tshark says each frame's innermost TCP or UDP header ends, from the
 * positions in its PDML; -1 for frames without one, for ICMP errors (the
 * quoted UDP header is no transport header of the frame) and for IP
 * fragments (tshark's reassembled datagram has positions of its own).
 */
async function headerEnds(file: string): Promise<number[]> {
  const pdml = await tsharkText(['-r', file, '-T', 'pdml']);
  return pdml
    .split('<packet>')
    .slice(1)
    .map((p) => {
      if (
        /<proto name="icmpv?6?"/.test(p) ||
        /ip\.flags\.mf" [^>]*show="1"|ip\.frag_offset" [^>]*show="[1-9]|ipv6\.fraghdr/.test(p)
      )
        return -1;
      let end = -1;
      for (const m of p.matchAll(/<proto name="(tcp|udp)"[^>]*?size="(\d+)" pos="(\d+)"/g))
        end = Number(m[3]) + Number(m[2]);
      return end;
    });
}

const need = requirements({ tools: ['editcap', 'tshark'] });

describe.skipIf(need.skip)(`truncate against editcap -s${need.note}`, () => {
  it.for(captures.flatMap((c) => [14, 64, 100].map((n) => [c, n] as const)))(
    'truncate frame %s %i equals editcap -s',
    async ([input, n]) => {
      const { out, counts } = await truncated(input, 'frame', n);
      const ref = join(dir, `editcap-${n}-${Math.random().toString(36).slice(2)}.pcap`);
      await editcap(['-s', String(n), input, ref]);
      const expected = readPackets(ref);
      sameAs(out, expected, `${input} frame ${n}`);
      expect(counts.cut).toBe(readPackets(input).filter((p) => p.data.length > n).length);
      expect(counts.cut + counts['short-enough']).toBe(out.length);
    },
  );

  describe.each(captures)('truncate payload N on %s: editcap -s (header length + N), packet by packet', (input) => {
    let ends: number[] = [];
    let original: Packet[] = [];
    beforeAll(async () => {
      ends = await headerEnds(input);
      original = readPackets(input);
    });
    it.for([0, 10, 200])('payload %i', async (n) => {
      const { out } = await truncated(input, 'payload', n);
      expect(out).toHaveLength(original.length);
      // editcap once per snap length, on the frames that get it
      const bySnap = new Map<number, number[]>();
      ends.forEach((end, i) => {
        if (end < 0) return;
        const list = bySnap.get(end + n) ?? [];
        list.push(i + 1);
        bySnap.set(end + n, list);
      });
      let checked = 0;
      for (const [snap, frames] of bySnap) {
        const ref = join(dir, `p-${snap}-${Math.random().toString(36).slice(2)}.pcap`);
        await editcap(['-r', '-s', String(snap), input, ref, ...frames.map(String)]);
        const expected = readPackets(ref);
        sameAs(
          frames.map((f) => out[f - 1]),
          expected,
          `${input} payload ${n}, frames cut at ${snap}`,
        );
        checked += frames.length;
      }
      expect(checked).toBeGreaterThan(0);
    });
  });
});

/** A link type tmesc does not decode (tcpdump.org's LINKTYPE_NFLOG). */
const LINKTYPE_NFLOG = 239;

describe('truncate payload: what has no transport payload', () => {
  it('keeps the ICMP header, the IP header of protocols it does not decode, and non-IP frames whole', async () => {
    const icmp = Buffer.concat([Buffer.from([8, 0, 0, 0, 0, 1, 0, 1]), payload(56)]);
    const ospf = payload(44);
    const arp = Buffer.concat([Buffer.from('0001080006040001', 'hex'), payload(20)]);
    const tcpSegment = eth(ETHERTYPE.IPV4, ipv4(IPPROTO.TCP, tcp(1, 2, payload(100))));
    const frames = [
      eth(ETHERTYPE.IPV4, ipv4(IPPROTO.ICMP, icmp)),
      eth(ETHERTYPE.IPV4, ipv4(IPPROTO.OSPF, ospf)),
      eth(ETHERTYPE.ARP, arp),
      tcpSegment,
      // shorter than the headers plus N: left alone
      eth(ETHERTYPE.IPV4, ipv4(IPPROTO.UDP, udp(1, 2, payload(2)))),
    ];
    const input = join(dir, 'kinds.pcap');
    writePcap(input, 1, frames);
    const { out, counts } = await truncated(input, 'payload', 4);
    expect(out.map((p) => p.data.length)).toEqual([14 + 20 + 8 + 4, 14 + 20 + 4, frames[2].length, 14 + 40 + 4, 44]);
    expect(out.map((p) => p.wireLen)).toEqual(frames.map((f) => f.length));
    expect(out[3].data.equals(tcpSegment.subarray(0, 58))).toBe(true);
    expect(counts).toEqual({ cut: 3, 'short-enough': 1, 'no-payload': 1, 'unknown-link-type': 0 });
  });

  it('a link type tmesc does not decode passes whole, counted apart from frames without IP', async () => {
    // NFLOG: an IPv4/UDP packet behind TLVs tmesc does not read, so no header to cut after
    const nflog = Buffer.concat([hex('02 00 00 00'), hex('0800 0900'), ipv4(IPPROTO.UDP, udp(1, 2, payload(40)))]);
    const input = join(dir, 'nflog.pcap');
    writePcap(input, LINKTYPE_NFLOG, [nflog]);
    const { out, counts } = await truncated(input, 'payload', 0);
    expect(out[0].data.equals(nflog)).toBe(true);
    expect(Object.fromEntries(Object.entries(counts).filter(([, v]) => v > 0))).toEqual({ 'unknown-link-type': 1 });
  });
});
