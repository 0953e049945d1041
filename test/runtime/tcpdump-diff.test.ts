import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runArtifact } from '../../src/runtime/run/run.js';
import { CORPUS_DIR, corpusManifest, type ManifestRow } from '../support/corpus.js';
import { PCAP_CONSTANTS } from '../../src/check/names.js';
import { LOAD_LAYERS } from '../../src/policy/policy.js';
import { LINK_ALIASES, PCAP_SUPPORTED_WORDS } from '../../src/syntax/pcap-words.js';
import { requirements } from '../support/tools.js';
import { writeCaptures } from './generated-captures.js';
import { compileFilter, compileFilters, LOOK_THROUGH, packetKeys, tcpdumpKeys } from './tcpdump-oracle.js';

/**
 * Differential test against tcpdump: for each filter both speak, over every
 * capture of the corpus (chosen by the manifest, so captures added later are
 * covered) and the captures generated-captures.ts writes for what the corpus
 * lacks, the packets tmesc delivers to a group with that filter are exactly
 * the packets `tcpdump -r FILE -w - EXPR` keeps. Where they differ on
 * purpose, DIFFERENCES says so and why; anything else fails.
 *
 * Captures of one link type are merged (mergecap) and read once per filter;
 * a packet that differs is traced back to the files it came from, which is
 * what DIFFERENCES speaks of.
 */

/**
 * How tcpdump is asked. tmesc looks through VLAN tags, MPLS labels and
 * PPPoE where tcpdump's vlan, mpls and pppoes keywords move the offsets of
 * what follows: 'through' asks under each encapsulation (LOOK_THROUGH) and
 * takes the union. 'exact' asks the filter as it is: for what tests the
 * frame's own header (ether proto 0x8100, link[...]) or the outermost tag
 * or label, which the union would read one layer further in.
 */
type Reading = 'through' | 'exact' | 'tags';
const TAGS_ONLY = ['', 'vlan and ', 'vlan and vlan and '];

