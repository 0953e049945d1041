import { ETHERTYPE } from '../fields/ethertype.js';
import { LINKTYPE } from '../fields/fields.js';
import { IPPROTO } from '../fields/ip-proto.js';
import { ARPHRD, BSD_AF } from '../fields/link-headers.js';
import { UDP_PORT } from '../fields/ports.js';
import { PPP_PROTO } from '../fields/ppp.js';
import { _, Code, path } from './code.js';

/**
 * The walk of the packet path, generated for one link type and inlined in
 * the chunk loop (chunk-loop.ts): from the link layer to the transport
 * header by offset, with the decoder's validity rules (runtime/decode, layer
 * for layer, as runtime/walk/walk.ts has them), in local variables, and
 * stores into the walk's state `W` only what this policy's code reads (the
 * field demand: walkDemand). The per-record path keeps Walk.start, which is
 * this walk's oracle in the tests (test/codegen/spine.test.ts).
 *
 * The code is a block that runs with `d` (the bytes), `v` (a DataView over
 * the same bytes, offsets alike), `o` (the frame's offset), `n` (its captured length, all in `d`) and `wire` (its length on
 * the wire) in scope, and the loop's `bad` and `cand` declared; it shadows
 * nothing the loop reads after it. Stages run in the order a packet meets
 * them, link layer, VLAN tags, the EtherType, PPP, MPLS, IPv4 or IPv6, the
 * transport header, each taking over from the one before through `k` (what
 * lies at `p`); a stage that finds the packet cut short or malformed leaves
 * the block `s`.
 *
 * Nothing but numbers and the names of the state's properties (checked
 * identifiers) goes into this code.
 */

/** What lies at `p` between stages. */
const enum K {
  Done = 0,
  /** An EtherType `t` (after any VLAN tags), its payload at p. */
  EtherType = 1,
  Ppp = 2,
  Mpls = 3,
  Ip4 = 4,
  Ip6 = 5,
  /** The transport layer: protocol `pr`, fragment kind `fr`, bytes [q, e). */
  L4 = 7,
}

/** vlanCount and mplsCount are 4-bit fields: deeper stacks are malformed, as the decoder has them. */
const MAX_TAGS = 15;
const MAX_LABELS = 15;

/**
 * The walk state's properties a walk can store: each is a local of the same
 * name in the walk function. `vc`, `mc` default to 0, `ipv`, `bad` and
 * `cand` too; the rest to -1 (ABSENT).
 */
export const WALK_STATE = [
  'l2',
  'dst',
  'src',
  'oet',
  'et',
  'vc',
  'v0',
  'v1',
  'vp0',
  'mc',
  'm0',
  'm1',
  'ps',
  'l3',
  'ipv',
  'ip',
  'proto',
  'frag',
  'arp',
  'l4',
  'l4end',
  'pt',
  'tcp',
  'icmp',
] as const;

export type WalkProp = (typeof WALK_STATE)[number];

const ZERO: ReadonlySet<string> = new Set(['vc', 'mc', 'ipv']);

const bad = _`{ bad = 1; break s; }`;
/**
 * A big-endian 16-bit read at `at`, through the DataView `v` over the same
 * bytes as `d`: one bounds check and one load where two byte reads take two
 * of each. Every read is behind a length check of the walk (a DataView
 * throws past its end where `d` gives undefined).
 */
const be16 = (at: Code): Code => _`v.getUint16(${at})`;

function isVlan(t: Code): Code {
  return _`(${t} === ${ETHERTYPE.VLAN} || ${t} === ${ETHERTYPE.QINQ} || ${t} === ${ETHERTYPE.QINQ_OLD})`;
}

