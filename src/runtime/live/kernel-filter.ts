import type { Artifact, ArtifactGraph } from '../../artifact/types.js';
import { ETHERTYPE } from '../../fields/ethertype.js';
import { ABSENT, FIELDS, LINKTYPE } from '../../fields/fields.js';
import { IPPROTO } from '../../fields/ip-proto.js';
import { LOAD_FIELD } from '../../ir/loads.js';

/**
 * Kernel filters: for each tap, a pcap-filter(7) expression that keeps every
 * packet some rule sends to a group from that tap, so that a live capture
 * lifts only those into user space. It is derived from the compiled match
 * graph (so drop rules count too): the paths from the root to leaves with a
 * group, each node's intervals written as pcap-filter tests.
 *
 * The expression keeps a superset, never less: a test pcap-filter cannot say
 * exactly (payload patterns and other predicates, tunnels and their inner
 * packets, VLAN ids below the outer tag's offset, IPv6 extension header
 * chains...) is widened, the test taken as true for the packets it cannot
 * judge. What was widened is listed, so the user knows why more arrives.
 *
 * tmesc looks through VLAN tags, MPLS and PPPoE; pcap-filter reads headers at
 * fixed offsets that its `vlan` keyword shifts (for the rest of the
 * expression). So the graph is written twice: for untagged frames, and
 * after `vlan` for single-tagged ones (with the outer tag's offload handled
 * by libpcap); MPLS, PPPoE sessions and deeper tag stacks are kept whole.
 *
 * Expressions are for Ethernet: the link type of the interfaces a packet
 * broker taps. A live tap on another link type is opened with no filter.
 */

export interface KernelFilter {
  tap: string;
  /** pcap-filter text; '' keeps everything. */
  expression: string;
  /** Why the expression keeps more than the policy asks, one phrase each. */
  widened: string[];
}

/** Above this many characters, a part of the expression is widened to "everything". */
const MAX_PART = 6000;

type Expr = { k: 'true' } | { k: 'false' } | { k: 'text'; s: string; op: 'atom' | 'and' | 'or' };

const TRUE: Expr = { k: 'true' };
const FALSE: Expr = { k: 'false' };

const atom = (s: string): Expr => ({ k: 'text', s, op: 'atom' });
const text = (s: string, op: 'and' | 'or'): Expr => ({ k: 'text', s, op });

function paren(e: Expr, inside: 'and' | 'or'): string {
  if (e.k !== 'text') throw new Error('constant in text');
  return e.op === 'atom' || e.op === inside ? e.s : `(${e.s})`;
}

function or(...xs: Expr[]): Expr {
  const parts: Expr[] = [];
  for (const x of xs) {
    if (x.k === 'true') return TRUE;
    if (x.k === 'false') continue;
    if (!parts.some((p) => p.k === 'text' && x.k === 'text' && p.s === x.s)) parts.push(x);
  }
  if (parts.length === 0) return FALSE;
  if (parts.length === 1) return parts[0];
  return { k: 'text', s: parts.map((p) => paren(p, 'or')).join(' or '), op: 'or' };
}

function and(...xs: Expr[]): Expr {
  const parts: Expr[] = [];
  for (const x of xs) {
    if (x.k === 'false') return FALSE;
    if (x.k === 'true') continue;
    parts.push(x);
  }
  if (parts.length === 0) return TRUE;
  if (parts.length === 1) return parts[0];
  return { k: 'text', s: parts.map((p) => paren(p, 'and')).join(' and '), op: 'and' };
}

function not(x: Expr): Expr {
  if (x.k === 'true') return FALSE;
  if (x.k === 'false') return TRUE;
  return atom(`not ${x.op === 'atom' ? x.s : `(${x.s})`}`);
}

type Ranges = [number, number][];

/** `v` (a pcap-filter arithmetic expression) lies in one of the ranges, 0..max; the shorter of the test and its complement's negation. */
function valueIn(v: string, r: Ranges, max: number): Expr {
  const c = complement(r, max);
  return c.length < r.length ? not(valueInDirect(v, c, max)) : valueInDirect(v, r, max);
}

