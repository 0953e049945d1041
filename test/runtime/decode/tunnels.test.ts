import { describe, expect, it } from 'vitest';
import { ABSENT, FIELDS, TUNNEL } from '../../../src/fields/fields.js';
import { decodeFrame } from '../../../src/runtime/decode/decode.js';
import { INNER_KIND, PacketView } from '../../../src/runtime/decode/view.js';
import {
  cat,
  eth,
  gre,
  icmp,
  innerIpv4Udp,
  ip6,
  ipv4,
  ipv6,
  mplsEntry,
  tag,
  tcp,
  u16,
  u24,
  u32,
  udp,
  vxlan,
  zeros,
} from './build.js';
import { brokenInvariants, decode, fieldsOf, reason } from './helpers.js';

const outer4 = (proto: number, payload: Uint8Array) =>
  eth(0x0800, ipv4({ src: '172.16.0.1', dst: '172.16.0.2', proto }, payload));
const overUdp = (dport: number, payload: Uint8Array, sport = 40000) => outer4(17, udp(sport, dport, payload));

/** The inner packet of innerIpv4Udp(), as the inner view must show it. */
function expectInnerUdp(v: PacketView): void {
  expect([v.inner.ip4Src, v.inner.ip4Dst, v.inner.ipProto, v.inner.srcPort, v.inner.dstPort, v.inner.ttl]).toEqual([
    0x0a000001, 0x0a000002, 17, 1111, 2222, 9,
  ]);
  expect(v.inner.etherType).toBe(0x0800);
  expect(brokenInvariants(v, Infinity)).toEqual([]);
}

describe('no tunnel', () => {
  it('leaves every field of inner ABSENT, also after a tunneled frame in the same view', () => {
    const v = new PacketView();
    const tunneled = overUdp(4789, vxlan(7, eth(0x0800, innerIpv4Udp())));
    decodeFrame(v, tunneled, tunneled.length, tunneled.length, 1);
    expect(v.inner.ip4Src).toBe(0x0a000001);
    const plain = outer4(6, tcp(1, 2));
    decodeFrame(v, plain, plain.length, plain.length, 1);
    expect([v.tunnel, v.tunnelId, v.innerKind, v.innerOffset]).toEqual([0, ABSENT, INNER_KIND.none, ABSENT]);
    expect(Object.values(fieldsOf(v.inner)).every((x) => x === ABSENT)).toBe(true);
  });

  it('keeps tap, which belongs to the caller', () => {
    const v = new PacketView();
    v.tap = 3;
    const frame = outer4(6, tcp(1, 2));
    decodeFrame(v, frame, frame.length, frame.length, 1);
    expect(v.tap).toBe(3);
  });
});

