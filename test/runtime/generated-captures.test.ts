import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { missingTools, tshark } from '../support/tools.js';
import { writeCaptures } from './generated-captures.js';

/** What tshark must find in each generated capture: the headers the differential test relies on. */
const EXPECTED: Record<string, string[]> = {
  'gen-llc.pcap': [
    'llc',
    'stp',
    'vlan',
    'ipx',
    'osi',
    'clnp',
    'esis',
    'isis',
    'isis.hello',
    'isis.lsp',
    'isis.csnp',
    'isis.psnp',
    'aarp',
    'ddp',
    'cdp',
    'sna',
  ],
  'gen-ethertypes.pcap': [
    'dec_dna',
    'lat',
    'llap',
    'aarp',
    'ipx',
    'loop',
    'lldp',
    'ieee8021ad',
    'vlan',
    'ipv6',
    'mpls',
  ],
  'gen-pppoe-qinq.pcap': ['ieee8021ad', 'vlan', 'pppoes', 'ppp', 'ip', 'ipv6', 'lcp'],
  'gen-ip-protocols.pcap': ['igmp', 'pim', 'vrrp', 'igrp', 'ah', 'esp', 'sctp', 'icmpv6'],
  'gen-ipv6-chains.pcap': [
    'ipv6.hopopts',
    'ipv6.dstopts',
    'ipv6.routing',
    'ipv6.fraghdr',
    'ah',
    'esp',
    'tcp',
    'udp',
    'icmpv6',
  ],
  'gen-geneve.pcap': ['geneve', 'vxlan', 'tcp', 'icmp', 'ipv6'],
  'gen-geneve-vlan.pcap': ['geneve', 'vlan', 'ipv6'],
  'gen-addresses.pcap': ['ip', 'arp'],
  'gen-sll.pcap': ['sll', 'stp', 'ipx', 'ddp', 'ip'],
  'gen-sll-vlan.pcap': ['sll', 'vlan', 'ieee8021ad'],
  'gen-sll2.pcap': ['sll', 'ipv6', 'icmpv6'],
};

const tools = missingTools('tshark');

describe.skipIf(tools.skip)(`the generated captures are what they say${tools.note}`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'tmesc-generated-'));
  const captures = writeCaptures(dir);

  it('covers every capture', () => {
    expect(captures.map((c) => c.file).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const c of captures)
    it(`${c.file}: tshark reads every frame, with the headers meant`, async () => {
      const out = await tshark(['-r', join(dir, c.file), '-T', 'fields', '-e', 'frame.protocols']);
      const paths = out.split('\n').filter(Boolean);
      expect(paths).toHaveLength(c.frames.length);
      const seen = new Set(paths.flatMap((p) => p.split(':')));
      expect(EXPECTED[c.file].filter((p) => !seen.has(p))).toEqual([]);
    });

  it('Linux cooked captures carry every packet type and the interface indexes', async () => {
    const fields = (file: string, field: string) =>
      tshark(['-r', join(dir, file), '-T', 'fields', '-e', field]).then((o) => new Set(o.split('\n').filter(Boolean)));
    expect([...(await fields('gen-sll.pcap', 'sll.pkttype'))].sort()).toEqual(['0', '1', '2', '3', '4']);
    expect([...(await fields('gen-sll2.pcap', 'sll.ifindex'))].sort()).toEqual(['1', '2', '2147483649', '3']);
  });
});
