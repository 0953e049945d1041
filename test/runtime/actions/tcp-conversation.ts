import { writeFileSync } from 'node:fs';
import { ETHERTYPE } from '../../../src/fields/ethertype.js';
import { IPPROTO } from '../../../src/fields/ip-proto.js';
import { TCP_FLAG } from '../../../src/fields/tcp-flags.js';
import { PPP_PROTO } from '../../../src/fields/ppp.js';
import { eth, ipv4, ipv6, pppoe } from './frames.js';

/**
 * TCP conversations for the replace tests, built event by event with
 * consistent sequence and acknowledgement numbers: each side's stream is
 * what it has sent so far, every segment acknowledges all the other side
 * has sent unless told otherwise, and checksums are computed in full. The
 * same events with other data give the conversation a rewritten stream
 * should become.
 */
export type Side = 'c' | 's';

export interface TcpEvent {
  from: Side;
  /** New data (appended to the side's stream). */
  data?: string | Buffer;
  /** Sends again the side's stream bytes [offset, offset + length) instead of new data. */
  resend?: [number, number];
  /** Extra flags (ACK is always set after the handshake). */
  flags?: number;
  /** Acknowledges this offset of the other side's stream instead of all of it. */
  ackOffset?: number;
  /** SACK blocks, as [from, to) offsets of the other side's stream. */
  sack?: [number, number][];
  /** Built (the numbers move on) but not emitted: a segment the capture lost. */
  lost?: boolean;
  /** The window to advertise (default 65535). */
  window?: number;
  /** The IPv4 identification (default: the frame's number, lost ones counted). */
  id?: number;
}

export interface ConversationOptions {
  v6?: boolean;
  /** Carried in PPPoE session 7. */
  pppoe?: boolean;
  /** SYN, SYN-ACK and ACK first (default true). */
  handshake?: boolean;
  isnC?: number;
  isnS?: number;
  clientPort?: number;
  serverPort?: number;
}

const u32 = (v: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v >>> 0);
  return b;
};

function tcpHeader(
  sp: number,
  dp: number,
  seq: number,
  ack: number,
  flags: number,
  window: number,
  options: Buffer,
  payload: Buffer,
): Buffer {
  const pad = (4 - (options.length % 4)) % 4;
  const opts = Buffer.concat([options, Buffer.alloc(pad, 1)]);
  const h = Buffer.alloc(20);
  h.writeUInt16BE(sp, 0);
  h.writeUInt16BE(dp, 2);
  h.writeUInt32BE(seq >>> 0, 4);
  h.writeUInt32BE(ack >>> 0, 8);
  h[12] = ((20 + opts.length) / 4) << 4;
  h[13] = flags;
  h.writeUInt16BE(window, 14);
  return Buffer.concat([h, opts, payload]);
}

