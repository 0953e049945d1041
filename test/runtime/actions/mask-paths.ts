import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ETHERTYPE } from '../../../src/fields/ethertype.js';
import { LINKTYPE } from '../../../src/fields/fields.js';
import { IPPROTO } from '../../../src/fields/ip-proto.js';
import { fixIpv4HeaderChecksum, fixL4Checksum } from '../../../src/runtime/actions/checksum.js';
import { cardNumbersIn, luhn, luhnNumbersIn } from './card-numbers.js';
import { ethTagged, hex, MAC_A, MAC_B, mpls, qinq, udp, vlan } from './frames.js';

/**
 * Hostile TCP traffic with secrets at known stream offsets, for the mask
 * paths differential (mask-paths-differential.test.ts), and an oracle that
 * reads what a tool received without tmesc's decoder: its own parser
 * (Ethernet, VLAN/QinQ, MPLS, IPv4 with options and fragments, IPv6 with
 * extension headers, GRE, VXLAN, GTP-U; raw IP, Linux cooked, BSD null),
 * its own IP reassembly and its own TCP stream reassembly by sequence number.
 */

// ---- a seeded generator (no Math.random: the traffic is the same every run)

export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 1;
  }
  next(): number {
    // xorshift32
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x >>> 0;
    return this.s;
  }
  int(n: number): number {
    return this.next() % n;
  }
  pick<T>(a: readonly T[]): T {
    return a[this.int(a.length)];
  }
  word(n: number, alphabet = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ'): string {
    let w = '';
    for (let i = 0; i < n; i++) w += alphabet[this.int(alphabet.length)];
    return w;
  }
}

// ---- secrets

/** A Luhn-valid card number, written plain, in 4-digit groups, or Amex 4-6-5, with space or dash. */
export function cardNumber(r: Rng): string {
  const len = r.pick([13, 15, 16, 16, 16, 19]);
  let d = String(r.pick([3, 4, 5, 6]));
  while (d.length < len - 1) d += String(r.int(10));
  for (let c = 0; c < 10; c++)
    if (luhn(d + c)) {
      d += c;
      break;
    }
  const sep = r.pick(['', ' ', '-']);
  if (sep === '') return d;
  if (len === 15) return [d.slice(0, 4), d.slice(4, 10), d.slice(10)].join(sep);
  const g: string[] = [];
  for (let i = 0; i < d.length; i += 4) g.push(d.slice(i, i + 4));
  // a last group of fewer than 3 digits is not how cards are printed: join it to the one before
  if (g[g.length - 1].length < 3) g.splice(g.length - 2, 2, g[g.length - 2] + g[g.length - 1]);
  return g.join(sep);
}

/** A number shaped as a card that is none: no window of it passes the Luhn check (as the built-in reads it, or loosely). */
export function decoyNumber(r: Rng): string {
  for (;;) {
    const c = cardNumber(r);
    const last = c.slice(-1);
    const d = c.slice(0, -1) + String((Number(last) + 1 + r.int(9)) % 10);
    if (cardNumbersIn(d).length === 0 && luhnNumbersIn(d).length === 0) return d;
  }
}

// ---- sessions

export type Dir = 0 | 1;

/** A place in a direction's stream (offset 0: the byte after the SYN) that must come out filled. */
export interface Secret {
  dir: Dir;
  start: number;
  end: number;
  kind: 'credential' | 'card' | 'pattern';
  text: string;
}

export interface Script {
  port: number;
  /** What each side sends, in order; `bytewise`: one byte a segment (Telnet typing). */
  turns: { dir: Dir; text: string; bytewise?: boolean }[];
  /** Credential strings (found in either stream), card numbers, decoys (must survive where nothing hides them). */
  creds: string[];
  cards: string[];
  decoys: string[];
  /** Texts a user pattern masks (`/tok-[a-z]+/`). */
  tokens: string[];
}

const b64 = (s: string) => Buffer.from(s, 'latin1').toString('base64');

export const PROTOCOLS = ['http', 'form', 'ftp', 'pop3', 'imap', 'smtp-plain', 'smtp-login', 'telnet'] as const;
/** `bulk`: long bodies (several full-size segments) with card numbers, decoys and long ids at every alignment. */
export type Protocol = (typeof PROTOCOLS)[number] | 'bulk';

