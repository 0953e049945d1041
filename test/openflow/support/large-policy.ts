import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ABSENT } from '../../../src/fields/fields.js';
import { type CorpusPacket, decoded } from './oracle.js';

/**
 * A large broker policy written from the values of a set of packets
 * (addresses, ports, VLANs, IPv6 prefixes), so that the packets reach many
 * of its rules: for the Open vSwitch test at a thousand rules
 * (ovs-large.test.ts).
 */
export const TAPS = 8;
const GROUPS = 8;
export const RULES = 1000;

function lcg(seed: number): (n: number) => number {
  let s = seed;
  return (n) => ((s = (s * 1103515245 + 12345) & 0x7fffffff), Math.floor((s / 0x80000000) * n));
}

const dotted = (a: number) => [a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255].join('.');

/** The policy and its ports map, written into a temporary directory. */
export function largePolicy(packets: CorpusPacket[], rules = RULES): { policy: string; ports: string } {
  const rnd = lcg(18);
  const pick = <T>(xs: T[]): T => xs[rnd(xs.length)];
  const ip4 = new Set<number>();
  const tcpPorts = new Set<number>();
  const udpPorts = new Set<number>();
  const vlans = new Set<number>();
  const ip6 = new Set<string>();
  for (const p of packets) {
    const v = decoded(p);
    if (v.ip4Src !== ABSENT) ip4.add(v.ip4Src >>> 0).add(v.ip4Dst >>> 0);
    if (v.ipProto === 6 && v.dstPort !== ABSENT) tcpPorts.add(v.dstPort);
    if (v.ipProto === 17 && v.dstPort !== ABSENT) udpPorts.add(v.dstPort);
    if (v.vlan0 !== ABSENT && v.vlan0 > 0) vlans.add(v.vlan0);
    if (v.ip6Dst0 !== ABSENT)
      ip6.add(`${((v.ip6Dst0 >>> 16) & 0xffff).toString(16)}:${(v.ip6Dst0 & 0xffff).toString(16)}::/32`);
  }
  const addrs = [...ip4].filter((a) => a !== 0 && a >>> 28 < 14);
  const lists = { tcp: [...tcpPorts], udp: [...udpPorts], vlan: [...vlans], ip6: [...ip6] };
  const filters = [
    () => `tcp dst port ${pick(lists.tcp)}`,
    () => `udp dst port ${pick(lists.udp)}`,
    () => `host ${dotted(pick(addrs))}`,
    () => `tcp and dst net ${dotted(pick(addrs) & 0xffffff00)}/24`,
    () => `vlan ${pick(lists.vlan)}`,
    () => `tcp port ${pick([80, 443, 22, 25, 53, 21, 23])} and src net ${dotted(pick(addrs) & 0xffff0000)}/16`,
    () => `ip6 and dst net ${pick(lists.ip6)}`,
    () => `tcp[tcpflags] & tcp-syn != 0 and dst host ${dotted(pick(addrs))}`,
    () => `udp port ${pick(lists.udp)} and not src net ${dotted(pick(addrs) & 0xff000000)}/8`,
    () => `tcp src port ${pick(lists.tcp)}`,
    () => `udp src port ${pick(lists.udp)} and dst host ${dotted(pick(addrs))}`,
    () => `src host ${dotted(pick(addrs))} and icmp`,
    () => `vlan ${pick(lists.vlan)} and tcp dst port ${pick(lists.tcp)}`,
    () => `ip6 and src net ${pick(lists.ip6)} and udp`,
    () => `arp and host ${dotted(pick(addrs))}`,
    () => `tcp dst portrange ${1 + rnd(1000)}-${1000 + rnd(60000)} and dst net ${dotted(pick(addrs) & 0xffff0000)}/16`,
    () => `ip and ip[8] < ${2 + rnd(128)} and src host ${dotted(pick(addrs))}`,
  ];
  const out = [`policy "large"`];
  const map = ['bridge lg0'];
  for (let t = 0; t < TAPS; t++) {
    out.push(`tap t${t} { source pcap "in-${t}.pcap"${t % 3 ? `; mark vlan ${700 + t} priority ${t % 8}` : ''} }`);
    map.push(`tap t${t} port ${1 + t}`);
  }
  for (let g = 0; g < GROUPS; g++) {
    const extra = g === 0 ? ' strip vlan truncate frame 96' : g === 1 ? ' truncate frame 128' : '';
    out.push(
      `group g${g} { tool g${g}a { output pcap "o/g${g}a.pcap"; rate ${1 + (g % 3)} Gbps } tool g${g}b { output pcap "o/g${g}b.pcap"; rate 2 Gbps } balance session symmetric${extra} }`,
    );
    map.push(`tool g${g}a port ${100 + 2 * g}`, `tool g${g}b port ${101 + 2 * g}`);
  }
  map.push('host lgh port 1000 vlans 2000-2999');
  for (let i = 0; i < rules; i++) {
    const from =
      rnd(3) === 0 ? '' : `from ${[...new Set(Array.from({ length: 1 + rnd(3) }, () => `t${rnd(TAPS)}`))].join(', ')} `;
    const action = rnd(15) === 0 ? 'drop' : 'to';
    out.push(`rule r${i} ${from}match ${pick(filters)()} ${action} g${rnd(GROUPS)}`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'tmesc-openflow-large-'));
  const policy = join(dir, 'large.tmes');
  const ports = join(dir, 'large.ports');
  writeFileSync(policy, out.join('\n') + '\n');
  writeFileSync(ports, map.join('\n') + '\n');
  return { policy, ports };
}
