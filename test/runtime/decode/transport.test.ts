import { describe, expect, it } from 'vitest';
import { ABSENT } from '../../../src/fields/fields.js';
import { cat, eth, icmp, ipv4, ipv6, sctp, tcp, udp, zeros } from './build.js';
import { decode, reason } from './helpers.js';

const over4 = (proto: number, l4: Uint8Array) => eth(0x0800, ipv4({ proto }, l4));

describe('TCP', () => {
  it('ports, flags byte, sequence numbers (unsigned), header length with options, payload', () => {
    const seg = tcp(
      49152,
      443,
      { flags: 0xc2, seq: 0xfffffffe, ack: 0x80000000, options: [2, 4, 5, 0xb4, 1, 1, 1, 0] },
      [1, 2, 3],
    );
    const v = decode(over4(6, seg));
    expect([v.srcPort, v.dstPort, v.tcpFlags]).toEqual([49152, 443, 0xc2]);
    expect([v.tcpSeq, v.tcpAck, v.tcpHdrLen]).toEqual([0xfffffffe, 0x80000000, 28]);
    expect([v.l4Offset, v.payloadOffset, v.payloadLength]).toEqual([34, 62, 3]);
  });

  it('a data offset below 5 words is malformed', () => {
    const seg = tcp(1, 2);
    seg[12] = 0x40;
    const v = decode(over4(6, seg));
    expect([reason(v), v.tcpFlags, v.payloadOffset]).toEqual(['bad-tcp-header-length', 0x18, ABSENT]);
  });

  it('a cut header keeps the fields that were captured', () => {
    const frame = over4(6, tcp(1234, 80, { options: zeros(12) }));
    const v = decode(frame.subarray(0, 34 + 6), 1, 40, frame.length);
    expect([reason(v), v.srcPort, v.dstPort, v.tcpSeq, v.tcpFlags]).toEqual([
      'truncated-tcp',
      1234,
      80,
      ABSENT,
      ABSENT,
    ]);
    const opts = decode(frame.subarray(0, 34 + 24), 1, 58, frame.length);
    expect([reason(opts), opts.tcpFlags, opts.payloadOffset]).toEqual(['truncated-tcp', 0x18, ABSENT]);
  });

  it('payloadLength counts captured bytes only', () => {
    const frame = over4(6, tcp(1, 2, {}, zeros(100)));
    const v = decode(frame, 1, 64, frame.length);
    expect([v.payloadOffset, v.payloadLength, v.malformed]).toEqual([54, 10, 0]);
  });
});

describe('UDP', () => {
  it('ports and payload; a length below 8 is malformed', () => {
    const v = decode(over4(17, udp(53, 5353, [1, 2, 3, 4])));
    expect([v.srcPort, v.dstPort, v.payloadOffset, v.payloadLength]).toEqual([53, 5353, 42, 4]);
    expect(reason(decode(over4(17, udp(1, 2, [], 4))))).toBe('bad-udp-length');
    expect(reason(decode(over4(17, udp(1, 2).subarray(0, 6))))).toBe('truncated-udp');
  });
});

describe('ICMP', () => {
  it('type and code for ICMP and ICMPv6, no ports', () => {
    const v = decode(over4(1, icmp(3, 3, zeros(28))));
    expect([v.icmpType, v.icmpCode, v.srcPort, v.payloadOffset]).toEqual([3, 3, ABSENT, 42]);
    const v6 = decode(eth(0x86dd, ipv6({ next: 58 }, icmp(135, 0, zeros(16)))));
    expect([v6.ipProto, v6.icmpType, v6.icmpCode]).toEqual([58, 135, 0]);
    const cut = decode(over4(1, icmp(8, 0).subarray(0, 2)));
    expect([reason(cut), cut.icmpType, cut.icmpCode]).toEqual(['truncated-icmp', 8, 0]);
  });
});

describe('SCTP', () => {
  it('ports from the common header', () => {
    const v = decode(over4(132, sctp(2905, 2905, zeros(16))));
    expect([v.srcPort, v.dstPort, v.payloadOffset, v.payloadLength]).toEqual([2905, 2905, 46, 16]);
    expect(reason(decode(over4(132, sctp(1, 2).subarray(0, 8))))).toBe('truncated-sctp');
  });
});

describe('other protocols', () => {
  it('have the whole IP payload as payload', () => {
    const v = decode(over4(89, cat([2, 1], zeros(22))));
    expect([v.ipProto, v.l4Offset, v.payloadOffset, v.payloadLength, v.srcPort]).toEqual([89, 34, 34, 24, ABSENT]);
  });
});
