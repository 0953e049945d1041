/**
 * strip's tunnel peel from the walk (PeeledTunnel.ofWalk) against the same
 * peel from the decoder's view (PeeledTunnel.of): wherever the walk says it
 * peels, the view says so too, with the same lead, drop, EtherType and wire
 * length. Over hand-built tunnels of every kind the walk reads (each of
 * which it must peel whole), the same cut at every length, with wire
 * lengths shorter and longer than the capture, fuzzed, generated traffic
 * and the corpus's frames, each lying inside a larger buffer as a read
 * chunk's frames do.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ETHERTYPE } from '../../../src/fields/ethertype.js';
import { ABSENT, LINKTYPE, TUNNEL } from '../../../src/fields/fields.js';
import { IPPROTO } from '../../../src/fields/ip-proto.js';
import { PeeledTunnel } from '../../../src/runtime/actions/strip-tunnel.js';
import { Walk } from '../../../src/runtime/walk/walk.js';
import { CORPUS_NOTE, HAVE_CORPUS, corpusManifest } from '../../support/corpus.js';
import { loadCapture } from '../decode/corpus.js';
import { generatedFrames } from '../walk/frames.js';
import { eth, ethTagged, gre, hex, ipv4, ipv6, payload, qinq, tcp, udp, vlan, vxlan } from './frames.js';

const ALL_TUNNELS = Object.values(TUNNEL).reduce<number>((m, t) => (t > 0 ? m | (1 << t) : m), 0);
/** Junk around each frame in its buffer: the walk must read only the frame, at its offset. */
const BEFORE = 13;
const AFTER = 9;

interface Outcome {
  lead: number;
  drop: number;
  etherType: number;
  wireLen: number;
}

const walk = new Walk();
const byWalk = new PeeledTunnel();
const byView = new PeeledTunnel();
const take = (p: PeeledTunnel): Outcome => ({ lead: p.lead, drop: p.drop, etherType: p.etherType, wireLen: p.wireLen });

/**
 * Walks the frame (its first capLen bytes) inside a larger buffer; where
 * WalkedSteps would ask for a peel, compares the walk's with the view's for
 * a few strip configurations. The walk's peels, or a difference.
 */
function compare(frame: Uint8Array, capLen: number, wireLen: number): { peeled: number; diff?: string } {
  const buf = new Uint8Array(BEFORE + frame.length + AFTER).fill(0xa5);
  buf.set(frame, BEFORE);
  walk.start(buf, BEFORE, capLen, wireLen, LINKTYPE.ETHERNET, 0);
  const w = walk;
  // WalkedSteps.peeledTunnel's own checks
  if (w.bad !== 0 || w.frag > 0 || w.ps !== ABSENT || w.mc !== 0 || w.cand === 0) return { peeled: 0 };
  if (w.et !== ETHERTYPE.IPV4 && w.et !== ETHERTYPE.IPV6) return { peeled: 0 };
  let peeled = 0;
  for (const stripVlan of [false, true]) {
    if (w.vc !== 0 && !stripVlan) continue;
    for (const tunnels of [ALL_TUNNELS, 1 << TUNNEL.gre, (1 << TUNNEL.vxlan) | (1 << TUNNEL.gtp)]) {
      if (!byWalk.ofWalk(w, tunnels, stripVlan, capLen, wireLen)) continue;
      peeled++;
      const walked = take(byWalk);
      const ok = byView.of(w.view(), w.frame(), tunnels, stripVlan, capLen, wireLen);
      const viewed = ok ? take(byView) : undefined;
      if (JSON.stringify(viewed) !== JSON.stringify(walked))
        return {
          peeled,
          diff: `cap ${capLen} wire ${wireLen} tunnels ${tunnels} vlan ${stripVlan}: walk ${JSON.stringify(walked)} view ${JSON.stringify(viewed)}`,
        };
    }
  }
  return { peeled };
}

