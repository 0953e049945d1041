import { writeFileSync } from 'node:fs';
import { IPPROTO } from '../../../src/fields/ip-proto.js';
import { fixIpv4HeaderChecksum, fixL4Checksum } from '../../../src/runtime/actions/checksum.js';

/**
 * Frames for byte-level tests, built layer by layer from the inside out:
 * each function takes what it carries and returns the bytes with its header
 * in front, lengths and checksums filled in.
 */
export const hex = (s: string): Buffer => Buffer.from(s.replace(/[\s:]/g, ''), 'hex');
const u16 = (v: number) => Buffer.from([v >>> 8, v & 0xff]);

export const MAC_A = hex('02:00:00:00:00:0a');
export const MAC_B = hex('02:00:00:00:00:0b');

export function eth(type: number, payload: Buffer, dst = MAC_B, src = MAC_A): Buffer {
  return Buffer.concat([dst, src, u16(type), payload]);
}

/** Tags after the MACs, each its TPID and body, the last followed by `type`. */
export function ethTagged(tags: { tpid: number; body: Buffer }[], type: number, payload: Buffer): Buffer {
  return Buffer.concat([MAC_B, MAC_A, ...tags.flatMap((t) => [u16(t.tpid), t.body]), u16(type), payload]);
}

export const vlan = (id: number, pcp = 0) => ({ tpid: 0x8100, body: u16((pcp << 13) | id) });
export const qinq = (id: number) => ({ tpid: 0x88a8, body: u16(id) });
export const vntag = () => ({ tpid: 0x8926, body: hex('8001 0002') });
export const etag = () => ({ tpid: 0x893f, body: hex('0000 0101 0000') });

export function ipv4(
  proto: number,
  payload: Buffer,
  opts: { src?: string; dst?: string; options?: Buffer; flags?: number; id?: number } = {},
): Buffer {
  const options = opts.options ?? Buffer.alloc(0);
  const h = Buffer.alloc(20 + options.length);
  h[0] = 0x40 | ((20 + options.length) >> 2);
  h.writeUInt16BE(h.length + payload.length, 2);
  h.writeUInt16BE(opts.id ?? 0x1234, 4);
  h.writeUInt16BE(opts.flags ?? 0x4000, 6);
  h[8] = 64;
  h[9] = proto;
  hex((opts.src ?? '0a000001').replace(/\./g, '')).copy(h, 12);
  hex((opts.dst ?? '0a000002').replace(/\./g, '')).copy(h, 16);
  options.copy(h, 20);
  const p = Buffer.concat([h, payload]);
  fixIpv4HeaderChecksum(p, 0);
  fixTransport(p, 0, proto, h.length);
  return p;
}

export function ipv6(next: number, payload: Buffer, ext: Buffer = Buffer.alloc(0)): Buffer {
  const h = Buffer.alloc(40);
  h[0] = 0x60;
  h.writeUInt16BE(ext.length + payload.length, 4);
  h[6] = ext.length ? IPPROTO.HOPOPTS : next;
  h[7] = 64;
  hex('20010db8000000000000000000000001').copy(h, 8);
  hex('20010db8000000000000000000000002').copy(h, 24);
  const p = Buffer.concat([h, ext, payload]);
  fixTransport(p, 0, next, 40 + ext.length);
  return p;
}

/** A transport header's checksum, once the IP header around it is there. */
function fixTransport(p: Buffer, ip: number, proto: number, l4: number): void {
  if (proto === IPPROTO.TCP || proto === IPPROTO.UDP || proto === IPPROTO.ICMP || proto === IPPROTO.ICMPV6)
    fixL4Checksum(p, ip, proto, l4, p.length - l4);
}

export function udp(src: number, dst: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt16BE(src, 0);
  h.writeUInt16BE(dst, 2);
  h.writeUInt16BE(8 + payload.length, 4);
  return Buffer.concat([h, payload]);
}

export function tcp(src: number, dst: number, payload: Buffer, flags = 0x18): Buffer {
  const h = Buffer.alloc(20);
  h.writeUInt16BE(src, 0);
  h.writeUInt16BE(dst, 2);
  h.writeUInt32BE(1000, 4);
  h.writeUInt32BE(2000, 8);
  h[12] = 5 << 4;
  h[13] = flags;
  h.writeUInt16BE(65535, 14);
  return Buffer.concat([h, payload]);
}

export const vxlan = (vni: number, frame: Buffer) =>
  Buffer.concat([hex('08000000'), Buffer.from([vni >>> 16, (vni >>> 8) & 0xff, vni & 0xff, 0]), frame]);
