import { ETHERTYPE } from '../fields/ethertype.js';
import { ABSENT, FIELDS, TUNNEL } from '../fields/fields.js';
import { IPPROTO } from '../fields/ip-proto.js';
import { UDP_PORT } from '../fields/ports.js';
import type { PolicyChange } from '../ir/diff.js';
import { Prng } from '../gen/prng.js';
import { evaluatePolicy } from '../policy/evaluate.js';
import type { Policy, Predicate } from '../policy/policy.js';
import { buildPredicate } from '../runtime/classify/predicates.js';
import { decodeFrame } from '../runtime/decode/decode.js';
import { PacketView } from '../runtime/decode/view.js';
import { BuildError, buildFrame } from './packet/build.js';
import { completePacket } from './packet/complete.js';
import { formatPacket } from './packet/format.js';
import { packetFromFields } from './packet/from-fields.js';
import type { PacketDesc } from './packet/model.js';
import { regexExample } from './regex-example.js';

/** A real packet for one change, and what each policy does with it. */
export interface Example {
  /** The packet, in the words of explain --packet; verified: built, decoded and classified by both policies. */
  packet: string;
  verified: boolean;
  /** For an unverified example: the payload tests the change depends on, which no packet tried met. */
  needs: string[];
  /** Rules of each policy that match it (indices), when verified. */
  rulesBefore: number[];
  rulesAfter: number[];
}

const UDP_TUNNEL_PORTS = new Map<number, number>([
  [TUNNEL.vxlan, UDP_PORT.VXLAN],
  [TUNNEL.geneve, UDP_PORT.GENEVE],
  [TUNNEL.gtp, UDP_PORT.GTP_U],
  [TUNNEL.l2tp, UDP_PORT.L2TP],
  [TUNNEL.teredo, UDP_PORT.TEREDO],
]);

const FIELD_MAX = new Map(FIELDS.map((f) => [f.name, f.max]));
const maxOf = (name: string): number => FIELD_MAX.get(name.replace(/^inner\./, '')) ?? Number.MAX_SAFE_INTEGER;

/** Plausible values, first preferred, for fields whose interval holds them. */
const PLAUSIBLE: Record<string, number[]> = {
  // then LLDP, and an 802.3 length as an STP BPDU has it (values up to 1500 are lengths)
  etherType: [ETHERTYPE.IPV4, ETHERTYPE.IPV6, ETHERTYPE.ARP, ETHERTYPE.LLDP, 0x26],
  ipProto: [IPPROTO.TCP, IPPROTO.UDP, IPPROTO.ICMP, IPPROTO.ICMPV6, IPPROTO.SCTP],
  dstPort: [443, 80, 53, 22, 25, 21, 20, 123, 161, 514, 8080, 8443, 3306, 5432, 1433, 389, 445, 3389, 110, 143, 5060],
  srcPort: [51000, 49152, 40000, 33000, 20000, 1024],
  ttl: [64, 128, 255],
  tcpFlags: [0x18, 0x10, 0x02, 0x12, 0x11, 0x04],
  icmpType: [8, 0, 3, 11, 128, 129],
  icmpCode: [0],
  dscp: [0, 46, 10],
  fragment: [0],
  tunnel: [0],
  vlanCount: [0],
  mplsCount: [0],
  vlanPri0: [0],
  ethMulticast: [0],
  // documentation ranges first (RFC 5737), then private ones, then well-known public resolvers and CDNs
  ip4Src: [
    0xc6336407, 0xcb007107, 0xc0000207, 0x0a000107, 0xac100107, 0xc0a80107, 0x64400007, 0x08080808, 0x01010101,
    0x97650145,
  ],
  ip4Dst: [
    0xcb00710a, 0xc633640a, 0xc000020a, 0x0a00020a, 0xac10020a, 0xc0a8020a, 0x6440000a, 0x08080404, 0x01000001,
    0x97650181,
  ],
  ethSrc: [0x02_00_00_00_00_01],
  ethDst: [0x02_00_00_00_00_02, 0x00_00_5e_00_01_01, 0xff_ff_ff_ff_ff_ff],
  ip6Src0: [0x20010db8],
  ip6Dst0: [0x20010db8],
  ip6Src1: [0],
  ip6Dst1: [0],
  ip6Src2: [0],
  ip6Dst2: [0],
  ip6Src3: [7],
  ip6Dst3: [10],
  linkType: [1],
};