/** VLAN tags from `p`, the first TPID in `t`; leaves `t` the type after them (ethertype.ts, vlan.ts). */
function vlanTags(store: ReadonlySet<string>): Code {
  const ids = store.has('v0') || store.has('vp0') || store.has('v1');
  const tci = ids
    ? _`const tci = ${be16(_`p`)}; if (c === 0) { v0 = tci & 0x0fff; vp0 = tci >> 13; } else if (c === 1) v1 = tci & 0x0fff;`
    : _``;
  return _`if (${isVlan(_`t`)}) {
    let c = 0;
    for (;;) {
      if (end - p < 2) ${bad}
      ${tci}
      c++;
      vc = c;
      if (end - p < 4) ${bad}
      t = ${be16(_`p + 2`)};
      p += 4;
      if (!${isVlan(_`t`)}) break;
      if (c === ${MAX_TAGS}) ${bad}
    }
  }`;
}

/** The link layer of each link type the runtime decodes; each leaves `k` set, or leaves the block. */
function linkLayer(type: number, store: ReadonlySet<string>): Code | undefined {
  const ethernetLike = (src: Code, proto: Code, headerLen: number): Code =>
    _`if (o >= end) ${bad}
      l2 = o;
      if (end - o < ${headerLen}) ${bad}
      ${src}
      t = ${proto};
      oet = t;
      p = o + ${headerLen};
      ${vlanTags(store)}
      k = ${K.EtherType};`;
  const chdlc = _`if (o >= end) ${bad}
    l2 = o;
    if (end - o < 4) ${bad}
    t = ${be16(_`o + 2`)};
    if (t === ${ETHERTYPE.RARP}) { et = t; if (o + 4 < end) l3 = o + 4; break s; }
    p = o + 4;
    k = ${K.EtherType};`;
  const pppLink = _`if (o >= end) ${bad} l2 = o; p = o; k = ${K.Ppp};`;
  switch (type) {
    case LINKTYPE.ETHERNET:
      return _`if (n <= 0) ${bad}
        l2 = o;
        if (n < 14) { if (n >= 6) dst = o; if (n >= 12) src = o + 6; ${bad} }
        dst = o;
        src = o + 6;
        t = ${be16(_`o + 12`)};
        oet = t;
        p = o + 14;
        ${vlanTags(store)}
        k = ${K.EtherType};`;
    case LINKTYPE.LINUX_SLL:
      return ethernetLike(
        _`if (${be16(_`o + 2`)} === ${ARPHRD.ETHER} && ${be16(_`o + 4`)} === 6) src = o + 6;`,
        be16(_`o + 14`),
        16,
      );
    case LINKTYPE.LINUX_SLL2:
      return ethernetLike(
        _`if (${be16(_`o + 8`)} === ${ARPHRD.ETHER} && d[o + 11] === 6) src = o + 12;`,
        be16(_`o`),
        20,
      );
    case LINKTYPE.C_HDLC:
      return chdlc;
    case LINKTYPE.PPP:
      return pppLink;
    case LINKTYPE.PPP_HDLC:
      // Cisco HDLC's address byte shows up on PPP_HDLC links too
      return _`if (end > o && (d[o] === 0x0f || d[o] === 0x8f)) { ${chdlc} } else { ${pppLink} }`;
    case LINKTYPE.NULL:
    case LINKTYPE.LOOP:
      // the address family in the capturing host's byte order (null) or network order (loop): below 256 either way
      return _`if (o >= end) ${bad}
        l2 = o;
        if (end - o < 4) ${bad}
        let f = ((d[o] << 24) | (d[o + 1] << 16) | (d[o + 2] << 8) | d[o + 3]) >>> 0;
        if (f & 0xffff0000) f = d[o] | (d[o + 1] << 8) | (d[o + 2] << 16) | (d[o + 3] << 24);
        p = o + 4;
        if (f === ${BSD_AF.INET}) { et = ${ETHERTYPE.IPV4}; k = ${K.Ip4}; }
        else if (f === ${BSD_AF.INET6_BSD} || f === ${BSD_AF.INET6_FREEBSD} || f === ${BSD_AF.INET6_DARWIN}) { et = ${ETHERTYPE.IPV6}; k = ${K.Ip6}; }
        else { if (p < end) l3 = p; break s; }`;
    case LINKTYPE.RAW:
    case LINKTYPE.RAW_DLT12:
    case LINKTYPE.RAW_DLT14:
      return _`if (o >= end) ${bad}
        p = o;
        if (d[o] >> 4 === 4) { et = ${ETHERTYPE.IPV4}; k = ${K.Ip4}; }
        else if (d[o] >> 4 === 6) { et = ${ETHERTYPE.IPV6}; k = ${K.Ip6}; }
        else { l3 = o; ${bad} }`;
    case LINKTYPE.IPV4:
      return _`et = ${ETHERTYPE.IPV4}; p = o; k = ${K.Ip4};`;
    case LINKTYPE.IPV6:
      return _`et = ${ETHERTYPE.IPV6}; p = o; k = ${K.Ip6};`;
    default:
      return undefined;
  }
}