const u16 = (v: number) => Buffer.from([v >>> 8, v & 0xff]);
const inner4 = () => ipv4(IPPROTO.TCP, tcp(1234, 80, payload(40)), { src: '0b000001', dst: '0b000002' });
const inner6 = () => ipv6(IPPROTO.UDP, udp(5000, 53, payload(30)));
const innerEth = () => eth(ETHERTYPE.IPV4, inner4());
const innerTagged = () => ethTagged([qinq(7), vlan(20)], ETHERTYPE.IPV6, inner6());
const innerArp = () => eth(ETHERTYPE.ARP, hex('0001 0800 0604 0001 020000000001 0a000001 000000000000 0a000002'));

function greWith(flags: number, proto: number, inner: Buffer): Buffer {
  const words = [flags & 0x8000, flags & 0x2000, flags & 0x1000].filter((f) => f !== 0).length;
  return Buffer.concat([u16(flags), u16(proto), Buffer.alloc(4 * words, 0x11), inner]);
}
function geneve(optionWords: number, proto: number, inner: Buffer): Buffer {
  return Buffer.concat([
    Buffer.from([optionWords, 0]),
    u16(proto),
    hex('00012300'),
    Buffer.alloc(4 * optionWords, 0x22),
    inner,
  ]);
}
/** A GTP-U G-PDU, with the optional word and one extension header when `ext`. */
function gtpu(inner: Buffer, ext: boolean): Buffer {
  const tail = ext ? Buffer.concat([hex('0000 00 85'), hex('01 0a 00 00')]) : Buffer.alloc(0);
  const h = Buffer.concat([Buffer.from([ext ? 0x34 : 0x30, 0xff]), u16(tail.length + inner.length), hex('00000abc')]);
  return Buffer.concat([h, tail, inner]);
}

/** One of each tunnel the walk peels: all must be peeled. */
function plainTunnels(): [string, Buffer][] {
  return [
    ['GRE IPv4', eth(ETHERTYPE.IPV4, ipv4(IPPROTO.GRE, gre(ETHERTYPE.IPV4, inner4())))],
    [
      'GRE key, sequence, checksum, IPv6',
      eth(ETHERTYPE.IPV4, ipv4(IPPROTO.GRE, greWith(0xb000, ETHERTYPE.IPV6, inner6()))),
    ],
    [
      'GRE Ethernet, tagged VLAN carrier',
      ethTagged([vlan(5)], ETHERTYPE.IPV4, ipv4(IPPROTO.GRE, gre(ETHERTYPE.TEB, innerTagged()))),
    ],
    ['GRE over IPv6', eth(ETHERTYPE.IPV6, ipv6(IPPROTO.GRE, greWith(0x2000, ETHERTYPE.TEB, innerArp())))],
    ['4in4', eth(ETHERTYPE.IPV4, ipv4(IPPROTO.IPIP, inner4()))],
    ['6in4', eth(ETHERTYPE.IPV4, ipv4(IPPROTO.IPV6, inner6()))],
    ['4in6', eth(ETHERTYPE.IPV6, ipv6(IPPROTO.IPIP, inner4()))],
    ['VXLAN', eth(ETHERTYPE.IPV4, ipv4(IPPROTO.UDP, udp(40000, 4789, vxlan(77, innerEth()))))],
    ['VXLAN from the port', eth(ETHERTYPE.IPV4, ipv4(IPPROTO.UDP, udp(4789, 40000, vxlan(77, innerTagged()))))],
    ['VXLAN over IPv6', eth(ETHERTYPE.IPV6, ipv6(IPPROTO.UDP, udp(40000, 4789, vxlan(77, innerArp()))))],
    [
      'Geneve options, Ethernet',
      eth(ETHERTYPE.IPV4, ipv4(IPPROTO.UDP, udp(40000, 6081, geneve(3, ETHERTYPE.TEB, innerEth())))),
    ],
    ['Geneve IPv6', eth(ETHERTYPE.IPV4, ipv4(IPPROTO.UDP, udp(40000, 6081, geneve(0, ETHERTYPE.IPV6, inner6()))))],
    ['GTP-U', eth(ETHERTYPE.IPV4, ipv4(IPPROTO.UDP, udp(2152, 2152, gtpu(inner4(), false))))],
    ['GTP-U extension header', eth(ETHERTYPE.IPV4, ipv4(IPPROTO.UDP, udp(40000, 2152, gtpu(inner6(), true))))],
    // the destination port's tunnel does not take it (Geneve version 1): the source port's does
    [
      'not Geneve, then VXLAN',
      eth(
        ETHERTYPE.IPV4,
        ipv4(IPPROTO.UDP, udp(4789, 6081, Buffer.concat([hex('40'), vxlan(5, innerEth()).subarray(1)]))),
      ),
    ],
  ];
}