/**
 * One value from [lo, hi] for a field: a plausible one the interval holds
 * (web and DNS ports, ephemeral client ports, documentation addresses, TTL
 * 64), else a host inside a range the policy names (10.0.0.1 for 10/8), else
 * the interval's end the policy wrote. `spread` picks other values of the
 * interval, for further attempts.
 */
function pick(name: string, lo: number, hi: number, rng: Prng | undefined): number {
  const top = Math.min(hi, maxOf(name));
  if (lo < 0 && top < 0) return ABSENT;
  const low = Math.max(lo, 0);
  if (rng) {
    // further attempts: anywhere in the interval (absent now and then, where allowed)
    if (lo < 0 && rng.chance(0.2)) return ABSENT;
    return low + Math.floor(rng.float() * (top - low + 1));
  }
  const base = name.replace(/^inner\./, '');
  for (const v of PLAUSIBLE[base] ?? []) if (v >= low && v <= top) return v;
  if (/ip4|ip6.*3$/.test(base)) {
    // a host, not the network's own address: 10.0.0.1 in 10.0.0.0/8; the bottom of the space is no one's
    if (low > 0 && low % 256 === 0 && low + 1 <= top) return low + 1;
    if (top % 256 === 255 && top - 1 >= low) return top - 1;
    if (low % 256 === 0 && low + 1 <= top) return low + 1;
  }
  if ((base === 'srcPort' || base === 'dstPort' || base === 'vlan0' || base === 'vlan1') && low === 0 && top >= 1)
    return base === 'srcPort' && top >= 49152 ? 49152 : 1;
  if ((base === 'mpls0' || base === 'mpls1') && low <= 16 && top >= 16) return 16;
  return low;
}

/**
 * How plausible an example is with a field in [lo, hi], for the search
 * (diffPolicies' `prefer`): an interval holding a plausible value first, then
 * wider ones (a port range rather than port 0), absent-only last.
 */
export function plausibility(name: string, lo: number, hi: number): number {
  if (name.startsWith('pred:')) return lo >= 1 ? 0 : 1;
  const top = Math.min(hi, maxOf(name));
  if (top < 0) return name.startsWith('inner.') ? 0.5 : 0;
  const low = Math.max(lo, 0);
  const base = name.replace(/^inner\./, '');
  // the earlier in the list, the more plausible
  const list = PLAUSIBLE[base] ?? [];
  const at = list.findIndex((v) => v >= low && v <= top);
  if (at >= 0) return 2 + (list.length - at) / list.length;
  return 1 + (top - low + 1) / (maxOf(name) + 1);
}