describe('GRE', () => {
  it('IPv4 inside, no key', () => {
    const v = decode(outer4(47, gre({ proto: 0x0800 }, innerIpv4Udp())));
    expect([v.ipProto, v.tunnel, v.tunnelId, v.innerOffset, v.innerKind]).toEqual([
      47,
      TUNNEL.gre,
      ABSENT,
      38,
      INNER_KIND.ip,
    ]);
    expect([v.l4Offset, v.payloadOffset]).toEqual([34, 38]);
    expectInnerUdp(v);
  });

  it('checksum, key and sequence number; key is tunnelId', () => {
    const v = decode(
      outer4(47, gre({ proto: 0x86dd, checksum: true, key: 0xfedcba98, seq: 7 }, ipv6({ next: 17 }, udp(9, 10)))),
    );
    expect([v.tunnel, v.tunnelId, v.innerOffset]).toEqual([TUNNEL.gre, 0xfedcba98, 50]);
    expect([v.inner.ipVersion, v.inner.dstPort]).toEqual([6, 10]);
  });

  it('transparent Ethernet bridging (NVGRE) carries Ethernet', () => {
    const v = decode(
      outer4(47, gre({ proto: 0x6558, key: 0x00123400 }, eth(0x8100, cat(tag(5, 0x0800), innerIpv4Udp())))),
    );
    expect([v.tunnelId, v.innerKind, v.inner.vlan0, v.inner.outerEtherType]).toEqual([
      0x00123400,
      INNER_KIND.ether,
      5,
      0x8100,
    ]);
    expectInnerUdp(v);
  });

  it('WCCP with and without the redirect header, Cisco MetaData', () => {
    expectInnerUdp(decode(outer4(47, gre({ proto: 0x883e }, innerIpv4Udp()))));
    expectInnerUdp(decode(outer4(47, gre({ proto: 0x883e }, cat([0, 0, 0, 0], innerIpv4Udp())))));
    expectInnerUdp(
      decode(outer4(47, gre({ proto: 0x8909, key: 40 }, cat(u16(0x0800), [1, 1, 0, 1, 0, 0], innerIpv4Udp())))),
    );
  });

  it('MPLS (RFC 4023): the packet under the label stack is the inner packet; a pseudowire or a cut stack is not', () => {
    const v = decode(
      outer4(47, gre({ proto: 0x8847 }, cat(mplsEntry(100, false), mplsEntry(200, true), innerIpv4Udp()))),
    );
    expect([v.tunnel, v.innerOffset, v.innerKind]).toEqual([TUNNEL.gre, 46, INNER_KIND.ip]);
    expectInnerUdp(v);
    expectInnerUdp(decode(outer4(47, gre({ proto: 0x8848 }, cat(mplsEntry(5, true), innerIpv4Udp())))));
    const pw = decode(outer4(47, gre({ proto: 0x8847 }, cat(mplsEntry(16, true), zeros(4), eth(0x0806, zeros(28))))));
    expect([pw.tunnel, pw.innerKind, pw.malformed]).toEqual([TUNNEL.gre, 0, 0]);
    const cut = decode(outer4(47, gre({ proto: 0x8847 }, mplsEntry(16, false))));
    expect(reason(cut)).toBe('truncated-mpls');
    // the cut stack is the tunnel's, not the frame's own headers (the walk does not count it either)
    expect([cut.tunnel, cut.headersMalformed]).toEqual([TUNNEL.gre, 0]);
  });

  it('other protocols are a GRE tunnel without an inner packet; bad versions are malformed', () => {
    const v = decode(outer4(47, gre({ proto: 0x2001, key: 1 }, zeros(20))));
    expect([v.tunnel, v.tunnelId, v.innerKind, v.inner.etherType]).toEqual([TUNNEL.gre, 1, 0, ABSENT]);
    const bad = gre({ proto: 0x0800 }, innerIpv4Udp());
    bad[1] = 2;
    expect(reason(decode(outer4(47, bad)))).toBe('bad-gre-version');
    expect(reason(decode(outer4(47, gre({ proto: 0x0800, key: 1 }).subarray(0, 6))))).toBe('truncated-gre');
  });
});

describe('PPTP enhanced GRE', () => {
  const pptp = (ppp: number[], withSeq = true, payload: Uint8Array = innerIpv4Udp()) =>
    cat(
      u16(0x2081 | (withSeq ? 0x1000 : 0)),
      u16(0x880b),
      u16(ppp.length + payload.length),
      u16(0xbeef),
      withSeq ? u32(1) : [],
      u32(0),
      ppp,
      payload,
    );

  it('tunnelId is the call id; the PPP frame carries the inner IP packet', () => {
    for (const ppp of [[0xff, 0x03, 0x00, 0x21], [0x00, 0x21], [0x21]]) {
      const v = decode(outer4(47, pptp(ppp, ppp.length !== 2)));
      expect([v.tunnel, v.tunnelId]).toEqual([TUNNEL.pptp, 0xbeef]);
      expectInnerUdp(v);
    }
  });

  it('LCP and bare acknowledgements have no inner packet', () => {
    const lcp = decode(outer4(47, pptp([0xff, 0x03, 0xc0, 0x21], true, new Uint8Array([1, 1, 0, 4]))));
    expect([lcp.tunnel, lcp.innerKind, lcp.malformed]).toEqual([TUNNEL.pptp, 0, 0]);
    const ack = decode(outer4(47, cat(u16(0x2081), u16(0x880b), u16(0), u16(9), u32(5))));
    expect([ack.tunnelId, ack.innerKind, ack.malformed]).toEqual([9, 0, 0]);
    expect(reason(decode(outer4(47, cat(u16(0x0001), u16(0x880b)))))).toBe('bad-pptp-gre-header');
  });
});

