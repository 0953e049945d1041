import { describe, expect, it } from 'vitest';
import { ETHERTYPE } from '../../src/fields/ethertype.js';
import { LINKTYPE } from '../../src/fields/fields.js';
import { IPPROTO } from '../../src/fields/ip-proto.js';
import { TUNNEL_IP_PROTOS, TUNNEL_UDP_PORTS } from '../../src/openflow/ingress.js';
import { decodeFrame } from '../../src/runtime/decode/decode.js';
import { PacketView } from '../../src/runtime/decode/view.js';

/**
 * The switch takes a tunnel test's no-tunnel child for every packet whose IP
 * protocol is none of TUNNEL_IP_PROTOS and whose UDP ports are none of
 * TUNNEL_UDP_PORTS (or that is a later fragment). That is sound only if the
 * runtime's decoder finds a tunnel in no other packet: every protocol and
 * every port, either way, is decoded here with each tunnel's payload, and a
 * tunnel found must be one the lists name. The lists are no wider than the
 * decoder either (each entry finds a tunnel with some payload).
 */
const u16 = (v: number) => Buffer.from([v >> 8, v & 0xff]);
const MACS = Buffer.from('020000000202020000000101', 'hex');
const ether = (type: number, payload: Buffer) => Buffer.concat([MACS, u16(type), payload]);

function ipv4(proto: number, payload: Buffer, fragOffset = 0, more = false): Buffer {
  const h = Buffer.alloc(20);
  h[0] = 0x45;
  h.writeUInt16BE(20 + payload.length, 2);
  h.writeUInt16BE(((more ? 1 : 0) << 13) | fragOffset, 6);
  h[8] = 64;
  h[9] = proto;
  h.writeUInt32BE(0x0a000001, 12);
  h.writeUInt32BE(0x0a000002, 16);
  return Buffer.concat([h, payload]);
}

function ipv6(next: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(40);
  h[0] = 0x60;
  h.writeUInt16BE(payload.length, 4);
  h[6] = next;
  h[7] = 64;
  h.writeUInt32BE(0x20010db8, 8);
  h[23] = 1;
  h.writeUInt32BE(0x20010db8, 24);
  h[39] = 2;
  return Buffer.concat([h, payload]);
}

function udp(sport: number, dport: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt16BE(sport, 0);
  h.writeUInt16BE(dport, 2);
  h.writeUInt16BE(8 + payload.length, 4);
  return Buffer.concat([h, payload]);
}

const tcp = Buffer.concat([u16(40000), u16(443), Buffer.alloc(8), Buffer.from([0x50, 0x10]), Buffer.alloc(6)]);
const innerIp = ipv4(IPPROTO.TCP, tcp);
const innerIp6 = ipv6(IPPROTO.TCP, tcp);
const innerEth = ether(ETHERTYPE.IPV4, innerIp);

/** What each IP-protocol tunnel carries: GRE (plain, keyed, ERSPAN), IPv4, IPv6, L2TPv3 sessions. */
const PROTO_PAYLOADS = [
  Buffer.concat([Buffer.from([0, 0, 0x08, 0x00]), innerIp]),
  Buffer.concat([Buffer.from([0x20, 0, 0x65, 0x58, 0, 0, 0, 9]), innerEth]),
  Buffer.concat([Buffer.from([0x10, 0, 0x88, 0xbe, 0, 0, 0, 1, 0x10, 0, 0, 7, 0, 0, 0, 0]), innerEth]),
  innerIp,
  innerIp6,
  Buffer.concat([Buffer.from([0, 0, 0, 1]), innerEth]),
  Buffer.alloc(24, 0),
];
/** What each UDP tunnel carries: VXLAN, Geneve, GTP-U, L2TP, Teredo. */
const UDP_PAYLOADS = [
  Buffer.concat([Buffer.from([8, 0, 0, 0, 0, 0, 0x64, 0]), innerEth]),
  Buffer.concat([Buffer.from([0, 0, 0x65, 0x58, 0, 0, 1, 0]), innerEth]),
  Buffer.concat([Buffer.from([0x30, 0xff]), u16(innerIp.length), Buffer.from([0, 0, 0, 1]), innerIp]),
  Buffer.concat([Buffer.from([0x00, 0x02, 0, 1, 0, 1, 0xff, 0x03, 0x00, 0x21]), innerIp]),
  innerIp6,
];
const OTHER_PORT = 40001;

const view = new PacketView();
const tunnelOf = (frame: Buffer): number => {
  decodeFrame(view, frame, frame.length, frame.length, LINKTYPE.ETHERNET);
  return view.tunnel;
};
const overIp = (proto: number, payload: Buffer) => [
  ether(ETHERTYPE.IPV4, ipv4(proto, payload)),
  ether(ETHERTYPE.IPV6, ipv6(proto, payload)),
];

describe('the ingress tunnel check is the decoder', () => {
  it('finds a tunnel by IP protocol only where the protocol is listed, and with each listed one', () => {
    const found = new Set<number>();
    const wrong: number[] = [];
    for (let proto = 0; proto < 256; proto++)
      for (const p of PROTO_PAYLOADS)
        for (const f of overIp(proto, p))
          if (tunnelOf(f) !== 0) {
            found.add(proto);
            if (!TUNNEL_IP_PROTOS.includes(proto)) wrong.push(proto);
          }
    expect([...new Set(wrong)]).toEqual([]);
    expect([...found].sort((a, b) => a - b)).toEqual([...TUNNEL_IP_PROTOS].sort((a, b) => a - b));
  });

  it('finds a tunnel by UDP port, either way, only where a port is listed, and with each listed one', () => {
    const found = new Set<number>();
    const wrong = new Set<number>();
    for (let port = 0; port < 65536; port++)
      for (const p of UDP_PAYLOADS)
        for (const [s, d] of [
          [OTHER_PORT, port],
          [port, OTHER_PORT],
        ])
          if (tunnelOf(ether(ETHERTYPE.IPV4, ipv4(IPPROTO.UDP, udp(s, d, p)))) !== 0) {
            found.add(port);
            if (!TUNNEL_UDP_PORTS.includes(port)) wrong.add(port);
          }
    expect([...wrong]).toEqual([]);
    expect([...found].sort((a, b) => a - b)).toEqual([...TUNNEL_UDP_PORTS].sort((a, b) => a - b));
    // over IPv6 too, for the listed ports
    for (const port of TUNNEL_UDP_PORTS)
      expect(
        UDP_PAYLOADS.some((p) => tunnelOf(ether(ETHERTYPE.IPV6, ipv6(IPPROTO.UDP, udp(OTHER_PORT, port, p)))) !== 0),
      ).toBe(true);
  });

  it('finds a tunnel in a first fragment, never in a later one (the ingress matches ip_frag=not_later)', () => {
    const vxlan = udp(OTHER_PORT, TUNNEL_UDP_PORTS[0], UDP_PAYLOADS[0]);
    expect(tunnelOf(ether(ETHERTYPE.IPV4, ipv4(IPPROTO.UDP, vxlan, 0, true)))).not.toBe(0);
    for (const proto of [IPPROTO.UDP, ...TUNNEL_IP_PROTOS])
      for (const p of [vxlan, ...PROTO_PAYLOADS])
        expect(tunnelOf(ether(ETHERTYPE.IPV4, ipv4(proto, p, 8, true)))).toBe(0);
  });
});
