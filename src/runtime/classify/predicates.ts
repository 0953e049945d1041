import { ETHERTYPE } from '../../fields/ethertype.js';
import { IPPROTO } from '../../fields/ip-proto.js';
import { SNAP_OUI } from '../../fields/llc.js';
import { LOAD_FIELD } from '../../ir/loads.js';
import { compilePattern } from '../../patterns/pattern.js';
import type { LoadLayer, PArith, Predicate } from '../../policy/policy.js';
import type { PacketView } from '../decode/view.js';

/**
 * Predicates are built from artifact data into closures at load time; nothing
 * from the policy is ever evaluated as code. Each returns 1 or 0.
 */
export type PredicateFn = (p: PacketView, d: Uint8Array) => number;

/** The start of what an IP protocol carries, for a transport load: as in pcap, that protocol and a first (or no) fragment. */
function transportBase(p: PacketView, proto: number): number {
  return p.ipProto === proto && p.fragment !== 2 ? p.l4Offset : -1;
}

/** The start of a network layer named by its EtherType (Ethernet II framing). */
function networkBase(p: PacketView, etherType: number): number {
  return p.etherType === etherType ? p.l3Offset : -1;
}

/** Start of a layer for pcap-style `proto[offset]` loads, or -1 when the packet has no such layer. */
function layerBase(p: PacketView, layer: LoadLayer, o: PacketView): number {
  switch (layer) {
    // a frame without a link header (raw IP) starts at its network layer, as does a tunnel's IP payload
    case 'ether':
      return p.l2Offset >= 0 ? p.l2Offset : p === o ? 0 : p.l3Offset;
    case 'ip':
      return p.ipVersion === 4 ? p.ipHdrOffset : -1;
    case 'ip6':
      return p.ipVersion === 6 ? p.ipHdrOffset : -1;
    case 'arp':
      return networkBase(p, ETHERTYPE.ARP);
    case 'rarp':
      return networkBase(p, ETHERTYPE.RARP);
    // pcap's AppleTalk also comes in SNAP frames, whose network layer it takes to start at the LLC header
    case 'atalk':
      return p.snapOui === SNAP_OUI.APPLE && p.snapType === ETHERTYPE.ATALK
        ? p.l3Offset
        : networkBase(p, ETHERTYPE.ATALK);
    case 'decnet':
      return networkBase(p, ETHERTYPE.DECNET);
    case 'lat':
      return networkBase(p, ETHERTYPE.LAT);
    case 'sca':
      return networkBase(p, ETHERTYPE.SCA);
    case 'mopdl':
      return networkBase(p, ETHERTYPE.MOPDL);
    case 'moprc':
      return networkBase(p, ETHERTYPE.MOPRC);
    case 'tcp':
      return transportBase(p, IPPROTO.TCP);
    case 'udp':
      return transportBase(p, IPPROTO.UDP);
    case 'sctp':
      return transportBase(p, IPPROTO.SCTP);
    case 'icmp':
      return transportBase(p, IPPROTO.ICMP);
    case 'icmp6':
      return transportBase(p, IPPROTO.ICMPV6);
    case 'igmp':
      return transportBase(p, IPPROTO.IGMP);
    case 'igrp':
      return transportBase(p, IPPROTO.IGRP);
    case 'pim':
      return transportBase(p, IPPROTO.PIM);
    // CARP took VRRP's protocol number
    case 'vrrp':
    case 'carp':
      return transportBase(p, IPPROTO.VRRP);
  }
  return -1;
}

/** Out of bounds: the whole comparison is false, as a BPF load past the packet rejects it. */
class OutOfBounds {}
const OOB = new OutOfBounds();

/** `p` is the view the predicate tests (the inner one inside inner(...)), `o` the frame's own, which has its length. */
type ArithFn = (p: PacketView, d: Uint8Array, o: PacketView) => number;

function arith(a: PArith): ArithFn {
  switch (a.k) {
    case 'num': {
      const v = a.v >>> 0;
      return () => v;
    }
    case 'len':
      return (_p, _d, o) => o.wireLen >>> 0;
    case 'field': {
      const f = a.field as keyof PacketView;
      return (p) => {
        const v = p[f] as number;
        if (v < 0) throw OOB;
        return v >>> 0;
      };
    }
    case 'load': {
      const off = arith(a.offset);
      const size = a.size;
      const layer = a.layer;
      return (p, d, o) => {
        const base = layerBase(p, layer, o);
        if (base < 0) throw OOB;
        const at = base + off(p, d, o);
        if (at + size > d.length) throw OOB;
        if (size === 1) return d[at];
        if (size === 2) return (d[at] << 8) | d[at + 1];
        return ((d[at] << 24) | (d[at + 1] << 16) | (d[at + 2] << 8) | d[at + 3]) >>> 0;
      };
    }
    case 'neg': {
      const x = arith(a.a);
      return (p, d, o) => -x(p, d, o) >>> 0;
    }
    case 'bin': {
      const l = arith(a.l);
      const r = arith(a.r);
      // unsigned 32-bit arithmetic, as BPF's
      switch (a.op) {
        case '+':
          return (p, d, o) => (l(p, d, o) + r(p, d, o)) >>> 0;
        case '-':
          return (p, d, o) => (l(p, d, o) - r(p, d, o)) >>> 0;
        case '*':
          return (p, d, o) => Math.imul(l(p, d, o), r(p, d, o)) >>> 0;
        case '/':
          return (p, d, o) => {
            const y = r(p, d, o);
            if (y === 0) throw OOB;
            return Math.floor(l(p, d, o) / y) >>> 0;
          };
        case '%':
          return (p, d, o) => {
            const y = r(p, d, o);
            if (y === 0) throw OOB;
            return (l(p, d, o) % y) >>> 0;
          };
        case '&':
          return (p, d, o) => (l(p, d, o) & r(p, d, o)) >>> 0;
        case '|':
          return (p, d, o) => (l(p, d, o) | r(p, d, o)) >>> 0;
        case '^':
          return (p, d, o) => (l(p, d, o) ^ r(p, d, o)) >>> 0;
        // the left operand is read even when the shift leaves nothing of it: a load past the packet (or of a
        // layer it lacks) makes the comparison false, as for every other operator
        case '<<':
          return (p, d, o) => {
            const x = l(p, d, o);
            const y = r(p, d, o);
            return y > 31 ? 0 : (x << y) >>> 0;
          };
        case '>>':
          return (p, d, o) => {
            const x = l(p, d, o);
            const y = r(p, d, o);
            return y > 31 ? 0 : x >>> y;
          };
      }
    }
  }
}

