/**
 * Generates realistic policies of N rules: a handful of taps and groups, named
 * nets and port lists, and rules that mix ports, prefixes, VLANs, protocols
 * and tunnels the way real broker policies do. Deterministic for a given N.
 */
export function generatePolicy(rules: number, groups = 8, taps = 4): string {
  let seed = 12345 + rules;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const out: string[] = [`policy "bench-${rules}"`, ''];
  out.push('define net INTERNAL = 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, fd00::/8');
  out.push('define ports WEB = 80, 443, 8000-8999');
  for (let t = 0; t < taps; t++) out.push(`tap t${t} { source pcap "in-${t}.pcap"; mark vlan ${100 + t} }`);
  for (let g = 0; g < groups; g++)
    out.push(
      `group g${g} { tool g${g}-a { output pcap "out/g${g}-a.pcap"; rate 10 Gbps } tool g${g}-b { output pcap "out/g${g}-b.pcap"; rate 10 Gbps } }`,
    );
  const filters = [
    () => `tcp dst port ${1 + rnd(65000)}`,
    () => `udp port ${1 + rnd(65000)} and src net 10.${rnd(256)}.${rnd(256)}.0/24`,
    () => `vlan ${1 + rnd(4000)} and tcp`,
    () => `host 192.168.${rnd(256)}.${1 + rnd(254)} and not port 22`,
    () => `tcp and dst port WEB and not src net INTERNAL and dst net 172.${16 + rnd(16)}.${rnd(256)}.0/24`,
    () => `ip6 and dst net 2001:db8:${rnd(65536).toString(16)}::/48`,
    () => `gtp teid ${rnd(1 << 30)} and inner(tcp port ${1 + rnd(65000)})`,
    () => `vxlan vni ${rnd(1 << 24)}`,
    () => `portrange ${1000 + rnd(1000)}-${3000 + rnd(1000)} and ip`,
    () => `icmp type echo-request and dst host 10.${rnd(256)}.${rnd(256)}.${1 + rnd(254)}`,
  ];
  for (let i = 0; i < rules; i++) {
    const from = rnd(3) === 0 ? 'any' : `t${rnd(taps)}`;
    const action = rnd(20) === 0 ? 'drop' : 'to';
    const targets = rnd(4) === 0 ? `g${rnd(groups)}, g${rnd(groups)}` : `g${rnd(groups)}`;
    const f = filters[rnd(filters.length)]();
    out.push(
      `rule r${i} from ${from} match ${f} ${action} ${targets
        .split(', ')
        .filter((x, k, a) => a.indexOf(x) === k)
        .join(', ')}`,
    );
  }
  // every group and tap used at least once, so the policy validates clean
  for (let g = 0; g < groups; g++) out.push(`rule all-g${g} from any match tcp port ${g + 1} to g${g}`);
  return out.join('\n') + '\n';
}
