import { _, Code, path } from './code.js';

/**
 * How the generated packet path reads each packet field: an expression over
 * the walk's state `W` (runtime/walk/walk.ts: the offsets and values the
 * walk left for the packet) and the bytes `d`, emitted where the match graph
 * tests the field, so a field is loaded from the packet only on the paths
 * that test it, as BPF loads it. The walk's validity rules make every load
 * here in bounds: an offset is set only when the bytes it covers were
 * captured (ports: 4 bytes; an IPv4 header: 20).
 *
 * A table by field name: a field of FIELDS with no entry here (a field added
 * to the decoder and not yet to the walk) is read from the decoder's view of
 * the packet, made for the packets that reach a test of it, so it is right,
 * and slower, until it gets an entry.
 */

const ABSENT = _`-1`;

/** The state's property `name` (a validated identifier). */
function w(name: string): Code {
  return path('W', name);
}

function u8(base: Code, at: number): Code {
  return _`d[${base} + ${at}]`;
}

function be16(base: Code, at: number): Code {
  return _`((d[${base} + ${at}] << 8) | d[${base} + ${at + 1}])`;
}

function be32(base: Code, at: number): Code {
  return _`(((d[${base} + ${at}] << 24) | (d[${base} + ${at + 1}] << 16) | (d[${base} + ${at + 2}] << 8) | d[${base} + ${at + 3}]) >>> 0)`;
}

/** A MAC address as a 48-bit number (above 2^32: the upper 16 bits times 2^32 plus the lower 32). */
function mac(base: Code): Code {
  return _`(${be16(base, 0)} * 4294967296 + ${be32(base, 2)})`;
}

/** `cond ? then : ABSENT`. */
function when(cond: Code, then: Code): Code {
  return _`(${cond} ? ${then} : ${ABSENT})`;
}

function ip4(at: number, arpAt: number): Code {
  return _`(W.ipv === 4 ? ${be32(w('ip'), at)} : W.arp >= 0 ? ${be32(w('arp'), arpAt)} : ${ABSENT})`;
}

function ip6(at: number): Code {
  return when(_`W.ipv === 6`, be32(w('ip'), at));
}

/** Packet fields (FIELDS names) and how the generated path reads them. */
export const FIELD_READS: Readonly<Record<string, Code>> = Object.freeze({
  tap: w('tap'),
  linkType: w('lt'),
  etherType: w('et'),
  outerEtherType: w('oet'),
  ipProto: w('proto'),
  dstPort: when(_`W.pt >= 0`, be16(w('pt'), 2)),
  srcPort: when(_`W.pt >= 0`, be16(w('pt'), 0)),
  ip4Dst: ip4(16, 24),
  ip4Src: ip4(12, 14),
  ip6Dst0: ip6(24),
  ip6Dst1: ip6(28),
  ip6Dst2: ip6(32),
  ip6Dst3: ip6(36),
  ip6Src0: ip6(8),
  ip6Src1: ip6(12),
  ip6Src2: ip6(16),
  ip6Src3: ip6(20),
  ethDst: when(_`W.dst >= 0`, mac(w('dst'))),
  ethSrc: when(_`W.src >= 0`, mac(w('src'))),
  ethMulticast: when(_`W.dst >= 0`, _`(d[W.dst] & 1)`),
  vlanCount: w('vc'),
  vlan0: w('v0'),
  vlan1: w('v1'),
  vlanPri0: w('vp0'),
  mplsCount: w('mc'),
  mpls0: w('m0'),
  mpls1: w('m1'),
  pppoeSession: w('ps'),
  tcpFlags: when(_`W.tcp >= 0`, u8(w('tcp'), 13)),
  icmpType: when(_`W.icmp >= 0`, u8(w('icmp'), 0)),
  icmpCode: when(_`W.icmp >= 0 && W.l4end - W.icmp >= 2`, u8(w('icmp'), 1)),
  ttl: _`(W.ipv === 4 ? ${u8(w('ip'), 8)} : W.ipv === 6 ? ${u8(w('ip'), 7)} : ${ABSENT})`,
  dscp: _`(W.ipv === 4 ? ${u8(w('ip'), 1)} >> 2 : W.ipv === 6 ? ((${u8(w('ip'), 0)} & 15) << 2) | (${u8(w('ip'), 1)} >> 6) : ${ABSENT})`,
  fragment: w('frag'),
  wireLen: w('wire'),
  // tunnels are decoded (by the decoder) only for packets that may carry one, and only when read
  tunnel: _`W.tunnel()`,
  tunnelId: _`W.tunnelId()`,
});

/**
 * Layers of byte loads (`proto[offset:size]`), numbered for the walk's
 * load(): a number in generated code, never the name.
 */
export const enum LoadLayer {
  Ether = 0,
  Ip = 1,
  Ip6 = 2,
  Arp = 3,
  Tcp = 4,
  Udp = 5,
  Sctp = 6,
  Icmp = 7,
  Icmp6 = 8,
  /** A layer the runtime has no base for (pcap's `link`): the load is always absent. */
  None = 9,
}

const LOAD_LAYERS: Readonly<Record<string, LoadLayer>> = Object.freeze({
  ether: LoadLayer.Ether,
  ip: LoadLayer.Ip,
  ip6: LoadLayer.Ip6,
  arp: LoadLayer.Arp,
  tcp: LoadLayer.Tcp,
  udp: LoadLayer.Udp,
  sctp: LoadLayer.Sctp,
  icmp: LoadLayer.Icmp,
  icmp6: LoadLayer.Icmp6,
});

const LOAD = /^load:(outer|inner):([a-z0-9]+):(\d+):([124])$/;

/** How the packet path reads graph field `name`; `fallback` is the decoder's view of the packet, for what the walk leaves out. */
export function packetPathRead(name: string, fallback: { viewField: (field: string) => Code; fn: () => Code }): Code {
  const known = FIELD_READS[name];
  if (known) return known;
  const load = LOAD.exec(name);
  if (load) {
    // inside a tunnel: the decoder's inner packet, through the load's function
    if (load[1] === 'inner') return fallback.fn();
    const layer = LOAD_LAYERS[load[2]] ?? LoadLayer.None;
    return _`W.load(${layer}, ${Number(load[3])}, ${Number(load[4])})`;
  }
  if (name.startsWith('pred:')) return fallback.fn();
  if (name.startsWith('inner.')) {
    // nothing inside a packet that cannot carry a tunnel; else the decoder's inner packet
    return _`(W.cand === 0 ? ${ABSENT} : W.view().inner.${path(name.slice(6))})`;
  }
  return fallback.viewField(name);
}

/** For tests: the read of every field named here, as a function body taking (W, d) and returning an array. */
export function readAllFieldsSource(names: readonly string[]): string {
  const reads = names.map((n) =>
    packetPathRead(n, {
      viewField: (f) => _`W.view().${path(f)}`,
      fn: () => {
        throw new Error(`no plain read for ${n}`);
      },
    }),
  );
  return _`return [${joinCodes(reads)}];`.text;
}

function joinCodes(cs: Code[]): Code {
  return new Code(cs.map((c) => c.text).join(', '));
}