/** The fields of a packet in the box, with what they imply filled in (ports imply TCP, TCP implies IPv4, ...). */
function choose(box: Map<string, [number, number]>, rng: Prng | undefined): Map<string, number> {
  const v = new Map<string, number>();
  for (const [name, [lo, hi]] of box) v.set(name, pick(name, lo, hi, rng));
  for (const pre of ['', 'inner.']) {
    const has = (n: string) => (v.get(pre + n) ?? ABSENT) !== ABSENT;
    const free = (n: string) => !box.has(pre + n);
    const set = (n: string, x: number) => free(n) && v.set(pre + n, x);
    if ((has('dstPort') || has('srcPort')) && free('ipProto')) set('ipProto', IPPROTO.TCP);
    if (has('tcpFlags')) set('ipProto', IPPROTO.TCP);
    if (has('icmpType') || has('icmpCode'))
      set('ipProto', has('ip6Src0') || has('ip6Dst0') ? IPPROTO.ICMPV6 : IPPROTO.ICMP);
    if (has('dstPort') && !has('srcPort')) set('srcPort', 49152);
    if (has('srcPort') && !has('dstPort')) set('dstPort', 443);
    const v6 = [0, 1, 2, 3].some((k) => has(`ip6Src${k}`) || has(`ip6Dst${k}`));
    if (v6) for (const w of ['Src', 'Dst']) for (let k = 0; k < 4; k++) set(`ip6${w}${k}`, PLAUSIBLE[`ip6${w}${k}`][0]);
    if (has('ip4Src') !== has('ip4Dst'))
      set(has('ip4Src') ? 'ip4Dst' : 'ip4Src', has('ip4Src') ? 0xcb00710a : 0xc6336407);
    if (['ipProto', 'ttl', 'dscp', 'fragment', 'ip4Src', 'ip4Dst'].some(has) || v6)
      set('etherType', v6 ? ETHERTYPE.IPV6 : ETHERTYPE.IPV4);
    if (has('vlan1')) set('vlanCount', 2);
    else if (has('vlan0') || has('vlanPri0')) set('vlanCount', 1);
    if ((v.get(pre + 'vlanCount') ?? 0) > 0 && !has('vlan0')) set('vlan0', 1);
    if ((v.get(pre + 'vlanCount') ?? 0) > 1 && !has('vlan1')) set('vlan1', 1);
    if (has('mpls1')) set('mplsCount', 2);
    else if (has('mpls0')) set('mplsCount', 1);
    if ((v.get(pre + 'mplsCount') ?? 0) > 0 && !has('mpls0')) set('mpls0', 16);
    if ((v.get(pre + 'mplsCount') ?? 0) > 1 && !has('mpls1')) set('mpls1', 17);
  }
  // a UDP tunnel is found by its port: the destination's, else the source's, where the box allows
  const tunnelPort = UDP_TUNNEL_PORTS.get(v.get('tunnel') ?? ABSENT);
  if (tunnelPort !== undefined) {
    const allows = (n: string) => {
      const r = box.get(n);
      return !r || (r[0] <= tunnelPort && tunnelPort <= r[1]);
    };
    if (allows('dstPort')) v.set('dstPort', tunnelPort);
    else if (allows('srcPort')) v.set('srcPort', tunnelPort);
    if (allows('ipProto') || !box.has('ipProto')) v.set('ipProto', IPPROTO.UDP);
    if (!box.has('srcPort') && v.get('srcPort') === undefined) v.set('srcPort', 49152);
    if (!box.has('dstPort') && v.get('dstPort') === undefined) v.set('dstPort', tunnelPort);
  }
  // an inner packet needs a tunnel to be in; the one to choose depends on whether it is a frame
  const innerAsked = [...v].some(([n, x]) => n.startsWith('inner.') && x !== ABSENT);
  if (innerAsked && (v.get('tunnel') ?? 0) <= 0 && !box.has('tunnel')) {
    const ether = ['ethSrc', 'ethDst', 'vlanCount', 'vlan0'].some((n) => (v.get(`inner.${n}`) ?? ABSENT) > 0);
    v.set('tunnel', ether ? TUNNEL.vxlan : TUNNEL.gre);
  }
  return v;
}

/**
 * The packet a description of chosen fields is, with a payload each payload
 * test that must hold is true of: the bytes a `contains` looks for, a string
 * a pattern matches (regexExample), one after the other.
 */
function describe(v: Map<string, number>, preds: Map<Predicate, boolean>, tapName: string | undefined): PacketDesc {
  const get = (n: string) => (n === 'wireLen' ? ABSENT : (v.get(n) ?? ABSENT));
  const d = packetFromFields(get, tapName);
  for (const [p, want] of preds) {
    if (!want) continue;
    const bytes =
      p.kind === 'contains'
        ? p.bytes
        : p.kind === 'regex'
          ? [...Buffer.from(regexExample(p.source) ?? '', 'latin1')]
          : [];
    if (bytes.length === 0) continue;
    // an outer payload test sees the tunnel when there is one: nothing to put there
    const L = p.scope === 'inner' ? d.inner : d.outer.tunnel ? undefined : d.outer;
    if (!L) continue;
    const before = L.payload ? [...L.payload, 0x20] : [];
    L.payload = Uint8Array.from([...before, ...bytes]);
  }
  return d;
}

/** The wire length the box asks for, given the frame's natural one; undefined when the natural one will do. */
function lengthFor(box: Map<string, [number, number]>, natural: number): number | undefined {
  const want = box.get('wireLen');
  if (!want) return undefined;
  const [lo, hi] = want;
  if (natural >= lo && natural <= hi) return undefined;
  // a plausible length: the shortest the box allows that the packet can be padded to
  return lo > natural ? Math.min(Math.max(lo, 64), hi, 65535) : undefined;
}