export const gre = (proto: number, payload: Buffer) => Buffer.concat([hex('0000'), u16(proto), payload]);
export const mpls = (labels: number[], payload: Buffer) =>
  Buffer.concat([
    ...labels.map((l, i) => {
      const b = Buffer.alloc(4);
      b.writeUInt32BE(((l << 12) | (i === labels.length - 1 ? 0x100 : 0) | 64) >>> 0);
      return b;
    }),
    payload,
  ]);
export const pppoe = (session: number, pppProto: number, payload: Buffer) =>
  Buffer.concat([hex('1100'), u16(session), u16(payload.length + 2), u16(pppProto), payload]);
/** Linux cooked v1: sent by us, Ethernet, the sender's address, the protocol. */
export const sll = (protocol: number, payload: Buffer, addr = MAC_A) =>
  Buffer.concat([hex('0004 0001 0006'), addr, hex('0000'), u16(protocol), payload]);

export const payload = (n: number, seed = 1) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 7 + seed) & 0xff));

/** A pcap file (microseconds) of these frames, one second apart. */
export function writePcap(
  path: string,
  linkType: number,
  frames: (Buffer | { data: Buffer; wireLen: number })[],
  startSec = 1_700_000_000,
): void {
  const parts: Buffer[] = [];
  const gh = Buffer.alloc(24);
  gh.writeUInt32LE(0xa1b2c3d4, 0);
  gh.writeUInt16LE(2, 4);
  gh.writeUInt16LE(4, 6);
  gh.writeUInt32LE(262144, 16);
  gh.writeUInt32LE(linkType, 20);
  parts.push(gh);
  frames.forEach((f, i) => {
    const data = Buffer.isBuffer(f) ? f : f.data;
    const wire = Buffer.isBuffer(f) ? f.length : f.wireLen;
    const h = Buffer.alloc(16);
    h.writeUInt32LE(startSec + i, 0);
    h.writeUInt32LE(123456, 4);
    h.writeUInt32LE(data.length, 8);
    h.writeUInt32LE(wire, 12);
    parts.push(h, data);
  });
  writeFileSync(path, Buffer.concat(parts));
}

/**
 * The frame (Ethernet, then IPv4 or IPv6 with no extension header, then
 * `at` bytes of tunnel if any) cut into IP fragments whose data are `sizes`
 * bytes (multiples of 8), the rest last; `ip` is the frame offset of the IP
 * header that is fragmented.
 */
export function ipFragments(frame: Buffer, sizes: number[], ip = 14, id = 0x4242): Buffer[] {
  const six = frame[ip] >> 4 === 6;
  const hl = six ? 40 : (frame[ip] & 0x0f) * 4;
  const body = frame.subarray(ip + hl);
  const out: Buffer[] = [];
  let at = 0;
  for (let i = 0; at < body.length; i++) {
    const n = i < sizes.length ? sizes[i] : body.length - at;
    const more = at + n < body.length;
    const data = body.subarray(at, at + n);
    const h = Buffer.from(frame.subarray(ip, ip + hl));
    let ipPart: Buffer;
    if (six) {
      const f = Buffer.alloc(8);
      f[0] = h[6];
      f.writeUInt16BE(at | (more ? 1 : 0), 2);
      f.writeUInt32BE(id, 4);
      h[6] = IPPROTO.FRAGMENT;
      h.writeUInt16BE(8 + data.length, 4);
      ipPart = Buffer.concat([h, f, data]);
    } else {
      h.writeUInt16BE(hl + data.length, 2);
      h.writeUInt16BE(id, 4);
      h.writeUInt16BE((more ? 0x2000 : 0) | (at / 8), 6);
      ipPart = Buffer.concat([h, data]);
      fixIpv4HeaderChecksum(ipPart, 0);
    }
    out.push(Buffer.concat([frame.subarray(0, ip), ipPart]));
    at += n;
  }
  return out;
}

/**
 * The TCP payload bytes of one direction (source port `port`) of Ethernet +
 * IPv4 frames, placed by sequence number from `firstSeq` (the direction's
 * first data byte): what its receiver reads, bytes never sent read as 0.
 */
export function streamBytes(out: { data: Buffer }[], port: number, firstSeq: number): string {
  const bytes: number[] = [];
  for (const d of out) {
    const f = d.data;
    const tcp = 14 + (f[14] & 0x0f) * 4;
    if (f.readUInt16BE(tcp) !== port) continue;
    const p = f.subarray(tcp + (f[tcp + 12] >> 4) * 4);
    const at = (f.readUInt32BE(tcp + 4) - firstSeq) >>> 0;
    for (let i = 0; i < p.length; i++) bytes[at + i] = p[i];
  }
  return Buffer.from(Array.from(bytes, (x) => x ?? 0)).toString('latin1');
}
