import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildFrame } from '../../../src/cli/packet/build.js';
import { completePacket } from '../../../src/cli/packet/complete.js';
import { parsePacket } from '../../../src/cli/packet/parse.js';
import { CaptureWriter } from '../../../src/runtime/capture/capture-writer.js';
import { lines, missingTools, tempDir, tshark } from '../../support/tools.js';

// Wireshark as the oracle for the frames explain builds: each dissects as the protocol stack the
// description names, with the ids it gives, correct checksums (IPv4, TCP, UDP, ICMP, SCTP's
// CRC32c) and no malformed packet or error-level expert item.

const tools = missingTools('tshark');
const tmp = tempDir('tmesc-packet-tshark-');
afterAll(tmp.cleanup);

const FIELDS = [
  'frame.protocols',
  'gre.key',
  'vxlan.vni',
  'geneve.vni',
  'gtp.teid',
  'l2tp.session',
  'gre.key.call_id',
  'erspan.spanid',
  'vlan.id',
  'ieee8021ad.id',
  'mpls.label',
  'pppoe.session_id',
  'ip.proto',
  'udp.dstport',
  'tcp.flags',
  'icmp.type',
  'ip.frag_offset',
  'arp.opcode',
] as const;
type Field = (typeof FIELDS)[number];

const CASES: [string, string, Partial<Record<Field, string>>][] = [
  ['gre', 'eth:ethertype:ip:gre:ip', { 'ip.proto': '47,253' }],
  ['gre 7 inner tcp 10.0.0.1:1 > 10.0.0.2:80', 'eth:ethertype:ip:gre:ip:tcp', { 'gre.key': '0x00000007' }],
  ['gre 8 inner vlan 3 udp 10.0.0.1:7 > 10.0.0.2:9', 'eth:ethertype:ip:gre:eth:ethertype:vlan:ethertype:ip:udp', {}],
  [
    'vxlan 42 inner tcp 172.16.0.1:1 > 172.16.0.2:80 payload "GET /"',
    'eth:ethertype:ip:udp:vxlan:eth:ethertype:ip:tcp',
    { 'vxlan.vni': '42', 'udp.dstport': '4789' },
  ],
  [
    'geneve 9 inner vlan 5 udp 10.0.0.1:1000 > 10.0.0.2:7',
    'eth:ethertype:ip:udp:geneve:eth:ethertype:vlan:ethertype:ip:udp',
    { 'geneve.vni': '0x000009', 'vlan.id': '5' },
  ],
  [
    'gtp 0x1234 inner tcp [2001:db8::1]:443 > [2001:db8::2]:50000 flags syn,ack',
    'eth:ethertype:ip:udp:gtp:ipv6:tcp',
    { 'gtp.teid': '0x00001234', 'tcp.flags': '0x0012' },
  ],
  [
    'l2tp 77 inner icmp 10.0.0.1 > 10.0.0.2 type echo-reply',
    'eth:ethertype:ip:udp:l2tp:ppp:ip:icmp',
    { 'l2tp.session': '77', 'icmp.type': '0' },
  ],
  ['pptp 12 inner udp 10.0.0.1:1000 > 10.0.0.2:7', 'eth:ethertype:ip:gre:ppp:ip:udp', { 'gre.key.call_id': '12' }],
  [
    'erspan 300 inner vlan 10 tcp 10.0.0.1:1000 > 10.0.0.2:7',
    'eth:ethertype:ip:gre:erspan:eth:ethertype:vlan:ethertype:ip:tcp',
    { 'erspan.spanid': '300' },
  ],
  ['ipip inner tcp 10.9.9.9:1000 > 10.8.8.8:7', 'eth:ethertype:ip:ip:tcp', { 'ip.proto': '4,6' }],
  ['6in4 inner udp [2001:db8::9]:1000 > [2001:db8::8]:7', 'eth:ethertype:ip:ipv6:udp', { 'ip.proto': '41' }],
  ['teredo inner icmp6 payload "ping"', 'eth:ethertype:ip:udp:teredo:ipv6:icmpv6', {}],
  [
    'vlan 100 priority 5 vlan 200 udp 10.0.0.1:1000 > 10.0.0.2:7',
    'eth:ethertype:ieee8021ad:ethertype:vlan:ethertype:ip:udp',
    { 'ieee8021ad.id': '100', 'vlan.id': '200' },
  ],
  ['mpls 16 mpls 17 tcp 10.0.0.1:1000 > 10.0.0.2:7', 'eth:ethertype:mpls:ip:tcp', { 'mpls.label': '16,17' }],
  [
    'pppoe 4660 tcp [2001:db8::1]:1000 > [2001:db8::2]:7',
    'eth:ethertype:pppoes:ppp:ipv6:tcp',
    { 'pppoe.session_id': '0x1234' },
  ],
  ['arp 10.0.0.1 > 10.0.0.2 type reply', 'eth:ethertype:arp', { 'arp.opcode': '2' }],
  ['sctp [2001:db8::1]:2905 > [2001:db8::2]:2905', 'eth:ethertype:ipv6:sctp', {}],
  ['icmp 192.0.2.1 > 192.0.2.2 type 3 code 1 payload "\\x45\\x00"', 'eth:ethertype:ip:icmp:ip', { 'icmp.type': '3' }],
  ['tcp 10.0.0.1 > 10.0.0.2 fragment later payload "the rest"', 'eth:ethertype:ip:data', { 'ip.frag_offset': '185' }],
  ['tcp 10.0.0.1:1000 > 10.0.0.2:7 len 1500', 'eth:ethertype:ip:tcp:echo', {}],
];

describe.skipIf(tools.skip)(`frames built for descriptions, dissected by tshark${tools.note}`, () => {
  it('each is the stack it describes, with its ids and correct checksums, and none is malformed', async () => {
    const file = join(tmp.dir, 'built.pcap');
    const w = new CaptureWriter(file, { format: 'pcap', linkType: 1 });
    for (const [spec] of CASES) {
      const f = buildFrame(completePacket(parsePacket(spec)));
      w.writePacket(0, f.data, 1_700_000_000, 0);
    }
    w.close();
    const checks = ['ip', 'tcp', 'udp'].flatMap((p) => ['-o', `${p}.check_checksum:TRUE`]);
    const [facts, problems] = await Promise.all([
      tshark(['-r', file, ...checks, '-T', 'fields', ...FIELDS.flatMap((f) => ['-e', f])]),
      tshark([
        '-r',
        file,
        ...checks,
        '-o',
        'sctp.checksum:CRC-32C',
        '-Y',
        '_ws.malformed || _ws.expert.severity >= error || sctp.checksum.status == 0 || icmp.checksum.status == 0',
        '-T',
        'fields',
        '-e',
        'frame.number',
        '-e',
        '_ws.expert.message',
      ]),
    ]);
    expect(lines(problems)).toEqual([]);
    const rows = lines(facts).map((l) => Object.fromEntries(l.split('\t').map((v, i) => [FIELDS[i], v])));
    expect(rows).toHaveLength(CASES.length);
    CASES.forEach(([spec, protocols, fields], i) => {
      expect(rows[i]['frame.protocols'], spec).toBe(protocols);
      for (const [k, v] of Object.entries(fields)) expect(rows[i][k], `${spec}: ${k}`).toBe(v);
    });
  });
});
