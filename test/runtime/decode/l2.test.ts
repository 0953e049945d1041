import { describe, expect, it } from 'vitest';
import { ABSENT } from '../../../src/fields/fields.js';
import { cat, eth, ip4, ipv4, ipv6, mac, MAC_A, mplsEntry, tag, u16, udp, zeros } from './build.js';
import { decode, reason } from './helpers.js';

const ipUdp = () => ipv4({ proto: 17 }, udp(5000, 53, [1, 2, 3]));

describe('Ethernet', () => {
  it('reads MACs as 48-bit numbers, the multicast bit, and both ethertypes', () => {
    const v = decode(eth(0x0800, ipUdp(), 'ff:ff:ff:ff:ff:ff', 'fe:dc:ba:98:76:54'));
    expect(v.ethDst).toBe(0xffffffffffff);
    expect(v.ethSrc).toBe(0xfedcba987654);
    expect(v.ethMulticast).toBe(1);
    expect(v.outerEtherType).toBe(0x0800);
    expect(v.etherType).toBe(0x0800);
    expect(v.l2Offset).toBe(0);
    expect(v.l3Offset).toBe(14);
    expect(v.vlanCount).toBe(0);
    expect(v.mplsCount).toBe(0);
    expect(v.tunnel).toBe(0);
    expect(decode(eth(0x0800, ipUdp(), MAC_A)).ethMulticast).toBe(0);
  });

  it('keeps an 802.3 length in etherType so "llc" stays expressible', () => {
    const v = decode(eth(38, [0x42, 0x42, 0x03, ...zeros(35)]));
    expect(v.outerEtherType).toBe(38);
    expect(v.etherType).toBe(38);
    expect(v.ipVersion).toBe(0);
    expect(v.malformed).toBe(0);
  });

  it('flags a runt and keeps what it had', () => {
    const v = decode(new Uint8Array(mac('01:00:5e:00:00:01').concat([1, 2, 3])));
    expect(reason(v)).toBe('truncated-ethernet');
    expect(v.ethDst).toBe(0x01005e000001);
    expect(v.ethSrc).toBe(ABSENT);
    expect(v.outerEtherType).toBe(ABSENT);
  });
});

describe('VLAN', () => {
  it('802.1Q: id, priority, and etherType after the tag', () => {
    const v = decode(eth(0x8100, cat(tag(100, 0x0800, 5), ipUdp())));
    expect(v.outerEtherType).toBe(0x8100);
    expect(v.etherType).toBe(0x0800);
    expect([v.vlanCount, v.vlan0, v.vlanPri0, v.vlan1]).toEqual([1, 100, 5, ABSENT]);
    expect(v.l3Offset).toBe(18);
    expect(v.dstPort).toBe(53);
  });

  it('QinQ with 802.1ad, 0x9100 and deeper stacks counts every tag', () => {
    const v = decode(eth(0x88a8, cat(tag(10, 0x8100), tag(20, 0x9100), tag(30, 0x86dd), ipv6({ next: 59 }))));
    expect([v.vlanCount, v.vlan0, v.vlan1]).toEqual([3, 10, 20]);
    expect(v.etherType).toBe(0x86dd);
    expect(v.ipVersion).toBe(6);
  });

  it('flags a cut tag and a stack deeper than vlanCount can hold', () => {
    expect(reason(decode(eth(0x8100, [0, 100])))).toBe('truncated-vlan');
    const deep = eth(0x8100, cat(...Array.from({ length: 16 }, (_, i) => tag(i, 0x8100)), tag(99, 0x0800), ipUdp()));
    const v = decode(deep);
    expect(reason(v)).toBe('too-many-vlan-tags');
    expect(v.vlanCount).toBe(15);
  });
});

