import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ETHERTYPE } from '../../../src/fields/ethertype.js';
import { LINKTYPE } from '../../../src/fields/fields.js';
import { IPPROTO } from '../../../src/fields/ip-proto.js';
import { PPP_PROTO } from '../../../src/fields/ppp.js';
import { fixIpv4HeaderChecksum } from '../../../src/runtime/actions/checksum.js';
import { stripConfig } from '../../../src/runtime/actions/strip.js';
import { requirements } from '../../support/tools.js';
import {
  eth,
  ethTagged,
  etag,
  gre,
  hex,
  ipv4,
  ipv6,
  MAC_A,
  mpls,
  payload,
  pppoe,
  qinq,
  sll,
  tcp,
  udp,
  vlan,
  vntag,
  vxlan,
  writePcap,
} from './frames.js';
import { badChecksums, type Packet, readPackets, runPolicy, tsharkFields } from './support.js';

const dir = mkdtempSync(join(tmpdir(), 'tmesc-strip-golden-'));
let n = 0;

/** Runs `strip TARGETS` over the frames (one group) and returns what the tool got and the strip counters. */
async function strip(
  targets: string,
  frames: (Buffer | { data: Buffer; wireLen: number })[],
  linkType: number = LINKTYPE.ETHERNET,
): Promise<{ out: Packet[]; counts: Record<string, number>; dropped: Record<string, number>; file: string }> {
  const id = n++;
  const input = join(dir, `in${id}.pcap`);
  const file = join(dir, `out${id}.pcap`);
  writePcap(input, linkType, frames);
  const { stats } = await runPolicy(
    dir,
    `tap a { source pcap "${input}" }
group g { tool t { output pcap "${file}" } strip ${targets} }
rule r from a match any to g`,
  );
  const g = stats.groups[0];
  return { out: readPackets(file), counts: nonZero(g.actions.strip), dropped: nonZero(g.dropped), file };
}

/** A dummy Ethernet header's addresses. */
const ZERO = Buffer.alloc(6);

const u16 = (v: number) => Buffer.from([v >>> 8, v & 0xff]);
const nonZero = (c: Record<string, number>) => Object.fromEntries(Object.entries(c).filter(([, v]) => v > 0));

const inner4 = ipv4(IPPROTO.TCP, tcp(1234, 80, payload(40)), { src: '0a010101', dst: '0a010102' });
const inner6 = ipv6(IPPROTO.UDP, udp(5000, 5001, payload(30)));