describe('ERSPAN', () => {
  const mirrored = () => eth(0x8100, cat(tag(11, 0x0800), innerIpv4Udp()));

  it('type I: no ERSPAN header, no session', () => {
    const v = decode(outer4(47, gre({ proto: 0x88be }, mirrored())));
    expect([v.tunnel, v.tunnelId, v.inner.vlan0]).toEqual([TUNNEL.erspan, ABSENT, 11]);
    expectInnerUdp(v);
  });

  it('type II: session id from the header', () => {
    const hdr = cat(u16(0x1000 | 11), u16(0x2000 | 0x3ff), u32(0));
    const v = decode(outer4(47, gre({ proto: 0x88be, seq: 1 }, cat(hdr, mirrored()))));
    expect([v.tunnel, v.tunnelId]).toEqual([TUNNEL.erspan, 0x3ff]);
    expectInnerUdp(v);
  });

  it('type III: with and without the platform subheader, Ethernet or IP frames', () => {
    const hdr = (o: boolean, ft: number) =>
      cat(u16(0x2000), u16(77), u32(123456), u16(0), u16((ft << 10) | (o ? 1 : 0)), o ? zeros(8) : []);
    const plain = decode(outer4(47, gre({ proto: 0x22eb, seq: 1 }, cat(hdr(false, 0), mirrored()))));
    expect([plain.tunnelId, plain.inner.vlan0]).toEqual([77, 11]);
    expectInnerUdp(plain);
    expectInnerUdp(decode(outer4(47, gre({ proto: 0x22eb, seq: 1 }, cat(hdr(true, 0), mirrored())))));
    const ip = decode(outer4(47, gre({ proto: 0x22eb, seq: 1 }, cat(hdr(false, 2), innerIpv4Udp()))));
    expect(ip.innerKind).toBe(INNER_KIND.ip);
    expectInnerUdp(ip);
    expect(reason(decode(outer4(47, gre({ proto: 0x22eb, seq: 1 }, hdr(false, 0).subarray(0, 10)))))).toBe(
      'truncated-erspan',
    );
  });
});

describe('GTP-U', () => {
  const gtp = (type: number, flags: number, extra: Bytes, payload: Uint8Array) =>
    cat([flags, type], u16(extra.length + payload.length), u32(0x8c61be36), extra, payload);
  type Bytes = Uint8Array | number[];

  it('G-PDU: TEID and the inner IP packet; keeps the outer UDP fields', () => {
    const v = decode(overUdp(2152, gtp(255, 0x30, [], innerIpv4Udp()), 2152));
    expect([v.ipProto, v.dstPort, v.tunnel, v.tunnelId]).toEqual([17, 2152, TUNNEL.gtp, 0x8c61be36]);
    expectInnerUdp(v);
  });

  it('extension headers are skipped', () => {
    const ext = [0, 0, 0, 0x85, 1, 0x10, 0x09, 0x00];
    const v = decode(overUdp(2152, gtp(255, 0x34, ext, innerIpv4Udp())));
    expect(v.innerOffset).toBe(42 + 8 + 8);
    expectInnerUdp(v);
    const zeroLen = decode(overUdp(2152, gtp(255, 0x34, [0, 0, 0, 0x85, 0, 0, 0, 0], innerIpv4Udp())));
    expect(reason(zeroLen)).toBe('bad-gtp-extension');
  });

  it('other messages have a TEID but no inner packet; either port counts', () => {
    const echo = decode(overUdp(40000, gtp(1, 0x32, [0, 1, 0, 0], new Uint8Array(0)), 2152));
    expect([echo.tunnel, echo.tunnelId, echo.innerKind]).toEqual([TUNNEL.gtp, 0x8c61be36, 0]);
  });

  it("GTP' and GTPv2 on the port are not GTP-U", () => {
    expect(decode(overUdp(2152, gtp(255, 0x20, [], innerIpv4Udp()))).tunnel).toBe(0);
    expect(decode(overUdp(2152, gtp(255, 0x48, [], innerIpv4Udp()))).tunnel).toBe(0);
  });
});

