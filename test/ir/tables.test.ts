import { describe, expect, it } from 'vitest';
import { FilterBuilder } from '../../src/ir/build.js';
import { compilePolicy } from '../../src/ir/compile.js';
import { listing } from '../../src/ir/dump.js';
import { FieldSpace } from '../../src/ir/field-space.js';
import { Idd } from '../../src/ir/idd.js';
import { checkAgreement } from './agreement.js';
import { policyFor } from './helpers.js';

/** In the manner of libpcap's TESTrun: aliases, rejects and golden listings, as tables. */
const ALIASES: [string, string][] = [
  ['port 80', 'src port 80 or dst port 80'],
  ['tcp port 80', 'tcp and (src port 80 or dst port 80)'],
  ['host 10.0.0.1', 'src host 10.0.0.1 or dst host 10.0.0.1'],
  ['host 10.0.0.1 or 10.0.0.2', 'host 10.0.0.1 or host 10.0.0.2'],
  ['tcp dst port 21 or 22', 'tcp dst port 21 or tcp dst port 22'],
  ['net 10.0.0.0/8', 'net 10.0.0.0 mask 255.0.0.0'],
  ['net 192.168.1', 'net 192.168.1.0/24'],
  ['portrange 80-82', 'port 80 or port 81 or port 82'],
  ['port 80-82', 'portrange 80-82'],
  ['not not tcp', 'tcp'],
  ['tcp and udp', 'not any'],
  ['tcp or not tcp', 'any'],
  ['less 100', 'len <= 100'],
  ['greater 100', 'len >= 100'],
  ['len > 100 and len < 50', 'not any'],
  ['ether proto 0x0800', 'ip'],
  ['ether proto ip6', 'ip6'],
  ['ip proto 6', 'ip and tcp'],
  ['ip6 multicast', 'ip6 and dst net ff00::/8'],
  ['ip multicast', 'ip and (dst net 224.0.0.0/4 or dst net 240.0.0.0/4)'],
  ['vlan 1 or vlan 2', 'vlan 1-2'],
  ['ttl < 5', 'ttl <= 4'],
  ['5 > ttl', 'ttl < 5'],
  ['port http', 'port 80'],
  ['ip proto gre', 'ip proto 47'],
  ['ether proto 0x8100', 'link proto 0x8100'],
  ['ether proto \\stp', 'stp'],
  ['ip6 proto 44', 'ip6 protochain 44 and ip6'],
  ['fragment', 'not (not fragment)'],
  ['host 2001:db8::1', 'src host 2001:db8::1 or dst host 2001:db8::1'],
  ['src net 10.0.0.0/8 and src net 10.1.0.0/16', 'src net 10.1.0.0/16'],
  ['tcp flags syn', 'tcp and (tcp flags syn, syn)'],
  ['inner(tcp port 80)', 'inner(tcp and port 80)'],
  // pcap's left-to-right and/or: ((tcp and port 53) or udp) and port 53
  ['tcp and port 53 or udp and port 53', '(tcp or udp) and port 53'],
  // byte loads compared with constants are fields of their own (src/ir/loads.ts)
  ['ip[1] = 3 or ip[1] = 4', 'ip[1] >= 3 and ip[1] <= 4'],
  ['ip[1] != 3', 'ip[1] < 3 or ip[1] > 3'],
  ['3 < ip[1]', 'ip[1] > 3'],
  ['ip[1] & 0xf0 = 0x40', 'ip[1] >= 0x40 and ip[1] <= 0x4f'],
  ['ip[1] = 3 and ip[1] = 4', 'not any'],
  ['udp[4:2] > 65535', 'not any'],
  ['ip[1] < 256', 'ip[1] >= 0'],
];