/** Dispatch on the EtherType (ethertype.ts decodeNetwork), PPPoE's header included. */
function etherType(store: ReadonlySet<string>): Code {
  const session = store.has('ps') ? _`ps = ${be16(_`p + 2`)};` : _``;
  return _`if (k === ${K.EtherType}) {
    et = t;
    if (t === ${ETHERTYPE.IPV4}) k = ${K.Ip4};
    else if (t === ${ETHERTYPE.IPV6}) k = ${K.Ip6};
    else if (t === ${ETHERTYPE.ARP} || t === ${ETHERTYPE.RARP}) {
      if (p < end) l3 = p;
      if (end - p < 8) ${bad}
      const hl = d[p + 4], pl = d[p + 5];
      if (end - p < 8 + 2 * (hl + pl)) ${bad}
      if (${be16(_`p`)} === ${ARPHRD.ETHER} && ${be16(_`p + 2`)} === ${ETHERTYPE.IPV4} && hl === 6 && pl === 4) arp = p;
      break s;
    } else if (t === ${ETHERTYPE.MPLS} || t === ${ETHERTYPE.MPLS_MULTICAST}) k = ${K.Mpls};
    else if (t === ${ETHERTYPE.PPPOE_SESSION}) {
      if (end - p < 4) ${bad}
      ${session}
      if (end - p < 6) ${bad}
      p += 6;
      k = ${K.Ppp};
    } else { if (p < end) l3 = p; break s; }
  }`;
}

/** A PPP header (ppp-header.ts: address and control optional, protocol compressed or not), then its protocol. */
function ppp(): Code {
  return _`if (k === ${K.Ppp}) {
    if (p < end && d[p] === 0xff) p += 2;
    if (p >= end) ${bad}
    let pr = d[p];
    if (pr & 1) p += 1;
    else {
      if (end - p < 2) ${bad}
      pr = ${be16(_`p`)};
      p += 2;
    }
    if (pr === ${PPP_PROTO.IPV4}) { et = ${ETHERTYPE.IPV4}; k = ${K.Ip4}; }
    else if (pr === ${PPP_PROTO.IPV6}) { et = ${ETHERTYPE.IPV6}; k = ${K.Ip6}; }
    else if (pr === ${PPP_PROTO.MPLS}) { et = ${ETHERTYPE.MPLS}; k = ${K.Mpls}; }
    else if (pr === ${PPP_PROTO.MPLS_MULTICAST}) { et = ${ETHERTYPE.MPLS_MULTICAST}; k = ${K.Mpls}; }
    else { if (p < end) l3 = p; break s; }
  }`;
}

/** An MPLS label stack, then IPv4 or IPv6 by the first nibble (mpls.ts). */
function mpls(store: ReadonlySet<string>): Code {
  const labels =
    store.has('m0') || store.has('m1')
      ? _`const label = (d[p] << 12) | (d[p + 1] << 4) | (d[p + 2] >> 4); if (c === 0) m0 = label; else if (c === 1) m1 = label;`
      : _``;
  return _`if (k === ${K.Mpls}) {
    let c = 0;
    for (;;) {
      if (end - p < 4) ${bad}
      ${labels}
      c++;
      mc = c;
      const bottom = d[p + 2] & 1;
      p += 4;
      if (bottom) break;
      if (c === ${MAX_LABELS}) ${bad}
    }
    if (p >= end) ${bad}
    if (d[p] >> 4 === 4) { et = ${ETHERTYPE.IPV4}; k = ${K.Ip4}; }
    else if (d[p] >> 4 === 6) { et = ${ETHERTYPE.IPV6}; k = ${K.Ip6}; }
    else { l3 = p; break s; }
  }`;
}