describe('strip: byte-level cases', () => {
  it('vlan removes every tag the frame arrived with (802.1Q, QinQ)', async () => {
    const ip = ipv4(IPPROTO.UDP, udp(1, 2, payload(20)));
    const r = await strip('vlan', [
      ethTagged([vlan(10)], ETHERTYPE.IPV4, ip),
      ethTagged([qinq(100), vlan(20)], ETHERTYPE.IPV6, inner6),
      eth(ETHERTYPE.IPV4, ip),
    ]);
    expect(r.out[0].data).toEqual(eth(ETHERTYPE.IPV4, ip));
    expect(r.out[0].wireLen).toBe(r.out[0].data.length);
    expect(r.out[1].data).toEqual(eth(ETHERTYPE.IPV6, inner6));
    expect(r.out[2].data).toEqual(eth(ETHERTYPE.IPV4, ip));
    expect(r.counts).toEqual({ stripped: 2, 'nothing-to-strip': 1 });
  });

  it('vxlan: the inner frame becomes the frame, its own tags kept unless vlan is listed too', async () => {
    const innerFrame = ethTagged([vlan(7)], ETHERTYPE.IPV4, inner4);
    const outer = ethTagged([vlan(300)], ETHERTYPE.IPV4, ipv4(IPPROTO.UDP, udp(49152, 4789, vxlan(42, innerFrame))));
    const a = await strip('vxlan', [outer]);
    expect(a.out[0].data).toEqual(innerFrame);
    expect(a.counts).toEqual({ stripped: 1 });
    const b = await strip('vxlan, vlan', [outer]);
    expect(b.out[0].data).toEqual(eth(ETHERTYPE.IPV4, inner4));
  });

  it('gre carrying IP: the inner packet on the frame own addresses, the EtherType from its version', async () => {
    const outer = ethTagged([vlan(5)], ETHERTYPE.IPV4, ipv4(IPPROTO.GRE, gre(ETHERTYPE.IPV6, inner6)));
    const a = await strip('gre', [outer]);
    expect(a.out[0].data).toEqual(ethTagged([vlan(5)], ETHERTYPE.IPV6, inner6));
    const b = await strip('gre, vlan', [outer]);
    expect(b.out[0].data).toEqual(eth(ETHERTYPE.IPV6, inner6));
  });

  it('gre carrying MPLS (RFC 4023): the label stack goes with the GRE header, the packet under it on the frame', async () => {
    const pseudowire = mpls([16], Buffer.concat([hex('00000000'), eth(ETHERTYPE.ARP, payload(28))]));
    const frames = [
      eth(ETHERTYPE.IPV4, ipv4(IPPROTO.GRE, gre(ETHERTYPE.MPLS, mpls([100, 200], inner4)))),
      eth(ETHERTYPE.IPV6, ipv6(IPPROTO.GRE, gre(ETHERTYPE.MPLS_MULTICAST, mpls([300], inner6)))),
      // a pseudowire under the labels: no packet to hand over
      eth(ETHERTYPE.IPV4, ipv4(IPPROTO.GRE, gre(ETHERTYPE.MPLS, pseudowire))),
    ];
    const r = await strip('gre', frames);
    expect(r.out.map((p) => p.data)).toEqual([eth(ETHERTYPE.IPV4, inner4), eth(ETHERTYPE.IPV6, inner6), frames[2]]);
    expect(r.counts).toEqual({ stripped: 2, 'no-inner-packet': 1 });
  });

  it('PPPoE with 6to4 inside: each part on its own, the PPP protocol and PPPoE length following', async () => {
    const sixToFour = ipv6(IPPROTO.TCP, tcp(1, 2, payload(12)));
    // a 2002::/16 source makes it 6to4
    hex('20020a000001').copy(sixToFour, 8);
    const carrier = ipv4(IPPROTO.IPV6, sixToFour);
    const frame = eth(ETHERTYPE.PPPOE_SESSION, pppoe(7, PPP_PROTO.IPV4, carrier));
    const a = await strip('6to4', [frame]);
    expect(a.out[0].data).toEqual(eth(ETHERTYPE.PPPOE_SESSION, pppoe(7, PPP_PROTO.IPV6, sixToFour)));
    const b = await strip('pppoe', [frame]);
    expect(b.out[0].data).toEqual(eth(ETHERTYPE.IPV4, carrier));
    const c = await strip('all', [frame]);
    expect(c.out[0].data).toEqual(eth(ETHERTYPE.IPV6, sixToFour));
    // 6in4 covers 6to4: the same encapsulation
    const d = await strip('6in4', [frame]);
    expect(d.out[0].data).toEqual(a.out[0].data);
  });

  it('mpls removes the label stack; a stack over something not IP stays, counted', async () => {
    const ip = ipv4(IPPROTO.UDP, udp(1, 2, payload(8)));
    const pseudowire = mpls([16, 17], Buffer.concat([hex('00000000'), eth(ETHERTYPE.ARP, payload(28))]));
    const r = await strip('mpls', [eth(ETHERTYPE.MPLS, mpls([100, 200], ip)), eth(ETHERTYPE.MPLS, pseudowire)]);
    expect(r.out[0].data).toEqual(eth(ETHERTYPE.IPV4, ip));
    expect(r.out[1].data).toEqual(eth(ETHERTYPE.MPLS, pseudowire));
    expect(r.counts).toEqual({ stripped: 1, 'not-ip-payload': 1 });
  });

  it('frames without an Ethernet header get a dummy one: raw IP, Linux cooked (sender address kept)', async () => {
    const raw = await strip('vlan', [inner4, inner6], LINKTYPE.RAW);
    expect(raw.out.map((p) => p.linkType)).toEqual([LINKTYPE.ETHERNET, LINKTYPE.ETHERNET]);
    expect(raw.out[0].data).toEqual(eth(ETHERTYPE.IPV4, inner4, Buffer.alloc(6), Buffer.alloc(6)));
    expect(raw.out[1].data).toEqual(eth(ETHERTYPE.IPV6, inner6, Buffer.alloc(6), Buffer.alloc(6)));
    expect(raw.out[0].wireLen).toBe(inner4.length + 14);
    expect(raw.counts).toEqual({ 'ethernet-added': 2 });
    const cooked = await strip('gre', [sll(ETHERTYPE.IPV6, inner6)], LINKTYPE.LINUX_SLL);
    expect(cooked.out[0].data).toEqual(eth(ETHERTYPE.IPV6, inner6, Buffer.alloc(6), MAC_A));
  });

  it('VN-Tag and E-Tag, which hide the rest of the frame from the decoder, go first', async () => {
    const inner = ipv4(IPPROTO.GRE, gre(ETHERTYPE.IPV4, inner4));
    const tagged = ethTagged([vntag()], ETHERTYPE.IPV4, inner);
    const a = await strip('vntag, gre', [tagged]);
    expect(a.out[0].data).toEqual(eth(ETHERTYPE.IPV4, inner4));
    // without vntag the GRE behind the tag is out of sight, as it is for tcpdump
    const b = await strip('gre', [tagged]);
    expect(b.out[0].data).toEqual(tagged);
    expect(b.counts).toEqual({ 'nothing-to-strip': 1 });
    const eTagged = ethTagged([etag(), vlan(9)], ETHERTYPE.IPV4, inner4);
    const c = await strip('etag', [eTagged]);
    expect(c.out[0].data).toEqual(ethTagged([vlan(9)], ETHERTYPE.IPV4, inner4));
    const d = await strip('all', [eTagged]);
    expect(d.out[0].data).toEqual(eth(ETHERTYPE.IPV4, inner4));
  });

  it('peels from the outside in: a listed tunnel inside a kept one stays, and is counted', async () => {
    const innerFrame = eth(ETHERTYPE.IPV4, inner4);
    const vx = ipv4(IPPROTO.UDP, udp(40000, 4789, vxlan(1, innerFrame)), { src: '0a090901' });
    const frame = eth(ETHERTYPE.IPV4, ipv4(IPPROTO.GRE, gre(ETHERTYPE.IPV4, vx)));
    const a = await strip('vxlan', [frame]);
    expect(a.out[0].data).toEqual(frame);
    expect(a.counts).toEqual({ 'inside-kept-tunnel': 1 });
    const b = await strip('gre', [frame]);
    expect(b.out[0].data).toEqual(eth(ETHERTYPE.IPV4, vx));
    const c = await strip('gre, vxlan', [frame]);
    expect(c.out[0].data).toEqual(innerFrame);
    const d = await strip('tunnels', [frame]);
    expect(d.out[0].data).toEqual(innerFrame);
  });

  it('IP fragments of a tunnel are not reassembled: delivered as they came, counted', async () => {
    const first = ipv4(IPPROTO.GRE, gre(ETHERTYPE.IPV4, inner4), { flags: 0x2000 });
    const frame = eth(ETHERTYPE.IPV4, first);
    const r = await strip('gre', [frame]);
    expect(r.out[0].data).toEqual(frame);
    expect(r.counts).toEqual({ fragmented: 1 });
  });

  it('a capture cut short keeps saying how long the packet was, minus what strip removed', async () => {
    const innerFrame = eth(ETHERTYPE.IPV4, ipv4(IPPROTO.UDP, udp(1, 2, payload(400))));
    const frame = eth(ETHERTYPE.IPV4, ipv4(IPPROTO.UDP, udp(40000, 4789, vxlan(1, innerFrame))));
    const r = await strip('vxlan', [{ data: frame.subarray(0, 128), wireLen: frame.length }]);
    expect(r.out[0].data).toEqual(innerFrame.subarray(0, 128 - 50));
    expect(r.out[0].wireLen).toBe(innerFrame.length);
  });

  it('a header whose length lies about what it carries is malformed: delivered unchanged, counted', async () => {
    // lengths tshark calls malformed: strip must not cut the packet inside where the lying field says
    const ipShort = ipv4(IPPROTO.GRE, gre(ETHERTYPE.IPV4, inner4));
    ipShort.writeUInt16BE(30, 2); // the outer IP packet ends 6 bytes into the inner header
    ipShort.writeUInt16BE(0, 10);
    fixIpv4HeaderChecksum(ipShort, 0);
    const udpShort = ipv4(IPPROTO.UDP, udp(40000, 4789, vxlan(1, eth(ETHERTYPE.IPV4, inner4))));
    udpShort.writeUInt16BE(12, 24); // UDP length: 4 bytes of VXLAN
    const gtpLong = ipv4(IPPROTO.UDP, udp(2152, 2152, Buffer.concat([hex('30ff 07d0 0000 0001'), inner4])));
    const pppoeShort = pppoe(1, PPP_PROTO.IPV4, inner4);
    pppoeShort.writeUInt16BE(4, 4); // PPP protocol and 2 bytes of the IP header
    const innerLong = ipv4(IPPROTO.IPIP, inner4);
    innerLong.writeUInt16BE(innerLong.length - 8, 2); // the carrier ends 8 bytes before the packet inside says
    innerLong.writeUInt16BE(0, 10);
    fixIpv4HeaderChecksum(innerLong, 0);
    const frames = [
      eth(ETHERTYPE.IPV4, ipShort),
      eth(ETHERTYPE.IPV4, udpShort),
      eth(ETHERTYPE.IPV4, gtpLong),
      eth(ETHERTYPE.PPPOE_SESSION, pppoeShort),
      eth(ETHERTYPE.IPV4, innerLong),
    ];
    const r = await strip('all', frames);
    expect(r.out.map((p) => p.data)).toEqual(frames);
    expect(r.counts).toEqual({ malformed: frames.length });
    // where the lengths agree, the same tunnels go
    const good = [
      eth(ETHERTYPE.IPV4, ipv4(IPPROTO.GRE, gre(ETHERTYPE.IPV4, inner4))),
      eth(ETHERTYPE.IPV4, ipv4(IPPROTO.UDP, udp(40000, 4789, vxlan(1, eth(ETHERTYPE.IPV4, inner4))))),
      eth(
        ETHERTYPE.IPV4,
        ipv4(IPPROTO.UDP, udp(2152, 2152, Buffer.concat([hex('30ff'), u16(inner4.length), hex('0000 0001'), inner4]))),
      ),
      eth(ETHERTYPE.PPPOE_SESSION, pppoe(1, PPP_PROTO.IPV4, inner4)),
    ];
    expect((await strip('all', good)).counts).toEqual({ stripped: good.length });
  });

  it('a raw IP packet strip cannot peel still goes on Ethernet: a pcap output keeps it', async () => {
    // the tunnel's inner Ethernet header cut short by the capture: delivered unstripped, on the dummy header the
    // group's output (Ethernet) needs, not refused as a packet no EtherType names
    const packet = ipv4(IPPROTO.UDP, udp(40000, 4789, vxlan(1, eth(ETHERTYPE.IPV4, inner4))));
    const cut = packet.subarray(0, 20 + 8 + 8 + 10);
    const r = await strip('vxlan', [{ data: cut, wireLen: packet.length }], LINKTYPE.RAW);
    expect(r.out.map((p) => p.data)).toEqual([Buffer.concat([ZERO, ZERO, u16(ETHERTYPE.IPV4), cut])]);
    expect(r.out[0].wireLen).toBe(packet.length + 14);
    expect(r.counts).toEqual({ malformed: 1 });
    expect(r.dropped).toEqual({});
  });

  it('what strip cannot name passes unchanged, counted; a pcap output, Ethernet from the start, refuses it', async () => {
    // a stripping group's output is Ethernet (a pcap file says so in its header, whatever packet comes first):
    // PPP control has no EtherType to go on Ethernet with, so the pcap file refuses it (pcapng keeps it as PPP)
    const lcp = hex('ff03 c021 0101 0004');
    const ip = Buffer.concat([hex('ff03 0021'), ipv4(IPPROTO.UDP, udp(1, 2, payload(1)))]);
    const r = await strip('all', [lcp, ip], LINKTYPE.PPP);
    expect(r.out.map((p) => p.linkType)).toEqual([LINKTYPE.ETHERNET]);
    expect(r.out[0].data).toEqual(eth(ETHERTYPE.IPV4, ipv4(IPPROTO.UDP, udp(1, 2, payload(1))), ZERO, ZERO));
    expect(r.counts).toEqual({ 'not-ip-payload': 1, 'ethernet-added': 1 });
    expect(r.dropped).toEqual({ 'link-type-mismatch': 1 });
  });

  it('a Cisco HDLC frame goes on Ethernet with its protocol field as EtherType (SLARP first, CDP, IP)', async () => {
    const slarp = Buffer.concat([hex('8f 00 80 35'), Buffer.alloc(18, 1)]);
    const cdp = Buffer.concat([hex('8f 00 20 00'), hex('02 b4 0000 0001 0006 6869')]);
    const ip = ipv4(IPPROTO.UDP, udp(1, 2, payload(1)));
    const r = await strip('all', [slarp, Buffer.concat([hex('0f 00 08 00'), ip]), cdp], LINKTYPE.C_HDLC);
    expect(r.out.map((p) => p.data)).toEqual([
      eth(ETHERTYPE.RARP, slarp.subarray(4), ZERO, ZERO),
      eth(ETHERTYPE.IPV4, ip, ZERO, ZERO),
      eth(0x2000, cdp.subarray(4), ZERO, ZERO),
    ]);
    expect(r.counts).toEqual({ 'ethernet-added': 3 });
    expect(r.dropped).toEqual({});
  });

  it('a PPP frame whose protocol has an EtherType (IPX, AppleTalk, DECnet) goes on Ethernet with it', async () => {
    const body = payload(12);
    const frames = [0x002b, 0x0029, 0x0027].map((proto) =>
      Buffer.concat([hex('ff03'), Buffer.from([proto >> 8, proto & 0xff]), body]),
    );
    const r = await strip('all', frames, LINKTYPE.PPP);
    expect(r.out.map((p) => p.data)).toEqual(
      [ETHERTYPE.IPX, ETHERTYPE.ATALK, ETHERTYPE.DECNET].map((t) => eth(t, body, ZERO, ZERO)),
    );
    expect(r.counts).toEqual({ 'ethernet-added': 3 });
  });

  it('a tunnel message without a packet inside (GTP echo) passes, counted', async () => {
    const echo = hex('32 01 0004 00000000 0001 0000');
    const frame = eth(ETHERTYPE.IPV4, ipv4(IPPROTO.UDP, udp(2152, 2152, echo)));
    const r = await strip('gtp', [frame]);
    expect(r.out[0].data).toEqual(frame);
    expect(r.counts).toEqual({ 'no-inner-packet': 1 });
  });

  it('a target this runtime does not know is refused, not ignored', () => {
    expect(() => stripConfig(['vlan', 'ipx'], 'rec')).toThrow(/strip target 'ipx'/);
    expect(stripConfig(['all'])).toMatchObject({ vlan: true, mpls: true, pppoe: true, vntag: true, etag: true });
    expect(stripConfig(['tunnels'])).toMatchObject({ vlan: false });
  });
});

