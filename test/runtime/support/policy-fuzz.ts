/**
 * Policies of the shapes network engineers write, of any size, for the run's
 * differential tests (test/runtime/engine/policy-shapes-run.test.ts): several
 * taps (some marked), groups of one or several tools (balanced, pcap and
 * pcapng) with actions (strip, truncate, mask, replace, timestamp, shape,
 * dedup), named lists (nets, hosts, ports, patterns, filters, some from an
 * included library), rules over ports, hosts, nets, VLANs, MPLS, tunnels,
 * inner packets, payloads, fragments, drop rules. Deterministic for a seed.
 *
 * The body has no `policy` line (artifactFor adds it); `LIBRARY` is the
 * included file's text, to be written beside the policy as `lib.tmes`.
 */
export const LIBRARY = `define net FUZZ_PRIVATE = 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, fd00::/8
define ports FUZZ_WEB = 80, 443, 8000-8999
`;

export interface FuzzPolicy {
  body: string;
  taps: number;
  groups: number;
  rules: number;
}

function lcg(seed: number): (n: number) => number {
  let s = seed >>> 0 || 1;
  // the high bits: an LCG's low bits cycle with short periods
  return (n) => ((s = (Math.imul(s, 1103515245) + 12345) & 0x7fffffff), Math.floor((s / 0x80000000) * n));
}

const WELL_KNOWN = [53, 80, 443, 22, 25, 123, 161, 8080, 3306, 5060, 4789, 2152, 67, 68, 5353, 514, 21, 110];

/** Group actions, each a line of a group block (none change the group's tools). */
const ACTIONS = [
  'strip vlan',
  'strip mpls, gre, gtp, vxlan',
  'strip tunnels',
  'strip all',
  'truncate payload 16',
  'truncate frame 96',
  'mask card-number, credentials',
  'mask FUZZ_SECRET with "#"',
  'replace /GET/ with "PUT"',
  'timestamp trailer',
  'shape burst 256 KB',
  'dedup window 5 ms',
];

export interface FuzzOptions {
  /** Taps (default 1 to 3). */
  taps?: number;
  /** Groups (default 1 to 8). */
  groups?: number;
  /** The rules' filter kinds: 'mixed' (default) draws from all, the others are one kind each. */
  kind?: 'mixed' | 'udp-ports' | 'ports' | 'hosts' | 'nets' | 'vlans' | 'tunnels' | 'payload';
  /** Group actions and balanced groups (default true). */
  actions?: boolean;
}