/** IPv4 (ipv4.ts): the transport layer ends at the total length (0: unknown), which past the wire is malformed. */
function ipv4(): Code {
  return _`if (k === ${K.Ip4}) {
    if (p >= end) ${bad}
    l3 = p;
    const b0 = d[p];
    if (b0 >> 4 !== 4 || end - p < 20) ${bad}
    ipv = 4;
    ip = p;
    const ff = ${be16(_`p + 6`)};
    fr = ff & 0x1fff ? 2 : ff & 0x2000 ? 1 : 0;
    frag = fr;
    pr = d[p + 9];
    proto = pr;
    const hl = (b0 & 0x0f) << 2;
    if (hl < 20 || end - p < hl) ${bad}
    e = end;
    const tl = ${be16(_`p + 2`)};
    if (tl !== 0) {
      if (tl < hl) ${bad}
      if (p + tl > wireEnd) bad = 1;
      if (p + tl < e) e = p + tl;
    }
    q = p + hl;
    k = ${K.L4};
  }`;
}

/** Whether next header `nx` is one of the extension headers the IPv6 walk steps over (ipv6.ts). */
function ipv6Extension(nx: Code): Code {
  return _`(${nx} === ${IPPROTO.HOPOPTS} || ${nx} === ${IPPROTO.ROUTING} || ${nx} === ${IPPROTO.DSTOPTS} || ${nx} === ${IPPROTO.MOBILITY} || ${nx} === ${IPPROTO.AH} || ${nx} === ${IPPROTO.FRAGMENT})`;
}

/** IPv6 and its extension headers (ipv6.ts); a fragment header with an offset ends the walk. */
function ipv6(): Code {
  return _`if (k === ${K.Ip6}) {
    if (p >= end) ${bad}
    l3 = p;
    if (d[p] >> 4 !== 6 || end - p < 40) ${bad}
    ipv = 6;
    ip = p;
    const pl = ${be16(_`p + 4`)};
    e = end;
    if (pl !== 0) {
      if (p + 40 + pl > wireEnd) bad = 1;
      if (p + 40 + pl < e) e = p + 40 + pl;
    }
    let nx = d[p + 6];
    q = p + 40;
    fr = 0;
    frag = 0;
    for (;;) {
      let len;
      if (nx === ${IPPROTO.HOPOPTS} || nx === ${IPPROTO.ROUTING} || nx === ${IPPROTO.DSTOPTS} || nx === ${IPPROTO.MOBILITY}) {
        if (e - q < 2) ${bad}
        len = (d[q + 1] + 1) << 3;
      } else if (nx === ${IPPROTO.AH}) {
        if (e - q < 2) ${bad}
        len = (d[q + 1] + 2) << 2;
      } else if (nx === ${IPPROTO.FRAGMENT}) {
        len = 8;
      } else break;
      if (e - q < len) ${bad}
      if (nx === ${IPPROTO.FRAGMENT}) {
        const om = ${be16(_`q + 2`)};
        const kind = om & 0xfff8 ? 2 : om & 1 ? 1 : 0;
        if (kind > fr) fr = kind;
        frag = fr;
        if (fr === 2) { nx = d[q]; q += len; break; }
      }
      nx = d[q];
      q += len;
    }
    pr = nx;
    proto = pr;
    k = ${K.L4};
  }`;
}

/** Whether UDP port `x` is one a tunnel runs on (the walk's tunnel candidate flag, as transport.ts has it). */
const tunnelPort = (x: Code) =>
  _`(${x} === ${UDP_PORT.VXLAN} || ${x} === ${UDP_PORT.GENEVE} || ${x} === ${UDP_PORT.GTP_U} || ${x} === ${UDP_PORT.L2TP} || ${x} === ${UDP_PORT.TEREDO})`;