describe('MPLS', () => {
  it('reads the top two labels, counts the stack, and guesses IPv4 after it', () => {
    const v = decode(eth(0x8847, cat(mplsEntry(16006, false), mplsEntry(17, false), mplsEntry(3, true), ipUdp())));
    expect([v.mplsCount, v.mpls0, v.mpls1]).toEqual([3, 16006, 17]);
    expect(v.outerEtherType).toBe(0x8847);
    expect(v.etherType).toBe(0x0800);
    expect(v.ipVersion).toBe(4);
    expect(v.dstPort).toBe(53);
  });

  it('guesses IPv6 from the nibble and leaves other payloads as MPLS', () => {
    expect(decode(eth(0x8847, cat(mplsEntry(2, true), ipv6({ next: 59 })))).etherType).toBe(0x86dd);
    const pw = decode(eth(0x8847, cat(mplsEntry(100, true), [0, 0, 0, 0], eth(0x0800, ipUdp()))));
    expect(pw.etherType).toBe(0x8847);
    expect(pw.ipVersion).toBe(0);
    expect(pw.malformed).toBe(0);
  });

  it('flags a stack without bottom or payload', () => {
    expect(reason(decode(eth(0x8847, mplsEntry(5, false))))).toBe('truncated-mpls');
    expect(reason(decode(eth(0x8847, mplsEntry(5, true))))).toBe('truncated-mpls');
    // the frame's own label stack: its own headers are malformed (a tunnel's cut stack is not, tunnels.test.ts)
    expect(decode(eth(0x8847, mplsEntry(5, false))).headersMalformed).toBe(1);
  });
});

describe('PPPoE', () => {
  const session = (proto: number[], payload: Uint8Array) =>
    cat([0x11, 0x00], u16(0x1234), u16(proto.length + payload.length), proto, payload);

  it('session stage carrying IPv4: session id and etherType from the PPP protocol', () => {
    const v = decode(eth(0x8864, session(u16(0x0021), ipUdp())));
    expect(v.pppoeSession).toBe(0x1234);
    expect(v.outerEtherType).toBe(0x8864);
    expect(v.etherType).toBe(0x0800);
    expect(v.l3Offset).toBe(22);
    expect(v.srcPort).toBe(5000);
  });

  it('IPv6, and a compressed one-byte protocol field', () => {
    expect(decode(eth(0x8864, session(u16(0x0057), ipv6({ next: 59 })))).etherType).toBe(0x86dd);
    const v = decode(eth(0x8864, session([0x21], ipUdp())));
    expect(v.etherType).toBe(0x0800);
    expect(v.l3Offset).toBe(21);
  });

  it('LCP keeps etherType 0x8864; discovery has no session', () => {
    const lcp = decode(eth(0x8864, session(u16(0xc021), new Uint8Array([1, 1, 0, 4]))));
    expect(lcp.etherType).toBe(0x8864);
    expect(lcp.pppoeSession).toBe(0x1234);
    const padi = decode(eth(0x8863, [0x11, 0x09, 0, 0, 0, 0]));
    expect(padi.etherType).toBe(0x8863);
    expect(padi.pppoeSession).toBe(ABSENT);
    expect(reason(decode(eth(0x8864, [0x11, 0, 0x12])))).toBe('truncated-pppoe');
  });
});

describe('ARP', () => {
  const arp = (op: number, spa: string, tpa: string, htype = 1, hlen = 6) =>
    cat(u16(htype), u16(0x0800), [hlen, 4], u16(op), zeros(hlen), ip4(spa), zeros(hlen), ip4(tpa));

  it('sender and target protocol addresses go to ip4Src and ip4Dst', () => {
    const v = decode(eth(0x0806, arp(1, '10.1.1.1', '10.1.1.254')));
    expect(v.etherType).toBe(0x0806);
    expect(v.ip4Src).toBe(0x0a010101);
    expect(v.ip4Dst).toBe(0x0a0101fe);
    expect(v.ipVersion).toBe(0);
    expect(v.ipProto).toBe(ABSENT);
  });

  it('RARP too; other hardware leaves the addresses absent', () => {
    expect(decode(eth(0x8035, arp(3, '0.0.0.0', '10.0.0.9'))).ip4Dst).toBe(0x0a000009);
    const odd = decode(eth(0x0806, arp(1, '10.1.1.1', '10.1.1.2', 1, 14)));
    expect(odd.ip4Src).toBe(ABSENT);
    expect(odd.malformed).toBe(0);
    expect(reason(decode(eth(0x0806, arp(1, '10.1.1.1', '10.1.1.2').subarray(0, 20))))).toBe('truncated-arp');
  });
});
