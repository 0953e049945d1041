import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkPolicyFile } from '../src/check/check.js';
import { DiagnosticBag } from '../src/diagnostics/bag.js';
import { SourceFile } from '../src/diagnostics/source.js';
import { compileToOpenFlow } from '../src/openflow/backend.js';
import { generatePolicy } from './policy-gen.js';
import { table } from './report.js';

/**
 * Flow and group counts of the OpenFlow backend (`npm run bench -- openflow`)
 * for policies of 100 to 10,000 rules and several taps, beside rules x taps:
 * what a switch would hold if each rule were compiled on its own for each
 * tap it reads (and that is before a rule's ports, hosts and protocols
 * multiply into one flow per combination). The match graph shares what rules
 * have in common, and the policy compiled in parts (src/openflow/parts.ts)
 * keeps rules on different fields, and rules from any tap, from multiplying:
 * the program grows with the distinct tests, not with rules x taps.
 */

function lcg(seed: number): (n: number) => number {
  let s = seed;
  // the high bits: an LCG's low bits cycle with short periods
  return (n) => ((s = (s * 1103515245 + 12345) & 0x7fffffff), Math.floor((s / 0x80000000) * n));
}

/**
 * A broker policy of `rules` rules over `taps` taps and `groups` groups of
 * two balanced tools, every tap marked: tool ports and services, server
 * hosts and subnets, VLANs, IPv6 prefixes, TCP flags, some drops; all tests
 * a switch can do, so every group is the switch's.
 */
export function brokerPolicy(rules: number, taps: number, groups: number): { policy: string; ports: string } {
  const rnd = lcg(rules * 31 + taps);
  const out = [`policy "broker-${rules}-${taps}"`];
  const map = ['bridge br-mon'];
  for (let t = 0; t < taps; t++) {
    out.push(`tap t${t} { source pcap "in-${t}.pcap"; mark vlan ${100 + t} }`);
    map.push(`tap t${t} port ${1 + t}`);
  }
  for (let g = 0; g < groups; g++) {
    out.push(
      `group g${g} { tool g${g}a { output pcap "out/g${g}a.pcap" } tool g${g}b { output pcap "out/g${g}b.pcap" } balance session symmetric }`,
    );
    map.push(`tool g${g}a port ${100 + 2 * g}`, `tool g${g}b port ${101 + 2 * g}`);
  }
  map.push('host broker port 1000');
  const ip = () => `10.${rnd(256)}.${rnd(256)}.${1 + rnd(254)}`;
  const filters = [
    () => `tcp dst port ${1 + rnd(65000)}`,
    () => `udp dst port ${1 + rnd(65000)}`,
    () => `host ${ip()}`,
    () => `tcp and dst net 10.${rnd(256)}.${rnd(256)}.0/24`,
    () => `vlan ${1 + rnd(4000)}`,
    () => `tcp port ${[80, 443, 22, 25, 53, 8080][rnd(6)]} and src net 172.${16 + rnd(16)}.0.0/16`,
    () => `ip6 and dst net 2001:db8:${rnd(65536).toString(16)}::/48`,
    () => `tcp[tcpflags] & tcp-syn != 0 and dst host ${ip()}`,
  ];
  for (let i = 0; i < rules; i++) {
    const from = rnd(3) === 0 ? 'any' : `t${rnd(taps)}`;
    const action = rnd(25) === 0 ? 'drop' : 'to';
    out.push(`rule r${i} from ${from} match ${filters[rnd(filters.length)]()} ${action} g${rnd(groups)}`);
  }
  for (let g = 0; g < groups; g++) out.push(`rule all-g${g} from any match tcp port ${9000 + g} to g${g}`);
  for (let t = 0; t < taps; t++) out.push(`rule tap-t${t} from t${t} match icmp to g${t % groups}`);
  return { policy: out.join('\n') + '\n', ports: map.join('\n') + '\n' };
}

/**
 * A policy of `rules` rules over `taps` taps cycling through seventeen kinds
 * of filter (ports of either side, hosts, nets, VLANs with ports, IPv6 nets,
 * SYNs, ICMP, ARP, port ranges, the TTL), from one or two taps or any: more
 * than 32 parts, which the backend merges (src/openflow/parts.ts).
 */