/** Whether IP protocol `x` carries a tunnel the walk flags as a candidate (GRE, IP in IP, IPv6 in IP, L2TP). */
const tunnelProto = (x: Code) =>
  _`(${x} === ${IPPROTO.GRE} || ${x} === ${IPPROTO.IPIP} || ${x} === ${IPPROTO.IPV6} || ${x} === ${IPPROTO.L2TP})`;

/** The transport header (transport.ts, tcp.ts, udp.ts, icmp.ts, sctp.ts); a later fragment has none. */
function transport(): Code {
  return _`if (k === ${K.L4} && fr !== 2) {
    if (q < e) l4 = q;
    l4end = e;
    const m = e - q;
    if (pr === ${IPPROTO.TCP}) {
      if (m >= 4) pt = q;
      if (m < 14) bad = 1;
      else {
        tcp = q;
        const th = (d[q + 12] >> 4) << 2;
        if (th < 20 || m < th) bad = 1;
      }
    } else if (pr === ${IPPROTO.UDP}) {
      if (m < 4) bad = 1;
      else {
        pt = q;
        if (m < 8) bad = 1;
        else {
          const ul = ${be16(_`q + 4`)};
          if (ul !== 0 && ul < 8) bad = 1;
          const dp = ${be16(_`q + 2`)}, sp = ${be16(_`q`)};
          if (${tunnelPort(_`dp`)} || ${tunnelPort(_`sp`)}) cand = 1;
        }
      }
    } else if (pr === ${IPPROTO.ICMP} || pr === ${IPPROTO.ICMPV6}) {
      if (m >= 1) icmp = q;
      if (m < 8) bad = 1;
    } else if (pr === ${IPPROTO.SCTP}) {
      if (m >= 4) pt = q;
      if (m < 12) bad = 1;
    } else if (${tunnelProto(_`pr`)}) cand = 1;
  }`;
}

/** The stages a link type's packets can meet after its link layer. */
function stagesAfter(type: number): { ether: boolean; ppp: boolean } {
  switch (type) {
    case LINKTYPE.ETHERNET:
    case LINKTYPE.LINUX_SLL:
    case LINKTYPE.LINUX_SLL2:
    case LINKTYPE.C_HDLC:
    case LINKTYPE.PPP_HDLC:
      return { ether: true, ppp: true };
    case LINKTYPE.PPP:
      return { ether: false, ppp: true };
    default:
      return { ether: false, ppp: false };
  }
}

/** Link types with a walk of their own; every other walks nothing (as the decoder decodes nothing of it). */
export const WALKED_LINK_TYPES: readonly number[] = [
  LINKTYPE.ETHERNET,
  LINKTYPE.NULL,
  LINKTYPE.LOOP,
  LINKTYPE.PPP,
  LINKTYPE.PPP_HDLC,
  LINKTYPE.C_HDLC,
  LINKTYPE.RAW,
  LINKTYPE.RAW_DLT12,
  LINKTYPE.RAW_DLT14,
  LINKTYPE.IPV4,
  LINKTYPE.IPV6,
  LINKTYPE.LINUX_SLL,
  LINKTYPE.LINUX_SLL2,
];

/**
 * The walk of link type `type` as a block (see the top of this file), storing
 * `store` (WALK_STATE names) into W, and `guarded.store` too when
 * `guarded.when` holds (the session hash's reads, for balanced groups);
 * undefined for a link type without a walk of its own. With `tail` (code
 * run at the block's end, where the walk's locals are in scope), `store`
 * is walked for the tail and not stored.
 */