describe('L2TP', () => {
  it('v2 data over UDP 1701 with length, sequence and offset; tunnelId is the session id', () => {
    const l2tp = cat(
      [0x4a, 0x02],
      u16(0),
      u16(1),
      u16(0x5678),
      u32(0),
      u16(2),
      [0, 0],
      [0xff, 0x03, 0x00, 0x21],
      innerIpv4Udp(),
    );
    const v = decode(overUdp(1701, l2tp, 1701));
    expect([v.tunnel, v.tunnelId]).toEqual([TUNNEL.l2tp, 0x5678]);
    expectInnerUdp(v);
  });

  it('v2 control and v3 over UDP and IP carry no inner packet', () => {
    const control = decode(overUdp(1701, cat([0xc8, 0x02], u16(12), u16(1), u16(0), u32(0))));
    expect([control.tunnel, control.tunnelId, control.innerKind]).toEqual([TUNNEL.l2tp, 0, 0]);
    const v3udp = decode(overUdp(1701, cat([0x00, 0x03], u16(0), u32(0xabcdef01), eth(0x0800, innerIpv4Udp()))));
    expect([v3udp.tunnel, v3udp.tunnelId, v3udp.innerKind]).toEqual([TUNNEL.l2tp, 0xabcdef01, 0]);
    const v3ip = decode(outer4(115, cat(u32(0x1000), eth(0x0800, innerIpv4Udp()))));
    expect([v3ip.ipProto, v3ip.tunnel, v3ip.tunnelId]).toEqual([115, TUNNEL.l2tp, 0x1000]);
    const v3control = decode(outer4(115, cat(u32(0), [0xc8, 0x03], zeros(10))));
    expect([v3control.tunnel, v3control.tunnelId]).toEqual([TUNNEL.l2tp, ABSENT]);
  });
});

describe('VXLAN and Geneve', () => {
  it('VXLAN: VNI, inner Ethernet, outer fields intact', () => {
    const v = decode(overUdp(4789, vxlan(0xabcdef, eth(0x0800, innerIpv4Udp(), '00:00:5e:00:53:01'))));
    expect([v.ipProto, v.dstPort, v.tunnel, v.tunnelId, v.innerKind, v.innerOffset]).toEqual([
      17,
      4789,
      TUNNEL.vxlan,
      0xabcdef,
      INNER_KIND.ether,
      50,
    ]);
    expect([v.payloadOffset, v.inner.l2Offset, v.inner.ethDst]).toEqual([42, 50, 0x00005e005301]);
    expectInnerUdp(v);
    expect(reason(decode(overUdp(4789, vxlan(1, new Uint8Array(0)))))).toBe('truncated-ethernet');
  });

  it('Geneve: VNI, options skipped, Ethernet or IP inside; other versions are not Geneve', () => {
    const geneve = (proto: number, opts: number[], payload: Uint8Array, ver = 0) =>
      cat([(ver << 6) | (opts.length / 4), 0], u16(proto), u24(0x123456), [0], opts, payload);
    const v = decode(overUdp(6081, geneve(0x6558, zeros(12), eth(0x0800, innerIpv4Udp()))));
    expect([v.tunnel, v.tunnelId, v.innerOffset]).toEqual([TUNNEL.geneve, 0x123456, 42 + 8 + 12]);
    expectInnerUdp(v);
    expectInnerUdp(decode(overUdp(6081, geneve(0x0800, [], innerIpv4Udp()))));
    expect(decode(overUdp(6081, geneve(0x0800, [], innerIpv4Udp(), 1))).tunnel).toBe(0);
    expect(reason(decode(overUdp(6081, geneve(0x6558, zeros(8), new Uint8Array(0)).subarray(0, 12))))).toBe(
      'truncated-geneve',
    );
  });
});

describe('Teredo', () => {
  const inner6 = () => ipv6({ src: '2001:0:4136:e378::1', dst: '2001:db8::99', next: 58 }, icmp(128, 0));

  it('IPv6 in UDP 3544, bare, with origin indication, with authentication', () => {
    for (const prefix of [[], [0, 0, 0x12, 0x34, 1, 2, 3, 4], [0, 1, 2, 1, 0xaa, 0xbb, 0xcc, ...zeros(8), 0]]) {
      const v = decode(overUdp(40000, cat(prefix, inner6()), 3544));
      expect([v.tunnel, v.inner.ipVersion, v.inner.icmpType]).toEqual([TUNNEL.teredo, 6, 128]);
      expect(v.inner.ip6Src0).toBe(0x20010000);
    }
  });

  it('is not Teredo when no IPv6 follows', () => {
    expect(decode(overUdp(3544, new Uint8Array([1, 2, 3, 4]))).tunnel).toBe(0);
  });
});