function valueInDirect(v: string, r: Ranges, max: number): Expr {
  const one = ([lo, hi]: [number, number]): Expr => {
    if (lo === hi) return atom(`${v} = ${lo}`);
    if (lo <= 0 && hi >= max) return TRUE;
    if (lo <= 0) return atom(`${v} <= ${hi}`);
    if (hi >= max) return atom(`${v} >= ${lo}`);
    return and(atom(`${v} >= ${lo}`), atom(`${v} <= ${hi}`));
  };
  return or(...r.map(one));
}

/** The ranges without ABSENT, and whether ABSENT was in them. */
function present(r: Ranges): { values: Ranges; absent: boolean } {
  const values: Ranges = [];
  let absent = false;
  for (const [lo, hi] of r) {
    if (lo <= ABSENT) absent = true;
    if (hi >= 0) values.push([Math.max(lo, 0), hi]);
  }
  return { values, absent };
}

/** The complement of sorted disjoint ranges within 0..max. */
function complement(r: Ranges, max: number): Ranges {
  const out: Ranges = [];
  let next = 0;
  for (const [lo, hi] of r) {
    if (lo > next) out.push([next, lo - 1]);
    next = hi + 1;
  }
  if (next <= max) out.push([next, max]);
  return out;
}

/** Values in ranges, when there are at most `limit` of them. */
function singles(r: Ranges, limit: number): number[] | undefined {
  const out: number[] = [];
  for (const [lo, hi] of r) {
    if (hi - lo + 1 > limit - out.length) return undefined;
    for (let v = lo; v <= hi; v++) out.push(v);
  }
  return out;
}

/** CIDR blocks covering exactly [lo, hi] of a 32-bit space. */
function cidrs(lo: number, hi: number): [number, number][] {
  const out: [number, number][] = [];
  while (lo <= hi) {
    let len = 32;
    while (len > 0) {
      const size = 2 ** (32 - (len - 1));
      if (lo % size !== 0 || lo + size - 1 > hi) break;
      len--;
    }
    out.push([lo, len]);
    lo += 2 ** (32 - len);
  }
  return out;
}

const dotted = (a: number) => [a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255].join('.');
const hex16 = (v: number) => `0x${v.toString(16).padStart(4, '0')}`;
const mac = (v: number) => {
  const hi = Math.floor(v / 2 ** 32);
  const lo = v >>> 0;
  return [hi >>> 8, hi & 255, lo >>> 24, (lo >>> 16) & 255, (lo >>> 8) & 255, lo & 255]
    .map((b) => b.toString(16).padStart(2, '0'))
    .join(':');
};

const IP4 = atom('ip');
const IP6 = atom('ip6');
/** An IPv6 packet whose first next header is an extension header: tmesc walks the chain, pcap-filter's ip6 proto does not. */
const IP6_EXT = text(
  `ip6 and (${[IPPROTO.HOPOPTS, IPPROTO.ROUTING, IPPROTO.FRAGMENT, IPPROTO.AH, IPPROTO.DSTOPTS, IPPROTO.MOBILITY]
    .map((p) => `ip6[6] = ${p}`)
    .join(' or ')})`,
  'and',
);
/** A later IPv4 fragment: no transport header. */
const IP4_LATER = atom('ip[6:2] & 0x1fff != 0');
/** An IPv4 header pcap-filter and tmesc may read differently: not version 4, or shorter than 20 bytes. */
const IP4_ODD = text('ip[0] & 0xf0 != 0x40 or ip[0] & 0xf < 5', 'or');

/**
 * A field's test, as pcap-filter says it: `exact` is right wherever `unsure`
 * is false; the packets `unsure` holds are kept whatever the tests say.
 */
interface Test {
  exact: Expr;
  unsure: Expr;
}

/**
 * `field in r` for one field, in an untagged frame (or after the `vlan`
 * keywords of the depth: pcap-filter shifts its network-layer offsets).
 * undefined: pcap-filter cannot say it (widened whole).
 */
