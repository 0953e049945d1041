import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { isBareMac, parseMac, shortNet } from '../../src/check/literals.js';
import { PCAP_CONSTANTS } from '../../src/check/names.js';
import { FilterBuilder } from '../../src/ir/build.js';
import { FieldSpace } from '../../src/ir/field-space.js';
import { Idd } from '../../src/ir/idd.js';
import { LOAD_LAYERS } from '../../src/policy/policy.js';
import type { PFilter } from '../../src/policy/policy.js';
import { PCAP_SUPPORTED_WORDS } from '../../src/syntax/pcap-words.js';
import { policyFor } from '../ir/helpers.js';
import { compileFilters } from '../runtime/tcpdump-oracle.js';
import { BASE, checkText } from './support/check-text.js';

const rule = (filter: string) => [BASE, `rule r from t match ${filter} to g`].join('\n');

function lowered(expr: string): PFilter {
  const { found, result } = checkText(rule(expr));
  expect(found.map((f) => `${f.code} ${f.message}`)).toEqual([]);
  return result.policy.rules[0].filter;
}

/** Whether two filters compile to the same canonical graph. */
function same(a: string, b: string): boolean {
  const r = policyFor([a, b]);
  expect(r.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).toEqual([]);
  const space = new FieldSpace();
  const fb = new FilterBuilder(new Idd(space.names.length), space);
  return fb.filter(r.policy.rules[0].filter) === fb.filter(r.policy.rules[1].filter);
}

/** Typical arguments, as pcap-filter(7) shows them. */
const FORMS: Record<string, string[]> = {
  protochain: ['protochain 6', 'protochain \\tcp', 'ip protochain 51', 'ip6 protochain 44'],
  llc: ['llc', 'llc i', 'llc S', 'llc rnr', 'llc xid'],
  iso: ['iso', 'iso proto \\clnp', 'iso proto 0x83'],
  isis: ['isis', 'isis proto 15'],
  'is-is': ['is-is', 'is-is proto 27'],
  ifindex: ['ifindex 3'],
};