export function spineWalk(
  type: number,
  store: ReadonlySet<string>,
  guarded: { when: Code; store: ReadonlySet<string> } = { when: _`false`, store: new Set() },
  tail?: Code,
): Code | undefined {
  const link = linkLayer(type, store);
  if (link === undefined) return undefined;
  const locals = WALK_STATE.map((name) => _`${path(name)} = ${ZERO.has(name) ? 0 : -1}`);
  const put = (name: string) => _`W.${path(name)} = ${path(name)};`;
  // with a tail (the graph over the walk's locals), `store` is walked but not stored: the tail reads the locals
  const kept = tail === undefined ? store : new Set<string>();
  const stores = WALK_STATE.filter((name) => kept.has(name)).map(put);
  const more = WALK_STATE.filter((name) => guarded.store.has(name) && !kept.has(name)).map(put);
  if (more.length) stores.push(_`if (${guarded.when}) { ${more} }`);
  const after = stagesAfter(type);
  return _`{
    const end = o + n;
    const wireEnd = o + (wire > n ? wire : n);
    let k = ${K.Done}, p = o, t = 0, q = 0, e = 0, pr = -1, fr = 0, ${join(locals)};
    s: {
      ${link}
      ${after.ether ? etherType(store) : _``}
      ${after.ppp ? ppp() : _``}
      ${after.ether || after.ppp ? mpls(store) : _``}
      ${ipv4()}
      ${ipv6()}
      ${transport()}
    }
    ${stores}
    ${tail ?? _``}
  }`;
}

function join(cs: Code[]): Code {
  return new Code(cs.map((c) => c.text).join(', '));
}

/** What the session hash of balanced groups reads of the walk's state (runtime/walk/session.ts SESSION_STATE), and `cand`. */
export const SESSION_READS: readonly WalkProp[] = ['ipv', 'ip', 'arp', 'src', 'dst', 'pt', 'proto'];

/** What W.load() reads of the walk's state (runtime/walk/walk.ts). */
const LOAD_STATE: readonly WalkProp[] = ['l2', 'ipv', 'ip', 'et', 'l3', 'proto', 'frag', 'l4'];

/** Properties of W the walk need not store: Walk.begin sets them, or they are methods reading those. */
const BEGUN: ReadonlySet<string> = new Set(['d', 'o', 'end', 'wire', 'lt', 'tap', 'view', 'frame', 'viewed']);

/**
 * The field demand of generated code: the walk's state it reads (`W.x` in
 * its text; W.load() and the tunnel fields read more of it), so the walk
 * stores those and nothing else. Undefined when the code reads a property
 * this file does not know (then the loop keeps Walk.start).
 */
export function walkDemand(code: string): Set<string> | undefined {
  const store = new Set<string>();
  const known: ReadonlySet<string> = new Set(WALK_STATE);
  for (const m of code.matchAll(/\bW\.([A-Za-z_$][A-Za-z0-9_$]*)/g)) {
    const name = m[1];
    if (known.has(name)) store.add(name);
    else if (name === 'load') for (const x of LOAD_STATE) store.add(x);
    else if (name === 'tunnel' || name === 'tunnelId') store.add('cand');
    else if (!BEGUN.has(name)) return undefined;
  }
  return store;
}

/**
 * The graph over the walk's locals, for the chunk loop: `functions` (the
 * node functions `n<id>(d)`) and `body` (the graph's body) with every read
 * of the walk's state `W.x` turned into the parameter `x`, the node
 * functions renamed `ln<id>` (not `l<id>`: a leaf table's name, and l2 to l4 are
 * walk locals) and given the walked values after `d`, in
 * `lgraph(d, ...args)`. For code whose only W reads are walked state and
 * the link type and tap (walkBegun false): no view, no byte load. Rewrites
 * the module's own generated text only (identifiers and numbers).
 */
export function localGraph(functions: readonly string[], body: string): { code: Code; args: string[] } {
  const all = `${functions.join('\n')}\n${body}`;
  const used = new Set([...all.matchAll(/\bW\.([A-Za-z_$][A-Za-z0-9_$]*)/g)].map((m) => m[1]));
  const args: string[] = WALK_STATE.filter((name) => used.has(name));
  const params = ['d', ...args].join(', ');
  const rewrite = (text: string) =>
    text
      .replace(/\bfunction n(\d+)\(d\)/g, `function ln$1(${params})`)
      .replace(/\bn(\d+)\(d\)/g, `ln$1(${params})`)
      .replace(/\bW\.([A-Za-z_$][A-Za-z0-9_$]*)\b/g, (m: string, name: string) => (args.includes(name) ? name : m));
  for (const a of args) path(a);
  return {
    code: new Code(`${functions.map(rewrite).join('\n')}\nfunction lgraph(${params}) { ${rewrite(body)} }`),
    args,
  };
}