function fieldTest(field: string, r: Ranges, depth: number): Test | undefined {
  const max = FIELDS.find((f) => f.name === field)!.max;
  const { values, absent } = present(r);
  // the exact test of "present and in values", and what "present" is
  const split = (has: Expr, inValues: Expr, unsure: Expr = FALSE): Test => ({
    exact: or(absent ? not(has) : FALSE, and(has, inValues)),
    unsure,
  });
  switch (field) {
    case 'etherType': {
      // MPLS and PPPoE sessions are kept whole, so the type here is the one pcap-filter reads
      const s = singles(values, 8);
      const c = singles(complement(values, max), 8);
      const big = (v: number) => v > 1500;
      if (!absent && s?.every(big))
        return { exact: or(...s.map((v) => atom(`ether proto ${hex16(v)}`))), unsure: FALSE };
      if (absent && c?.every(big))
        return { exact: not(or(...c.map((v) => atom(`ether proto ${hex16(v)}`)))), unsure: FALSE };
      return undefined;
    }
    case 'outerEtherType':
      // right for untagged frames and tags in the frame; a tag the kernel holds aside (VLAN
      // offload) hides from ether[12:2], and such frames are judged after the vlan keyword
      if (depth > 0 || absent) return undefined;
      return { exact: valueIn('ether[12:2]', values, max), unsure: FALSE };
    case 'ipProto': {
      const v4 = and(IP4, valueIn('ip[9]', values, max));
      const v6 = and(IP6, valueIn('ip6[6]', values, max));
      return {
        exact: or(absent ? not(or(IP4, IP6)) : FALSE, v4, v6),
        unsure: or(IP6_EXT, and(IP4, IP4_ODD)),
      };
    }
    case 'dstPort':
    case 'srcPort': {
      const dir = field === 'dstPort' ? 'dst' : 'src';
      const parts = values.map(([lo, hi]) =>
        lo === hi ? atom(`${dir} port ${lo}`) : atom(`${dir} portrange ${lo}-${hi}`),
      );
      // pcap-filter's port: TCP, UDP or SCTP, IPv4 first fragments and IPv6 with the
      // transport header right after the fixed one; the same packets tmesc gives ports
      const c = complement(values, max);
      const exact =
        absent && c.length < values.length
          ? not(
              or(
                ...c.map(([lo, hi]) => (lo === hi ? atom(`${dir} port ${lo}`) : atom(`${dir} portrange ${lo}-${hi}`))),
              ),
            )
          : absent
            ? or(not(atom(`${dir} portrange 0-65535`)), ...parts)
            : or(...parts);
      return { exact, unsure: or(IP6_EXT, and(IP4, IP4_ODD)) };
    }
    case 'ip4Src':
    case 'ip4Dst': {
      const dir = field === 'ip4Src' ? 'src' : 'dst';
      const nets = values.flatMap(([lo, hi]) => cidrs(lo, hi));
      if (nets.length > 32) return undefined;
      const inValues = or(...nets.map(([a, len]) => (len === 0 ? IP4 : atom(`ip ${dir} net ${dotted(a)}/${len}`))));
      // ARP and RARP carry their addresses in fields tmesc reads only when the sizes are IPv4's
      return { ...split(IP4, inValues), unsure: or(atom('arp'), atom('rarp'), and(IP4, IP4_ODD)) };
    }
    case 'ethDst':
    case 'ethSrc': {
      const dir = field === 'ethDst' ? 'dst' : 'src';
      if (absent) return undefined;
      if (values.length === 1 && values[0][0] === 0 && values[0][1] === max) return { exact: TRUE, unsure: FALSE };
      const s = singles(values, 16);
      if (!s) return undefined;
      return { exact: or(...s.map((v) => atom(`ether ${dir} ${mac(v)}`))), unsure: FALSE };
    }
    case 'ethMulticast':
      if (absent) return undefined;
      return { exact: valueIn('ether[0] & 1', values, 1), unsure: FALSE };
    case 'tcpFlags':
      return {
        exact: split(and(IP4, atom(`ip proto ${IPPROTO.TCP}`), not(IP4_LATER)), valueIn('tcp[13]', values, max)).exact,
        unsure: or(IP6, and(IP4, IP4_ODD)),
      };
    case 'icmpType':
    case 'icmpCode': {
      const at = field === 'icmpType' ? 0 : 1;
      const v4 = and(IP4, atom(`ip proto ${IPPROTO.ICMP}`), not(IP4_LATER));
      const v6 = and(IP6, atom(`ip6[6] = ${IPPROTO.ICMPV6}`));
      return {
        exact: or(
          absent ? not(or(v4, v6)) : FALSE,
          and(v4, valueIn(`icmp[${at}]`, values, max)),
          and(v6, valueIn(`ip6[${40 + at}]`, values, max)),
        ),
        unsure: or(IP6_EXT, and(IP4, IP4_ODD)),
      };
    }
    case 'ttl':
      return {
        exact: or(
          absent ? not(or(IP4, IP6)) : FALSE,
          and(IP4, valueIn('ip[8]', values, max)),
          and(IP6, valueIn('ip6[7]', values, max)),
        ),
        unsure: and(IP4, IP4_ODD),
      };
    case 'dscp':
      return {
        exact: or(
          absent ? not(or(IP4, IP6)) : FALSE,
          and(IP4, valueIn('ip[1] >> 2', values, max)),
          and(IP6, valueIn('(ip6[0:2] >> 6) & 0x3f', values, max)),
        ),
        unsure: and(IP4, IP4_ODD),
      };
    case 'fragment': {
      const kind = [
        atom('ip[6:2] & 0x3fff = 0'),
        text('ip[6:2] & 0x1fff = 0 and ip[6] & 0x20 != 0', 'and'),
        atom('ip[6:2] & 0x1fff != 0'),
      ];
      const inValues = or(...values.flatMap(([lo, hi]) => kind.slice(lo, hi + 1)));
      return { exact: or(absent ? not(IP4) : FALSE, and(IP4, inValues)), unsure: or(IP6, and(IP4, IP4_ODD)) };
    }
    case 'wireLen':
      // a VLAN tag the kernel holds aside is not counted in len: tagged frames are widened
      if (depth > 0 || absent) return undefined;
      return { exact: valueIn('len', values, max), unsure: FALSE };
    case 'ip6Src0':
    case 'ip6Src1':
    case 'ip6Src2':
    case 'ip6Src3':
    case 'ip6Dst0':
    case 'ip6Dst1':
    case 'ip6Dst2':
    case 'ip6Dst3': {
      const word = Number(field.slice(-1));
      const at = (field.startsWith('ip6Src') ? 8 : 24) + 4 * word;
      return { ...split(IP6, valueIn(`ip6[${at}:4]`, values, max)), unsure: FALSE };
    }
  }
  return undefined;
}