describe('pcap-filter primitives that are names in tmesc', () => {
  for (const word of PCAP_SUPPORTED_WORDS)
    for (const form of FORMS[word] ?? [word])
      it(`'${form}' has a meaning and no diagnostic`, () => {
        expect(lowered(`tcp or ${form}`)).not.toEqual({ t: 'const', value: false });
      });

  it.each([
    ['igmp', 'ip proto 2'],
    ['igrp', 'ip proto 9'],
    ['vrrp', 'ip proto 112'],
    ['carp', 'vrrp'],
    ['pim', 'proto 103'],
    ['esp', 'proto 50'],
    ['ah', 'proto \\ah'],
    ['ah', 'ip proto 51 or (ip6 and ip6 protochain 51)'],
    ['stp', 'ether proto 0x42'],
    ['stp', 'ether proto \\stp'],
    ['netbeui', 'ether proto \\netbeui'],
    ['iso', 'ether proto \\iso'],
    ['ipx', 'ether proto \\ipx'],
    ['atalk', 'ether proto \\atalk'],
    ['aarp', 'ether proto 0x80f3'],
    ['decnet', 'ether proto 0x6003'],
    ['lat', 'ether proto 0x6004'],
    ['sca', 'ether proto 0x6007'],
    ['mopdl', 'ether proto 0x6001'],
    ['moprc', 'ether proto 0x6002'],
    ['clnp', 'iso proto \\clnp'],
    ['esis', 'es-is'],
    ['isis', 'is-is'],
    ['l1', 'isis proto 15 or isis proto 17 or isis proto 18 or isis proto 24 or isis proto 26'],
    ['l2', 'isis proto 16 or isis proto 17 or isis proto 20 or isis proto 25 or isis proto 27'],
    ['iih', 'isis proto 15 or isis proto 16 or isis proto 17'],
    ['snp', 'csnp or psnp'],
    ['llc u', 'llc ui or llc ua or llc disc or llc dm or llc sabme or llc test or llc xid or llc frmr or llc u'],
    ['not inbound', 'outbound or not (inbound or outbound)'],
    ['fddi src 00:11:22:33:44:55', 'ether src 00:11:22:33:44:55'],
    ['tr host 00:11:22:33:44:55', 'ether host 00:11:22:33:44:55'],
    ['wlan dst 00:11:22:33:44:55', 'ether dst 00:11:22:33:44:55'],
    ['link proto \\arp', 'arp'],
    ['ppp broadcast', 'ether broadcast'],
    ['slip multicast', 'ether multicast'],
    ['link[0] == 1', 'ether[0] == 1'],
    ['ppp[1:2] == 1', 'ether[1:2] == 1'],
    ['ether proto 0x8100', 'link proto 0x8100'],
    ['length > 100', 'len > 100'],
    ['ip6 proto \\ipv6-icmp', 'ip6 proto 58'],
    ['ip proto \\ipencap', 'ip proto 4'],
    ['ip proto \\ip', 'ip proto 0'],
    ['proto \\udplite', 'proto 136'],
    ['ip6 protochain \\ipv6-frag', 'ip6 protochain 44'],
    ['ip proto \\gre', 'ip proto 47'],
    ['ether proto \\mpls', 'mpls'],
    ['port \\http', 'port 80'],
  ])('%s means %s', (a, b) => {
    expect(same(a, b)).toBe(true);
  });

  it('ether proto 0x8100, 0x88a8 and 0x9100 test the frame’s own EtherType, not whether it has a tag', () => {
    for (const tpid of [0x8100, 0x88a8, 0x9100])
      expect(lowered(`ether proto 0x${tpid.toString(16)}`)).toEqual({
        t: 'test',
        field: 'outerEtherType',
        ranges: [[tpid, tpid]],
      });
    expect(same('ether proto 0x8100', 'vlan')).toBe(false);
  });

  it('an IPv6 extension header after ip6 proto is looked for along the chain, as protochain', () => {
    expect(same('ip6 proto 44', 'ip6 and ip6 protochain 44')).toBe(true);
    expect(same('ip6 proto 6', 'ip6 and ip6 protochain 6')).toBe(false);
  });

  it('refuses a number beyond 32 bits in arithmetic, a load offset, less and greater, as tcpdump does', () => {
    // BPF arithmetic is unsigned 32-bit: such a number was compared modulo 2^32 at run time
    // (tcp[0:4] == 99999999999999999999999 tested 4127195136) or unwrapped where the graph tests a field
    const codes = (f: string) => checkText(rule(f)).found.map((x) => x.code);
    expect(codes('tcp[0:4] == 99999999999999999999999')).toEqual(['TMES0307']);
    expect(codes('len + 0 == 4294967396')).toEqual(['TMES0307']);
    expect(codes('len == 4294967296')).toEqual(['TMES0307']);
    expect(codes('tcp[4294967296] == 1')).toEqual(['TMES0307']);
    expect(codes('less 99999999999999999999')).toEqual(['TMES0307']);
    expect(codes('greater 0x100000000')).toEqual(['TMES0307']);
    const at = checkText(rule('ip[0] < 0x1ffffffff')).found;
    expect(at.map((f) => `${f.code} ${f.at}`)).toEqual(['TMES0307 4:29']);
    for (const ok of ['tcp[0:4] == 4294967295', 'len < 0xffffffff', 'less 4294967295', 'ip[0:4] & 0xffffffff != 0'])
      expect(codes(ok), ok).toEqual([]);
  });

  it('says what is wrong with their arguments', () => {
    const codes = (f: string) => checkText(rule(f)).found.map((x) => x.code);
    expect(codes('igmp 3')).toEqual(['TMES0309']);
    expect(codes('llc nonsense')).toEqual(['TMES0308']);
    expect(codes('llc i s')).toEqual(['TMES0309']);
    expect(codes('iso proto 300')).toEqual(['TMES0307']);
    expect(codes('iso proto \\bogus')).toEqual(['TMES0308']);
    expect(codes('isis 3')).toEqual(['TMES0309']);
    expect(codes('ifindex eth0')).toEqual(['TMES0307']);
    expect(codes('tcp protochain 6')).toEqual(['TMES0309']);
    expect(codes('protochain')).toEqual(['TMES0309']);
    expect(codes('protochain \\nosuch')).toEqual(['TMES0308']);
    expect(codes('port \\nntp')).toEqual(['TMES0308']);
    expect(codes('ip proto \\carp')).toEqual(['TMES0308']);
  });

  it('every form, and a load of every layer, compiles to an artifact the validator accepts', () => {
    const forms = PCAP_SUPPORTED_WORDS.flatMap((w) => FORMS[w] ?? [w]);
    const loads = LOAD_LAYERS.map((l) => `${l}[1] = 2`);
    const artifact = compileFilters([...forms, ...loads, 'inner(ip protochain 6 or pim[0] = 1)']);
    expect(artifact.graph.preds.map((p) => p.kind)).toContain('protochain');
    expect(artifact.graph.fields.filter((f) => f.startsWith('load:')).length).toBeGreaterThanOrEqual(
      LOAD_LAYERS.length,
    );
  });

  it('inbound, outbound and ifindex read the frame’s cooked header, also inside inner(...)', () => {
    expect(lowered('inner(inbound)')).toEqual(lowered('inbound'));
    expect(lowered('inner(ifindex 7)')).toEqual(lowered('ifindex 7'));
  });
});