describe('strip peels a tunnel from the walk as from the view', () => {
  it('every plain tunnel the walk reads is peeled, as the view peels it', () => {
    for (const [what, f] of plainTunnels()) {
      const r = compare(f, f.length, f.length);
      expect(r.diff, what).toBeUndefined();
      expect(r.peeled, what).toBeGreaterThan(0);
      // a snap-length cut: strip counts the carrier's bytes the capture missed
      const cut = compare(f, f.length - 3, f.length);
      expect(cut.diff, what).toBeUndefined();
    }
  });

  it('cut at every length, wire lengths shorter and longer, a lying length, padding after', () => {
    const bad: string[] = [];
    for (const [what, f] of plainTunnels()) {
      const variants: [string, Uint8Array][] = [[what, f]];
      const padded = Buffer.concat([f, Buffer.alloc(6)]);
      variants.push([`${what} padded`, padded]);
      const lying = Buffer.from(f);
      lying[14 + (lying[12] === 0x81 ? 4 : 0) + 3] ^= 4;
      variants.push([`${what} IP length off`, lying]);
      for (const [name, d] of variants)
        for (let cap = 0; cap <= d.length; cap++)
          for (const wire of [cap, d.length, d.length + 500, 20]) {
            const r = compare(d, cap, wire);
            if (r.diff !== undefined) bad.push(`${name}: ${r.diff}`);
          }
    }
    expect(bad.slice(0, 10)).toEqual([]);
  });

  it('fuzzed tunnels: bytes changed anywhere in the headers', () => {
    const sources = plainTunnels().map(([, f]) => f);
    fc.assert(
      fc.property(
        fc.nat(sources.length - 1),
        fc.array(fc.tuple(fc.nat(140), fc.nat(255)), { minLength: 1, maxLength: 4 }),
        fc.nat(30),
        (i, edits, less) => {
          const d = Buffer.from(sources[i]);
          for (const [at, b] of edits) if (at < d.length) d[at] = b;
          const cap = Math.max(0, d.length - less);
          expect(compare(d, cap, d.length).diff).toBeUndefined();
        },
      ),
      { numRuns: 6000, seed: 1207 },
    );
  });

  it('generated traffic (GRE, VXLAN, GTP-U among it)', () => {
    let peeled = 0;
    for (const f of generatedFrames(3000, 11)) {
      const r = compare(f.data, f.data.length, f.wireLen);
      expect(r.diff, f.what).toBeUndefined();
      peeled += r.peeled;
    }
    expect(peeled).toBeGreaterThan(0);
  });
});

describe.skipIf(!HAVE_CORPUS)(`the walk's peel on every corpus frame${CORPUS_NOTE}`, () => {
  const entries = corpusManifest().filter((e) => e.linkType === 'ether');
  it.each(entries.map((e) => [e.file]))('%s', async (file) => {
    const capture = await loadCapture(file);
    if (typeof capture === 'string') return;
    for (const [i, f] of capture.frames.entries()) {
      const r = compare(f.data.subarray(0, f.capLen), f.capLen, f.wireLen);
      expect(r.diff, `#${i + 1}`).toBeUndefined();
    }
  });
});
