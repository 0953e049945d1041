import { ETHERTYPE } from '../../../src/fields/ethertype.js';
import { IPPROTO } from '../../../src/fields/ip-proto.js';
import { PacketGenerator } from '../../../src/gen/index.js';
import type { CorpusPacket } from './oracle.js';

/**
 * Ethernet frames the test makes, for the Open vSwitch tests of a clone
 * without the capture corpus: the traffic generator's sessions (TCP, DNS,
 * UDP, ICMP, ARP, multicast, broadcast over IPv4 and IPv6, some behind a
 * VLAN tag, QinQ, MPLS, GRE, VXLAN, GTP-U) and frames built by hand for what
 * it does not make: IP fragments, SCTP, PPPoE, 0x9100 stacks, 802.3/LLC,
 * RARP, LLDP, IPv6 extension headers, IPv4 options, tunnels by IP protocol
 * and by UDP port, and the ports, flags and addresses the fixture policies
 * name. Checksums are left zero: neither Open vSwitch nor tmesc checks them.
 */
const mac = (s: string) => Buffer.from(s.split(':').map((x) => parseInt(x, 16)));
const CLIENT_MAC = mac('02:00:00:00:01:01');
const SERVER_MAC = mac('02:00:00:00:02:02');
const u16 = (v: number) => Buffer.from([v >> 8, v & 0xff]);
const ip4 = (s: string) => Buffer.from(s.split('.').map(Number));
const ip6 = (last: number, net = 0x20010db8) => {
  const b = Buffer.alloc(16);
  b.writeUInt32BE(net, 0);
  b.writeUInt16BE(last, 14);
  return b;
};

function ether(type: number, payload: Buffer, fromClient = true, dst?: Buffer): Buffer {
  const [d, s] = fromClient ? [SERVER_MAC, CLIENT_MAC] : [CLIENT_MAC, SERVER_MAC];
  return Buffer.concat([dst ?? d, s, u16(type), payload]);
}

/** An 802.1Q-style tag (TPID given) in front of a payload whose EtherType follows. */
const tagged = (tpid: number, vid: number, inner: number, payload: Buffer) => ({
  tpid,
  body: Buffer.concat([u16(vid & 0xfff), u16(inner), payload]),
});

function ipv4(
  proto: number,
  src: string,
  dst: string,
  payload: Buffer,
  o: { ttl?: number; mf?: boolean; offset?: number; options?: Buffer } = {},
): Buffer {
  const opts = o.options ?? Buffer.alloc(0);
  const h = Buffer.alloc(20);
  h[0] = 0x40 | ((20 + opts.length) / 4);
  h.writeUInt16BE(20 + opts.length + payload.length, 2);
  h.writeUInt16BE(0x1234, 4);
  h.writeUInt16BE(((o.mf ? 1 : 0) << 13) | (o.offset ?? 0), 6);
  h[8] = o.ttl ?? 64;
  h[9] = proto;
  ip4(src).copy(h, 12);
  ip4(dst).copy(h, 16);
  return Buffer.concat([h, opts, payload]);
}

function ipv6(next: number, src: Buffer, dst: Buffer, payload: Buffer): Buffer {
  const h = Buffer.alloc(40);
  h.writeUInt32BE(0x60000000, 0);
  h.writeUInt16BE(payload.length, 4);
  h[6] = next;
  h[7] = 64;
  src.copy(h, 8);
  dst.copy(h, 24);
  return Buffer.concat([h, payload]);
}

function tcp(sport: number, dport: number, flags: number, body = ''): Buffer {
  const h = Buffer.alloc(20);
  h.writeUInt16BE(sport, 0);
  h.writeUInt16BE(dport, 2);
  h.writeUInt32BE(1000, 4);
  h[12] = 5 << 4;
  h[13] = flags;
  h.writeUInt16BE(8192, 14);
  return Buffer.concat([h, Buffer.from(body, 'latin1')]);
}

function udp(sport: number, dport: number, payload: Buffer = Buffer.alloc(16, 0x61)): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt16BE(sport, 0);
  h.writeUInt16BE(dport, 2);
  h.writeUInt16BE(8 + payload.length, 4);
  return Buffer.concat([h, payload]);
}

function sctp(sport: number, dport: number): Buffer {
  const h = Buffer.alloc(12 + 20);
  h.writeUInt16BE(sport, 0);
  h.writeUInt16BE(dport, 2);
  h.writeUInt32BE(0xabcdef01, 4);
  // an INIT chunk
  h[12] = 1;
  h.writeUInt16BE(20, 14);
  return h;
}

