/**
 * Policies of the shapes that scripts and careless edits make (issue 16),
 * where the compile benchmark's own policies (mostly `tcp dst port N`, eight
 * groups) are kind to the compiler: rules over two-field disjunctions (`port
 * N` is `src port N or dst port N`, `host A` is `src host A or dst host A`),
 * many groups with one ordinary filter each (ports, hosts, VLANs, protocols,
 * lengths, byte loads), many overlapping ranges into many groups.
 * Deterministic.
 */
export interface Shape {
  name: string;
  what: string;
  text: string;
}

function head(name: string, groups: number): string[] {
  const out = [`policy "${name}"`, 'tap t0 { source pcap "in-0.pcap" }', 'tap t1 { source pcap "in-1.pcap" }'];
  for (let g = 0; g < groups; g++) out.push(`group g${g} { tool o${g} { output pcap "out/g${g}.pcap" } }`);
  return out;
}

function lcg(seed: number): (n: number) => number {
  let s = seed;
  // the high bits: an LCG's low bits cycle with short periods
  return (n) => ((s = (s * 1103515245 + 12345) & 0x7fffffff), Math.floor((s / 0x80000000) * n));
}

/** `rules` rules `port N` (N = 0, 1, ...) into `groups` groups, round robin. */
export function portRules(rules: number, groups: number, proto = ''): Shape {
  const out = head(`ports-${rules}-${groups}`, groups);
  for (let i = 0; i < rules; i++) out.push(`rule r${i} match ${proto}port ${i} to g${i % groups}`);
  return {
    name: `${rules} ${proto}port N, ${groups} group${groups > 1 ? 's' : ''}`,
    what: 'two-field disjunctions',
    text: out.join('\n') + '\n',
  };
}

/** `rules` rules `host 10.x.y.z` into `groups` groups. */
export function hostRules(rules: number, groups: number): Shape {
  const out = head(`hosts-${rules}-${groups}`, groups);
  for (let i = 0; i < rules; i++)
    out.push(`rule r${i} match host 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255} to g${i % groups}`);
  return { name: `${rules} host A, ${groups} groups`, what: 'two-field disjunctions', text: out.join('\n') + '\n' };
}

/** The ordinary filters of independentGroups, in turn. */
const ORDINARY = [
  (i: number) => `tcp dst port ${1000 + i}`,
  (i: number) => `host 10.1.${(i >> 8) & 255}.${i & 255}`,
  (i: number) => `vlan ${1 + (i % 4000)}`,
  (i: number) => `ip proto ${[47, 50, 51, 89, 103, 112, 115, 132][i % 8]} and ip[8] > ${i % 200}`,
  (i: number) => `greater ${64 + i}`,
  (i: number) => `ip[1] = ${i % 256}`,
  (i: number) => `udp src port ${2000 + i}`,
  (i: number) =>
    `ether src 02:00:00:00:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`,
];

/** `groups` groups, one rule each with an ordinary filter on its own (ports, hosts, VLANs, protocols, lengths, byte loads). */
export function independentGroups(groups: number): Shape {
  const out = head(`groups-${groups}`, groups);
  for (let g = 0; g < groups; g++) out.push(`rule r${g} match ${ORDINARY[g % ORDINARY.length](g)} to g${g}`);
  return { name: `${groups} groups, one filter each`, what: 'independent groups', text: out.join('\n') + '\n' };
}

/** `rules` rules `tcp portrange A-B and vlan V` into `groups` groups: ranges that overlap in many ways. */
export function overlappingRanges(rules: number, groups: number): Shape {
  const out = head(`ranges-${rules}-${groups}`, groups);
  const rnd = lcg(7);
  for (let i = 0; i < rules; i++) {
    const a = rnd(60000);
    out.push(`rule r${i} match tcp portrange ${a}-${a + rnd(5000)} and vlan ${1 + rnd(20)} to g${i % groups}`);
  }
  return {
    name: `${rules} portrange and vlan, ${groups} groups`,
    what: 'overlapping ranges',
    text: out.join('\n') + '\n',
  };
}

/** The shapes the benchmark compiles, smallest first. */
export function shapes(): Shape[] {
  return [
    portRules(1000, 1, 'tcp '),
    portRules(10_000, 10),
    hostRules(10_000, 10),
    independentGroups(16),
    independentGroups(39),
    independentGroups(100),
    independentGroups(1000),
    overlappingRanges(500, 50),
  ];
}