const EXPRESSIONS: [string, Reading?][] = [
  // ---- the protocols, addresses and ports tmesc always had
  ['tcp'],
  ['udp'],
  ['icmp'],
  ['icmp6'],
  ['arp'],
  ['rarp'],
  ['ip'],
  ['ip6'],
  ['sctp'],
  ['sctp port 2905'],
  ['ip6 src host 2001:db8::1'],
  ['src and dst net 10.0.0.0/8'],
  ['port 80'],
  ['tcp port 80'],
  ['udp port 53'],
  ['src port 53'],
  ['dst portrange 1-1023'],
  ['portrange 1024-65535'],
  ['net 10.0.0.0/8'],
  ['src net 192.168.0.0/16 and tcp'],
  ['dst net 224.0.0.0/4'],
  ['host 192.168.1.1'],
  ['ip6 net fe80::/10'],
  ['net 192.168.0.0 mask 255.255.0.0'],
  ['broadcast'],
  ['multicast'],
  ['ether broadcast'],
  ['ether multicast'],
  ['ip multicast'],
  ['ip6 multicast'],
  ['ether host ff:ff:ff:ff:ff:ff'],
  ['tcp[tcpflags] & tcp-syn != 0'],
  ['tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn'],
  ['ip[8] < 64'],
  // pcap-filter(7)'s own example (TCP packets with data): libpcap drops the TCP test of a load right of an operator
  ['ip[2:2] - ((ip[0]&0xf)<<2) - ((tcp[12]&0xf0)>>2) != 0'],
  ['udp[4:2] > 100'],
  ['icmp[icmptype] != icmp-echo and icmp[icmptype] != icmp-echoreply'],
  ['greater 1000'],
  ['less 80'],
  ['len >= 200 and len <= 600'],
  ['length >= 100 and length <= 300'],
  ['ip proto 47'],
  ['ip proto 50'],
  ['ip6 proto 17'],
  ['ether proto 0x0806'],
  ['ether proto \\ip'],
  ['ip proto \\tcp'],
  ['not tcp'],
  ['not (udp port 53)'],
  ['tcp and not port 80'],
  ['tcp or udp'],
  ['udp && ! port 53 || icmp'],
  ['tcp[tcpflags] & tcp-fin != 0'],
  ['tcp[tcpflags] & (tcp-rst|tcp-push) == tcp-rst'],
  ['tcp[tcpflags] & (tcp-urg|tcp-ece|tcp-cwr) != 0'],
  [
    'icmp[icmptype] == icmp-unreach or icmp[icmptype] == icmp-sourcequench or icmp[icmptype] == icmp-redirect or icmp[icmptype] == icmp-routeradvert or icmp[icmptype] == icmp-routersolicit',
  ],
  [
    'icmp[icmptype] == icmp-timxceed or icmp[icmptype] == icmp-paramprob or icmp[icmptype] == icmp-tstamp or icmp[icmptype] == icmp-tstampreply or icmp[icmptype] == icmp-ireq or icmp[icmptype] == icmp-ireqreply or icmp[icmptype] == icmp-maskreq or icmp[icmptype] == icmp-maskreply',
  ],
  ['icmp[icmpcode] == 3'],
  ['ether[0] & 1 != 0'],
  ['ip6[6] == 17'],
  ['arp[7] == 1'],
  ['sctp[2:2] == 2905'],
  // ---- tags, labels and PPPoE: the outermost one, as tcpdump's first vlan or mpls reads it
  ['vlan', 'exact'],
  ['vlan 100', 'exact'],
  ['vlan 300', 'exact'],
  ['mpls', 'tags'],
  ['mpls 100', 'tags'],
  ['pppoes'],
  ['pppoed'],
  ['pppoes 0x1234'],
  ['pppoes and udp port 53'],
  // ---- the frame's own EtherType
  ['ether proto 0x8100', 'exact'],
  ['ether proto 0x88a8', 'exact'],
  ['ether proto 0x9100', 'exact'],
  ['not ether proto 0x8100', 'exact'],
  ['link proto 0x88a8', 'exact'],
  // ---- link layer protocols, 802.2 LLC and OSI
  ['stp'],
  ['not stp'],
  ['ether proto \\stp'],
  ['ether proto 0x42'],
  ['ether proto 6'],
  ['llc'],
  ['llc i'],
  ['llc s'],
  ['llc u'],
  ['llc rr'],
  ['llc rnr'],
  ['llc rej'],
  ['llc ui'],
  ['llc ua'],
  ['llc disc'],
  ['llc dm'],
  ['llc sabme'],
  ['llc test'],
  ['llc xid'],
  ['llc frmr'],
  ['netbeui'],
  ['ipx'],
  ['atalk'],
  ['aarp'],
  ['decnet'],
  ['lat'],
  ['sca'],
  ['mopdl'],
  ['moprc'],
  ['ether proto \\loopback'],
  ['ether proto \\atalk or ether proto \\ipx'],
  ['ether proto 0x6003'],
  ['iso'],
  ['ether proto \\iso'],
  ['clnp'],
  ['esis'],
  ['es-is'],
  ['isis'],
  ['is-is'],
  ['iso proto \\isis'],
  ['isis proto 16'],
  ['l1'],
  ['l2'],
  ['iih'],
  ['lsp'],
  ['snp'],
  ['csnp'],
  ['psnp'],
  // ---- pcap's other names for the link layer
  ['fddi src 00:11:22:33:44:55'],
  ['tr dst aa:bb:cc:dd:ee:ff'],
  ['wlan host 00:11:22:33:44:55'],
  ['link host aa:bb:cc:dd:ee:ff'],
  ['slip broadcast'],
  ['fddi multicast'],
  ['ppp proto \\arp'],
  // ---- MAC spellings
  ['ether host 00-11-22-33-44-55'],
  ['ether src 0011.2233.4455'],
  ['ether dst 00.11.22.33.44.56'],
  ['ether host aabbccddeeff'],
  ['ether src 0a0b0c0d0e0f'],
  // ---- short networks
  ['net 10'],
  ['net 10.1'],
  ['src net 172.16'],
  ['dst net 1'],
  ['host 10.1'],
  ['host 10'],
  ['arp net 10.1'],
  // ---- IP protocols pcap names
  ['igmp'],
  ['igrp'],
  ['pim'],
  ['vrrp'],
  ['carp'],
  ['ah'],
  ['esp'],
  ['not esp'],
  ['ip proto \\igmp'],
  ['proto \\ah'],
  ['ip6 proto \\ah'],
  ['ip6 proto 44'],
  ['protochain 6'],
  ['protochain \\udp'],
  ['ip protochain 51'],
  ['ip6 protochain 17'],
  ['ip6 protochain 44'],
  ['ip6 protochain 0'],
  ['ip6 protochain 58'],
  ['ip6 protochain 59'],
  ['ip6 protochain 50'],
  // names of /etc/protocols, and keywords after a backslash
  ['ip6 proto \\ipv6-icmp'],
  ['ip proto \\ipencap'],
  ['ip proto \\gre'],
  ['proto \\ospf or proto \\udplite'],
  ['ip6 protochain \\ipv6-frag'],
  ['ip6 protochain \\ipv6-opts or ip6 protochain \\hopopt'],
  ['ether proto 0x8847'],
  ['ether proto 0x8864'],
  // ---- loads
  ['link[12:2] == 0x8100', 'exact'],
  ['ppp[0] & 1 != 0', 'exact'],
  ['slip[14] == 0x42', 'exact'],
  ['fddi[6:4] == 0x00112233', 'exact'],
  ['tr[12:2] == 0x88cc', 'exact'],
  ['wlan[0] == 1', 'exact'],
  ['igmp[0] == 0x16'],
  ['igmp[0] & 0xf0 == 0x10'],
  ['pim[0] == 0x20'],
  ['vrrp[0] == 0x21'],
  ['carp[1] == 1'],
  ['igrp[0] == 0x11'],
  ['rarp[7] == 3'],
  ['decnet[0] == 0'],
  ['lat[0] == 0'],
  ['sca[0] == 0'],
  ['mopdl[0] == 0'],
  ['moprc[0] == 0'],
  ['atalk[0] >= 0'],
  ['icmp6[icmp6type] == icmp6-destinationunreach or icmp6[icmp6type] == icmp6-packettoobig'],
  ['icmp6[icmp6type] == icmp6-timeexceeded or icmp6[icmp6type] == icmp6-parameterproblem'],
  ['icmp6[icmp6type] == icmp6-echo or icmp6[icmp6type] == icmp6-echoreply'],
  ['icmp6[icmp6type] == icmp6-multicastlistenerquery or icmp6[0] == icmp6-multicastlistenerreportv1'],
  ['icmp6[icmp6type] == icmp6-multicastlistenerdone or icmp6[0] == icmp6-multicastlistenerreportv2'],
  ['icmp6[icmp6type] == icmp6-routersolicit or icmp6[icmp6type] == icmp6-routeradvert'],
  ['icmp6[icmp6type] == icmp6-neighborsolicit or icmp6[icmp6type] == icmp6-neighboradvert'],
  ['icmp6[icmp6type] == icmp6-redirect or icmp6[icmp6type] == icmp6-routerrenum'],
  ['icmp6[0] == icmp6-nodeinformationquery or icmp6[0] == icmp6-nodeinformationresponse'],
  ['icmp6[0] == icmp6-ineighbordiscoverysolicit or icmp6[0] == icmp6-ineighbordiscoveryadvert'],
  ['icmp6[0] == icmp6-homeagentdiscoveryrequest or icmp6[0] == icmp6-homeagentdiscoveryreply'],
  ['icmp6[0] == icmp6-mobileprefixsolicit or icmp6[0] == icmp6-mobileprefixadvert'],
  ['icmp6[0] == icmp6-certpathsolicit or icmp6[0] == icmp6-certpathadvert'],
  ['icmp6[0] == icmp6-multicastrouteradvert or icmp6[0] == icmp6-multicastroutersolicit'],
  ['icmp6[icmp6type] == icmp6-multicastrouterterm'],
  ['icmp6[icmp6code] == 0 and icmp6[icmp6type] > 150'],
  // ---- geneve: what follows it reads the Geneve payload
  ['geneve'],
  ['geneve 11'],
  ['geneve 0xb'],
  ['not geneve'],
  ['geneve and ip'],
  ['geneve and ip6'],
  ['geneve and tcp'],
  ['geneve and tcp port 80'],
  ['geneve and udp port 53'],
  ['geneve and icmp'],
  ['geneve and vlan'],
  ['geneve and host 10.0.0.1'],
  ['geneve 0xb and ip6 and udp'],
  ['geneve 5001 and vlan 42 and ip6'],
  ['geneve and ether host aa:bb:cc:dd:ee:ff'],
  ['udp and geneve and (tcp or icmp)'],
  ['ip and geneve 10 and ip[9] == 6'],
  // ---- Linux cooked captures
  ['inbound'],
  ['outbound'],
  ['not inbound'],
  ['ifindex 2'],
  ['ifindex 2147483649 and outbound'],
];

