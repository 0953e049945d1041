import { describe, expect, it } from 'vitest';
import { ETHERTYPE } from '../../../src/fields/ethertype.js';
import { IPPROTO } from '../../../src/fields/ip-proto.js';
import {
  checksumOf,
  fold,
  ipv4HeaderChecksumOk,
  l4ChecksumOk,
  pseudoHeaderSum,
  sumBytes,
} from '../../../src/runtime/actions/checksum.js';
import { renumberTcp, rewritePayload } from '../../../src/runtime/actions/replace-packet.js';
import { Replica, Scratch } from '../../../src/runtime/actions/replica.js';
import { emptyRecord } from '../../../src/runtime/capture/record.js';
import { decodeFrame } from '../../../src/runtime/decode/decode.js';
import { PacketView } from '../../../src/runtime/decode/view.js';
import { LINKTYPE } from '../../../src/fields/fields.js';
import { eth, ipv4, ipv6, tcp, udp } from './frames.js';

/**
 * The bytes of a rewritten packet: over random payload rewrites (a prefix
 * kept, a middle replaced by one longer or shorter by an odd or even amount,
 * a suffix kept), TCP and UDP over IPv4 and IPv6, the checksums equal a
 * full recomputation, and a checksum that was wrong stays wrong by the same
 * amount; lengths follow.
 */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function replicaOf(frame: Buffer): { r: Replica; v: PacketView } {
  const rec = emptyRecord();
  rec.data = new Uint8Array(frame);
  rec.capLen = frame.length;
  rec.wireLen = frame.length;
  rec.linkType = LINKTYPE.ETHERNET;
  const v = new PacketView();
  decodeFrame(v, rec.data, rec.capLen, rec.wireLen, rec.linkType);
  const r = new Replica(new Scratch());
  r.start(rec, v, 0);
  return { r, v };
}

/** frames.ts leaves UDP over IPv4 without a checksum (zero, allowed): give it one. */
function withUdpChecksum(f: Buffer): Buffer {
  if (f[14 + 9] !== IPPROTO.UDP) return f;
  const l4 = 14 + 20;
  let c = checksumOf(sumBytes(f, l4, f.length, pseudoHeaderSum(f, 14, IPPROTO.UDP, f.length - l4)));
  if (c === 0) c = 0xffff;
  f.writeUInt16BE(c, l4 + 6);
  return f;
}

/** The L4 checksum's error: 0xffff when it verifies, else what it is off by. */
function l4Error(d: Uint8Array, ip: number, proto: number, l4: number, length: number): number {
  return fold(sumBytes(d, l4, l4 + length, pseudoHeaderSum(d, ip, proto, length)));
}

describe('rewritePayload', () => {
  it('keeps checksums right (or wrong by the same amount) over random rewrites', () => {
    const r0 = rng(3);
    const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => Math.floor(r0() * 256)));
    let cases = 0;
    for (let i = 0; i < 800; i++) {
      const old = bytes(Math.floor(r0() * 300));
      const keepHead = Math.floor(r0() * (old.length + 1));
      const keepTail = Math.floor(r0() * (old.length - keepHead + 1));
      const mid = bytes(Math.floor(r0() * 40));
      const neu = Buffer.concat([old.subarray(0, keepHead), mid, old.subarray(old.length - keepTail)]);
      const v6 = r0() < 0.5;
      const proto = r0() < 0.5 ? IPPROTO.TCP : IPPROTO.UDP;
      const l4 = (p: Buffer) => (proto === IPPROTO.TCP ? tcp(1, 2, p) : udp(1, 2, p));
      const frame = (p: Buffer) =>
        v6 ? eth(ETHERTYPE.IPV6, ipv6(proto, l4(p))) : withUdpChecksum(eth(ETHERTYPE.IPV4, ipv4(proto, l4(p))));
      const input = frame(old);
      const broken = r0() < 0.3;
      const ck = 14 + (v6 ? 40 : 20) + (proto === IPPROTO.TCP ? 16 : 6);
      if (broken && input.readUInt16BE(ck) !== 0) input.writeUInt16BE(input.readUInt16BE(ck) ^ 0x1234, ck);
      const { r, v } = replicaOf(input);
      const ip = 14;
      const before = l4Error(input, ip, proto, v.l4Offset, input.length - v.l4Offset);
      rewritePayload(
        r,
        v,
        new Uint8Array(neu),
        neu.length,
        -1,
        proto === IPPROTO.TCP ? { seq: 77, ack: 99, sack: undefined } : undefined,
      );
      const out = Buffer.from(r.frame());
      const expected = frame(neu);
      if (proto === IPPROTO.TCP) {
        expected.writeUInt32BE(77, ip + (v6 ? 40 : 20) + 4);
        expected.writeUInt32BE(99, ip + (v6 ? 40 : 20) + 8);
      }
      expect(out.length).toBe(expected.length);
      // everything but the transport checksum as a fresh construction has it
      const skip = (b: Buffer) => Buffer.concat([b.subarray(0, ck), b.subarray(ck + 2)]);
      expect(skip(out).equals(skip(expected))).toBe(true);
      if (!v6) expect(ipv4HeaderChecksumOk(out, ip)).toBe(true);
      const after = l4Error(out, ip, proto, v.l4Offset, out.length - v.l4Offset);
      expect(after, `case ${i}`).toBe(before);
      if (!broken) expect(l4ChecksumOk(out, ip, proto, v.l4Offset, out.length - v.l4Offset)).toBe(true);
      expect(r.wireLen).toBe(expected.length);
      cases++;
    }
    expect(cases).toBe(800);
  });

  it('renumbers with an update over the changed words only, right over a payload it does not see', () => {
    const frame = eth(ETHERTYPE.IPV4, ipv4(IPPROTO.TCP, tcp(1, 2, Buffer.from('x'.repeat(101)))));
    const { r, v } = replicaOf(frame);
    expect(renumberTcp(r, v, { seq: 1000, ack: 2000, sack: undefined })).toBe(false);
    expect(renumberTcp(r, v, { seq: 0xfffffff0, ack: 5, sack: undefined })).toBe(true);
    const out = Buffer.from(r.frame());
    expect(out.readUInt32BE(14 + 20 + 4)).toBe(0xfffffff0);
    expect(l4ChecksumOk(out, 14, IPPROTO.TCP, 34, out.length - 34)).toBe(true);
  });
});

describe('rewritePayload, UDP over IPv4 without a checksum', () => {
  it('keeps it without one', () => {
    const frame = eth(ETHERTYPE.IPV4, ipv4(IPPROTO.UDP, udp(1, 2, Buffer.from('abcdef'))));
    expect(frame.readUInt16BE(14 + 20 + 6)).toBe(0);
    const { r, v } = replicaOf(frame);
    rewritePayload(r, v, new Uint8Array(Buffer.from('xyz')), 3, -1, undefined);
    const out = Buffer.from(r.frame());
    expect(out.readUInt16BE(14 + 20 + 6)).toBe(0);
    expect(out.readUInt16BE(14 + 20 + 4)).toBe(11);
    expect(out.equals(eth(ETHERTYPE.IPV4, ipv4(IPPROTO.UDP, udp(1, 2, Buffer.from('xyz')))))).toBe(true);
  });
});
