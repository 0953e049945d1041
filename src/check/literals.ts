import { isIPv6 } from 'node:net';

/**
 * Parsing of address literals. Each returns undefined for a malformed literal;
 * the caller reports TMES0011 with the literal's span.
 */

export interface Ipv4Prefix {
  addr: number;
  len: number;
  hostBits: boolean;
}
export interface Ipv6Prefix {
  words: [number, number, number, number];
  len: number;
  hostBits: boolean;
}

function prefixLen(text: string, max: number): { body: string; len: number } | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return { body: text, len: max };
  const len = Number(text.slice(slash + 1));
  if (!Number.isInteger(len) || len < 0 || len > max) return undefined;
  return { body: text.slice(0, slash), len };
}

/** IPv4 with optional /len; like pcap, 10/8 and 192.168.1/24 fill missing octets with zeros. */
export function parseIpv4(text: string, allowPartial = true): Ipv4Prefix | undefined {
  const p = prefixLen(text, 32);
  if (!p) return undefined;
  const parts = p.body.split('.');
  if (parts.length > 4 || (parts.length < 4 && !(allowPartial && text.includes('/')) && parts.length !== 3))
    return undefined;
  let addr = 0;
  for (let i = 0; i < 4; i++) {
    const s = parts[i] ?? '0';
    if (!/^[0-9]{1,3}$/.test(s)) return undefined;
    const v = Number(s);
    if (v > 255) return undefined;
    addr = addr * 256 + v;
  }
  // pcap: `net 192.168.1` means 192.168.1.0/24
  const len = text.includes('/') ? p.len : parts.length === 3 ? 24 : 32;
  const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
  return { addr, len, hostBits: (addr & ~mask) >>> 0 !== 0 };
}

export function parseIpv6(text: string): Ipv6Prefix | undefined {
  const p = prefixLen(text, 128);
  if (!p || !isIPv6(p.body)) return undefined;
  let body = p.body;
  // an embedded IPv4 tail (::ffff:1.2.3.4) becomes two hex groups
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(body);
  if (v4) {
    const a = parseIpv4(v4[1], false)!.addr;
    body = body.slice(0, -v4[1].length) + ((a >>> 16) & 0xffff).toString(16) + ':' + (a & 0xffff).toString(16);
  }
  const [head, tail] = body.split('::');
  const h = head ? head.split(':') : [];
  const t = tail !== undefined ? (tail ? tail.split(':') : []) : [];
  const groups = tail !== undefined ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
  const g = groups.map((x) => parseInt(x, 16));
  const words: [number, number, number, number] = [0, 0, 0, 0];
  for (let i = 0; i < 4; i++) words[i] = (g[2 * i] * 65536 + g[2 * i + 1]) >>> 0;
  let hostBits = false;
  for (let i = 0; i < 4; i++) {
    const bitsHere = Math.max(0, Math.min(32, p.len - 32 * i));
    const mask = bitsHere === 0 ? 0 : bitsHere === 32 ? 0xffffffff : (0xffffffff << (32 - bitsHere)) >>> 0;
    if ((words[i] & ~mask) >>> 0 !== 0) hostBits = true;
  }
  return { words, len: p.len, hostBits };
}

/**
 * MAC as a 48-bit number, in pcap's spellings: six groups of one or two hex
 * digits joined by one of `:`, `-` and `.`, `xxxx.xxxx.xxxx`, or twelve hex
 * digits in a row.
 */
export function parseMac(text: string): number | undefined {
  if (/^[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}$/.test(text) || isBareMac(text))
    return parseInt(text.replaceAll('.', ''), 16);
  const sep = /[:.-]/.exec(text)?.[0] ?? ':';
  const parts = text.split(sep);
  if (parts.length !== 6 || !parts.every((x) => /^[0-9A-Fa-f]{1,2}$/.test(x))) return undefined;
  return parts.reduce((acc, x) => acc * 256 + parseInt(x, 16), 0);
}

/** Twelve hex digits in a row: a MAC address, as pcap reads aabbccddeeff. */
export function isBareMac(text: string): boolean {
  return /^[0-9A-Fa-f]{12}$/.test(text);
}

/**
 * pcap's short IPv4 networks, written as a number: `net 10` is 10.0.0.0/8,
 * `net 172.16` (and `host 172.16`) 172.16.0.0/16. A whole number after `net`
 * is shifted left a byte at a time until its top byte is not zero, as
 * libpcap does; after `host` it is the address itself (`host 10` is
 * 0.0.0.10). Undefined when it is not one.
 */
export function shortNet(text: string, type: 'host' | 'net'): { addr: number; len: number } | undefined {
  const pair = /^([0-9]{1,3})\.([0-9]{1,3})$/.exec(text);
  if (pair) {
    const [a, b] = [Number(pair[1]), Number(pair[2])];
    return a > 255 || b > 255 ? undefined : { addr: (a * 2 ** 24 + b * 2 ** 16) >>> 0, len: 16 };
  }
  if (!/^(?:[0-9]+|0[xX][0-9A-Fa-f]+)$/.test(text)) return undefined;
  let addr = Number(text);
  if (addr > 0xffffffff) return undefined;
  let len = 32;
  if (type === 'net')
    while (addr !== 0 && addr < 2 ** 24) {
      addr *= 256;
      len -= 8;
    }
  return { addr, len };
}

export function formatIpv4(a: number): string {
  return [a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255].join('.');
}

/** Network address of a prefix: the address with its host bits cleared. */
export function ipv4Network(p: Ipv4Prefix): number {
  const mask = p.len === 0 ? 0 : (0xffffffff << (32 - p.len)) >>> 0;
  return (p.addr & mask) >>> 0;
}
