/** Frames for the packet path's differential tests: generated traffic, and its IP packets on every link type the runtime decodes. */
import { LINKTYPE } from '../../../src/fields/fields.js';
import { PacketGenerator } from '../../../src/gen/generator.js';

export interface TestFrame {
  data: Uint8Array;
  linkType: number;
  wireLen: number;
  what: string;
}

/** Generated traffic with every encapsulation the generator makes (VLAN, QinQ, MPLS, GRE, VXLAN, GTP-U, IPv6, ARP...). */
export function generatedFrames(packets: number, seed = 5): TestFrame[] {
  const gen = new PacketGenerator({
    packets,
    seed,
    ipv6Fraction: 0.3,
    encap: { vlan: 0.15, qinq: 0.1, mpls: 0.1, gre: 0.1, vxlan: 0.1, gtpu: 0.1 },
  });
  const out: TestFrame[] = [];
  for (let p = gen.next(); p !== null; p = gen.next())
    out.push({
      data: p.data.slice(),
      linkType: LINKTYPE.ETHERNET,
      wireLen: p.data.length,
      what: `generated #${out.length + 1}`,
    });
  return out;
}

const le32 = (n: number): number[] => [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, n >>> 24];
const be32 = (n: number): number[] => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];

/** The same network-layer packet behind each link-layer header the runtime decodes. */
function wrappings(type: number, l3: Uint8Array): [number, number[]][] {
  const ip = type === 0x0800 ? 4 : type === 0x86dd ? 6 : 0;
  const family = ip === 4 ? 2 : ip === 6 ? 30 : 99;
  const ppp = ip === 4 ? 0x0021 : ip === 6 ? 0x0057 : type === 0x8847 ? 0x0281 : 0xc021;
  const sllHeader = [0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 9, 0, 0, type >> 8, type & 255];
  const out: [number, number[]][] = [
    [LINKTYPE.LINUX_SLL, sllHeader],
    [LINKTYPE.LINUX_SLL2, [type >> 8, type & 255, 0, 0, 0, 0, 0, 2, 0, 1, 0, 6, 2, 0, 0, 0, 0, 7, 0, 0]],
    [LINKTYPE.C_HDLC, [0x0f, 0, type >> 8, type & 255]],
    [LINKTYPE.PPP, [0xff, 0x03, ppp >> 8, ppp & 255]],
    [LINKTYPE.PPP, [ppp & 255]],
    [LINKTYPE.PPP_HDLC, [0xff, 0x03, ppp >> 8, ppp & 255]],
    [LINKTYPE.PPP_HDLC, [0x8f, 0, type >> 8, type & 255]],
    [LINKTYPE.NULL, le32(family)],
    [LINKTYPE.LOOP, be32(family)],
  ];
  if (ip) out.push([LINKTYPE.RAW, []], [LINKTYPE.RAW_DLT12, []], [ip === 4 ? LINKTYPE.IPV4 : LINKTYPE.IPV6, []]);
  void l3;
  return out;
}

/** Each Ethernet frame's network-layer packet (after its tags) behind every other link type. */
export function otherLinkFrames(frames: readonly TestFrame[]): TestFrame[] {
  const out: TestFrame[] = [];
  for (const f of frames) {
    const d = f.data;
    if (d.length < 14) continue;
    let off = 12;
    let type = (d[off] << 8) | d[off + 1];
    while ((type === 0x8100 || type === 0x88a8) && off + 6 <= d.length) {
      off += 4;
      type = (d[off] << 8) | d[off + 1];
    }
    const l3 = d.subarray(off + 2);
    for (const [linkType, header] of wrappings(type, l3)) {
      const data = new Uint8Array(header.length + l3.length);
      data.set(header);
      data.set(l3, header.length);
      out.push({ data, linkType, wireLen: data.length, what: `${f.what} on link type ${linkType}` });
    }
  }
  return out;
}