/** Fields whose value is known in a frame at a VLAN depth (MPLS and PPPoE sessions being kept whole). */
function known(field: string, tap: number, depth: number): number | undefined {
  switch (field) {
    case 'tap':
      return tap;
    case 'linkType':
      return LINKTYPE.ETHERNET;
    case 'vlanCount':
      return depth;
    case 'vlan0':
    case 'vlan1':
    case 'vlanPri0':
      return depth === 0 ? ABSENT : undefined;
    case 'mplsCount':
      return 0;
    case 'mpls0':
    case 'mpls1':
    case 'pppoeSession':
      return ABSENT;
  }
  return undefined;
}

/** Why a field is widened, in words for the user. */
function reasonFor(field: string): string {
  if (field.startsWith('pred:')) return 'payload and byte-offset tests (contains, regex, proto[...] relations)';
  if (field.startsWith('load:')) return 'byte-offset tests (proto[offset:size] compared with a value)';
  if (field.startsWith('inner.') || field === 'tunnel' || field === 'tunnelId')
    return 'tunnels and their inner packets';
  if (field.startsWith('vlan')) return 'VLAN ids and priorities of tagged frames';
  if (field === 'etherType' || field === 'outerEtherType') return 'ethertype ranges and 802.3 lengths';
  return `${field} tests pcap-filter cannot state exactly`;
}

class Writer {
  private readonly memo = new Map<number, Expr>();
  readonly widened = new Set<string>();
  /** Where some test was not exact: those packets are kept whatever the graph says. */
  readonly unsure = new Map<string, Expr>();

  constructor(
    private readonly g: ArtifactGraph,
    private readonly tap: number,
    private readonly depth: number,
  ) {}

  node(id: number): Expr {
    if (id < 0) return this.g.leaves[-1 - id].groups.length > 0 ? TRUE : FALSE;
    let e = this.memo.get(id);
    if (e) return e;
    e = this.build(id);
    if (e.k === 'text' && e.s.length > MAX_PART) {
      this.widened.add('a policy too large for one kernel filter');
      e = TRUE;
    }
    this.memo.set(id, e);
    return e;
  }