describe('IP in IP', () => {
  it('4in4 and 4in6 are ipip', () => {
    expectInnerUdp(decode(outer4(4, innerIpv4Udp())));
    const v = decode(eth(0x86dd, ipv6({ next: 4 }, innerIpv4Udp())));
    expect([v.ipProto, v.tunnel]).toEqual([4, TUNNEL.ipip]);
    expectInnerUdp(v);
  });

  it('6in4 unless an inner address is in 2002::/16, then 6to4; 6in6 is ipip', () => {
    const in6 = (src: string, dst: string) => ipv6({ src, dst, next: 17 }, udp(1, 2));
    expect(decode(outer4(41, in6('2001:db8::1', '2001:db8::2'))).tunnel).toBe(TUNNEL['6in4']);
    expect(decode(outer4(41, in6('2002:c000:0201::1', '2001:db8::2'))).tunnel).toBe(TUNNEL['6to4']);
    expect(decode(outer4(41, in6('2001:db8::1', '2002:c000:0201::1'))).tunnel).toBe(TUNNEL['6to4']);
    const v = decode(eth(0x86dd, ipv6({ next: 41 }, in6('2001:db8::a', '2001:db8::b'))));
    expect([v.tunnel, v.inner.ip6Src3, v.inner.dstPort]).toEqual([TUNNEL.ipip, 0xa, 2]);
  });

  it('IPv6 extension headers before the inner packet (SRv6-style)', () => {
    const srh = [41, 2, 4, 0, 0, 0, 0, 0, ...ip6('2001:db8::5')];
    const v = decode(eth(0x86dd, ipv6({ next: 43 }, cat(srh, ipv6({ next: 59 })))));
    expect([v.ipProto, v.tunnel, v.inner.ipVersion]).toEqual([41, TUNNEL.ipip, 6]);
  });
});

describe('nesting', () => {
  it('tunnel describes the outermost tunnel, inner the innermost packet', () => {
    const innermost = vxlan(42, eth(0x0800, innerIpv4Udp()));
    const middle = ipv4({ src: '10.200.0.1', dst: '10.200.0.2', proto: 17 }, udp(5555, 4789, innermost));
    const v = decode(outer4(47, gre({ proto: 0x0800, key: 9 }, middle)));
    expect([v.tunnel, v.tunnelId]).toEqual([TUNNEL.gre, 9]);
    expectInnerUdp(v);
    expect([v.inner.tunnel, v.inner.innerKind]).toEqual([0, 0]);
  });

  it('stops after MAX_TUNNEL_DEPTH levels and says so through inner.tunnel', () => {
    let pkt: Uint8Array = innerIpv4Udp();
    for (let i = 0; i < 6; i++) pkt = ipv4({ src: `10.1.0.${i}`, dst: '10.1.1.1', proto: 4 }, pkt);
    const v = decode(eth(0x0800, pkt));
    expect(v.tunnel).toBe(TUNNEL.ipip);
    expect(v.inner.tunnel).toBe(TUNNEL.ipip);
    expect(v.inner.ip4Src).toBe(0x0a010001);
    expect(brokenInvariants(v, Infinity)).toEqual([]);
  });

  it('a cut inner packet makes the frame malformed, except inside a fragment', () => {
    const pkt = overUdp(4789, vxlan(1, eth(0x0800, innerIpv4Udp())));
    const cut = decode(pkt, 1, pkt.length - 20, pkt.length);
    expect([reason(cut), reason(cut.inner)]).toEqual(['truncated-ipv4', 'truncated-ipv4']);
    const frag = eth(
      0x0800,
      ipv4({ proto: 17, frag: 0x2000 }, udp(1, 4789, vxlan(1, eth(0x0800, innerIpv4Udp().subarray(0, 10))))),
    );
    const v = decode(frag);
    expect([v.malformed, reason(v.inner), v.tunnel]).toEqual([0, 'truncated-ipv4', TUNNEL.vxlan]);
  });
});

describe('fields', () => {
  it('the inner view covers every FIELDS entry', () => {
    const v = decode(overUdp(4789, vxlan(7, eth(0x0800, innerIpv4Udp()))));
    expect(Object.keys(fieldsOf(v.inner))).toEqual(FIELDS.map((f) => f.name));
  });
});
