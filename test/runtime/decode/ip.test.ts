import { describe, expect, it } from 'vitest';
import { ABSENT } from '../../../src/fields/fields.js';
import { cat, eth, ext6, frag6, ipv4, ipv6, tcp, udp, zeros } from './build.js';
import { decode, reason } from './helpers.js';

describe('IPv4', () => {
  it('addresses (unsigned), protocol, ttl, dscp, lengths and offsets', () => {
    const v = decode(
      eth(0x0800, ipv4({ src: '203.0.113.200', dst: '255.255.255.255', proto: 17, ttl: 3, tos: 0xb8 }, udp(1, 2, [9]))),
    );
    expect(v.ip4Src).toBe(0xcb0071c8);
    expect(v.ip4Dst).toBe(0xffffffff);
    expect([v.ipProto, v.ttl, v.dscp, v.fragment, v.ipVersion]).toEqual([17, 3, 46, 0, 4]);
    expect([v.ipHdrOffset, v.l3Offset, v.l4Offset, v.ipTotalLen]).toEqual([14, 14, 34, 29]);
    expect([v.payloadOffset, v.payloadLength]).toEqual([42, 1]);
  });

  it('honours IHL: options move the transport header', () => {
    const v = decode(eth(0x0800, ipv4({ proto: 6, options: [0x94, 4, 0, 0] }, tcp(80, 443))));
    expect([v.l4Offset, v.srcPort, v.dstPort]).toEqual([38, 80, 443]);
  });

  it('rejects IHL < 5 and a total length below the header', () => {
    const bad = decode(eth(0x0800, ipv4({ proto: 6, ihl: 4 }, tcp(1, 2))));
    expect(reason(bad)).toBe('bad-ipv4-header-length');
    expect(bad.ip4Src).not.toBe(ABSENT);
    expect(bad.srcPort).toBe(ABSENT);
    const short = decode(eth(0x0800, ipv4({ proto: 6, totalLen: 12 }, tcp(1, 2))));
    expect(reason(short)).toBe('bad-ipv4-total-length');
    expect(short.srcPort).toBe(ABSENT);
  });

  it('fragments: first keeps ports, later ones have none, as in tcpdump', () => {
    const first = decode(eth(0x0800, ipv4({ proto: 17, frag: 0x2000 }, udp(7, 8, zeros(16)))));
    expect([first.fragment, first.srcPort, first.dstPort]).toEqual([1, 7, 8]);
    const later = decode(eth(0x0800, ipv4({ proto: 6, frag: 0x00b9 }, tcp(7, 8))));
    expect([later.fragment, later.ipProto, later.srcPort, later.tcpFlags, later.l4Offset]).toEqual([
      2,
      6,
      ABSENT,
      ABSENT,
      ABSENT,
    ]);
    expect([later.payloadOffset, later.payloadLength]).toEqual([34, 20]);
    const df = decode(eth(0x0800, ipv4({ proto: 17, frag: 0x4000 }, udp(1, 2))));
    expect(df.fragment).toBe(0);
  });

  it('the total length bounds the payload (Ethernet padding is not payload)', () => {
    const frame = cat(eth(0x0800, ipv4({ proto: 17 }, udp(1, 2, [1, 2]))), zeros(14));
    const v = decode(frame);
    expect([v.payloadOffset, v.payloadLength, v.malformed]).toEqual([42, 2, 0]);
  });

  it('a total length past the wire is malformed, past the capture only is a snap cut', () => {
    const pkt = eth(0x0800, ipv4({ proto: 17, totalLen: 100 }, udp(1, 2, [1, 2])));
    expect(reason(decode(pkt))).toBe('bad-ipv4-total-length');
    expect(decode(pkt).dstPort).toBe(2);
    const cut = decode(pkt, 1, pkt.length, 114);
    expect([cut.malformed, cut.payloadLength]).toEqual([0, 2]);
  });

  it('a total length of 0 (TSO capture) means "to the end"', () => {
    const v = decode(eth(0x0800, ipv4({ proto: 17, totalLen: 0 }, udp(1, 2, [1, 2, 3]))));
    expect([v.malformed, v.payloadLength, v.ipTotalLen]).toEqual([0, 3, 0]);
  });

  it('a version other than 4 under ethertype IPv4 is malformed', () => {
    const v = decode(eth(0x0800, ipv6({ next: 59 })));
    expect([reason(v), v.ipVersion, v.etherType, v.l3Offset]).toEqual(['bad-ipv4-version', 0, 0x0800, 14]);
  });
});

