import { writeFileSync } from 'node:fs';
import { ETHERTYPE } from '../../../src/fields/ethertype.js';
import { IPPROTO } from '../../../src/fields/ip-proto.js';
import { eth, ipv4, ipv6 } from './frames.js';

/**
 * TCP conversations for mask's tests: real handshakes, sequence and
 * acknowledgement numbers that follow the bytes, checksums filled in, and
 * each packet's capture time, so that segments can be cut, reordered,
 * duplicated and timed as a test needs.
 */

export interface TimedFrame {
  data: Buffer;
  /** Capture time, seconds. */
  ts: number;
  wireLen?: number;
  /** runFrames: the clock ticks to this time (seconds) after this frame, with no packet. */
  tickAfter?: number;
}

export const FIN = 0x01;
export const SYN = 0x02;
export const RST = 0x04;
export const PSH = 0x08;
export const ACK = 0x10;
export const URG = 0x20;

export interface Segment {
  dir: 0 | 1;
  seq: number;
  ack: number;
  flags: number;
  payload: Buffer;
  /** The urgent pointer (with URG in flags): the offset after the urgent byte, from seq (RFC 1122 4.2.2.4's reading). */
  urgent?: number;
}

export class Conversation {
  /** Next sequence number of each direction (0: client). */
  readonly next: [number, number];
  readonly ports: [number, number];

  constructor(
    opts: {
      clientPort?: number;
      serverPort?: number;
      isn?: [number, number];
      v6?: boolean;
      client?: string;
      server?: string;
    } = {},
  ) {
    this.ports = [opts.clientPort ?? 40000, opts.serverPort ?? 80];
    this.next = [opts.isn?.[0] ?? 1000, opts.isn?.[1] ?? 5000];
    this.v6 = opts.v6 ?? false;
    this.addr = [opts.client ?? '0a000001', opts.server ?? '0a000002'];
  }

  private readonly v6: boolean;
  private readonly addr: [string, string];

  /** SYN, SYN-ACK, ACK. */
  handshake(): Segment[] {
    const a: Segment = { dir: 0, seq: this.next[0], ack: 0, flags: SYN, payload: Buffer.alloc(0) };
    this.next[0] = (this.next[0] + 1) >>> 0;
    const b: Segment = { dir: 1, seq: this.next[1], ack: this.next[0], flags: SYN | ACK, payload: Buffer.alloc(0) };
    this.next[1] = (this.next[1] + 1) >>> 0;
    return [a, b, this.ack(0)];
  }

  /** `text` sent by `dir` in segments of the given sizes (the rest in one last segment). */
  send(dir: 0 | 1, text: string | Buffer, sizes: number[] = []): Segment[] {
    const bytes = typeof text === 'string' ? Buffer.from(text, 'latin1') : text;
    const out: Segment[] = [];
    let at = 0;
    for (const n of [...sizes, bytes.length]) {
      if (at >= bytes.length) break;
      const p = bytes.subarray(at, Math.min(bytes.length, at + n));
      out.push({ dir, seq: this.next[dir], ack: this.next[1 - dir], flags: PSH | ACK, payload: p });
      this.next[dir] = (this.next[dir] + p.length) >>> 0;
      at += p.length;
    }
    return out;
  }

  ack(dir: 0 | 1): Segment {
    return { dir, seq: this.next[dir], ack: this.next[1 - dir], flags: ACK, payload: Buffer.alloc(0) };
  }

  fin(dir: 0 | 1): Segment {
    const s: Segment = {
      dir,
      seq: this.next[dir],
      ack: this.next[1 - dir],
      flags: FIN | ACK,
      payload: Buffer.alloc(0),
    };
    this.next[dir] = (this.next[dir] + 1) >>> 0;
    return s;
  }

  /** The Ethernet frame of a segment. */
  frame(s: Segment): Buffer {
    const src = this.addr[s.dir];
    const dst = this.addr[1 - s.dir];
    const h = Buffer.alloc(20);
    h.writeUInt16BE(this.ports[s.dir], 0);
    h.writeUInt16BE(this.ports[1 - s.dir], 2);
    h.writeUInt32BE(s.seq >>> 0, 4);
    h.writeUInt32BE(s.ack >>> 0, 8);
    h[12] = 5 << 4;
    h[13] = s.flags;
    h.writeUInt16BE(65535, 14);
    h.writeUInt16BE(s.urgent ?? 0, 18);
    const tcp = Buffer.concat([h, s.payload]);
    if (this.v6) return eth(ETHERTYPE.IPV6, ipv6(IPPROTO.TCP, tcp));
    return eth(ETHERTYPE.IPV4, ipv4(IPPROTO.TCP, tcp, { src, dst }));
  }
}

/** Frames at `start`, `step` seconds apart. */
export function timed(frames: Buffer[], start = 1_700_000_000, step = 0.001): TimedFrame[] {
  return frames.map((data, i) => ({ data, ts: start + i * step }));
}

/** A pcap file (nanosecond timestamps) of Ethernet frames at their times. */
export function writeTimedPcap(path: string, frames: TimedFrame[], linkType = 1): void {
  const parts: Buffer[] = [];
  const gh = Buffer.alloc(24);
  gh.writeUInt32LE(0xa1b23c4d, 0);
  gh.writeUInt16LE(2, 4);
  gh.writeUInt16LE(4, 6);
  gh.writeUInt32LE(262144, 16);
  gh.writeUInt32LE(linkType, 20);
  parts.push(gh);
  for (const f of frames) {
    const h = Buffer.alloc(16);
    const sec = Math.floor(f.ts);
    h.writeUInt32LE(sec, 0);
    h.writeUInt32LE(Math.round((f.ts - sec) * 1e9) % 1e9, 4);
    h.writeUInt32LE(f.data.length, 8);
    h.writeUInt32LE(f.wireLen ?? f.data.length, 12);
    parts.push(h, f.data);
  }
  writeFileSync(path, Buffer.concat(parts));
}