describe('geneve, as pcap reads it', () => {
  it('what follows it reads the Geneve payload', () => {
    expect(same('geneve and tcp port 80', 'geneve and inner(tcp port 80)')).toBe(true);
    expect(same('udp and geneve 11 and (tcp or icmp)', 'udp and geneve 11 and inner(tcp or icmp)')).toBe(true);
    expect(same('(geneve and ip) and host 10.0.0.1', 'geneve and inner(ip and host 10.0.0.1)')).toBe(true);
  });

  it('is Geneve to UDP port 6081, as libpcap tests it', () => {
    expect(same('geneve', 'dst port 6081 and geneve')).toBe(true);
  });

  it('what comes before it reads the outer packet, and len stays the frame’s', () => {
    expect(same('tcp and geneve', 'geneve and tcp')).toBe(false);
    expect(same('len > 100 and geneve', 'geneve and len > 100')).toBe(true);
  });

  it('moves nothing in a filter that says inner(...) itself', () => {
    expect(same('geneve and inner(tcp) or udp', '(geneve and inner(tcp)) or udp')).toBe(true);
    const f = JSON.stringify(lowered('(geneve and inner(tcp)) or udp'));
    expect(f).toContain('"field":"ipProto","ranges":[[17,17]]');
  });

  it('moves what follows it inside a definition, and nothing after the definition', () => {
    const text = [
      BASE,
      'define filter GENEVE_WEB = geneve and tcp port 80',
      'rule r from t match GENEVE_WEB and udp to g',
    ].join('\n');
    const { found, result } = checkText(text);
    expect(found).toEqual([]);
    const f = JSON.stringify(result.policy.rules[0].filter);
    expect(f).toContain('inner.dstPort');
    expect(f).toContain('"field":"ipProto","ranges":[[17,17]]');
  });

  it('refuses what tcpdump reads at offsets it never set (TMES0341), once per geneve', () => {
    const codes = (f: string) => checkText(rule(f)).found.map((x) => x.code);
    expect(codes('geneve or tcp')).toEqual(['TMES0341']);
    expect(codes('geneve or tcp or udp')).toEqual(['TMES0341']);
    expect(codes('not geneve and tcp')).toEqual(['TMES0341']);
    expect(codes('(tcp or geneve) and udp')).toEqual(['TMES0341']);
    expect(codes('udp or (geneve and tcp)')).toEqual([]);
    expect(codes('not (geneve and tcp)')).toEqual([]);
    expect(codes('geneve and not tcp')).toEqual([]);
    expect(codes('tcp or geneve')).toEqual([]);
  });
});

