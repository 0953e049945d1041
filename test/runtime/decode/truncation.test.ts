/**
 * Every multi-layer frame cut at every byte: the decoder must not throw,
 * must flag the frame, must keep its offsets inside the capture, and must
 * never look past capLen even when the buffer goes on.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LINKTYPE } from '../../../src/fields/fields.js';
import { decodeFrame } from '../../../src/runtime/decode/decode.js';
import { PacketView } from '../../../src/runtime/decode/view.js';
import {
  cat,
  eth,
  ext6,
  frag6,
  gre,
  icmp,
  innerIpv4Udp,
  ipv4,
  ipv6,
  mplsEntry,
  sctp,
  tag,
  tcp,
  u16,
  u24,
  u32,
  udp,
  vxlan,
  zeros,
} from './build.js';
import { brokenInvariants, snapshot } from './helpers.js';

/** Frames with no payload bytes, so that every cut lands inside some header. */
const FRAMES: Record<string, [Uint8Array, number]> = {
  'vlan/ipv4+options/udp/vxlan/eth/qinq/ipv6+ext/tcp+options': [
    eth(
      0x8100,
      cat(
        tag(7, 0x0800),
        ipv4(
          { proto: 17, options: [1, 1, 1, 0] },
          udp(
            1,
            4789,
            vxlan(
              5,
              eth(
                0x88a8,
                cat(
                  tag(1, 0x8100),
                  tag(2, 0x86dd),
                  ipv6(
                    { next: 0 },
                    cat(
                      ext6(60),
                      ext6(44, zeros(6)).slice(0, 0),
                      frag6(6, 0, true),
                      tcp(1, 2, { options: [2, 4, 5, 0xb4] }),
                    ),
                  ),
                ),
              ),
            ),
          ),
        ),
      ),
    ),
    LINKTYPE.ETHERNET,
  ],
  'pppoe/ipv4/gre(key,seq)/erspan2/eth/mpls/ipv4/icmp': [
    eth(
      0x8864,
      cat(
        [0x11, 0],
        u16(1),
        u16(0),
        u16(0x21),
        ipv4(
          { proto: 47 },
          gre(
            { proto: 0x88be, key: 1, seq: 2 },
            cat(
              u16(0x1000),
              u16(0x0005),
              u32(0),
              eth(0x8847, cat(mplsEntry(3, false), mplsEntry(4, true), ipv4({ proto: 1 }, icmp(8, 0)))),
            ),
          ),
        ),
      ),
    ),
    LINKTYPE.ETHERNET,
  ],
  'sll/ipv6/udp/gtp-u+ext/ipv4/sctp': [
    cat(
      u16(0),
      u16(1),
      u16(6),
      zeros(8),
      u16(0x86dd),
      ipv6(
        { next: 17 },
        udp(
          2152,
          2152,
          cat([0x34, 255], u16(0), u32(9), [0, 0, 0, 0x85], [1, 0, 0, 0], ipv4({ proto: 132 }, sctp(5, 6))),
        ),
      ),
    ),
    LINKTYPE.LINUX_SLL,
  ],
  'ppp/ipv4/udp/l2tpv2/ppp/ipv6/udp/geneve/ipv4/ipv4(ipip)/udp': [
    cat(
      [0xff, 0x03],
      u16(0x21),
      ipv4(
        { proto: 17 },
        udp(
          1701,
          1701,
          cat(
            [0x40, 0x02],
            u16(0),
            u16(1),
            u16(2),
            [0xff, 0x03, 0x00, 0x57],
            ipv6(
              { next: 17 },
              udp(
                1,
                6081,
                cat([0x01, 0], u16(0x0800), u24(3), [0], zeros(4), ipv4({ proto: 4 }, ipv4({ proto: 17 }, udp(1, 2)))),
              ),
            ),
          ),
        ),
      ),
    ),
    LINKTYPE.PPP,
  ],
  'null/ipv4/udp/teredo(origin)/ipv6/icmpv6': [
    cat(
      [2, 0, 0, 0],
      ipv4({ proto: 17 }, udp(3544, 1, cat([0, 0, 1, 2, 3, 4, 5, 6], ipv6({ next: 58 }, icmp(128, 0))))),
    ),
    LINKTYPE.NULL,
  ],
  'raw ipv4/gre/pptp/ppp/ipv4/tcp': [
    ipv4(
      { proto: 47 },
      cat(
        u16(0x3081),
        u16(0x880b),
        u16(44),
        u16(7),
        u32(1),
        u32(2),
        [0xff, 0x03, 0x00, 0x21],
        ipv4({ proto: 6 }, tcp(1, 2)),
      ),
    ),
    LINKTYPE.RAW,
  ],
};