const icmpEcho = (type: number) => Buffer.concat([Buffer.from([type, 0, 0, 0, 0, 1, 0, 1]), Buffer.alloc(32, 0x41)]);

function arp(op: number, spa: string, tpa: string): Buffer {
  return Buffer.concat([
    Buffer.from([0, 1, 8, 0, 6, 4, 0, op]),
    CLIENT_MAC,
    ip4(spa),
    Buffer.alloc(6),
    ip4(tpa),
    Buffer.alloc(18),
  ]);
}

const SYN = 0x02;
const ACK = 0x10;
const PSH = 0x08;
const RST = 0x04;

/** TCP over IPv4 both ways: client to server and the answer. */
function tcp4Both(name: string, client: string, server: string, sport: number, dport: number, body = '') {
  return [
    {
      name: `${name} request`,
      data: ether(ETHERTYPE.IPV4, ipv4(IPPROTO.TCP, client, server, tcp(sport, dport, PSH | ACK, body))),
    },
    {
      name: `${name} answer`,
      data: ether(ETHERTYPE.IPV4, ipv4(IPPROTO.TCP, server, client, tcp(dport, sport, ACK)), false),
    },
  ];
}

/** The hand-made frames, each named for what it is made to exercise. */
export function handFrames(): { name: string; data: Buffer }[] {
  const frames: { name: string; data: Buffer }[] = [];
  const add = (name: string, data: Buffer) => frames.push({ name, data });
  const inVlan = (vid: number, type: number, payload: Buffer, tpid = ETHERTYPE.VLAN) => {
    const t = tagged(tpid, vid, type, payload);
    return ether(t.tpid, t.body);
  };
  const http = 'GET / HTTP/1.1\r\nHost: example.org\r\n\r\n';
  frames.push(...tcp4Both('tcp 443', '10.1.0.5', '198.51.100.7', 51000, 443));
  frames.push(...tcp4Both('tcp 8080 (portrange)', '10.1.0.6', '198.51.100.8', 51001, 8080, http));
  frames.push(...tcp4Both('tcp 22 (dropped)', '10.1.0.7', '198.51.100.9', 51002, 22));
  frames.push(...tcp4Both('tcp 23 telnet', '192.168.5.5', '198.51.100.9', 51003, 23));
  frames.push(...tcp4Both('tcp 25 smtp', '172.20.0.1', '203.0.113.25', 51004, 25));
  frames.push(...tcp4Both('tcp 110 pop', '10.2.0.1', '203.0.113.26', 51005, 110));
  frames.push(...tcp4Both('tcp 143 imap', '10.2.0.2', '203.0.113.27', 51006, 143));
  add('tcp syn to 10/8', ether(ETHERTYPE.IPV4, ipv4(IPPROTO.TCP, '198.51.100.1', '10.9.8.7', tcp(40000, 8500, SYN))));
  add('tcp syn+ack', ether(ETHERTYPE.IPV4, ipv4(IPPROTO.TCP, '10.9.8.7', '198.51.100.1', tcp(8500, 40000, SYN | ACK))));
  add('tcp rst', ether(ETHERTYPE.IPV4, ipv4(IPPROTO.TCP, '10.9.8.7', '198.51.100.1', tcp(8500, 40000, RST))));
  add('tcp src port 80', ether(ETHERTYPE.IPV4, ipv4(IPPROTO.TCP, '198.51.100.2', '10.0.0.9', tcp(80, 52000, ACK))));
  add('udp 5060 sip', ether(ETHERTYPE.IPV4, ipv4(IPPROTO.UDP, '10.3.0.1', '203.0.113.50', udp(5060, 5060))));
  add('udp 5004 rtp', ether(ETHERTYPE.IPV4, ipv4(IPPROTO.UDP, '10.3.0.1', '203.0.113.50', udp(30000, 5004))));
  add('udp 53 from 10/8', ether(ETHERTYPE.IPV4, ipv4(IPPROTO.UDP, '10.3.0.2', '192.0.2.53', udp(33000, 53))));
  add('udp 53 answer', ether(ETHERTYPE.IPV4, ipv4(IPPROTO.UDP, '192.0.2.53', '10.3.0.2', udp(53, 33000)), false));
  add('udp ttl 30', ether(ETHERTYPE.IPV4, ipv4(IPPROTO.UDP, '10.3.0.3', '192.0.2.9', udp(33001, 9999), { ttl: 30 })));
  add('icmp from 192.168/16', ether(ETHERTYPE.IPV4, ipv4(IPPROTO.ICMP, '192.168.7.1', '10.0.0.1', icmpEcho(8))));
  add(
    'ipv4 options tcp 80',
    ether(
      ETHERTYPE.IPV4,
      ipv4(IPPROTO.TCP, '10.4.0.1', '198.51.100.80', tcp(52001, 80, ACK, http), { options: Buffer.from([1, 1, 1, 0]) }),
    ),
  );
  add(
    'big tcp 80',
    ether(
      ETHERTYPE.IPV4,
      ipv4(IPPROTO.TCP, '10.4.0.2', '198.51.100.80', tcp(52002, 80, PSH | ACK, http + 'x'.repeat(1300))),
    ),
  );
  // fragments: the first carries the ports, a later one none
  add(
    'ipv4 first fragment',
    ether(
      ETHERTYPE.IPV4,
      ipv4(IPPROTO.TCP, '10.5.0.1', '198.51.100.81', tcp(52003, 80, ACK, 'a'.repeat(40)), { mf: true }),
    ),
  );
  add(
    'ipv4 later fragment',
    ether(ETHERTYPE.IPV4, ipv4(IPPROTO.TCP, '10.5.0.1', '198.51.100.81', Buffer.alloc(64, 0x62), { offset: 8 })),
  );
  add(
    'ipv4 udp later fragment',
    ether(ETHERTYPE.IPV4, ipv4(IPPROTO.UDP, '10.5.0.2', '192.0.2.53', Buffer.alloc(48, 0x63), { offset: 4, mf: true })),
  );
  const frag6 = (offset: number, more: boolean, payload: Buffer) =>
    Buffer.concat([
      Buffer.from([IPPROTO.TCP, 0, (offset >> 5) & 0xff, ((offset & 0x1f) << 3) | (more ? 1 : 0), 0, 0, 0, 9]),
      payload,
    ]);
  add(
    'ipv6 first fragment',
    ether(
      ETHERTYPE.IPV6,
      ipv6(IPPROTO.FRAGMENT, ip6(1), ip6(2, 0x20010db9), frag6(0, true, tcp(52004, 443, ACK, 'b'.repeat(40)))),
    ),
  );
  add(
    'ipv6 later fragment',
    ether(ETHERTYPE.IPV6, ipv6(IPPROTO.FRAGMENT, ip6(1), ip6(2, 0x20010db9), frag6(8, false, Buffer.alloc(40, 0x64)))),
  );
  const hop = (next: number, payload: Buffer) => Buffer.concat([Buffer.from([next, 0, 1, 4, 0, 0, 0, 0]), payload]);
  add(
    'ipv6 hop-by-hop tcp 80',
    ether(ETHERTYPE.IPV6, ipv6(IPPROTO.HOPOPTS, ip6(3), ip6(4), hop(IPPROTO.TCP, tcp(52005, 80, SYN)))),
  );
  add('ipv6 tcp 22', ether(ETHERTYPE.IPV6, ipv6(IPPROTO.TCP, ip6(5), ip6(6), tcp(52006, 22, SYN))));
  add('ipv6 udp 53', ether(ETHERTYPE.IPV6, ipv6(IPPROTO.UDP, ip6(5), ip6(7), udp(52007, 53))));
  add('ipv6 icmp6', ether(ETHERTYPE.IPV6, ipv6(IPPROTO.ICMPV6, ip6(5), ip6(8), icmpEcho(128))));
  add(
    'ipv6 mobility',
    ether(ETHERTYPE.IPV6, ipv6(IPPROTO.MOBILITY, ip6(5), ip6(9), Buffer.from([59, 1, 0, 0, 0, 0, 0, 0]))),
  );
  // SCTP has ports too (`port 53` is TCP, UDP or SCTP)
  add('sctp 53', ether(ETHERTYPE.IPV4, ipv4(IPPROTO.SCTP, '10.6.0.1', '192.0.2.53', sctp(40001, 53))));
  add('sctp 80', ether(ETHERTYPE.IPV4, ipv4(IPPROTO.SCTP, '10.6.0.1', '192.0.2.80', sctp(40002, 80))));
  add('sctp6 5060', ether(ETHERTYPE.IPV6, ipv6(IPPROTO.SCTP, ip6(10), ip6(11), sctp(40003, 5060))));
  // tags: one VLAN in the range the policies name, two (QinQ and 0x9100), and a tag before MPLS
  add(
    'vlan 150 tcp 443',
    inVlan(150, ETHERTYPE.IPV4, ipv4(IPPROTO.TCP, '10.7.0.1', '198.51.100.3', tcp(52008, 443, ACK))),
  );
  add('vlan 150 ipv6 tcp 80', inVlan(150, ETHERTYPE.IPV6, ipv6(IPPROTO.TCP, ip6(12), ip6(13), tcp(52009, 80, ACK))));
  add('vlan 300 arp', inVlan(300, ETHERTYPE.ARP, arp(1, '10.7.0.1', '10.7.0.254')));
  const inner = tagged(ETHERTYPE.VLAN, 20, ETHERTYPE.IPV4, ipv4(IPPROTO.UDP, '10.7.0.2', '192.0.2.53', udp(33002, 53)));
  add('qinq udp 53', Buffer.concat([ether(ETHERTYPE.QINQ, tagged(0, 120, ETHERTYPE.VLAN, inner.body).body)]));
  add('0x9100 stack udp 53', ether(ETHERTYPE.QINQ_OLD, tagged(0, 130, ETHERTYPE.VLAN, inner.body).body));
  const mplsLabel = (label: number, bottom: boolean) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(((label << 12) | (bottom ? 0x100 : 0) | 64) >>> 0);
    return b;
  };
  const mplsIp = ipv4(IPPROTO.TCP, '10.8.0.1', '198.51.100.4', tcp(52010, 80, ACK));
  add(
    'mpls two labels tcp 80',
    ether(ETHERTYPE.MPLS, Buffer.concat([mplsLabel(1000, false), mplsLabel(2000, true), mplsIp])),
  );
  add('vlan 110 mpls', inVlan(110, ETHERTYPE.MPLS, Buffer.concat([mplsLabel(3000, true), mplsIp])));
  const ppp = (payload: Buffer) =>
    Buffer.concat([Buffer.from([0x11, 0, 0, 0x42]), u16(payload.length + 2), u16(0x0021), payload]);
  add(
    'pppoe tcp 80',
    ether(ETHERTYPE.PPPOE_SESSION, ppp(ipv4(IPPROTO.TCP, '10.9.0.1', '198.51.100.5', tcp(52011, 80, ACK, http)))),
  );
  add('pppoe udp 53', ether(ETHERTYPE.PPPOE_SESSION, ppp(ipv4(IPPROTO.UDP, '10.9.0.1', '192.0.2.53', udp(33003, 53)))));
  // tunnels by IP protocol and by UDP port
  const innerIp = ipv4(IPPROTO.TCP, '10.10.0.1', '198.51.100.6', tcp(52012, 443, ACK));
  add('ip in ip', ether(ETHERTYPE.IPV4, ipv4(IPPROTO.IPIP, '172.16.0.1', '172.16.0.2', innerIp)));
  add(
    'ipv6 in ipv4',
    ether(
      ETHERTYPE.IPV4,
      ipv4(IPPROTO.IPV6, '172.16.0.1', '172.16.0.3', ipv6(IPPROTO.UDP, ip6(14), ip6(15), udp(1, 53))),
    ),
  );
  add(
    'gre ip',
    ether(
      ETHERTYPE.IPV4,
      ipv4(IPPROTO.GRE, '172.16.0.1', '172.16.0.4', Buffer.concat([Buffer.from([0, 0, 8, 0]), innerIp])),
    ),
  );
  add('l2tp by protocol', ether(ETHERTYPE.IPV4, ipv4(IPPROTO.L2TP, '172.16.0.1', '172.16.0.5', Buffer.alloc(24, 0))));
  const innerEth = ether(ETHERTYPE.IPV4, innerIp);
  const vxlanHdr = Buffer.from([8, 0, 0, 0, 0, 0, 0x64, 0]);
  add(
    'vxlan',
    ether(
      ETHERTYPE.IPV4,
      ipv4(IPPROTO.UDP, '172.16.0.1', '172.16.0.6', udp(49152, 4789, Buffer.concat([vxlanHdr, innerEth]))),
    ),
  );
  add(
    'geneve',
    ether(
      ETHERTYPE.IPV4,
      ipv4(
        IPPROTO.UDP,
        '172.16.0.1',
        '172.16.0.7',
        udp(49153, 6081, Buffer.concat([Buffer.from([0, 0, 0x65, 0x58, 0, 0, 1, 0]), innerEth])),
      ),
    ),
  );
  add(
    'gtp-u',
    ether(
      ETHERTYPE.IPV4,
      ipv4(
        IPPROTO.UDP,
        '172.16.0.1',
        '172.16.0.8',
        udp(
          2152,
          2152,
          Buffer.concat([Buffer.from([0x30, 0xff]), u16(innerIp.length), Buffer.from([0, 0, 0, 1]), innerIp]),
        ),
      ),
    ),
  );
  add(
    'l2tp udp 1701',
    ether(
      ETHERTYPE.IPV4,
      ipv4(
        IPPROTO.UDP,
        '172.16.0.1',
        '172.16.0.9',
        udp(1701, 1701, Buffer.concat([Buffer.from([0x00, 0x02, 0, 1, 0, 1, 0xff, 0x03, 0x00, 0x21]), innerIp])),
      ),
    ),
  );
  add(
    'teredo udp 3544',
    ether(
      ETHERTYPE.IPV4,
      ipv4(IPPROTO.UDP, '172.16.0.1', '172.16.0.10', udp(3544, 40000, ipv6(IPPROTO.UDP, ip6(16), ip6(17), udp(2, 53)))),
    ),
  );
  // tunnels where the decoder also finds them: by the source port, over IPv6, in a first fragment (not a later
  // one), behind two tags or an IPv6 extension header, a port whose own tunnel is refused then the other port's
  const vxlanUdp = (sport: number, dport: number) => udp(sport, dport, Buffer.concat([vxlanHdr, innerEth]));
  add(
    'vxlan by source port',
    ether(ETHERTYPE.IPV4, ipv4(IPPROTO.UDP, '172.16.1.1', '172.16.1.2', vxlanUdp(4789, 40001))),
  );
  const badGeneve = Buffer.concat([Buffer.from([0xc0, 0, 0x65, 0x58, 0, 0, 1, 0]), innerEth]);
  add(
    'geneve refused, vxlan by source port',
    ether(ETHERTYPE.IPV4, ipv4(IPPROTO.UDP, '172.16.1.1', '172.16.1.3', udp(4789, 6081, badGeneve))),
  );
  add(
    'geneve refused',
    ether(ETHERTYPE.IPV4, ipv4(IPPROTO.UDP, '172.16.1.1', '172.16.1.4', udp(40002, 6081, badGeneve))),
  );
  // tmesc's session of GTP-U is the inner packet's: one of its own, apart from the 'gtp-u' frame's
  const gtpInner = ipv4(IPPROTO.TCP, '10.10.0.2', '198.51.100.7', tcp(52013, 443, ACK));
  const gtp = Buffer.concat([Buffer.from([0x30, 0xff]), u16(gtpInner.length), Buffer.from([0, 0, 0, 2]), gtpInner]);
  add(
    'gtp-u by source port',
    ether(ETHERTYPE.IPV4, ipv4(IPPROTO.UDP, '172.16.1.1', '172.16.1.5', udp(2152, 40003, gtp))),
  );
  add(
    'teredo by destination port',
    ether(
      ETHERTYPE.IPV4,
      ipv4(IPPROTO.UDP, '172.16.1.1', '172.16.1.6', udp(40004, 3544, ipv6(IPPROTO.UDP, ip6(18), ip6(19), udp(3, 53)))),
    ),
  );
  add('vxlan over ipv6', ether(ETHERTYPE.IPV6, ipv6(IPPROTO.UDP, ip6(20), ip6(21), vxlanUdp(49154, 4789))));
  add(
    'gre over ipv6',
    ether(ETHERTYPE.IPV6, ipv6(IPPROTO.GRE, ip6(22), ip6(23), Buffer.concat([Buffer.from([0, 0, 8, 0]), innerIp]))),
  );
  add('ip in ipv6', ether(ETHERTYPE.IPV6, ipv6(IPPROTO.IPIP, ip6(24), ip6(25), innerIp)));
  add(
    '6to4',
    ether(
      ETHERTYPE.IPV4,
      ipv4(
        IPPROTO.IPV6,
        '192.0.2.1',
        '198.51.100.1',
        ipv6(IPPROTO.UDP, ip6(1, 0x2002c000), ip6(2, 0x2002c633), udp(4, 53)),
      ),
    ),
  );
  add(
    'vxlan first fragment',
    ether(ETHERTYPE.IPV4, ipv4(IPPROTO.UDP, '172.16.1.1', '172.16.1.7', vxlanUdp(49155, 4789), { mf: true })),
  );
  add(
    'vxlan later fragment',
    ether(ETHERTYPE.IPV4, ipv4(IPPROTO.UDP, '172.16.1.1', '172.16.1.8', vxlanUdp(49156, 4789), { offset: 8 })),
  );
  // each its own session: the switch hashes a packet behind a tag stack or MPLS by what it sees of it
  const vxlanIp = (dst: string) => ipv4(IPPROTO.UDP, '172.16.1.1', dst, vxlanUdp(49157, 4789));
  add(
    'qinq vxlan',
    ether(
      ETHERTYPE.QINQ,
      tagged(0, 140, ETHERTYPE.VLAN, tagged(0, 21, ETHERTYPE.IPV4, vxlanIp('172.16.1.9')).body).body,
    ),
  );
  add('mpls vxlan', ether(ETHERTYPE.MPLS, Buffer.concat([mplsLabel(4000, true), vxlanIp('172.16.1.12')])));
  add(
    'vxlan after an ipv6 hop-by-hop header',
    ether(ETHERTYPE.IPV6, ipv6(IPPROTO.HOPOPTS, ip6(26), ip6(27), hop(IPPROTO.UDP, vxlanUdp(49158, 4789)))),
  );
  add(
    'erspan',
    ether(
      ETHERTYPE.IPV4,
      ipv4(
        IPPROTO.GRE,
        '172.16.1.1',
        '172.16.1.10',
        Buffer.concat([Buffer.from([0x10, 0, 0x88, 0xbe, 0, 0, 0, 1, 0x10, 0, 0, 7, 0, 0, 0, 0]), innerEth]),
      ),
    ),
  );
  add(
    'gre key ethernet',
    ether(
      ETHERTYPE.IPV4,
      ipv4(
        IPPROTO.GRE,
        '172.16.1.1',
        '172.16.1.11',
        Buffer.concat([Buffer.from([0x20, 0, 0x65, 0x58, 0, 0, 0, 9]), innerEth]),
      ),
    ),
  );
  // neither IP nor ARP, and link-layer oddities
  add('rarp', ether(ETHERTYPE.RARP, arp(3, '0.0.0.0', '0.0.0.0'), true, mac('ff:ff:ff:ff:ff:ff')));
  add('arp broadcast', ether(ETHERTYPE.ARP, arp(1, '10.11.0.1', '10.11.0.2'), true, mac('ff:ff:ff:ff:ff:ff')));
  add('lldp', ether(ETHERTYPE.LLDP, Buffer.alloc(46, 0), true, mac('01:80:c2:00:00:0e')));
  const bpdu = Buffer.concat([Buffer.from([0x42, 0x42, 0x03]), Buffer.alloc(35, 0)]);
  add('802.3 stp bpdu', Buffer.concat([mac('01:80:c2:00:00:00'), CLIENT_MAC, u16(bpdu.length), bpdu, Buffer.alloc(8)]));
  add(
    'ipv4 multicast udp',
    ether(ETHERTYPE.IPV4, ipv4(IPPROTO.UDP, '10.12.0.1', '239.1.2.3', udp(5000, 5000)), true, mac('01:00:5e:01:02:03')),
  );
  return frames;
}

/**
 * The generator's traffic (seeded, so the same every run) and the hand-made
 * frames, dealt to `taps` taps: generated packets round robin, each hand-made
 * frame once on every tap (the fixture policies' rules `from` one tap).
 */
export function madePackets(taps: number, generated: number): CorpusPacket[] {
  const out: CorpusPacket[] = [];
  const gen = new PacketGenerator({
    packets: generated,
    seed: 18,
    flows: 64,
    ipv6Fraction: 0.3,
    encap: { vlan: 0.15, qinq: 0.05, mpls: 0.05, gre: 0.05, vxlan: 0.05, gtpu: 0.05 },
    credentialFraction: 0.2,
  });
  for (let p, n = 1; (p = gen.next()); n++)
    out.push({ file: 'generated', number: n, tap: n % taps, data: Buffer.from(p.data) });
  for (const f of handFrames())
    for (let tap = 0; tap < taps; tap++) out.push({ file: `made: ${f.name}`, number: 1, tap, data: f.data });
  return out;
}