/**
 * Whether generated code reads what W.begin() sets (the frame, its view, a
 * byte load, a tunnel's fields): any W property but the walked state and
 * the link type and tap (W.place()). Without it the chunk loop leaves
 * W.begin() out.
 */
export function walkBegun(code: string): boolean {
  const known: ReadonlySet<string> = new Set([...WALK_STATE, 'lt', 'tap']);
  for (const m of code.matchAll(/\bW\.([A-Za-z_$][A-Za-z0-9_$]*)/g)) if (!known.has(m[1])) return true;
  return false;
}

/**
 * For tests: the body of a function `(state)` returning `walk(d, o, n,
 * wire)`, link type `type`'s walk storing every property of the state, and
 * `bad` and `cand`.
 */
export function spineWalkOnly(type: number): string {
  const walk = spineWalk(type, new Set(WALK_STATE));
  if (walk === undefined) throw new Error(`no walk for link type ${type}`);
  return _`"use strict";
const W = state;
return function walk(d, o, n, wire) {
  const v = new DataView(d.buffer, d.byteOffset, d.byteLength);
  let bad = 0, cand = 0; ${walk} W.bad = bad; W.cand = cand;
};`.text;
}

/**
 * The fast walk of an Ethernet frame, tried before the general walk in the
 * chunk loop (chunk-loop.ts): the records most captures are made of (no tag
 * or one VLAN tag; ARP, or IPv4 that is not a later fragment or IPv6 without
 * extension headers, then a whole TCP, UDP or ICMP header or any protocol
 * the walk does not look into; nothing malformed) in
 * straight-line code, no inner loop and no dispatch on what comes next (the
 * general walk's stage checks and its VLAN, MPLS and IPv6 loops cost ~40%
 * more a record; docs/design/measurements.md, "codegen, session 8"). It runs
 * with the record's `o`, `capLen` and `wire` in scope and leaves the block
 * labelled `f` (`break f`) on anything else, having changed nothing the
 * loop reads, and the general walk (spineWalk) takes that record. For the
 * records it takes, its locals hold what spineWalk's would (WALK_STATE
 * names); the tunnel candidate flag is not worked out (the loop tries the
 * fast walk only where nothing reads it). At its end `tail` (the local
 * graph's call) runs with them in scope.
 */