export function kindsPolicy(rules: number, taps: number, groups: number): { policy: string; ports: string } {
  const rnd = lcg(rules * 17 + taps);
  const ip = () => `10.${rnd(256)}.${rnd(256)}.${1 + rnd(254)}`;
  const port = () => 1 + rnd(65000);
  const kinds = [
    () => `tcp dst port ${port()}`,
    () => `udp dst port ${port()}`,
    () => `host ${ip()}`,
    () => `tcp and dst net 10.${rnd(256)}.${rnd(256)}.0/24`,
    () => `vlan ${1 + rnd(4000)}`,
    () => `tcp port ${[80, 443, 22][rnd(3)]} and src net 172.${16 + rnd(16)}.0.0/16`,
    () => `ip6 and dst net 2001:db8:${rnd(65536).toString(16)}::/48`,
    () => `tcp[tcpflags] & tcp-syn != 0 and dst host ${ip()}`,
    () => `udp port ${port()} and not src net 10.${rnd(256)}.0.0/16`,
    () => `tcp src port ${port()}`,
    () => `udp src port ${port()} and dst host ${ip()}`,
    () => `src host ${ip()} and icmp`,
    () => `vlan ${1 + rnd(4000)} and tcp dst port ${port()}`,
    () => `ip6 and src net 2001:db8:${rnd(65536).toString(16)}::/48 and udp`,
    () => `arp and host ${ip()}`,
    () => `tcp dst portrange ${1 + rnd(1000)}-${1000 + rnd(60000)} and dst net 10.${rnd(256)}.0.0/16`,
    () => `ip and ip[8] < ${2 + rnd(128)} and src host ${ip()}`,
  ];
  const out = [`policy "kinds-${rules}-${taps}"`];
  const map = ['host broker port 1000'];
  for (let t = 0; t < taps; t++) {
    out.push(`tap t${t} { source pcap "in-${t}.pcap"; mark vlan ${100 + t} }`);
    map.push(`tap t${t} port ${1 + t}`);
  }
  for (let g = 0; g < groups; g++) {
    out.push(`group g${g} { tool g${g}a { output pcap "out/g${g}.pcap" } }`);
    map.push(`tool g${g}a port ${100 + g}`);
  }
  for (let i = 0; i < rules; i++) {
    const from = rnd(3) === 0 ? '' : `from t${rnd(taps)}, t${rnd(taps)} `;
    out.push(`rule r${i} ${from}match ${kinds[i % kinds.length]()} ${rnd(15) ? 'to' : 'drop'} g${rnd(groups)}`);
  }
  return { policy: out.join('\n') + '\n', ports: map.join('\n') + '\n' };
}

/** The ports map for the compile benchmark's policies (bench/policy-gen.ts): every tap, tool and a host. */
function genPorts(taps: number, groups: number): string {
  const map = [];
  for (let t = 0; t < taps; t++) map.push(`tap t${t} port ${1 + t}`);
  for (let g = 0; g < groups; g++) map.push(`tool g${g}-a port ${100 + 2 * g}`, `tool g${g}-b port ${101 + 2 * g}`);
  map.push('host broker port 1000');
  return map.join('\n') + '\n';
}

export async function benchOpenFlow(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tmesc-bench-openflow-'));
  const rows: string[][] = [];
  const cases: { name: string; rules: number; taps: number; text: () => { policy: string; ports: string } }[] = [];
  for (const rules of [100, 1000, 10000])
    for (const taps of [4, 16]) cases.push({ name: 'broker', rules, taps, text: () => brokerPolicy(rules, taps, 8) });
  for (const rules of [1000, 10000])
    cases.push({ name: 'kinds', rules, taps: 8, text: () => kindsPolicy(rules, 8, 8) });
  for (const rules of [100, 1000, 10000])
    cases.push({
      name: 'compile bench',
      rules,
      taps: 4,
      text: () => ({ policy: generatePolicy(rules, 8, 4), ports: genPorts(4, 8) }),
    });
  for (const c of cases) {
    const { policy, ports } = c.text();
    const path = join(dir, `${c.name.replace(' ', '-')}-${c.rules}-${c.taps}.tmes`);
    writeFileSync(path, policy);
    const checked = checkPolicyFile(path);
    const errors = checked.diagnostics.filter((d) => d.severity === 'error');
    if (errors.length) throw new Error(`${path}: ${errors[0].message}`);
    const t0 = performance.now();
    const bag = new DiagnosticBag();
    const out = compileToOpenFlow(checked.policy, new SourceFile('ports', ports), bag);
    const ms = performance.now() - t0;
    if (!out) throw new Error(`${path}: ${bag.items.map((d) => d.message).join('; ')}`);
    const k = out.report.counts;
    const host = out.report.groups.filter((g) => g.side === 'host').length;
    rows.push([
      c.name,
      String(checked.policy.rules.length),
      String(k.taps),
      String(k.rulesTimesTaps),
      String(k.flows),
      String(k.openflowGroups),
      `${(100 * k.flowsPerRuleTap).toFixed(1)}%`,
      out.report.fieldsIn === 'registers' ? `registers (${out.otherLayoutFlows})` : `headers (${out.otherLayoutFlows})`,
      `${k.graphNodes}/${k.segments}`,
      String(k.parts),
      `${k.nodesWithFlows}`,
      `${host}/${out.report.groups.length}`,
      `${(ms / 1000).toFixed(1)} s`,
    ]);
  }
  console.log('OpenFlow program size (tmesc compile --emit openflow): flows and groups against rules x taps');
  console.log(
    table(
      [
        'policy',
        'rules',
        'taps',
        'rules x taps',
        'flows',
        'groups',
        'flows / (rules x taps)',
        'ports, addresses in (other: flows)',
        'graph nodes/segments',
        'parts',
        'nodes with flows',
        'host groups',
        'compile',
      ],
      rows,
    ),
  );
  console.log(
    '  broker: every test a switch can do (ports, hosts, subnets, VLANs, IPv6, TCP flags), 8 groups of two balanced tools, every tap marked.\n' +
      '  kinds: seventeen kinds of filter from one or two taps of eight or any, more than 32 parts merged two by two.\n' +
      "  compile bench: bench/policy-gen.ts (mostly tcp dst port, VLAN, GTP and port ranges; its GTP and VXLAN rules make their groups the host's).\n" +
      "  rules x taps: one flow per rule and tap it reads, before a rule's alternatives multiply it.\n" +
      '  ports, addresses in: matched where Open vSwitch parses them (headers) or moved into registers at ingress, chosen by --match-fields auto; in brackets, the flows the other layout needs.\n' +
      '  segments: walks on the switch; the policy in parts (rules by the fields they test, from taps or any) combined by to/drop bits per group when that needs fewer flows (docs/openflow.md).',
  );
}