describe('IPv6', () => {
  it('addresses as four words, hop limit, dscp from the traffic class', () => {
    const v = decode(
      eth(0x86dd, ipv6({ src: 'fe80::1:2:3:4', dst: 'ff02::1', next: 17, hlim: 255, tclass: 0xb8 }, udp(546, 547))),
    );
    expect([v.ip6Src0, v.ip6Src1, v.ip6Src2, v.ip6Src3]).toEqual([0xfe800000, 0, 0x00010002, 0x00030004]);
    expect([v.ip6Dst0, v.ip6Dst3]).toEqual([0xff020000, 1]);
    expect([v.ttl, v.dscp, v.ipProto, v.fragment, v.ipTotalLen]).toEqual([255, 46, 17, 0, 48]);
    expect([v.srcPort, v.dstPort, v.l4Offset]).toEqual([546, 547, 54]);
    expect(v.ip4Src).toBe(ABSENT);
  });

  it('walks hop-by-hop, routing, destination options, AH and mobility to the final next header', () => {
    const ah = [6, 4, 0, 0, ...zeros(20)]; // (4 + 2) * 4 = 24 bytes
    const chain = cat(ext6(43), ext6(60), ext6(51), ah, tcp(22, 2222, { flags: 0x12 }));
    const v = decode(eth(0x86dd, ipv6({ next: 0 }, chain)));
    expect([v.ipProto, v.srcPort, v.tcpFlags, v.l4Offset]).toEqual([6, 22, 0x12, 14 + 40 + 24 + 24]);
    const mob = decode(eth(0x86dd, ipv6({ next: 135 }, cat(ext6(59), []))));
    expect([mob.ipProto, mob.malformed]).toEqual([59, 0]);
  });

  it('fragment header: first fragment continues, later fragment stops', () => {
    const first = decode(eth(0x86dd, ipv6({ next: 44 }, cat(frag6(17, 0, true), udp(5, 6, zeros(8))))));
    expect([first.fragment, first.ipProto, first.dstPort]).toEqual([1, 17, 6]);
    const later = decode(eth(0x86dd, ipv6({ next: 44 }, cat(frag6(17, 185, false), zeros(16)))));
    expect([later.fragment, later.ipProto, later.dstPort, later.payloadLength]).toEqual([2, 17, ABSENT, 16]);
  });

  it('a cut extension chain is malformed, with ipProto unknown', () => {
    const v = decode(eth(0x86dd, ipv6({ next: 0, payloadLen: 16 }, ext6(43).slice(0, 4))), 1, 58, 70);
    expect([reason(v), v.ipProto]).toEqual(['truncated-ipv6-extension', ABSENT]);
  });

  it('payload length past the wire is malformed; 0 (jumbo/GSO) means "to the end"', () => {
    expect(reason(decode(eth(0x86dd, ipv6({ next: 17, payloadLen: 200 }, udp(1, 2)))))).toBe('bad-ipv6-payload-length');
    const jumbo = decode(eth(0x86dd, ipv6({ next: 17, payloadLen: 0 }, udp(1, 2, [1, 2]))));
    expect([jumbo.malformed, jumbo.payloadLength]).toEqual([0, 2]);
  });

  it('a short header is truncated-ipv6', () => {
    expect(reason(decode(eth(0x86dd, ipv6({ next: 59 }).subarray(0, 39))))).toBe('truncated-ipv6');
  });
});