export function fastEthernetWalk(store: ReadonlySet<string>, tail: Code, candWhen?: Code): Code {
  // the tunnel candidate flag into the loop's `cand`, as the general walk's transport stage sets it, where asked
  const cand =
    candWhen === undefined
      ? _``
      : _`if (${candWhen}) {
      if (proto === ${IPPROTO.UDP}) {
        const dp = ${be16(_`(fq + 2) | 0`)}, sp = ${be16(_`fq`)};
        if (${tunnelPort(_`dp`)} || ${tunnelPort(_`sp`)}) cand = 1;
      } else if (${tunnelProto(_`proto`)}) cand = 1;
    }`;
  const ids = store.has('v0') || store.has('vp0') || store.has('v1');
  const tci = ids ? _`const tci = ${be16(_`fp`)}; v0 = tci & 0x0fff; vp0 = tci >> 13;` : _``;
  return _`{
    const n = capLen;
    const end = (o + n) | 0;
    if (n < 14) break f;
    let ft = ${be16(_`(o + 12) | 0`)}, fp = (o + 14) | 0, vc = 0, v0 = -1, vp0 = -1;
    const l2 = o, dst = o, src = (o + 6) | 0, oet = ft, v1 = -1, mc = 0, m0 = -1, m1 = -1, ps = -1;
    if (${isVlan(_`ft`)}) {
      if (((end - fp) | 0) < 4) break f;
      ${tci}
      vc = 1;
      ft = ${be16(_`(fp + 2) | 0`)};
      fp = (fp + 4) | 0;
    }
    // fp < end below (each branch has the bytes of its header), so the general walk's l3 is fp
    const et = ft, l3 = fp, wireEnd = o + (wire > n ? wire : n);
    let ipv = 0, ip = -1, proto = -1, frag = -1, fe = end, fq = 0, arp = -1;
    let l4 = -1, l4end = -1, pt = -1, tcp = -1, icmp = -1;
    if (ft === ${ETHERTYPE.IPV4}) {
      if (((end - fp) | 0) < 20) break f;
      const b0 = d[fp];
      const hl = (b0 & 0x0f) << 2;
      if (b0 >> 4 !== 4 || hl < 20 || ((end - fp) | 0) < hl) break f;
      const ff = ${be16(_`(fp + 6) | 0`)};
      if (ff & 0x1fff) break f;
      frag = ff & 0x2000 ? 1 : 0;
      proto = d[(fp + 9) | 0];
      const tl = ${be16(_`(fp + 2) | 0`)};
      if (tl !== 0) {
        const te = (fp + tl) | 0;
        if (tl < hl || te > wireEnd) break f;
        if (te < fe) fe = te;
      }
      ipv = 4;
      fq = (fp + hl) | 0;
    } else if (ft === ${ETHERTYPE.IPV6}) {
      if (((end - fp) | 0) < 40 || d[fp] >> 4 !== 6) break f;
      const pl = ${be16(_`(fp + 4) | 0`)};
      if (pl !== 0) {
        const pe = (fp + 40 + pl) | 0;
        if (pe > wireEnd) break f;
        if (pe < fe) fe = pe;
      }
      proto = d[(fp + 6) | 0];
      // extension headers are the general walk's (its loop)
      if (${ipv6Extension(_`proto`)}) break f;
      frag = 0;
      ipv = 6;
      fq = (fp + 40) | 0;
    } else if (ft === ${ETHERTYPE.ARP} || ft === ${ETHERTYPE.RARP}) {
      if (((end - fp) | 0) < 8) break f;
      const ahl = d[(fp + 4) | 0], apl = d[(fp + 5) | 0];
      if (((end - fp) | 0) < 8 + 2 * (ahl + apl)) break f;
      if (${be16(_`fp`)} === ${ARPHRD.ETHER} && ${be16(_`(fp + 2) | 0`)} === ${ETHERTYPE.IPV4} && ahl === 6 && apl === 4) arp = fp;
    } else break f;
    if (ipv !== 0) {
      ip = fp;
      // fe >= fq: an IPv4 total length is at least its header's, an IPv6 header is whole
      const m = (fe - fq) | 0;
      if (m > 0) l4 = fq;
      l4end = fe;
      if (proto === ${IPPROTO.TCP}) {
        if (m < 20) break f;
        const th = (d[(fq + 12) | 0] >> 4) << 2;
        if (th < 20 || m < th) break f;
        pt = fq;
        tcp = fq;
      } else if (proto === ${IPPROTO.UDP}) {
        if (m < 8) break f;
        const ul = ${be16(_`(fq + 4) | 0`)};
        if (ul !== 0 && ul < 8) break f;
        pt = fq;
      } else if (proto === ${IPPROTO.ICMP} || proto === ${IPPROTO.ICMPV6}) {
        if (m < 8) break f;
        icmp = fq;
      } else if (proto === ${IPPROTO.SCTP}) break f;
      // any other protocol: the general walk reads nothing of it (a tunnel's sets only the candidate flag)
      ${cand}
    }
    ${tail}
  }`;
}

/**
 * For tests: the body of a function `(state)` returning `fast(d, o, capLen,
 * wire)`, the fast walk of an Ethernet frame storing every walk-state
 * property into the state and returning 1, or returning 0 where it leaves
 * the frame to the general walk.
 */
export function fastWalkOnly(): string {
  const all = new Set<string>(WALK_STATE);
  const stores = WALK_STATE.map((name) => _`W.${path(name)} = ${path(name)};`);
  return _`"use strict";
const W = state;
return function fast(d, o, capLen, wire) {
  const v = new DataView(d.buffer, d.byteOffset, d.byteLength);
  let cand = 0;
  f: { ${fastEthernetWalk(all, _`${stores} W.cand = cand;`, _`true`)} return 1; }
  return 0;
};`.text;
}
