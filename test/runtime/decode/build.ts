/**
 * Hand-built frames for the decoder tests: each builder returns the bytes of
 * one header followed by its payload, filling length fields from the payload
 * unless told otherwise. Checksums are left zero; the decoder never looks.
 */
import { ip4FromString, ip6FromString } from './addresses.js';

export type Bytes = Uint8Array | readonly number[];

export function cat(...parts: Bytes[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

export const u16 = (n: number): number[] => [(n >>> 8) & 255, n & 255];
export const u24 = (n: number): number[] => [(n >>> 16) & 255, (n >>> 8) & 255, n & 255];
export const u32 = (n: number): number[] => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
export const zeros = (n: number): number[] => Array<number>(n).fill(0);

export const mac = (s: string): number[] => s.split(':').map((x) => parseInt(x, 16));
export const ip4 = (s: string): number[] => u32(ip4FromString(s));
export const ip6 = (s: string): number[] => ip6FromString(s).flatMap(u32);

export const MAC_A = '02:00:00:00:00:0a';
const MAC_B = '02:00:00:00:00:0b';

export function eth(type: number, payload: Bytes, dst = MAC_B, src = MAC_A): Uint8Array {
  return cat(mac(dst), mac(src), u16(type), payload);
}

/** One 802.1Q-style tag as it follows its TPID: TCI, then the next type. */
export function tag(vid: number, nextType: number, pcp = 0): number[] {
  return [...u16((pcp << 13) | vid), ...u16(nextType)];
}

export function mplsEntry(label: number, bottom: boolean, ttl = 64): number[] {
  return u32(((label << 12) | (bottom ? 0x100 : 0) | ttl) >>> 0);
}

export interface Ipv4Options {
  src?: string;
  dst?: string;
  proto: number;
  ttl?: number;
  tos?: number;
  /** The 16-bit flags + fragment offset word. */
  frag?: number;
  options?: number[];
  totalLen?: number;
  version?: number;
  ihl?: number;
}

export function ipv4(o: Ipv4Options, payload: Bytes = []): Uint8Array {
  const opts = o.options ?? [];
  const ihl = o.ihl ?? 5 + opts.length / 4;
  const total = o.totalLen ?? 20 + opts.length + payload.length;
  return cat(
    [((o.version ?? 4) << 4) | ihl, o.tos ?? 0],
    u16(total),
    u16(0x1234),
    u16(o.frag ?? 0),
    [o.ttl ?? 64, o.proto],
    u16(0),
    ip4(o.src ?? '192.0.2.1'),
    ip4(o.dst ?? '198.51.100.2'),
    opts,
    payload,
  );
}

export interface Ipv6Options {
  src?: string;
  dst?: string;
  next: number;
  hlim?: number;
  tclass?: number;
  payloadLen?: number;
}

export function ipv6(o: Ipv6Options, payload: Bytes = []): Uint8Array {
  const tc = o.tclass ?? 0;
  return cat(
    [0x60 | (tc >> 4), (tc & 15) << 4, 0, 1],
    u16(o.payloadLen ?? payload.length),
    [o.next, o.hlim ?? 64],
    ip6(o.src ?? '2001:db8::1'),
    ip6(o.dst ?? '2001:db8::2'),
    payload,
  );
}

/** A generic IPv6 extension header (hop-by-hop, routing, destination options) padded to 8-byte units. */
export function ext6(next: number, body: number[] = zeros(6)): number[] {
  const len = 2 + body.length;
  if (len % 8 !== 0) throw new Error('extension header must be a multiple of 8 bytes');
  return [next, len / 8 - 1, ...body];
}

export function frag6(next: number, offset: number, more: boolean, id = 1): number[] {
  return [next, 0, ...u16((offset << 3) | (more ? 1 : 0)), ...u32(id)];
}

export interface TcpOptions {
  flags?: number;
  seq?: number;
  ack?: number;
  options?: number[];
}

export function tcp(src: number, dst: number, o: TcpOptions = {}, payload: Bytes = []): Uint8Array {
  const opts = o.options ?? [];
  const words = 5 + opts.length / 4;
  return cat(
    u16(src),
    u16(dst),
    u32(o.seq ?? 1000),
    u32(o.ack ?? 2000),
    [words << 4, o.flags ?? 0x18],
    u16(65535),
    u16(0),
    u16(0),
    opts,
    payload,
  );
}

export function udp(src: number, dst: number, payload: Bytes = [], length?: number): Uint8Array {
  return cat(u16(src), u16(dst), u16(length ?? 8 + payload.length), u16(0), payload);
}

export function icmp(type: number, code: number, payload: Bytes = []): Uint8Array {
  return cat([type, code], u16(0), u32(0x00010002), payload);
}

export function sctp(src: number, dst: number, payload: Bytes = []): Uint8Array {
  return cat(u16(src), u16(dst), u32(0xdeadbeef), u32(0), payload);
}

export interface GreOptions {
  proto: number;
  checksum?: boolean;
  key?: number;
  seq?: number;
}

export function gre(o: GreOptions, payload: Bytes = []): Uint8Array {
  const flags = (o.checksum ? 0x8000 : 0) | (o.key !== undefined ? 0x2000 : 0) | (o.seq !== undefined ? 0x1000 : 0);
  return cat(
    u16(flags),
    u16(o.proto),
    o.checksum ? zeros(4) : [],
    o.key !== undefined ? u32(o.key) : [],
    o.seq !== undefined ? u32(o.seq) : [],
    payload,
  );
}

export function vxlan(vni: number, payload: Bytes): Uint8Array {
  return cat([0x08, 0, 0, 0], u24(vni), [0], payload);
}

/** A small complete inner packet: IPv4/UDP 10.0.0.1:1111 -> 10.0.0.2:2222 with 4 payload bytes. */
export function innerIpv4Udp(): Uint8Array {
  return ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: 17, ttl: 9 }, udp(1111, 2222, [1, 2, 3, 4]));
}