describe('truncation at every byte', () => {
  for (const [name, [frame, linkType]] of Object.entries(FRAMES)) {
    it(name, () => {
      const full = new PacketView();
      decodeFrame(full, frame, frame.length, frame.length, linkType);
      expect(full.malformed).toBe(0);
      expect(full.tunnel).toBeGreaterThan(0);
      const v = new PacketView();
      // The whole frame stays in the buffer: bytes past capLen must be ignored.
      for (let capLen = 0; capLen < frame.length; capLen++) {
        decodeFrame(v, frame, capLen, frame.length, linkType);
        expect({ capLen, broken: brokenInvariants(v, capLen) }).toEqual({ capLen, broken: [] });
        expect({ capLen, malformed: v.malformed }).toEqual({ capLen, malformed: 1 });
        const alone = new PacketView();
        decodeFrame(alone, frame.slice(0, capLen), capLen, frame.length, linkType);
        expect({ capLen, same: snapshot(alone) === snapshot(v) }).toEqual({ capLen, same: true });
      }
    });
  }
});

describe('arbitrary bytes', () => {
  const linkTypes = [0, 1, 9, 12, 50, 101, 104, 108, 113, 228, 229, 276, 147];

  it('never throw, never break the invariants, never read past capLen', () => {
    // One view reused across runs, as the runtime does, against a fresh one each time.
    const v = new PacketView();
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 200 }),
        fc.nat(),
        fc.constantFrom(...linkTypes),
        fc.nat({ max: 70000 }),
        (bytes, cut, linkType, wireLen) => {
          const capLen = bytes.length === 0 ? 0 : cut % (bytes.length + 1);
          decodeFrame(v, bytes, capLen, wireLen, linkType);
          expect(brokenInvariants(v, capLen)).toEqual([]);
          const alone = new PacketView();
          decodeFrame(alone, bytes.slice(0, capLen), capLen, wireLen, linkType);
          expect(snapshot(alone)).toBe(snapshot(v));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('survive headers that look plausible (structured fuzz on the tunnel paths)', () => {
    const v = new PacketView();
    const seeds = Object.values(FRAMES);
    fc.assert(
      fc.property(fc.nat(), fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { maxLength: 6 }), (pick, flips) => {
        const [frame, linkType] = seeds[pick % seeds.length];
        const bytes = frame.slice();
        for (const [at, value] of flips) bytes[at % bytes.length] = value;
        const cut = bytes.length - (pick % 17);
        decodeFrame(v, bytes, cut, bytes.length, linkType);
        expect(brokenInvariants(v, cut)).toEqual([]);
        const fresh = new PacketView();
        decodeFrame(fresh, bytes, cut, bytes.length, linkType);
        expect(snapshot(v)).toBe(snapshot(fresh));
      }),
      { numRuns: 5000 },
    );
  });

  it('capLen beyond the buffer, negative or NaN is clamped, not trusted', () => {
    const v = new PacketView();
    const frame = eth(0x0800, innerIpv4Udp());
    decodeFrame(v, frame, 10_000, 10_000, 1);
    expect(brokenInvariants(v, frame.length)).toEqual([]);
    expect(v.dstPort).toBe(2222);
    decodeFrame(v, frame, -5, -5, 1);
    expect([v.malformed, v.wireLen, v.l2Offset]).toEqual([1, 0, -1]);
    decodeFrame(v, frame, Number.NaN, Number.NaN, 1);
    expect(v.malformed).toBe(1);
  });
});