  private build(id: number): Expr {
    const n = this.g.nodes[id];
    const field = this.g.fields[n.field];
    const upper = (i: number) => (i + 1 < n.cuts.length ? n.cuts[i + 1] - 1 : Infinity);
    const k = known(field, this.tap, this.depth);
    if (k !== undefined) {
      for (let i = n.cuts.length - 1; i >= 0; i--) if (n.cuts[i] <= k) return this.node(n.kids[i]);
      return FALSE;
    }
    const base = field.startsWith('inner.') ? field.slice(6) : field;
    const load = LOAD_FIELD.exec(field);
    const fieldMax = field.startsWith('pred:')
      ? 1
      : load
        ? 2 ** (8 * Number(load[4])) - 1
        : (FIELDS.find((f) => f.name === base)?.max ?? 0);
    // each distinct sub-expression with the ranges that lead to it
    const byKid = new Map<string, { e: Expr; ranges: Ranges }>();
    for (let i = 0; i < n.kids.length; i++) {
      const e = this.node(n.kids[i]);
      if (e.k === 'false') continue;
      const key = e.k === 'text' ? e.s : e.k;
      let entry = byKid.get(key);
      if (!entry) byKid.set(key, (entry = { e, ranges: [] }));
      const lo = Math.max(n.cuts[i], ABSENT);
      const hi = Math.min(upper(i), fieldMax);
      const last = entry.ranges[entry.ranges.length - 1];
      if (last && last[1] + 1 === lo) last[1] = hi;
      else entry.ranges.push([lo, hi]);
    }
    if (byKid.size === 0) return FALSE;
    const all = [...byKid.values()];
    const whole = all.length === 1 && all[0].ranges.length === 1 && all[0].ranges[0][0] <= ABSENT;
    if (whole && all[0].ranges[0][1] >= fieldMax) return all[0].e;
    const terms: Expr[] = [];
    for (const { e, ranges } of all) {
      // byte loads (load:scope:layer:offset:size) are widened as predicates are: pcap-filter's proto[...]
      // reads only some layers, at offsets that differ from tmesc's for IPv6 and tunnels
      const t = field.startsWith('pred:') || load || base !== field ? undefined : fieldTest(field, ranges, this.depth);
      if (!t) {
        this.widened.add(reasonFor(field));
        terms.push(e);
      } else {
        if (t.unsure.k === 'text') this.unsure.set(t.unsure.s, t.unsure);
        terms.push(and(t.exact, e));
      }
    }
    return or(...terms);
  }
}

/** MPLS (unicast and multicast) and PPPoE session frames: tmesc reads through them, the filter keeps them whole. */
const KEPT_WHOLE = or(
  ...[ETHERTYPE.MPLS, ETHERTYPE.MPLS_MULTICAST, ETHERTYPE.PPPOE_SESSION].map((t) => atom(`ether proto ${hex16(t)}`)),
);

/** The kernel filter of one tap (by index) of a compiled policy. */
export function kernelFilter(a: Artifact, tap: number): KernelFilter {
  const g = a.graph;
  const widened = new Set<string>();
  const at = (depth: number): Expr => {
    const w = new Writer(g, tap, depth);
    const e = or(...g.segments.map((root) => w.node(root)));
    for (const x of w.widened) widened.add(x);
    // each test is exact outside its unsure packets, so the graph with exact tests is exact
    // outside all of them together: keep those whole, and the rest as the graph says
    return or(...w.unsure.values(), e);
  };
  const untagged = at(0);
  let e: Expr;
  if (untagged.k === 'true') e = TRUE;
  else {
    const tagged = at(1);
    // `vlan` shifts what follows it, so it comes last; two tags or more are kept whole
    e = or(untagged, KEPT_WHOLE, and(atom('vlan'), or(tagged, KEPT_WHOLE, atom('vlan'))));
    if (untagged.k === 'false' && tagged.k === 'false')
      e = or(KEPT_WHOLE, and(atom('vlan'), or(KEPT_WHOLE, atom('vlan'))));
    widened.add('MPLS, PPPoE sessions and frames with two VLAN tags or more are kept whole');
  }
  return {
    tap: a.taps[tap].name,
    expression: e.k === 'true' ? '' : e.k === 'false' ? 'less 0 and greater 1' : e.s,
    widened: e.k === 'true' ? [] : [...widened],
  };
}

/** Every tap's kernel filter. */
export function kernelFilters(a: Artifact): KernelFilter[] {
  return a.taps.map((_, i) => kernelFilter(a, i));
}
