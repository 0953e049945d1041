import { describe, expect, it } from 'vitest';
import { ABSENT, LINKTYPE } from '../../../src/fields/fields.js';
import { cat, ipv4, ipv6, mac, mplsEntry, tag, u16, u32, udp, zeros } from './build.js';
import { decode, reason } from './helpers.js';

const v4 = () => ipv4({ proto: 17, src: '10.9.9.9' }, udp(1, 2));
const v6 = () => ipv6({ next: 17 }, udp(3, 4));

describe('Linux cooked capture', () => {
  it('SLL: protocol is the ethertype, Ethernet address is the source', () => {
    const sll = cat(u16(0), u16(1), u16(6), mac('00:11:22:33:44:55'), [0, 0], u16(0x0800), v4());
    const v = decode(sll, LINKTYPE.LINUX_SLL);
    expect([v.outerEtherType, v.etherType, v.ethSrc, v.ethDst]).toEqual([0x0800, 0x0800, 0x001122334455, ABSENT]);
    expect(v.l3Offset).toBe(16);
    expect(v.ip4Src).toBe(0x0a090909);
    expect(v.linkType).toBe(LINKTYPE.LINUX_SLL);
  });

  it('SLL with a VLAN tag left in', () => {
    const sll = cat(u16(0), u16(1), u16(6), zeros(8), u16(0x8100), tag(42, 0x86dd), v6());
    const v = decode(sll, LINKTYPE.LINUX_SLL);
    expect([v.outerEtherType, v.etherType, v.vlan0, v.dstPort]).toEqual([0x8100, 0x86dd, 42, 4]);
  });

  it('SLL2: protocol first, 20-byte header', () => {
    const sll2 = cat(u16(0x86dd), u16(0), u32(3), u16(1), [4, 6], mac('00:11:22:33:44:55'), [0, 0], v6());
    const v = decode(sll2, LINKTYPE.LINUX_SLL2);
    expect([v.etherType, v.ethSrc, v.l3Offset, v.srcPort]).toEqual([0x86dd, 0x001122334455, 20, 3]);
    expect(reason(decode(sll2.subarray(0, 19), LINKTYPE.LINUX_SLL2))).toBe('truncated-sll');
  });
});

describe('BSD loopback', () => {
  it('NULL reads the family in either byte order', () => {
    expect(decode(cat([2, 0, 0, 0], v4()), LINKTYPE.NULL).etherType).toBe(0x0800);
    expect(decode(cat([0, 0, 0, 2], v4()), LINKTYPE.NULL).ip4Src).toBe(0x0a090909);
    for (const af of [24, 28, 30]) {
      expect(decode(cat([af, 0, 0, 0], v6()), LINKTYPE.NULL).etherType).toBe(0x86dd);
      expect(decode(cat([0, 0, 0, af], v6()), LINKTYPE.NULL).ipVersion).toBe(6);
    }
  });

  it('LOOP is network order; unknown families decode nothing', () => {
    const v = decode(cat([0, 0, 0, 2], v4()), LINKTYPE.LOOP);
    expect([v.etherType, v.l2Offset, v.l3Offset]).toEqual([0x0800, 0, 4]);
    const other = decode(cat([0, 0, 0, 7], v4()), LINKTYPE.LOOP);
    expect([other.etherType, other.ipVersion, other.malformed]).toEqual([ABSENT, 0, 0]);
    expect(reason(decode(new Uint8Array([2, 0]), LINKTYPE.NULL))).toBe('truncated-null');
  });
});

describe('PPP', () => {
  it('with and without HDLC-like address/control, with a compressed protocol', () => {
    for (const frame of [cat([0xff, 0x03], u16(0x21), v4()), cat(u16(0x21), v4()), cat([0x21], v4())]) {
      const v = decode(frame, LINKTYPE.PPP);
      expect([v.etherType, v.ipVersion, v.dstPort, v.outerEtherType]).toEqual([0x0800, 4, 2, ABSENT]);
    }
    expect(decode(cat([0xff, 0x03], u16(0x57), v6()), LINKTYPE.PPP).etherType).toBe(0x86dd);
  });

  it('MPLS over PPP and non-IP protocols', () => {
    const v = decode(cat([0xff, 0x03], u16(0x0281), mplsEntry(100, true), v4()), LINKTYPE.PPP);
    expect([v.mplsCount, v.mpls0, v.etherType]).toEqual([1, 100, 0x0800]);
    const lcp = decode(cat([0xff, 0x03], u16(0xc021), [1, 1, 0, 4]), LINKTYPE.PPP);
    expect([lcp.etherType, lcp.ipVersion, lcp.malformed]).toEqual([ABSENT, 0, 0]);
    expect(reason(decode(new Uint8Array([0xff, 0x03, 0x00]), LINKTYPE.PPP))).toBe('truncated-ppp');
  });

  it('PPP in HDLC framing (50) and Cisco HDLC (104)', () => {
    expect(decode(cat([0xff, 0x03], u16(0x21), v4()), 50).ip4Src).toBe(0x0a090909);
    expect(decode(cat([0x0f, 0x00], u16(0x0800), v4()), 50).etherType).toBe(0x0800);
    expect(decode(cat([0x8f, 0x00], u16(0x86dd), v6()), 104).ipVersion).toBe(6);
    const slarp = decode(cat([0x8f, 0x00], u16(0x8035), zeros(20)), 104);
    expect([slarp.etherType, slarp.ip4Src]).toEqual([0x8035, ABSENT]);
  });
});

describe('raw IP', () => {
  it('LINKTYPE_RAW (and DLT_RAW 12/14) go by the version nibble', () => {
    for (const lt of [LINKTYPE.RAW, 12, 14]) {
      expect(decode(v4(), lt).etherType).toBe(0x0800);
      expect(decode(v6(), lt).etherType).toBe(0x86dd);
    }
    const v = decode(v4(), LINKTYPE.RAW);
    expect([v.l2Offset, v.l3Offset, v.outerEtherType, v.vlanCount]).toEqual([ABSENT, 0, ABSENT, 0]);
    expect(reason(decode(new Uint8Array([0x50, 0]), LINKTYPE.RAW))).toBe('bad-ip-version');
    expect(reason(decode(new Uint8Array(0), LINKTYPE.RAW))).toBe('truncated-ip');
  });

  it('LINKTYPE_IPV4/IPV6 fix the version: the other one is malformed', () => {
    expect(decode(v4(), LINKTYPE.IPV4).ipVersion).toBe(4);
    expect(decode(v6(), LINKTYPE.IPV6).ipVersion).toBe(6);
    const wrong = decode(v6(), LINKTYPE.IPV4);
    expect([wrong.etherType, wrong.ipVersion, reason(wrong)]).toEqual([0x0800, 0, 'bad-ipv4-version']);
    expect(reason(decode(v4(), LINKTYPE.IPV6))).toBe('bad-ipv6-version');
  });
});

describe('link type handling', () => {
  it('unknown link types decode nothing but are not malformed', () => {
    const v = decode(v4(), 127, 28, 100);
    expect([v.linkType, v.wireLen, v.etherType, v.malformed, v.tunnel]).toEqual([127, 100, ABSENT, 0, 0]);
  });

  it('the pcap FCS bits above the link type are ignored', () => {
    expect(decode(v4(), 0x30000000 | LINKTYPE.RAW).linkType).toBe(LINKTYPE.RAW);
  });
});