/** Frames of a conversation, in event order (lost ones left out), and each side's stream as sent. */
export function conversation(
  events: TcpEvent[],
  o: ConversationOptions = {},
): { frames: Buffer[]; streams: Record<Side, Buffer> } {
  const isn = { c: o.isnC ?? 0x11223344, s: o.isnS ?? 0xfffffff0 };
  const port = { c: o.clientPort ?? 40000, s: o.serverPort ?? 80 };
  const sent: Record<Side, Buffer> = { c: Buffer.alloc(0), s: Buffer.alloc(0) };
  // the SYN takes one number: data starts at ISN + 1 (also without a handshake, for simplicity)
  const next = (side: Side, off: number) => isn[side] + 1 + off;
  const other = (side: Side): Side => (side === 'c' ? 's' : 'c');
  const frames: Buffer[] = [];
  const fin: Record<Side, boolean> = { c: false, s: false };
  let built = 0;
  const wrap = (from: Side, seg: Buffer, id = built + 1): Buffer => {
    built++;
    const src = from === 'c' ? '0a000001' : '0a000002';
    const dst = from === 'c' ? '0a000002' : '0a000001';
    if (o.v6) {
      const p = ipv6(IPPROTO.TCP, seg);
      if (from === 's') {
        // swap the addresses, then fix the checksum for them (the sum does not change: both are in it)
        const a = Buffer.from(p.subarray(8, 24));
        p.subarray(24, 40).copy(p, 8);
        a.copy(p, 24);
      }
      return o.pppoe ? eth(ETHERTYPE.PPPOE_SESSION, pppoe(7, PPP_PROTO.IPV6, p)) : eth(ETHERTYPE.IPV6, p);
    }
    const p = ipv4(IPPROTO.TCP, seg, { src, dst, id });
    return o.pppoe ? eth(ETHERTYPE.PPPOE_SESSION, pppoe(7, PPP_PROTO.IPV4, p)) : eth(ETHERTYPE.IPV4, p);
  };
  const segment = (from: Side, seq: number, ack: number, flags: number, payload: Buffer, e: Partial<TcpEvent> = {}) => {
    const to = other(from);
    const opts = e.sack?.length
      ? Buffer.concat([
          Buffer.from([1, 1, 5, 2 + 8 * e.sack.length]),
          ...e.sack.flatMap(([a, b]) => [u32(next(to, a)), u32(next(to, b))]),
        ])
      : Buffer.alloc(0);
    return wrap(from, tcpHeader(port[from], port[to], seq, ack, flags, e.window ?? 65535, opts, payload), e.id);
  };
  if (o.handshake !== false) {
    frames.push(segment('c', isn.c, 0, TCP_FLAG.SYN, Buffer.alloc(0)));
    frames.push(segment('s', isn.s, next('c', 0), TCP_FLAG.SYN | TCP_FLAG.ACK, Buffer.alloc(0)));
    frames.push(segment('c', next('c', 0), next('s', 0), TCP_FLAG.ACK, Buffer.alloc(0)));
  }
  for (const e of events) {
    const to = other(e.from);
    let payload: Buffer;
    let off: number;
    if (e.resend) {
      off = e.resend[0];
      payload = sent[e.from].subarray(off, off + e.resend[1]);
    } else {
      payload = typeof e.data === 'string' ? Buffer.from(e.data, 'latin1') : (e.data ?? Buffer.alloc(0));
      off = sent[e.from].length;
      sent[e.from] = Buffer.concat([sent[e.from], payload]);
    }
    // a FIN takes a number after the data: acknowledging it acknowledges one more
    const ack = next(to, e.ackOffset ?? sent[to].length + (fin[to] ? 1 : 0));
    const seq = next(e.from, off) + (fin[e.from] && !e.resend ? 1 : 0);
    const f = segment(e.from, seq, ack, TCP_FLAG.ACK | (e.flags ?? 0), payload, e);
    if ((e.flags ?? 0) & TCP_FLAG.FIN) fin[e.from] = true;
    if (!e.lost) frames.push(f);
  }
  return { frames, streams: sent };
}

/** `data` cut into pieces of the given lengths (the last takes the rest). */
export function cut(data: string, ...lengths: number[]): string[] {
  const out: string[] = [];
  let p = 0;
  for (const n of lengths) {
    out.push(data.slice(p, p + n));
    p += n;
  }
  if (p < data.length) out.push(data.slice(p));
  return out;
}

/** A pcap (microseconds, Ethernet unless told) of these frames, `gapUs` apart from `startSec` (or at `timesUs` after it). */
export function writeCapture(
  path: string,
  frames: Buffer[],
  opts: { gapUs?: number; startSec?: number; linkType?: number; timesUs?: number[] } = {},
): void {
  const gap = opts.gapUs ?? 1000;
  const start = (opts.startSec ?? 1_700_000_000) * 1e6;
  const gh = Buffer.alloc(24);
  gh.writeUInt32LE(0xa1b2c3d4, 0);
  gh.writeUInt16LE(2, 4);
  gh.writeUInt16LE(4, 6);
  gh.writeUInt32LE(262144, 16);
  gh.writeUInt32LE(opts.linkType ?? 1, 20);
  const parts: Buffer[] = [gh];
  frames.forEach((f, i) => {
    const t = start + (opts.timesUs ? opts.timesUs[i] : i * gap);
    const h = Buffer.alloc(16);
    h.writeUInt32LE(Math.floor(t / 1e6), 0);
    h.writeUInt32LE(t % 1e6, 4);
    h.writeUInt32LE(f.length, 8);
    h.writeUInt32LE(f.length, 12);
    parts.push(h, f);
  });
  writeFileSync(path, Buffer.concat(parts));
}
