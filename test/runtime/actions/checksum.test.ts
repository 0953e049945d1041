import { describe, expect, it } from 'vitest';
import { IPPROTO } from '../../../src/fields/ip-proto.js';
import {
  checksumOf,
  fixIpv4HeaderChecksum,
  fixL4Checksum,
  fold,
  get16,
  ipv4HeaderChecksumOk,
  l4ChecksumOk,
  sumBytes,
  sumBytesAligned,
  updateChecksum,
  updateL4Checksum,
} from '../../../src/runtime/actions/checksum.js';

/** A deterministic byte source (xorshift32), so a failure repeats. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s/g, ''), 'hex'));

// RFC 1071's example header (from Wikipedia's "IPv4 header checksum"): checksum b861
const RFC_HEADER = '4500 0073 0000 4000 4011 b861 c0a8 0001 c0a8 00c7';

describe('checksum', () => {
  it('computes the IPv4 header checksum of a known header', () => {
    const h = hex(RFC_HEADER);
    expect(ipv4HeaderChecksumOk(h, 0)).toBe(true);
    h[10] = 0;
    h[11] = 0;
    fixIpv4HeaderChecksum(h, 0);
    expect(get16(h, 10)).toBe(0xb861);
  });

  it('sums odd lengths with a zero pad byte and folds carries', () => {
    expect(sumBytes(hex('0102 03'), 0, 3)).toBe(0x0102 + 0x0300);
    expect(fold(0x1_fffe)).toBe(0xffff);
    expect(fold(0x2_0000)).toBe(2);
    expect(checksumOf(0xffff)).toBe(0);
  });

  it('an RFC 1624 update equals a full recomputation when fields change (10,000 random headers)', () => {
    const next = rng(7);
    for (let n = 0; n < 10_000; n++) {
      const ihl = 5 + (next() % 11);
      const h = new Uint8Array(ihl * 4);
      for (let i = 0; i < h.length; i++) h[i] = next() & 0xff;
      h[0] = 0x40 | ihl;
      fixIpv4HeaderChecksum(h, 0);
      const before = Uint8Array.from(h);
      // change a few 16-bit words (not the checksum) and update incrementally
      const words = 1 + (next() % 4);
      let oldSum = 0;
      let newSum = 0;
      for (let k = 0; k < words; k++) {
        // any word but the first (version and IHL: the header's length) and the checksum
        let at = 2 + 2 * (next() % (h.length / 2 - 1));
        if (at === 10) at = 12;
        oldSum += get16(h, at);
        h[at] = next() & 0xff;
        h[at + 1] = next() & 0xff;
        newSum += get16(h, at);
      }
      const updated = updateChecksum(get16(before, 10), oldSum, newSum);
      h[10] = updated >>> 8;
      h[11] = updated & 0xff;
      expect(ipv4HeaderChecksumOk(h, 0), `header ${n}`).toBe(true);
    }
  });

  it('an update keeps a wrong checksum wrong by the same amount', () => {
    const h = hex(RFC_HEADER);
    h[11] ^= 0x10; // off by one bit
    const oldSum = get16(h, 8);
    h[8] = 0x3f; // TTL 64 -> 63, as a router would
    const updated = updateChecksum(get16(h, 10), oldSum, get16(h, 8));
    h[10] = updated >>> 8;
    h[11] = updated & 0xff;
    expect(ipv4HeaderChecksumOk(h, 0)).toBe(false);
    h[11] ^= 0x10;
    expect(ipv4HeaderChecksumOk(h, 0)).toBe(true);
  });

  describe('transport checksums', () => {
    // IPv4 + UDP, IPv4 + TCP, IPv4 + ICMP, IPv6 + UDP, IPv6 + ICMPv6: random payloads, checked by a full sum
    const cases = [
      { name: 'UDP over IPv4', v6: false, proto: IPPROTO.UDP, header: 8 },
      { name: 'TCP over IPv4', v6: false, proto: IPPROTO.TCP, header: 20 },
      { name: 'ICMP', v6: false, proto: IPPROTO.ICMP, header: 8 },
      { name: 'UDP over IPv6', v6: true, proto: IPPROTO.UDP, header: 8 },
      { name: 'TCP over IPv6', v6: true, proto: IPPROTO.TCP, header: 20 },
      { name: 'ICMPv6', v6: true, proto: IPPROTO.ICMPV6, header: 8 },
    ];
    for (const c of cases)
      it(`${c.name}: fixL4Checksum makes it valid, and byte updates at any offset keep it valid`, () => {
        const next = rng(c.proto * 31 + (c.v6 ? 1 : 0));
        for (let n = 0; n < 500; n++) {
          const ipLen = c.v6 ? 40 : 20;
          const l4Len = c.header + (next() % 200);
          const d = new Uint8Array(ipLen + l4Len);
          for (let i = 0; i < d.length; i++) d[i] = next() & 0xff;
          d[0] = c.v6 ? 0x60 : 0x45;
          expect(fixL4Checksum(d, 0, c.proto, ipLen, l4Len)).toBe(true);
          expect(l4ChecksumOk(d, 0, c.proto, ipLen, l4Len), `packet ${n}`).toBe(true);
          // overwrite a run of payload bytes (as mask does) and update
          if (l4Len === c.header) continue;
          const from = ipLen + c.header + (next() % (l4Len - c.header));
          const length = 1 + (next() % (ipLen + l4Len - from));
          const oldSum = sumBytesAligned(d, from, length, ipLen);
          for (let i = 0; i < length; i++) d[from + i] = 0x2a;
          const newSum = sumBytesAligned(d, from, length, ipLen);
          const at = ipLen + (c.proto === IPPROTO.TCP ? 16 : c.proto === IPPROTO.UDP ? 6 : 2);
          updateL4Checksum(d, at, c.proto, c.v6, oldSum, newSum);
          expect(l4ChecksumOk(d, 0, c.proto, ipLen, l4Len), `packet ${n} after masking ${from}+${length}`).toBe(true);
        }
      });

    it('UDP over IPv4 without a checksum keeps none; a computed zero goes out as 0xffff', () => {
      const d = new Uint8Array(28);
      d[0] = 0x45;
      // udp checksum 0: none
      expect(fixL4Checksum(d, 0, IPPROTO.UDP, 20, 8)).toBe(true);
      expect(get16(d, 26)).toBe(0);
      updateL4Checksum(d, 26, IPPROTO.UDP, false, 0, 5);
      expect(get16(d, 26)).toBe(0);
      // a UDP datagram whose sum folds to 0xffff: its checksum would be 0, sent as 0xffff
      const v6 = new Uint8Array(48);
      v6[0] = 0x60;
      v6[40 + 4] = 0;
      v6[40 + 5] = 8;
      // pseudo header: length 8 + proto 17 = 25, the UDP length 8: the source port brings the sum to 0xffff
      v6[40] = (0xffff - 33) >>> 8;
      v6[41] = (0xffff - 33) & 0xff;
      fixL4Checksum(v6, 0, IPPROTO.UDP, 40, 8);
      expect(get16(v6, 46)).toBe(0xffff);
      expect(l4ChecksumOk(v6, 0, IPPROTO.UDP, 40, 8)).toBe(true);
    });

    it('protocols without a checksum of their own are left alone', () => {
      const d = new Uint8Array(40);
      d[0] = 0x45;
      expect(fixL4Checksum(d, 0, IPPROTO.GRE, 20, 20)).toBe(false);
      expect(l4ChecksumOk(d, 0, IPPROTO.GRE, 20, 20)).toBe(true);
    });
  });
});