/** One login and some card data in the protocol, secrets random. */
export function script(proto: Protocol, r: Rng): Script {
  const user = `u${r.word(7)}`;
  const pw = `P${r.word(9)}`;
  const card = cardNumber(r);
  const decoy = decoyNumber(r);
  const token = `tok-${r.word(8, 'abcdefghijklmnopqrstuvwxyz')}`;
  const base = { cards: [card], decoys: [decoy], tokens: [token] };
  switch (proto) {
    case 'http':
      return {
        ...base,
        port: 80,
        turns: [
          {
            dir: 0,
            text: `GET /a?q=${token} HTTP/1.1\r\nHost: shop\r\nAuthorization: Basic ${b64(`${user}:${pw}`)}\r\nAccept: */*\r\n\r\n`,
          },
          { dir: 1, text: `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\ncard ${card} ref ${decoy}\r\n` },
        ],
        creds: [b64(`${user}:${pw}`)],
      };
    case 'form': {
      const body = `username=${user}&password=${pw}&pan=${card}&ref=${decoy}&t=${token}`;
      return {
        ...base,
        port: 8080,
        turns: [
          {
            dir: 0,
            text: `POST /login HTTP/1.1\r\nHost: shop\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
          },
          { dir: 1, text: `HTTP/1.1 302 Found\r\nLocation: /\r\n\r\n` },
        ],
        creds: [user, pw],
      };
    }
    case 'ftp':
      return {
        ...base,
        port: 21,
        turns: [
          { dir: 1, text: '220 ftp ready\r\n' },
          { dir: 0, text: `USER ${user}\r\n` },
          { dir: 1, text: '331 need password\r\n' },
          { dir: 0, text: `PASS ${pw}\r\n` },
          { dir: 1, text: '230 logged in\r\n' },
          { dir: 0, text: `SITE NOTE ${card} ref ${decoy} ${token}\r\n` },
          { dir: 1, text: '200 ok\r\n' },
        ],
        creds: [user, pw],
      };
    case 'pop3':
      return {
        ...base,
        port: 110,
        turns: [
          { dir: 1, text: '+OK POP3 ready\r\n' },
          { dir: 0, text: `USER ${user}\r\n` },
          { dir: 1, text: '+OK\r\n' },
          { dir: 0, text: `PASS ${pw}\r\n` },
          { dir: 1, text: '+OK maildrop\r\n' },
          { dir: 0, text: 'RETR 1\r\n' },
          { dir: 1, text: `+OK\r\nSubject: order\r\n\r\ncard ${card} ref ${decoy} ${token}\r\n.\r\n` },
        ],
        creds: [user, pw],
      };
    case 'imap':
      return {
        ...base,
        port: 143,
        turns: [
          { dir: 1, text: '* OK IMAP4rev1 ready\r\n' },
          { dir: 0, text: `a1 LOGIN ${user} ${pw}\r\n` },
          { dir: 1, text: 'a1 OK LOGIN completed\r\n' },
          { dir: 0, text: 'a2 SELECT INBOX\r\n' },
          { dir: 1, text: `* FLAGS ()\r\n* OK [ALERT] card ${card} ref ${decoy} ${token}\r\na2 OK\r\n` },
        ],
        creds: [user, pw],
      };
    case 'smtp-plain':
      return {
        ...base,
        port: 25,
        turns: [
          { dir: 1, text: '220 mx ESMTP\r\n' },
          { dir: 0, text: 'EHLO client\r\n' },
          { dir: 1, text: '250-mx\r\n250 AUTH PLAIN LOGIN\r\n' },
          { dir: 0, text: `AUTH PLAIN ${b64(`\0${user}\0${pw}`)}\r\n` },
          { dir: 1, text: '235 ok\r\n' },
          { dir: 0, text: 'DATA\r\n' },
          { dir: 1, text: '354 go\r\n' },
          { dir: 0, text: `Subject: pay\r\n\r\ncard ${card} ref ${decoy} ${token}\r\n.\r\n` },
          { dir: 1, text: '250 queued\r\n' },
        ],
        creds: [b64(`\0${user}\0${pw}`)],
      };
    case 'smtp-login':
      return {
        ...base,
        port: 587,
        turns: [
          { dir: 1, text: '220 mx ESMTP\r\n' },
          { dir: 0, text: 'EHLO client\r\n' },
          { dir: 1, text: '250 AUTH LOGIN\r\n' },
          { dir: 0, text: 'AUTH LOGIN\r\n' },
          { dir: 1, text: '334 VXNlcm5hbWU6\r\n' },
          { dir: 0, text: `${b64(user)}\r\n` },
          { dir: 1, text: '334 UGFzc3dvcmQ6\r\n' },
          { dir: 0, text: `${b64(pw)}\r\n` },
          { dir: 1, text: '235 ok\r\n' },
          { dir: 0, text: `DATA\r\n` },
          { dir: 1, text: '354 go\r\n' },
          { dir: 0, text: `card ${card} ref ${decoy} ${token}\r\n.\r\n` },
        ],
        creds: [b64(user), b64(pw)],
      };
    case 'bulk': {
      // lines of filler of every length 0..47 before a card, a decoy and an id of more than 19 digits (which survives,
      // every window in it too), so that the secrets meet every place of the finder's blocks
      const cards: string[] = [];
      const decoys: string[] = [];
      let body = '';
      for (let i = 0; i < 48; i++) {
        const c = cardNumber(r);
        const d = decoyNumber(r);
        const id = String(1 + r.int(9)) + Array.from({ length: 19 + r.int(6) }, () => r.int(10)).join('');
        cards.push(c);
        decoys.push(d, id);
        body += `${'x'.repeat(i)} item ${i}: ${c} ref ${d} id ${id}\r\n`;
      }
      const form = `${'q=1&'.repeat(300 + r.int(8))}password=${pw}&note=${'y'.repeat(r.int(16))}`;
      return {
        port: 80,
        turns: [
          {
            dir: 0,
            text: `POST /bulk HTTP/1.1\r\nHost: shop\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${form.length}\r\n\r\n${form}`,
          },
          { dir: 1, text: `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n${body}` },
        ],
        creds: [pw],
        cards,
        decoys,
        tokens: [],
      };
    }
    case 'telnet': {
      const turns: Script['turns'] = [{ dir: 1, text: '\xff\xfd\x18\xff\xfb\x01Welcome\r\nlogin: ' }];
      // typed a byte a segment, the server echoing each (not the password)
      for (const ch of `${user}\r\n`) turns.push({ dir: 0, text: ch }, { dir: 1, text: ch });
      turns.push({ dir: 1, text: 'Password: ' }, { dir: 0, text: `${pw}\r\n`, bytewise: true });
      turns.push({ dir: 1, text: '\r\n$ ' });
      for (const ch of `pay ${card} ${decoy}\r\n`) turns.push({ dir: 0, text: ch }, { dir: 1, text: ch });
      return { ...base, tokens: [], port: 23, turns, creds: [user, pw] };
    }
  }
}

/** The two streams of a script, and where its secrets lie in them. */
export function streamsOf(sc: Script): { streams: [string, string]; secrets: Secret[]; decoys: Secret[] } {
  const streams: [string, string] = ['', ''];
  for (const t of sc.turns) streams[t.dir] += t.text;
  const secrets: Secret[] = [];
  const decoys: Secret[] = [];
  const find = (texts: string[], kind: Secret['kind'], into: Secret[]) => {
    for (const text of texts)
      for (const dir of [0, 1] as const)
        for (let at = streams[dir].indexOf(text); at >= 0; at = streams[dir].indexOf(text, at + 1))
          into.push({ dir, start: at, end: at + text.length, kind, text });
  };
  find(sc.creds, 'credential', secrets);
  find(sc.cards, 'card', secrets);
  find(sc.tokens, 'pattern', secrets);
  find(sc.decoys, 'card', decoys);
  return { streams, secrets, decoys };
}

// ---- segments and frames

export const FIN = 0x01;
export const SYN = 0x02;
export const RST = 0x04;
export const PSH = 0x08;
export const ACK = 0x10;

export interface Seg {
  dir: Dir;
  seq: number;
  ack: number;
  flags: number;
  payload: Buffer;
  window?: number;
  /** TCP options (a multiple of 4 bytes). */
  options?: Buffer;
  /** A data offset other than the header's length (words): a malformed header. */
  dataOffset?: number;
  /** Bytes the capture kept of the frame (snap length), from its end: this many cut. */
  cut?: number;
  /** IPv4: sent as two fragments. */
  fragment?: boolean;
  /** Seconds of capture time before this segment (on top of the records' step): a sender that waits. */
  delay?: number;
  /** This segment's framing, other than its session's. */
  enc?: Encap;
  /** New sessions (a SYN each, of other endpoints) the group sees just before this segment (interleaveIdle). */
  foreign?: number;
}

export type Encap =
  | 'eth'
  | 'vlan'
  | 'qinq'
  | 'mpls'
  | 'v6'
  | 'v6ext'
  | 'v4opt'
  | 'gre'
  | 'vxlan'
  | 'gtp'
  /** L2TPv2 on UDP 1701 and PPTP's enhanced GRE, each carrying PPP: not in ENCAPS (tests of their own). */
  | 'l2tp'
  | 'pptp';
export const ENCAPS: readonly Encap[] = ['eth', 'vlan', 'qinq', 'mpls', 'v6', 'v6ext', 'v4opt', 'gre', 'vxlan', 'gtp'];

export interface Endpoints {
  /** IPv4 addresses (8 hex digits) or IPv6 (32). */
  addr: [string, string];
  ports: [number, number];
}

const u16 = (v: number) => Buffer.from([(v >>> 8) & 0xff, v & 0xff]);
const u32 = (v: number) => Buffer.from([v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff]);

function tcpBytes(s: Seg, ep: Endpoints): Buffer {
  const opts = s.options ?? Buffer.alloc(0);
  const h = Buffer.alloc(20);
  h.writeUInt16BE(ep.ports[s.dir], 0);
  h.writeUInt16BE(ep.ports[1 - s.dir], 2);
  h.writeUInt32BE(s.seq >>> 0, 4);
  h.writeUInt32BE(s.ack >>> 0, 8);
  h[12] = (s.dataOffset ?? (20 + opts.length) / 4) << 4;
  h[13] = s.flags;
  h.writeUInt16BE(s.window ?? 65535, 14);
  return Buffer.concat([h, opts, s.payload]);
}

function v4(
  proto: number,
  body: Buffer,
  src: string,
  dst: string,
  opts: Buffer = Buffer.alloc(0),
  id = 0x1234,
): Buffer {
  const h = Buffer.alloc(20 + opts.length);
  h[0] = 0x40 | (h.length >> 2);
  h.writeUInt16BE(h.length + body.length, 2);
  h.writeUInt16BE(id, 4);
  h.writeUInt16BE(0x4000, 6);
  h[8] = 64;
  h[9] = proto;
  hex(src).copy(h, 12);
  hex(dst).copy(h, 16);
  opts.copy(h, 20);
  const p = Buffer.concat([h, body]);
  fixIpv4HeaderChecksum(p, 0);
  if (proto === IPPROTO.TCP || proto === IPPROTO.UDP) fixL4Checksum(p, 0, proto, h.length, body.length);
  return p;
}

function v6(proto: number, body: Buffer, src: string, dst: string, ext: Buffer = Buffer.alloc(0)): Buffer {
  const h = Buffer.alloc(40);
  h[0] = 0x60;
  h.writeUInt16BE(ext.length + body.length, 4);
  h[6] = ext.length ? IPPROTO.HOPOPTS : proto;
  h[7] = 64;
  hex(src).copy(h, 8);
  hex(dst).copy(h, 24);
  const p = Buffer.concat([h, ext, body]);
  if (proto === IPPROTO.TCP || proto === IPPROTO.UDP) fixL4Checksum(p, 0, proto, 40 + ext.length, body.length);
  return p;
}

/** IPv6 hop-by-hop (PadN) then destination options (PadN), then `next`. */
const v6ext = (next: number) => Buffer.concat([hex('3c000104 00000000'), Buffer.from([next]), hex('00 0104 00000000')]);

/** An IPv4 packet as two fragments, the first carrying `first` bytes (a multiple of 8) of its payload. */
function fragments(p: Buffer, first: number): Buffer[] {
  const hl = (p[0] & 0x0f) * 4;
  const body = p.subarray(hl);
  const parts = [body.subarray(0, first), body.subarray(first)];
  return parts.map((b, i) => {
    const h = Buffer.from(p.subarray(0, hl));
    h.writeUInt16BE(hl + b.length, 2);
    h.writeUInt16BE((i === 0 ? 0x2000 : 0) | (i === 0 ? 0 : first / 8), 6);
    const f = Buffer.concat([h, b]);
    fixIpv4HeaderChecksum(f, 0);
    return f;
  });
}

/** L2TPv2's UDP port, PPTP's GRE protocol (PPP) and the PPP protocol numbers of IPv4 and IPv6. */
const L2TP_PORT = 1701;
const GRE_PPP = 0x880b;
const PPP_IPV4 = 0x0021;
const PPP_IPV6 = 0x0057;
/** A PPP frame (address and control ff 03, then the protocol) of an IP packet. */
const pppOf = (ip: Buffer) => Buffer.concat([hex('ff03'), u16(ip[0] >> 4 === 6 ? PPP_IPV6 : PPP_IPV4), ip]);
/** An L2TPv2 data message (no length, sequence or offset): tunnel id, session id (set per direction by tests), PPP. */
const l2tpV2 = (body: Buffer) => Buffer.concat([hex('0002 0007 0009'), pppOf(body)]);
/** PPTP's enhanced GRE (RFC 2637: key and sequence present, version 1): payload length, call id, sequence number. */
const pptpGre = (body: Buffer) => {
  const ppp = pppOf(body);
  return Buffer.concat([hex('3001'), u16(GRE_PPP), u16(ppp.length), u16(0x0009), u32(1), ppp]);
};
const gtpU = (body: Buffer) => Buffer.concat([hex('30ff'), u16(body.length), u32(0xabcdef), body]);
const ipType = (ip: Buffer) => (ip[0] >> 4 === 6 ? ETHERTYPE.IPV6 : ETHERTYPE.IPV4);
const ethOf = (ip: Buffer) => Buffer.concat([MAC_B, MAC_A, u16(ipType(ip)), ip]);

/** The IP packets (two for a fragmented one) of a segment, in the session's encapsulation. */
function ipPackets(s: Seg, ep: Endpoints, enc: Encap): Buffer[] {
  const t = tcpBytes(s, ep);
  const [src, dst] = s.dir === 0 ? ep.addr : [ep.addr[1], ep.addr[0]];
  const six = src.length === 32;
  let ip: Buffer;
  if (six) ip = v6(IPPROTO.TCP, t, src, dst, enc === 'v6ext' ? v6ext(IPPROTO.TCP) : undefined);
  else ip = v4(IPPROTO.TCP, t, src, dst, enc === 'v4opt' ? hex('01010100 44080501 00000000') : undefined);
  const ips =
    s.fragment && !six && t.length > 24 ? fragments(ip, 8 * Math.max(1, Math.floor((t.length - 8) / 16))) : [ip];
  return ips;
}

/** The frame (before the capture's cut) of an IP packet, for the link type and encapsulation. */
function framed(ip: Buffer, enc: Encap, link: number, tunnelIds: [number, number]): Buffer {
  let inner = ip;
  const outer = (proto: number, body: Buffer) =>
    v4(proto, body, '0a' + '63' + tunnelIds[0].toString(16).padStart(4, '0'), '0a640001', undefined, tunnelIds[1]);
  if (enc === 'gre') inner = outer(IPPROTO.GRE, Buffer.concat([hex('0000'), u16(ipType(ip)), ip]));
  else if (enc === 'vxlan')
    inner = outer(
      IPPROTO.UDP,
      udp(49152 + (tunnelIds[0] & 0x3fff), 4789, Buffer.concat([hex('08000000 00002a00'), ethOf(ip)])),
    );
  else if (enc === 'gtp') inner = outer(IPPROTO.UDP, udp(2152, 2152, gtpU(ip)));
  else if (enc === 'l2tp') inner = outer(IPPROTO.UDP, udp(L2TP_PORT, L2TP_PORT, l2tpV2(ip)));
  else if (enc === 'pptp') inner = outer(IPPROTO.GRE, pptpGre(ip));
  switch (link) {
    case LINKTYPE.RAW:
      return inner;
    case LINKTYPE.LINUX_SLL:
      return Buffer.concat([hex('0000 0001 0006'), MAC_A, hex('0000'), u16(ipType(inner)), inner]);
    case LINKTYPE.NULL: {
      // BSD loopback: the address family in the capturing host's order (little-endian here); AF_INET6 is 24, 28 or 30
      const af = Buffer.alloc(4);
      af.writeUInt32LE(ipType(inner) === ETHERTYPE.IPV6 ? 24 : 2);
      return Buffer.concat([af, inner]);
    }
  }
  if (enc === 'vlan') return ethTagged([vlan(7)], ipType(inner), inner);
  if (enc === 'qinq') return ethTagged([qinq(20), vlan(30)], ipType(inner), inner);
  if (enc === 'mpls') return Buffer.concat([MAC_B, MAC_A, u16(ETHERTYPE.MPLS), mpls([100, 200], inner)]);
  return ethOf(inner);
}

export interface Rec {
  data: Buffer;
  wireLen: number;
  /** Seconds added to the clock before this record (pcapFile). */
  delay?: number;
}

/** A segment's records: its frame, or two fragments' frames, cut by the capture as it says. */
export function records(s: Seg, ep: Endpoints, enc: Encap, link: number, tunnelIds: [number, number]): Rec[] {
  const e = s.enc ?? enc;
  return ipPackets(s, ep, e).map((ip, k) => {
    const f = framed(ip, e, link, tunnelIds);
    const cut = Math.min(s.cut ?? 0, f.length - 1);
    return { data: f.subarray(0, f.length - cut), wireLen: f.length, delay: k === 0 ? s.delay : undefined };
  });
}

/** A pcap file (microseconds, or `nano`seconds) of records, `step` seconds apart (and a record's `delay` more). */
export function pcapFile(
  dir: string,
  name: string,
  recs: readonly Rec[],
  link: number,
  step = 0.0001,
  nano = false,
): string {
  const head = Buffer.alloc(24);
  head.writeUInt32LE(nano ? 0xa1b23c4d : 0xa1b2c3d4, 0);
  head.writeUInt16LE(2, 4);
  head.writeUInt16LE(4, 6);
  head.writeUInt32LE(262144, 16);
  head.writeUInt32LE(link, 20);
  const parts = [head];
  const t0 = 1_700_000_000;
  let waited = 0;
  recs.forEach((r, i) => {
    const h = Buffer.alloc(16);
    waited += r.delay ?? 0;
    const unit = nano ? 1e9 : 1e6;
    const sub = Math.round((i * step + waited) * unit);
    h.writeUInt32LE(t0 + Math.floor(sub / unit), 0);
    h.writeUInt32LE(sub % unit, 4);
    h.writeUInt32LE(r.data.length, 8);
    h.writeUInt32LE(Math.max(r.wireLen, r.data.length), 12);
    parts.push(h, Buffer.from(r.data));
  });
  const p = join(dir, name);
  writeFileSync(p, Buffer.concat(parts));
  return p;
}

// ---- the oracle's reading of a tool's file

/** The records of a pcap file and its link type. */
export function readPcap(b: Buffer): { link: number; recs: Buffer[] } {
  b = Buffer.from(b.buffer, b.byteOffset, b.length);
  const magic = b.readUInt32LE(0);
  if (magic !== 0xa1b2c3d4 && magic !== 0xa1b23c4d)
    throw new Error(`not a little-endian pcap file: ${magic.toString(16)}`);
  const recs: Buffer[] = [];
  for (let at = 24; at + 16 <= b.length;) {
    const n = b.readUInt32LE(at + 8);
    recs.push(b.subarray(at + 16, at + 16 + n));
    at += 16 + n;
  }
  return { link: b.readUInt32LE(20), recs };
}

/** A TCP segment as the oracle reads it: its direction's key, sequence number, flags and the payload captured. */
export interface Read {
  key: string;
  seq: number;
  flags: number;
  payload: Buffer;
}

/** IPv4 fragments waiting for the rest of their datagram: key -> (offset -> bytes), the last's end. */
type Frags = Map<string, { parts: Map<number, Buffer>; total: number; header: Buffer }>;

/** Reads the innermost TCP segment of a frame; undefined for anything else (and for fragments until complete). */
export function readFrame(f: Buffer, link: number, frags: Frags): Read | undefined {
  switch (link) {
    case LINKTYPE.ETHERNET:
      return readEth(f, 0, frags);
    case LINKTYPE.RAW:
      return readIp(f, 0, frags);
    case LINKTYPE.LINUX_SLL:
      return f.length >= 16 ? readIp(f, 16, frags) : undefined;
    case LINKTYPE.NULL:
      return f.length >= 4 ? readIp(f, 4, frags) : undefined;
  }
  throw new Error(`link type ${link}`);
}

function readEth(f: Buffer, at: number, frags: Frags): Read | undefined {
  at += 12;
  for (;;) {
    if (at + 2 > f.length) return undefined;
    const t = f.readUInt16BE(at);
    at += 2;
    if (t === 0x8100 || t === 0x88a8) {
      at += 2;
      continue;
    }
    if (t === ETHERTYPE.MPLS) {
      while (at + 4 <= f.length && (f[at + 2] & 1) === 0) at += 4;
      return readIp(f, at + 4, frags);
    }
    if (t === ETHERTYPE.IPV4 || t === ETHERTYPE.IPV6) return readIp(f, at, frags);
    return undefined;
  }
}

function readIp(f: Buffer, at: number, frags: Frags): Read | undefined {
  if (at >= f.length) return undefined;
  const ver = f[at] >> 4;
  let proto: number;
  let l4: number;
  let end: number;
  let src: string;
  let dst: string;
  if (ver === 4) {
    const hl = (f[at] & 0x0f) * 4;
    if (at + 20 > f.length || hl < 20) return undefined;
    proto = f[at + 9];
    end = Math.min(f.length, at + f.readUInt16BE(at + 2));
    src = f.subarray(at + 12, at + 16).toString('hex');
    dst = f.subarray(at + 16, at + 20).toString('hex');
    const fo = f.readUInt16BE(at + 6);
    if (fo & 0x3fff) {
      // a fragment: kept until its datagram is whole, then read as one packet
      const k = `${src}>${dst}:${f.readUInt16BE(at + 4)}:${proto}`;
      let e = frags.get(k);
      if (!e) frags.set(k, (e = { parts: new Map(), total: -1, header: Buffer.alloc(0) }));
      const off = (fo & 0x1fff) * 8;
      const body = f.subarray(at + hl, end);
      e.parts.set(off, Buffer.from(body));
      if (off === 0) e.header = Buffer.from(f.subarray(at, at + hl));
      if ((fo & 0x2000) === 0) e.total = off + body.length;
      if (e.total < 0 || e.header.length === 0) return undefined;
      const whole = Buffer.alloc(e.total);
      let have = 0;
      for (const [o, b] of e.parts) {
        b.copy(whole, o);
        have += b.length;
      }
      if (have < e.total) return undefined;
      frags.delete(k);
      const h = Buffer.from(e.header);
      h.writeUInt16BE(h.length + whole.length, 2);
      h.writeUInt16BE(0, 6);
      return readIp(Buffer.concat([h, whole]), 0, frags);
    }
    l4 = at + hl;
  } else if (ver === 6) {
    if (at + 40 > f.length) return undefined;
    src = f.subarray(at + 8, at + 24).toString('hex');
    dst = f.subarray(at + 24, at + 40).toString('hex');
    end = Math.min(f.length, at + 40 + f.readUInt16BE(at + 4));
    proto = f[at + 6];
    l4 = at + 40;
    while (proto === 0 || proto === 43 || proto === 60) {
      if (l4 + 2 > end) return undefined;
      proto = f[l4];
      l4 += (f[l4 + 1] + 1) * 8;
    }
  } else return undefined;
  if (proto === IPPROTO.GRE) {
    if (l4 + 4 > end) return undefined;
    const flags = f.readUInt16BE(l4);
    const type = f.readUInt16BE(l4 + 2);
    if ((flags & 7) === 1 && type === GRE_PPP) {
      // PPTP: key (payload length, call id), then sequence and acknowledgement numbers when flagged
      const at = l4 + 8 + (flags & 0x1000 ? 4 : 0) + (flags & 0x0080 ? 4 : 0);
      return readPpp(f.subarray(0, end), at, frags);
    }
    const hl = 4 + (flags & 0x8000 ? 4 : 0) + (flags & 0x2000 ? 4 : 0) + (flags & 0x1000 ? 4 : 0);
    if (type === ETHERTYPE.IPV4 || type === ETHERTYPE.IPV6) return readIp(f.subarray(0, end), l4 + hl, frags);
    return undefined;
  }
  if (proto === IPPROTO.UDP) {
    if (l4 + 8 > end) return undefined;
    const dport = f.readUInt16BE(l4 + 2);
    if (dport === 4789) return readEth(f.subarray(0, end), l4 + 16, frags);
    if (dport === 2152) return readIp(f.subarray(0, end), l4 + 16, frags);
    if (dport === L2TP_PORT) {
      // L2TPv2 data: flags and version, then the length, tunnel and session ids, sequence numbers, offset as flagged
      const fl = f[l4 + 8];
      if (fl & 0x80) return undefined;
      let at = l4 + 10 + (fl & 0x40 ? 2 : 0) + 4 + (fl & 0x08 ? 4 : 0);
      if (fl & 0x02) at += 2 + f.readUInt16BE(at);
      return readPpp(f.subarray(0, end), at, frags);
    }
    return undefined;
  }
  if (proto !== IPPROTO.TCP || l4 + 20 > end) return undefined;
  const doff = (f[l4 + 12] >> 4) * 4;
  if (doff < 20 || l4 + doff > end) return undefined;
  const sport = f.readUInt16BE(l4);
  const dport = f.readUInt16BE(l4 + 2);
  return {
    key: `${src}:${sport}>${dst}:${dport}`,
    seq: f.readUInt32BE(l4 + 4),
    flags: f[l4 + 13],
    payload: Buffer.from(f.subarray(l4 + doff, end)),
  };
}

/** The IP packet in a PPP frame (address and control optional, protocol one or two bytes). */
function readPpp(f: Buffer, at: number, frags: Frags): Read | undefined {
  if (at + 2 <= f.length && f[at] === 0xff && f[at + 1] === 0x03) at += 2;
  if (at >= f.length) return undefined;
  const proto = f[at] & 1 ? f[at++] : at + 2 <= f.length ? f.readUInt16BE((at += 2) - 2) : -1;
  return proto === PPP_IPV4 || proto === PPP_IPV6 ? readIp(f, at, frags) : undefined;
}

/** A direction's bytes as delivered: offset (from the SYN's sequence number + 1) -> every value a copy had there. */
export type Stream = Map<number, Set<number>>;

/** Every TCP direction in the tools' files, reassembled by sequence number (each copy of each byte kept). */
export function reassemble(files: Buffer[]): Map<string, Stream> {
  const streams = new Map<string, Stream>();
  const isn = new Map<string, number>();
  const reads: Read[] = [];
  for (const file of files) {
    const { link, recs } = readPcap(file);
    const frags: Frags = new Map();
    for (const r of recs) {
      const x = readFrame(r, link, frags);
      if (x === undefined) continue;
      reads.push(x);
      if (x.flags & SYN && !isn.has(x.key)) isn.set(x.key, (x.seq + 1) >>> 0);
    }
  }
  for (const x of reads) {
    const base = isn.get(x.key);
    // a direction picked up without its SYN: the oracle has nothing to place it by
    if (base === undefined) continue;
    let s = streams.get(x.key);
    if (!s) streams.set(x.key, (s = new Map()));
    // a SYN's data (TCP Fast Open) starts after the SYN's own sequence number
    const first = (x.seq + (x.flags & SYN ? 1 : 0) - base) | 0;
    for (let i = 0; i < x.payload.length; i++) {
      let set = s.get(first + i);
      if (!set) s.set(first + i, (set = new Set()));
      set.add(x.payload[i]);
    }
  }
  return streams;
}

/** The stream read each way where copies differ: each offset's first value, and its last. */
export function readings(s: Stream): string[] {
  // (a loop, not Math.max(...keys): a stream of some 100,000 bytes or more overflows the call's arguments)
  let max = 0;
  for (const k of s.keys()) if (k + 1 > max) max = k + 1;
  const a: number[] = [];
  const b: number[] = [];
  for (let o = 0; o < max; o++) {
    const set = [...(s.get(o) ?? [0])];
    a.push(set[0]);
    b.push(set[set.length - 1]);
  }
  return [Buffer.from(a).toString('latin1'), Buffer.from(b).toString('latin1')];
}

export { cardNumbersIn, luhnNumbersIn };