const tshark = requirements({ tools: ['tshark'] });

describe.skipIf(tshark.skip)(`strip: tshark reads the output${tshark.note}`, () => {
  it('dissects each stripped frame as the packet inside, with valid checksums', async () => {
    const innerFrame = eth(ETHERTYPE.IPV4, inner4);
    const frames = [
      ethTagged([vlan(3)], ETHERTYPE.IPV4, ipv4(IPPROTO.UDP, udp(40000, 4789, vxlan(9, innerFrame)))),
      eth(ETHERTYPE.IPV4, ipv4(IPPROTO.GRE, gre(ETHERTYPE.IPV6, inner6))),
      eth(ETHERTYPE.PPPOE_SESSION, pppoe(1, PPP_PROTO.IPV4, inner4)),
      eth(ETHERTYPE.MPLS, mpls([16], inner6)),
    ];
    const r = await strip('all', frames);
    const rows = await tsharkFields(r.file, ['frame.protocols', '_ws.malformed', '_ws.expert.severity']);
    expect(rows.map((x) => x[0].split(':').slice(0, 4).join(':'))).toEqual([
      'eth:ethertype:ip:tcp',
      'eth:ethertype:ipv6:udp',
      'eth:ethertype:ip:tcp',
      'eth:ethertype:ipv6:udp',
    ]);
    expect(rows.map((x) => x[1])).toEqual(['', '', '', '']);
    expect(await badChecksums(r.file)).toBe(0);
  });
});
