import { ETHERTYPE } from '../../fields/ethertype.js';
import { IPPROTO } from '../../fields/ip-proto.js';
import { compilePattern } from '../../patterns/pattern.js';
import type { PArith, Predicate } from '../../policy/policy.js';
import type { PacketView } from '../decode/view.js';

/**
 * Predicates are built from artifact data into closures at load time; nothing
 * from the policy is ever evaluated as code. Each returns 1 or 0.
 */
export type PredicateFn = (p: PacketView, d: Uint8Array) => number;

/** Start of a layer for pcap-style `proto[offset]` loads, or -1 when the packet has no such layer. */
function layerBase(p: PacketView, layer: string): number {
  switch (layer) {
    case 'ether':
      return p.l2Offset >= 0 ? p.l2Offset : 0;
    case 'ip':
      return p.ipVersion === 4 ? p.ipHdrOffset : -1;
    case 'ip6':
      return p.ipVersion === 6 ? p.ipHdrOffset : -1;
    case 'arp':
      return p.etherType === ETHERTYPE.ARP ? p.l3Offset : -1;
    // as in pcap, a transport load implies that transport and a first (or no) fragment
    case 'tcp':
      return p.ipProto === IPPROTO.TCP && p.fragment !== 2 ? p.l4Offset : -1;
    case 'udp':
      return p.ipProto === IPPROTO.UDP && p.fragment !== 2 ? p.l4Offset : -1;
    case 'sctp':
      return p.ipProto === IPPROTO.SCTP && p.fragment !== 2 ? p.l4Offset : -1;
    case 'icmp':
      return p.ipProto === IPPROTO.ICMP && p.fragment !== 2 ? p.l4Offset : -1;
    case 'icmp6':
      return p.ipProto === IPPROTO.ICMPV6 && p.fragment !== 2 ? p.l4Offset : -1;
  }
  return -1;
}

/** Out of bounds: the whole comparison is false, as a BPF load past the packet rejects it. */
class OutOfBounds {}
const OOB = new OutOfBounds();

type ArithFn = (p: PacketView, d: Uint8Array) => number;

function arith(a: PArith): ArithFn {
  switch (a.k) {
    case 'num': {
      const v = a.v >>> 0;
      return () => v;
    }
    case 'len':
      return (p) => p.wireLen >>> 0;
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
      return (p, d) => {
        const base = layerBase(p, layer);
        if (base < 0) throw OOB;
        const at = base + off(p, d);
        if (at + size > d.length) throw OOB;
        if (size === 1) return d[at];
        if (size === 2) return (d[at] << 8) | d[at + 1];
        return ((d[at] << 24) | (d[at + 1] << 16) | (d[at + 2] << 8) | d[at + 3]) >>> 0;
      };
    }
    case 'neg': {
      const x = arith(a.a);
      return (p, d) => -x(p, d) >>> 0;
    }
    case 'bin': {
      const l = arith(a.l);
      const r = arith(a.r);
      // unsigned 32-bit arithmetic, as BPF's
      switch (a.op) {
        case '+':
          return (p, d) => (l(p, d) + r(p, d)) >>> 0;
        case '-':
          return (p, d) => (l(p, d) - r(p, d)) >>> 0;
        case '*':
          return (p, d) => Math.imul(l(p, d), r(p, d)) >>> 0;
        case '/':
          return (p, d) => {
            const y = r(p, d);
            if (y === 0) throw OOB;
            return Math.floor(l(p, d) / y) >>> 0;
          };
        case '%':
          return (p, d) => {
            const y = r(p, d);
            if (y === 0) throw OOB;
            return (l(p, d) % y) >>> 0;
          };
        case '&':
          return (p, d) => (l(p, d) & r(p, d)) >>> 0;
        case '|':
          return (p, d) => (l(p, d) | r(p, d)) >>> 0;
        case '^':
          return (p, d) => (l(p, d) ^ r(p, d)) >>> 0;
        case '<<':
          return (p, d) => {
            const y = r(p, d);
            return y > 31 ? 0 : (l(p, d) << y) >>> 0;
          };
        case '>>':
          return (p, d) => {
            const y = r(p, d);
            return y > 31 ? 0 : l(p, d) >>> y;
          };
      }
    }
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
          a = l(v, d);
          b = r(v, d);
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
  const m = /^load:(outer|inner):([a-z0-9]+):(\d+):([124])$/.exec(field);
  if (!m) throw new Error(`match graph: not a load field ${field}`);
  const inner = m[1] === 'inner';
  const layer = m[2];
  const offset = Number(m[3]);
  const size = Number(m[4]);
  return (p, d) => {
    const v = inner ? (p.inner === p ? undefined : p.inner) : p;
    if (!v) return -1;
    const base = layerBase(v, layer);
    if (base < 0) return -1;
    const at = base + offset;
    if (at + size > d.length) return -1;
    if (size === 1) return d[at];
    if (size === 2) return (d[at] << 8) | d[at + 1];
    return ((d[at] << 24) | (d[at + 1] << 16) | (d[at + 2] << 8) | d[at + 3]) >>> 0;
  };
}