describe('addresses as pcap writes them', () => {
  it.each([
    ['00:11:22:33:44:55', 0x001122334455],
    ['0:1:2:3:4:5', 0x000102030405],
    ['00-11-22-33-44-55', 0x001122334455],
    ['00.11.22.33.44.55', 0x001122334455],
    ['0011.2233.4455', 0x001122334455],
    ['001122334455', 0x001122334455],
    ['AABBCCDDEEFF', 0xaabbccddeeff],
  ])('MAC %s', (text, value) => {
    expect(parseMac(text)).toBe(value);
    expect(same(`ether host ${text}`, 'ether host 00:11:22:33:44:55')).toBe(value === 0x001122334455);
  });

  it('twelve hex digits starting with a letter are a MAC where a host goes, unless a definition has the name', () => {
    expect(isBareMac('aabbccddeeff')).toBe(true);
    expect(same('host aabbccddeeff', 'ether host aa:bb:cc:dd:ee:ff')).toBe(true);
    expect(same('ether src aabbccddeeff', 'ether src aa:bb:cc:dd:ee:ff')).toBe(true);
  });

  it.each([
    ['net 10', 'net 10.0.0.0/8'],
    ['net 10.1', 'net 10.1.0.0/16'],
    ['net 172.16', 'net 172.16.0.0/16'],
    ['src net 192.168', 'src net 192.168.0.0/16'],
    ['net 0x0a01', 'net 10.1.0.0/16'],
    ['net 256', 'net 1.0.0.0/16'],
    ['host 10.1', 'net 10.1.0.0/16'],
    ['10.1', 'net 10.1.0.0/16'],
    ['host 10', 'host 0.0.0.10'],
  ])('short network %s is %s, as libpcap promotes it', (a, b) => {
    expect(same(a, b)).toBe(true);
  });

  it('shortNet refuses what is not one', () => {
    expect(shortNet('300.1', 'net')).toBeUndefined();
    expect(shortNet('1.2.3', 'net')).toBeUndefined();
    expect(shortNet('99999999999', 'net')).toBeUndefined();
  });

  it('host names are TMES0340, and an unknown bare name says tmesc does not resolve them', () => {
    const found = (f: string) => checkText(rule(f)).found.map((x) => `${x.code} ${x.message}`);
    expect(found('host www.example.com')[0]).toMatch(
      /^TMES0340 'www.example.com' is a host name, and tmesc does not resolve names/,
    );
    expect(found('net corp.example')[0]).toMatch(/^TMES0340 'corp.example' is a network name/);
    expect(found('ether host gw.example')[0]).toMatch(/^TMES0340 'gw.example' is an Ethernet host name/);
    expect(found('host sundown')[0]).toContain('tmesc does not resolve host names');
  });
});

describe('pcap constants', () => {
  it('every ICMPv6 type name has libpcap’s value (scanner.l)', () => {
    // libpcap 1.10's scanner.l: icmp6-destinationunreach 1 ... icmp6-multicastrouterterm 153
    const expected: Record<string, number> = {
      'icmp6-destinationunreach': 1,
      'icmp6-packettoobig': 2,
      'icmp6-timeexceeded': 3,
      'icmp6-parameterproblem': 4,
      'icmp6-echo': 128,
      'icmp6-echoreply': 129,
      'icmp6-multicastlistenerquery': 130,
      'icmp6-multicastlistenerreportv1': 131,
      'icmp6-multicastlistenerdone': 132,
      'icmp6-routersolicit': 133,
      'icmp6-routeradvert': 134,
      'icmp6-neighborsolicit': 135,
      'icmp6-neighboradvert': 136,
      'icmp6-redirect': 137,
      'icmp6-routerrenum': 138,
      'icmp6-nodeinformationquery': 139,
      'icmp6-nodeinformationresponse': 140,
      'icmp6-ineighbordiscoverysolicit': 141,
      'icmp6-ineighbordiscoveryadvert': 142,
      'icmp6-multicastlistenerreportv2': 143,
      'icmp6-homeagentdiscoveryrequest': 144,
      'icmp6-homeagentdiscoveryreply': 145,
      'icmp6-mobileprefixsolicit': 146,
      'icmp6-mobileprefixadvert': 147,
      'icmp6-certpathsolicit': 148,
      'icmp6-certpathadvert': 149,
      'icmp6-multicastrouteradvert': 151,
      'icmp6-multicastroutersolicit': 152,
      'icmp6-multicastrouterterm': 153,
    };
    const ours = Object.fromEntries(Object.entries(PCAP_CONSTANTS).filter(([k]) => k.startsWith('icmp6-')));
    expect(ours).toEqual(expected);
  });

  const page = '/usr/share/man/man7/pcap-filter.7.gz';
  it.skipIf(!existsSync(page))('the man page names no constant tmesc lacks [skipped without the man page]', () => {
    const text = gunzipSync(readFileSync(page))
      .toString('utf8')
      .replace(/\u2010\n\s*/g, '');
    const named = new Set(text.match(/\b(icmp6?|tcp)-[a-z0-9]+/g));
    expect([...named].filter((n) => PCAP_CONSTANTS[n] === undefined)).toEqual([]);
  });
});