/** A policy of `rules` rules (plus one rule a group and a tap, so that every name is used). */
export function fuzzPolicy(seed: number, rules: number, o: FuzzOptions = {}): FuzzPolicy {
  const rnd = lcg(seed * 7919 + rules);
  const taps = o.taps ?? 1 + rnd(3);
  const groups = o.groups ?? 1 + rnd(8);
  const actions = o.actions ?? true;
  const kind = o.kind ?? 'mixed';
  const out: string[] = ['include "lib.tmes"'];
  out.push('define hosts FUZZ_DNS = 10.0.0.53, 10.0.1.53, 192.168.1.1, fd00::53');
  out.push('define pattern FUZZ_SECRET = /pass(word)?=[a-z0-9]+/i');
  out.push('define filter FUZZ_WEB_IN = tcp and dst port FUZZ_WEB and not src net FUZZ_PRIVATE');
  for (let t = 0; t < taps; t++) {
    const mark = rnd(3) === 0 ? `; mark vlan ${100 + t}` : rnd(4) === 0 ? '; mark comment' : '';
    out.push(`tap t${t} { source pcap "in-${t}.pcap"${mark} }`);
  }
  for (let g = 0; g < groups; g++) {
    const tools = actions && rnd(3) === 0 ? 2 + rnd(2) : 1;
    const lines = [`group g${g} {`];
    for (let k = 0; k < tools; k++) {
      const ext = rnd(3) === 0 ? 'pcapng' : 'pcap';
      lines.push(`  tool g${g}-${k} { output ${ext} "out/g${g}-${k}.${ext}"; rate ${1 + rnd(10)} Gbps }`);
    }
    if (tools > 1) lines.push(`  balance session ${rnd(2) === 0 ? 'symmetric' : 'symmetric inner'}`);
    if (actions) {
      const n = rnd(3);
      const seen = new Set<string>();
      for (let k = 0; k < n; k++) {
        const a = ACTIONS[rnd(ACTIONS.length)];
        // truncate, timestamp, shape, dedup may appear once a group; strip/mask/replace accumulate
        const key = a.split(' ')[0];
        if (seen.has(key)) continue;
        seen.add(key);
        lines.push(`  ${a}`);
      }
    }
    lines.push('}');
    out.push(lines.join('\n'));
  }
  const port = (i: number) => (i < WELL_KNOWN.length ? WELL_KNOWN[i] : 1000 + ((i * 7) % 60000));
  const octet = () => rnd(256);
  const by: Record<Exclude<FuzzOptions['kind'], undefined | 'mixed'>, ((i: number) => string)[]> = {
    'udp-ports': [(i) => `udp port ${port(i)}`],
    ports: [
      (i) => `tcp dst port ${port(i)}`,
      (i) => `udp port ${i + 1} or tcp port ${port(i)}`,
      (i) => `port ${port(i)}`,
      (i) => `tcp portrange ${1000 + i}-${1010 + i + rnd(50)}`,
      () => 'tcp and dst port FUZZ_WEB',
    ],
    hosts: [
      (i) => `host 10.${(i >> 8) & 255}.${i & 255}.${1 + rnd(254)}`,
      (i) => `src host 192.168.${i & 255}.${1 + rnd(254)} and not port 22`,
      () => 'host FUZZ_DNS and udp port 53',
      (i) => `ip6 host fd00::${(i + 1).toString(16)}`,
    ],
    nets: [
      () => `src net 10.${octet()}.${octet()}.0/24`,
      () => `dst net 172.${16 + rnd(16)}.0.0/16 and tcp`,
      () => `ip6 and dst net 2001:db8:${rnd(65536).toString(16)}::/48`,
      () => 'FUZZ_WEB_IN',
      () => 'not net FUZZ_PRIVATE',
    ],
    vlans: [
      (i) => `vlan ${1 + (i % 4094)}`,
      (i) => `vlan ${1 + (i % 4094)} and tcp`,
      () => `vlan and vlan ${1 + rnd(200)}`,
      () => `mpls ${rnd(1 << 20)}`,
      () => 'mpls and ip',
    ],
    tunnels: [
      () => `vxlan vni ${rnd(1 << 24)}`,
      () => `gtp teid ${rnd(1 << 30)} and inner(tcp port ${port(rnd(20))})`,
      () => `inner(udp port ${port(rnd(20))})`,
      () => `gre and inner(host 10.0.0.${1 + rnd(254)})`,
      () => 'tunnel and inner(ip6)',
      () => 'fragment',
      () => 'ip[6:2] & 0x3fff != 0',
    ],
    payload: [
      () => `payload contains "${['GET', 'POST', 'Host:', 'USER', 'HTTP'][rnd(5)]}"`,
      () => 'tcp and payload matches /HTTP\\/1\\.[01]/',
      () => 'payload matches FUZZ_SECRET',
      () => 'inner(payload contains "GET")',
      () => `len > ${60 + rnd(1400)}`,
      () => `tcp[13] & 2 != 0 and dst port ${port(rnd(20))}`,
      () => `icmp type echo-request or icmp6`,
      () => 'arp or ether broadcast',
    ],
  };
  const menu = kind === 'mixed' ? Object.values(by).flat() : by[kind];
  for (let i = 0; i < rules; i++) {
    const from =
      rnd(3) === 0 ? '' : `from ${rnd(4) === 0 ? 'any' : [...new Set([`t${rnd(taps)}`, `t${rnd(taps)}`])].join(', ')}`;
    const f = menu[rnd(menu.length)](i);
    const targets = [...new Set([`g${rnd(groups)}`, ...(rnd(4) === 0 ? [`g${rnd(groups)}`] : [])])].join(', ');
    const act = kind === 'mixed' && rnd(12) === 0 ? 'drop' : 'to';
    out.push(`rule r${i} ${from} match ${f} ${act} ${targets}`);
  }
  // every tap and group used, so the policy checks without unused-name warnings
  for (let g = 0; g < groups; g++) out.push(`rule all-g${g} from t${g % taps} match tcp port ${9000 + g} to g${g}`);
  for (let t = 0; t < taps; t++) out.push(`rule all-t${t} from t${t} match icmp to g${t % groups}`);
  return { body: out.join('\n') + '\n', taps, groups, rules: rules + groups + taps };
}