const REJECTS: [string, string][] = [
  ['port 70000', 'TMES0300'],
  ['portrange 90-80', 'TMES0300'],
  ['ip6 host 1.2.3.4', 'TMES0306'],
  ['ip host 2001:db8::1', 'TMES0306'],
  ['net 10.1.2.3/8', 'TMES0305'],
  ['host 1.2.3.256', 'TMES0011'],
  ['net 10.0.0.0 mask 255.0.255.0', 'TMES0011'],
  ['tcp[1:3] > 0', 'TMES0312'],
  ['len / 0 > 1', 'TMES0312'],
  ['icmp port 80', 'TMES0309'],
  ['udp flags syn', 'TMES0309'],
  ['tcp flags bogus', 'TMES0308'],
  ['icmp type nonsense', 'TMES0308'],
  ['vlan 5000', 'TMES0301'],
  ['mpls 2000000', 'TMES0302'],
  ['vxlan vni 16777216', 'TMES0307'],
  // (a+)+b is fine for the automaton (issue 19); lookaround is what it cannot run
  ['payload matches /a(?=b)/', 'TMES0601'],
  ['payload matches /a(/', 'TMES0600'],
  ['payload contains ""', 'TMES0602'],
  ['port nosuchservice', 'TMES0200'],
  ['frobnicate < 3', 'TMES0200'],
  ['tcp port', 'TMES0010'],
  ['host', 'TMES0010'],
];

function sameGraph(a: string, b: string): { a: number; b: number } {
  const r = policyFor([a, b]);
  expect(r.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).toEqual([]);
  const space = new FieldSpace();
  const fb = new FilterBuilder(new Idd(space.names.length), space);
  return { a: fb.filter(r.policy.rules[0].filter), b: fb.filter(r.policy.rules[1].filter) };
}

describe('aliases compile to the same (canonical) graph', () => {
  for (const [a, b] of ALIASES) {
    it(`${a}  ==  ${b}`, () => {
      const ids = sameGraph(a, b);
      expect(ids.a).toBe(ids.b);
    });
  }
  it('and distinct filters do not', () => {
    const ids = sameGraph('port 80', 'port 81');
    expect(ids.a).not.toBe(ids.b);
  });
});

describe('rejected expressions', () => {
  for (const [expr, code] of REJECTS) {
    it(`${expr} -> ${code}`, () => {
      const r = policyFor([expr]);
      expect(r.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code)).toContain(code);
    });
  }
});

// File snapshots: after a deliberate change to the listing, `npx vitest run test/ir -u` rewrites them (review the diff)
describe('golden listings', () => {
  it('overlap.tmes (the VLAN 1-3 / TCP / VLAN 3-6 example)', async () => {
    const r = policyFor(
      [],
      `group a { tool a { output pcap "a-out.pcap" } }
group b { tool b { output pcap "b-out.pcap" } }
group c { tool c { output pcap "c-out.pcap" } }
rule vlan13 match vlan 1-3 to a
rule tcp-all match tcp to b
rule vlan36 match vlan 3-6 to c`,
    );
    const text = listing(compilePolicy(r.policy).graph, r.policy);
    await expect(text).toMatchFileSnapshot('golden/overlap.listing');
    const text0 = listing(compilePolicy(r.policy, { optimize: false }).graph, r.policy);
    await expect(text0).toMatchFileSnapshot('golden/overlap-O0.listing');
  });
});

describe('regressions found by the property test', () => {
  it('a rule whose taps are listed out of order (from b, a)', () => {
    const r = policyFor([], 'rule x from u, t match ip to g');
    checkAgreement(
      r.policy,
      [0, 1, 2].map((tap) => ({ values: { tap, etherType: 0x800 }, payload: [] })),
    );
  });
});

describe('dead rules', () => {
  it('are found one rule at a time, without the compile', async () => {
    const { analyzePolicy } = await import('../../src/ir/analysis.js');
    const r = policyFor([
      'tcp port 80',
      'arp and port 80',
      'vlan 10 and vlan 20',
      'icmp and tcp flags syn',
      'ip6 and net 10.0.0.0/8',
    ]);
    const dead = analyzePolicy(r.policy).findings.filter((f) => f.code === 'TMES0700');
    expect(dead.map((f) => f.rule)).toEqual([1, 2, 3, 4]);
  });
});