interface Difference {
  reason: string;
  applies: (row: ManifestRow, expr: string) => boolean;
}

const CHAIN_FILES = ['icmpv6.pcap', 'ipv6_ext_headers.pcap', 'zeek-pppoe.pcap', 'gen-ipv6-chains.pcap'];

/** Whether a capture holds an IPv4 packet that is not TCP (UDP, ICMP, a later fragment...): a protocols entry whose first ip: is not followed by tcp. */
const ipv4NotTcp = (protocols: string) =>
  protocols.split(',').some((p) => {
    const m = /(?:^|:)ip:([\w.-]+)/.exec(p);
    return m !== null && m[1] !== 'tcp';
  });

const DIFFERENCES: Difference[] = [
  {
    reason:
      "libpcap's arithmetic (gen_arth) keeps the protocol test of its left operand only: in ip[2:2] - ((ip[0]&0xf)<<2) - ((tcp[12]&0xf0)>>2), the tcp[12] load is on the right of a minus, so tcpdump's program tests no IP protocol (tcpdump -d: no jeq #0x6) and keeps UDP, ICMP and later-fragment packets, reading tcp[12] out of their headers; tmesc's tcp[12] is true only of a TCP header, as pcap-filter(7) says of the example",
    applies: (r, e) => /- \(\(tcp\[/.test(e) && ipv4NotTcp(r.protocols),
  },
  {
    reason:
      "tmesc's tcp[], udp[], icmp[], igmp[], pim[], ... loads work over IPv6 too; libpcap's transport-layer loads are IPv4-only, so tcpdump keeps no IPv6 packet",
    applies: (r, e) => /\b(tcp|udp|icmp|igmp|igrp|pim|vrrp|carp)\[/.test(e) && /(^|[:,])ipv6([:,]|$)/.test(r.protocols),
  },
  {
    reason:
      "tmesc walks IPv6 extension headers to the upper protocol (MLD behind hop-by-hop options, UDP behind a chain of routing and fragment headers, TCP behind AH); libpcap's ip6 proto (and so tcp, udp, icmp6, pim, esp) looks at the first next-header only. protochain walks the chain in both",
    applies: (r, e) => CHAIN_FILES.includes(r.file) && !/protochain/.test(e),
  },
  {
    reason:
      'tmesc looks through the VLAN tags of the frame a Geneve tunnel carries as it does outside; tcpdump reads geneve and ip6 at the inner tag, and needs geneve and vlan and ip6',
    applies: (r, e) => r.file === 'gen-geneve-vlan.pcap' && !/vlan/.test(e),
  },
  {
    reason:
      "tmesc decodes VLAN tags left in a Linux cooked capture; libpcap's vlan is not defined for Linux cooked captures, so tcpdump cannot look through them",
    applies: (r, e) => r.file === 'gen-sll-vlan.pcap' && !/ether proto 0x(8100|88a8)|link/.test(e),
  },
  {
    reason:
      "PPP protocol-field compression (RFC 1661): the PPP protocol is the single byte 0x21, which tmesc decodes; libpcap's pppoes filters assume two bytes and so miss the IP inside",
    applies: (r) => r.file === 'pppoe-session-http.pcap',
  },
  {
    reason:
      "on PPP links tmesc reads MPLS (PPP protocol 0x0281) as EtherType 0x8847, as it reads IP as 0x0800; libpcap's ether proto maps only some EtherTypes (IPv4, IPv6, DECnet, AppleTalk, IPX, ...) to PPP protocols and compares the others with the PPP protocol itself",
    applies: (r, e) => r.linkType === 'ppp' && /ether proto 0x8847/.test(e),
  },
];

/** Not compared: tmesc does not decode 802.11 and PPI; fuzzing inputs only need to run (below). */
const NOT_COMPARED = (r: ManifestRow) =>
  ['ppi', 'ieee-802-11-radiotap'].includes(r.linkType) || r.categories.includes('malformed');

interface Group {
  name: string;
  path: string;
  rows: ManifestRow[];
  variants: string[];
  /** Every packet of the group, as packetKeys gives them. */
  all: string[];
}

/** pcap-filter(7)'s words tmesc supports: each is in some filter compared above. */
const PCAP_WORDS = [
  ...PCAP_SUPPORTED_WORDS,
  ...LINK_ALIASES,
  ...Object.keys(PCAP_CONSTANTS),
  ...LOAD_LAYERS.map((l) => `${l}[`),
  ...['host', 'net', 'mask', 'port', 'portrange', 'src', 'dst', 'proto', 'broadcast', 'multicast'],
  ...['ether', 'ip', 'ip6', 'arp', 'rarp', 'tcp', 'udp', 'sctp', 'icmp', 'icmp6'],
  ...['less', 'greater', 'len', 'length', 'vlan', 'mpls', 'pppoes', 'pppoed', 'geneve'],
  ...['not', 'and', 'or', '!', '&&', '||'],
];

describe('the differential table', () => {
  it('has every pcap-filter word tmesc supports in some filter', () => {
    const words = new Set(EXPRESSIONS.flatMap(([e]) => e.split(/[\s()|&=!<>[\]:,]+|\\/)));
    const loads = EXPRESSIONS.map(([e]) => e).join(' ');
    const symbols = EXPRESSIONS.map(([e]) => e)
      .join(' ')
      .split(/\s+/);
    const missing = PCAP_WORDS.filter((w) =>
      w.endsWith('[') ? !new RegExp(`\\b${w.replace('[', '\\[')}`).test(loads) : !words.has(w) && !symbols.includes(w),
    );
    expect(missing).toEqual([]);
  });
});

const tools = requirements({ tools: ['tcpdump', 'mergecap'], corpus: true });

describe.skipIf(tools.skip)(`tmesc against tcpdump on the corpus and generated captures${tools.note}`, () => {
  const work = mkdtempSync(join(tmpdir(), 'tmesc-tcpdump-'));
  const groups: Group[] = [];
  /** The files a packet key comes from, to say which DIFFERENCES apply. */
  const origin = new Map<string, ManifestRow[]>();
  /** Where a packet key is, as file#number, for messages. */
  const places = new Map<string, string[]>();
  let comparedPairs = 0;
  /** Filter x capture file pairs, as the issue counted them: all agree, or differ where DIFFERENCES says why. */
  const filePairs = { all: 0, agree: 0, explained: 0 };
  let agreedPackets = 0;
  let tcpdumpPackets = 0;

  beforeAll(() => {
    const generated = writeCaptures(work).map((c) => ({ ...c, path: join(work, c.file) }));
    const rows = [
      ...corpusManifest()
        .filter((r) => !NOT_COMPARED(r))
        .map((r) => ({ ...r, path: join(CORPUS_DIR, r.file) })),
      ...generated,
    ];
    const byLink = new Map<string, typeof rows>();
    for (const r of rows) byLink.set(r.linkType, [...(byLink.get(r.linkType) ?? []), r]);
    for (const [link, members] of byLink) {
      let path = members[0].path;
      if (members.length > 1 && link !== 'per-packet') {
        path = join(work, `group-${link}.pcap`);
        const r = spawnSync('mergecap', ['-F', 'pcap', '-w', path, ...members.map((m) => m.path)], {
          encoding: 'utf8',
        });
        if (r.status !== 0) throw new Error(`mergecap ${link}: ${r.stderr}`);
      }
      const cats = new Set(members.flatMap((m) => m.categories));
      const encapsulated = ['vlan', 'qinq', 'mpls', 'pppoe'].some((c) => cats.has(c));
      for (const m of members) {
        const keys = packetKeys(m.path);
        keys.forEach((k, i) => places.set(k, [...(places.get(k) ?? []), `${m.file}#${i + 1}`]));
        for (const k of new Set(keys)) origin.set(k, [...(origin.get(k) ?? []), m]);
      }
      groups.push({
        name: members.length > 1 ? `${link} (${members.length} captures)` : members[0].file,
        path,
        rows: members,
        variants: encapsulated ? LOOK_THROUGH : [''],
        all: packetKeys(path),
      });
    }
  });

  afterAll(() => {
    // the figures the notes quote
    console.log(
      `tcpdump-diff: ${EXPRESSIONS.length} filters, ${comparedPairs} filter x capture-group pairs; filter x capture pairs: ${filePairs.all}, ${filePairs.agree} agree, ${filePairs.explained} differ as DIFFERENCES says; ${agreedPackets} packets kept by both, ${tcpdumpPackets} kept by tcpdump`,
    );
  });

  for (const [expr, reading = 'through'] of EXPRESSIONS) {
    it(expr, async () => {
      const negated = expr.startsWith('not ');
      const positive = negated ? expr.slice(4) : expr;
      const artifact = compileFilter(expr);
      const unexplained: string[] = [];
      let compared = 0;
      let kept = 0;
      for (const g of groups) {
        const variants = reading === 'exact' ? [''] : reading === 'tags' ? TAGS_ONLY : g.variants;
        const td = await tcpdumpKeys(g.path, positive, variants, work);
        if (!td.keys) continue; // tcpdump cannot compile this filter for this link type
        let theirs = td.keys;
        if (negated) {
          const left = new Map<string, number>();
          for (const k of td.keys) left.set(k, (left.get(k) ?? 0) + 1);
          theirs = g.all.filter((k) => {
            const n = left.get(k) ?? 0;
            if (n > 0) left.set(k, n - 1);
            return n === 0;
          });
        }
        await runArtifact(artifact, { inputs: new Map([['t', [g.path]]]), outDir: work });
        const ours = packetKeys(join(work, 'out.pcap'));
        const count = (xs: string[]) => xs.reduce((m, k) => m.set(k, (m.get(k) ?? 0) + 1), new Map<string, number>());
        const a = count(ours);
        const b = count(theirs);
        const differing = [...new Set([...a.keys(), ...b.keys()])].filter((k) => (a.get(k) ?? 0) !== (b.get(k) ?? 0));
        compared++;
        comparedPairs++;
        kept += theirs.length;
        tcpdumpPackets += theirs.length;
        agreedPackets +=
          ours.length - differing.reduce((s, k) => s + Math.max(0, (a.get(k) ?? 0) - (b.get(k) ?? 0)), 0);
        const excused = (k: string) =>
          (origin.get(k) ?? []).every((row) => DIFFERENCES.some((d) => d.applies(row, expr)));
        const bad = differing.filter((k) => !excused(k));
        const differs = new Set(differing.flatMap((k) => (origin.get(k) ?? []).map((r) => r.file)));
        for (const row of g.rows) {
          filePairs.all++;
          if (!differs.has(row.file)) filePairs.agree++;
          else if (DIFFERENCES.some((d) => d.applies(row, expr))) filePairs.explained++;
        }
        if (bad.length === 0) continue;
        const where = (ks: string[]) => [...new Set(ks.flatMap((k) => places.get(k) ?? []))].slice(0, 8).join(', ');
        const onlyOurs = bad.filter((k) => (a.get(k) ?? 0) > (b.get(k) ?? 0));
        const onlyTheirs = bad.filter((k) => (b.get(k) ?? 0) > (a.get(k) ?? 0));
        unexplained.push(
          `${g.name}: only tmesc kept ${onlyOurs.length} (${where(onlyOurs)}), only tcpdump kept ${onlyTheirs.length} (${where(onlyTheirs)})`,
        );
      }
      expect(unexplained).toEqual([]);
      expect(compared, 'tcpdump compiled it for no capture').toBeGreaterThan(0);
      // every filter is seen to keep something, so a filter that matches nothing anywhere cannot pass by accident
      expect(kept, 'tcpdump kept no packet: the captures do not exercise this filter').toBeGreaterThan(0);
    });
  }

  it('runs every filter over the fuzzing inputs without failing', async () => {
    const fuzz = corpusManifest().filter((r) => r.categories.includes('malformed'));
    expect(fuzz.length).toBeGreaterThan(0);
    const all = EXPRESSIONS.map(([e]) => e);
    for (let i = 0; i < all.length; i += 25) {
      const artifact = compileFilters(all.slice(i, i + 25));
      for (const r of fuzz)
        await runArtifact(artifact, { inputs: new Map([['t', [join(CORPUS_DIR, r.file)]]]), outDir: work });
    }
  });

  it('compared real traffic, not empty outputs', () => {
    expect(comparedPairs).toBeGreaterThan(EXPRESSIONS.length * 5);
    expect(agreedPackets).toBeGreaterThan(20000);
  });
});
