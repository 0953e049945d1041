import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runArtifact } from '../../src/runtime/run/run.js';
import { CORPUS_DIR, corpusManifest } from '../support/corpus.js';
import { requirements } from '../support/tools.js';
import { compileFilter, LOOK_THROUGH, numbered, packetKeys, tcpdumpKeys } from './tcpdump-oracle.js';

/**
 * Differential test against tcpdump: for each filter both speak, over every
 * capture of the corpus (chosen by the manifest, so captures added later are
 * covered), the packets tmesc delivers to a group with that filter are
 * exactly the packets `tcpdump -r FILE -w - EXPR` keeps. Where they differ on
 * purpose, DIFFERENCES says so and why; anything else fails.
 */
const EXPRESSIONS = [
  'tcp',
  'udp',
  'icmp',
  'icmp6',
  'arp',
  'ip',
  'ip6',
  'sctp',
  'port 80',
  'tcp port 80',
  'udp port 53',
  'src port 53',
  'dst portrange 1-1023',
  'portrange 1024-65535',
  'net 10.0.0.0/8',
  'src net 192.168.0.0/16 and tcp',
  'dst net 224.0.0.0/4',
  'host 192.168.1.1',
  'ip6 net fe80::/10',
  'broadcast',
  'multicast',
  'ip multicast',
  'ether host ff:ff:ff:ff:ff:ff',
  'tcp[tcpflags] & tcp-syn != 0',
  'tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn',
  'ip[8] < 64',
  'udp[4:2] > 100',
  'greater 1000',
  'less 80',
  'len >= 200 and len <= 600',
  'ip proto 47',
  'ip proto 50',
  'ip6 proto 17',
  'ether proto 0x0806',
  'ether proto \\ip',
  'ip proto \\tcp',
  'not tcp',
  'not (udp port 53)',
  'tcp and not port 80',
  'tcp or udp',
];

interface Difference {
  reason: string;
  applies: (row: { file: string; linkType: string; categories: string[]; protocols: string }, expr: string) => boolean;
}

const DIFFERENCES: Difference[] = [
  {
    reason:
      "tmesc's tcp[], udp[], icmp[] loads work over IPv6 too; libpcap's transport-layer loads are IPv4-only, so tcpdump keeps no IPv6 packet",
    applies: (r, e) => /\b(tcp|udp|icmp)\[/.test(e) && /(^|[:,])ipv6([:,]|$)/.test(r.protocols),
  },
  {
    reason:
      'tmesc does not decode 802.11 and PPI link types: their packets are read and counted, and match no header test',
    applies: (r) => ['ppi', 'ieee-802-11-radiotap'].includes(r.linkType),
  },
  {
    reason:
      "tmesc walks IPv6 extension headers to the upper protocol (MLD behind hop-by-hop options, UDP behind a chain of routing and fragment headers); libpcap's ip6 proto (and so tcp, udp, icmp6) looks at the first next-header only",
    applies: (r) => ['icmpv6.pcap', 'ipv6_ext_headers.pcap', 'zeek-pppoe.pcap'].includes(r.file),
  },
  {
    reason:
      "PPP protocol-field compression (RFC 1661): the PPP protocol is the single byte 0x21, which tmesc decodes; libpcap's pppoes filters assume two bytes and so miss the IP inside",
    applies: (r) => r.file === 'pppoe-session-http.pcap',
  },
  {
    reason:
      'malformed or truncated fuzzing inputs: tmesc stops decoding at a header that does not fit, tcpdump reads whichever bytes a filter names',
    applies: (r) => r.categories.includes('malformed'),
  },
];

const L2 = ['vlan', 'qinq', 'mpls', 'pppoe'];
const tools = requirements({ tools: ['tcpdump'], corpus: true });

describe.skipIf(tools.skip)(`tmesc against tcpdump on the corpus${tools.note}`, () => {
  const rows = corpusManifest();
  const work = mkdtempSync(join(tmpdir(), 'tmesc-tcpdump-'));
  let agreedPackets = 0;
  let comparedPairs = 0;

  for (const expr of EXPRESSIONS) {
    it(expr, async () => {
      const negated = expr.startsWith('not ');
      const positive = negated ? expr.slice(4) : expr;
      const artifact = compileFilter(expr);
      const unexplained: string[] = [];
      for (const row of rows) {
        const input = join(CORPUS_DIR, row.file);
        const encapsulated = row.categories.some((c) => L2.includes(c));
        // negations are compared as complements, so the look-through union stays sound
        const td = tcpdumpKeys(input, positive, encapsulated ? LOOK_THROUGH : [''], work);
        if (!td.keys) continue; // tcpdump cannot read this file at all
        const all = packetKeys(input);
        let theirs = td.keys;
        if (negated) {
          const kept = new Map<string, number>();
          for (const k of td.keys) kept.set(k, (kept.get(k) ?? 0) + 1);
          theirs = all.filter((k) => {
            const n = kept.get(k) ?? 0;
            if (n > 0) kept.set(k, n - 1);
            return n === 0;
          });
        }
        await runArtifact(artifact, { inputs: new Map([['t', [input]]]), outDir: work });
        const ours = packetKeys(join(work, 'out.pcap'));
        const count = (xs: string[]) => xs.reduce((m, k) => m.set(k, (m.get(k) ?? 0) + 1), new Map<string, number>());
        const a = count(ours);
        const b = count(theirs);
        const diff = [...new Set([...a.keys(), ...b.keys()])].filter((k) => (a.get(k) ?? 0) !== (b.get(k) ?? 0));
        comparedPairs++;
        agreedPackets += ours.length - diff.reduce((s, k) => s + Math.max(0, (a.get(k) ?? 0) - (b.get(k) ?? 0)), 0);
        if (diff.length === 0) continue;
        const why = DIFFERENCES.find((d) => d.applies(row, expr));
        if (why) continue;
        const numbers = numbered(input);
        const show = (pred: (k: string) => boolean) =>
          diff
            .filter(pred)
            .flatMap((k) => numbers.get(k) ?? [])
            .slice(0, 8)
            .join(',');
        unexplained.push(
          `${row.file}: only tmesc kept packets [${show((k) => (a.get(k) ?? 0) > (b.get(k) ?? 0))}], only tcpdump kept [${show((k) => (b.get(k) ?? 0) > (a.get(k) ?? 0))}]`,
        );
      }
      expect(unexplained).toEqual([]);
    });
  }

  it('compared real traffic, not empty outputs', () => {
    expect(comparedPairs).toBeGreaterThan(EXPRESSIONS.length * 50);
    expect(agreedPackets).toBeGreaterThan(20000);
  });
});