/**
 * pcap's protochain: walks the IP header chain as libpcap does (IPv6
 * hop-by-hop, destination options, routing and fragment headers, and AH in
 * either version) and says whether `proto` is one of the headers on the way,
 * or the protocol at its end. "No next header" ends the walk, as does a
 * header that was not captured.
 */
function inProtocolChain(v: PacketView, d: Uint8Array, proto: number): boolean {
  const ip = v.ipHdrOffset;
  let next: number;
  let at: number;
  if (v.ipVersion === 4) {
    next = d[ip + 9];
    at = ip + ((d[ip] & 0x0f) << 2);
  } else if (v.ipVersion === 6) {
    next = d[ip + 6];
    at = ip + 40;
  } else return false;
  for (;;) {
    if (next === proto) return true;
    if (next === IPPROTO.NONE || at + 2 > d.length) return false;
    const extension =
      v.ipVersion === 6 &&
      (next === IPPROTO.HOPOPTS || next === IPPROTO.DSTOPTS || next === IPPROTO.ROUTING || next === IPPROTO.FRAGMENT);
    if (extension) {
      next = d[at];
      at += (d[at + 1] + 1) << 3;
    } else if (next === IPPROTO.AH) {
      next = d[at];
      at += (d[at + 1] + 2) << 2;
    } else return false;
  }
}

function payloadOf(p: PacketView, d: Uint8Array): Uint8Array | undefined {
  if (p.payloadOffset < 0 || p.payloadLength <= 0) return undefined;
  return d.subarray(p.payloadOffset, Math.min(d.length, p.payloadOffset + p.payloadLength));
}

export function buildPredicate(pred: Predicate): PredicateFn {
  const scoped = pred.scope === 'inner';
  // a view without a tunnel has an inner view whose fields are all ABSENT, so its tests fail naturally
  const view = (p: PacketView): PacketView | undefined => (scoped ? (p.inner === p ? undefined : p.inner) : p);
  switch (pred.kind) {
    case 'contains': {
      const needle = Buffer.from(pred.bytes);
      return (p, d) => {
        const v = view(p);
        const pl = v && payloadOf(v, d);
        if (!pl || pl.length < needle.length) return 0;
        return Buffer.from(pl.buffer, pl.byteOffset, pl.length).indexOf(needle) >= 0 ? 1 : 0;
      };
    }
    case 'regex': {
      // an automaton, never a backtracking engine: linear in the payload whatever the pattern and the bytes
      const re = compilePattern(pred.source, pred.flags);
      return (p, d) => {
        const v = view(p);
        if (!v || v.payloadOffset < 0 || v.payloadLength <= 0) return 0;
        return re.test(d, v.payloadOffset, Math.min(d.length, v.payloadOffset + v.payloadLength)) ? 1 : 0;
      };
    }
    case 'protochain': {
      const { family, proto } = pred;
      return (p, d) => {
        const v = view(p);
        return v && (family === 0 || v.ipVersion === family) && inProtocolChain(v, d, proto) ? 1 : 0;
      };
    }
    case 'relation': {
      const l = arith(pred.left);
      const r = arith(pred.right);
      const op = pred.op;
      return (p, d) => {
        const v = view(p);
        if (!v) return 0;
        let a: number;
        let b: number;
        try {
          a = l(v, d, p);
          b = r(v, d, p);
        } catch (e) {
          if (e === OOB) return 0;
          throw e;
        }
        switch (op) {
          case '==':
            return a === b ? 1 : 0;
          case '!=':
            return a !== b ? 1 : 0;
          case '<':
            return a < b ? 1 : 0;
          case '<=':
            return a <= b ? 1 : 0;
          case '>':
            return a > b ? 1 : 0;
          case '>=':
            return a >= b ? 1 : 0;
        }
      };
    }
  }
}

/**
 * A byte load compared with constants, as a field (src/ir/loads.ts): the
 * unsigned value loaded, or ABSENT (-1) where the comparison would be false
 * (no such layer, the packet too short, an inner load without an inner
 * packet), so that no interval test holds there.
 */
export function buildLoad(field: string): PredicateFn {
  const m = LOAD_FIELD.exec(field);
  if (!m) throw new Error(`match graph: not a load field ${field}`);
  const inner = m[1] === 'inner';
  const layer = m[2] as LoadLayer;
  const offset = Number(m[3]);
  const size = Number(m[4]);
  return (p, d) => {
    const v = inner ? (p.inner === p ? undefined : p.inner) : p;
    if (!v) return -1;
    const base = layerBase(v, layer, p);
    if (base < 0) return -1;
    const at = base + offset;
    if (at + size > d.length) return -1;
    if (size === 1) return d[at];
    if (size === 2) return (d[at] << 8) | d[at + 1];
    return ((d[at] << 24) | (d[at + 1] << 16) | (d[at + 2] << 8) | d[at + 3]) >>> 0;
  };
}