/**
 * A real packet for a change: values picked in the change's box (plausible
 * ones first, then others), described, completed, built as a frame, read by
 * the runtime's decoder and classified by both policies' reference
 * interpreter. The first packet whose destinations change exactly as the
 * change says is the example; when none is found in a few dozen attempts the
 * change is shown by its fields, unverified.
 */
export function exampleFor(change: PolicyChange, before: Policy, after: Policy): Example {
  const preds = new Map<Predicate, boolean>();
  const box = new Map<string, [number, number]>();
  for (const [name, range] of change.box) {
    if (name.startsWith('pred:')) preds.set(JSON.parse(name.slice(5)) as Predicate, range[0] >= 1);
    else box.set(name, range);
  }
  const tapIndex = box.get('tap')?.[0];
  const tapName = tapIndex !== undefined && tapIndex >= 0 ? change.tapNames[tapIndex] : undefined;
  box.delete('tap');
  const rng = new Prng(0x7e57);
  let first: PacketDesc | undefined;
  for (let attempt = 0; attempt < 40; attempt++) {
    const values = choose(box, attempt === 0 ? undefined : rng);
    const desc = describe(values, preds, tapName);
    first ??= desc;
    const found = verify(desc, box, change, before, after);
    if (found) return found;
  }
  // no real packet found: the plausible one, and the payload tests it could not be made to meet
  let packet: string;
  try {
    packet = formatPacket(completePacket(first!), { brief: true });
  } catch {
    packet = formatPacket(first!, { brief: true });
  }
  const needs = [...preds]
    .filter(([, want]) => want)
    .map(([p]) =>
      p.kind === 'contains'
        ? `${p.scope} payload contains ${JSON.stringify(Buffer.from(p.bytes).toString('latin1'))}`
        : p.kind === 'regex'
          ? `${p.scope} payload matches /${p.source}/${p.flags}`
          : `a byte-offset test on the ${p.scope} packet`,
    );
  return { packet, verified: false, needs, rulesBefore: [], rulesAfter: [] };
}

function verify(
  desc: PacketDesc,
  box: Map<string, [number, number]>,
  change: PolicyChange,
  before: Policy,
  after: Policy,
): Example | undefined {
  let complete: PacketDesc;
  let frame;
  try {
    complete = completePacket(desc);
    const natural = buildFrame({ ...complete, len: undefined }).wireLen;
    const len = lengthFor(box, natural);
    if (len !== undefined) complete = { ...complete, len };
    frame = buildFrame(complete);
  } catch (e) {
    if (e instanceof BuildError) return undefined;
    // a combination the builder cannot write (values no description would give): not this one
    return undefined;
  }
  const view = new PacketView();
  decodeFrame(view, frame.data, frame.data.length, frame.wireLen, frame.linkType);
  if (view.malformed) return undefined;
  const decoded = (name: string): number =>
    name.startsWith('inner.')
      ? ((view.inner as unknown as Record<string, number>)[name.slice(6)] ?? ABSENT)
      : ((view as unknown as Record<string, number>)[name] ?? ABSENT);
  const outcome = (p: Policy) => {
    const tap =
      complete.tap !== undefined ? p.taps.findIndex((t) => t.name === complete.tap) : p.taps.length ? 0 : ABSENT;
    const field = (name: string): number => (name === 'tap' ? tap : decoded(name));
    const r = evaluatePolicy(p, { field, pred: (x) => buildPredicate(x)(view, frame.data) === 1 });
    return { rules: r.rules, groups: r.groups.map((g) => p.groups[g].name).sort() };
  };
  const a = outcome(before);
  const b = outcome(after);
  const same = (x: string[], y: string[]) => x.length === y.length && x.every((g, i) => g === y[i]);
  if (!same(a.groups, [...change.before].sort()) || !same(b.groups, [...change.after].sort())) return undefined;
  // the packet as the decoder read it (so nothing is said that the frame does not have), with its payload
  const shown = packetFromFields(decoded, complete.tap);
  if (!box.has('wireLen')) delete shown.len;
  if (shown.inner && complete.inner?.payload) shown.inner.payload = complete.inner.payload;
  else if (!shown.inner && complete.outer.payload) shown.outer.payload = complete.outer.payload;
  return {
    packet: formatPacket(shown, { brief: true }),
    verified: true,
    needs: [],
    rulesBefore: a.rules,
    rulesAfter: b.rules,
  };
}
