import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  UNSUPPORTED_AFTER_PROTO,
  UNSUPPORTED_ETHER_NAMES,
  UNSUPPORTED_LOADS,
  UNSUPPORTED_PRIMITIVES,
} from '../../src/syntax/pcap-unsupported.js';
import { CORPUS_DIR, HAVE_CORPUS } from '../support/corpus.js';
import { missingTools } from '../support/tools.js';
import { BASE, checkText } from './support/check-text.js';

const rule = (filter: string) => [BASE, `rule r from t match ${filter} to g`].join('\n');
const FILTER_COLUMN = 'rule r from t match '.length + 1;

/** Typical arguments, as pcap-filter(7) shows them. */
const ARGS: Record<string, string> = {
  protochain: '6',
  llc: 's',
  decnet: 'src 10.15',
  iso: 'proto \\isis',
  ifindex: '3',
  gateway: '10.0.0.1',
  fddi: 'host 00:11:22:33:44:55',
  tr: 'src 00:11:22:33:44:55',
  wlan: 'addr1 00:11:22:33:44:55',
  type: 'data subtype qos-data',
  subtype: 'beacon',
  dir: 'tods',
  ifname: 'em0',
  on: 'em0',
  rnr: '3',
  rulenum: '3',
  reason: 'short',
  rset: 'anchor',
  ruleset: 'anchor',
  srnr: '1',
  subrulenum: '1',
  action: 'block',
  vpi: '1',
  vci: '5',
};

describe('pcap-filter primitives tmesc does not support (TMES0320)', () => {
  for (const [word, info] of UNSUPPORTED_PRIMITIVES) {
    const forms = [word, ARGS[word] ? `${word} ${ARGS[word]}` : undefined].filter((x): x is string => !!x);
    for (const form of forms) {
      it(`'${form}' is reported at the primitive, and nothing else is`, () => {
        const { found } = checkText(rule(`tcp and not ${form}`));
        const at = `4:${FILTER_COLUMN + 'tcp and not '.length}`;
        expect(found.map((f) => `${f.code} ${f.at}`)).toEqual([`TMES0320 ${at}`]);
        expect(found[0].message).toContain(`pcap-filter's '${word}' is not supported by tmesc`);
        expect(found[0].message.includes(' yet')).toBe(info.plan === 'yet');
      });
    }
  }

  for (const word of UNSUPPORTED_AFTER_PROTO)
    for (const proto of ['ip', 'ip6'])
      it(`'${proto} ${word}' is reported at the qualifier`, () => {
        const { found } = checkText(rule(`${proto} ${word} 6`));
        expect(found.map((f) => `${f.code} ${f.at}`)).toEqual([`TMES0320 4:${FILTER_COLUMN}`]);
        expect(found[0].message).toContain(`write ${proto} proto 6`);
      });

  for (const layer of UNSUPPORTED_LOADS.keys())
    it(`the load '${layer}[...]' is reported`, () => {
      const { found } = checkText(rule(`${layer}[2:2] & 0xff == 3`));
      expect(found.map((f) => `${f.code} ${f.at}`)).toEqual([`TMES0320 4:${FILTER_COLUMN}`]);
    });

  for (const name of UNSUPPORTED_ETHER_NAMES.keys())
    it(`'ether proto \\${name}' is reported at the name`, () => {
      const { found } = checkText(rule(`ether proto \\${name}`));
      expect(found.map((f) => `${f.code} ${f.at}`)).toEqual([`TMES0320 4:${FILTER_COLUMN + 'ether proto '.length}`]);
    });

  it('says what the issue reported read as typos', () => {
    const messages = (filter: string) => checkText(rule(filter)).found.map((f) => `${f.code} ${f.message}`);
    expect(messages('protochain 6')).toEqual([
      "TMES0320 pcap-filter's 'protochain' is not supported by tmesc yet; write proto 6: tmesc's proto, ip proto and ip6 proto already test the protocol after the IPv6 extension headers (for IPv6 fragments, write fragment)",
    ]);
    expect(messages('gateway 10.0.0.1')[0]).toContain('write ether host MAC and not host 10.0.0.1');
    expect(messages('stp')[0]).toMatch(/^TMES0320 pcap-filter's 'stp' is not supported by tmesc yet/);
    expect(messages('inbound')[0]).toMatch(/^TMES0320 pcap-filter's 'inbound' is not supported by tmesc yet/);
  });

  it('a definition named like one of them is still that definition', () => {
    const text = [BASE, 'define filter lat = tcp port 80', 'rule r from t match lat or udp to g'].join('\n');
    const { found, result } = checkText(text);
    expect(found).toEqual([]);
    expect(JSON.stringify(result.policy.rules[0].filter)).toContain('dstPort');
  });

  it('a protocol name inheriting proto is that protocol, as in proto ospf or pim', () => {
    const { found, result } = checkText(rule('proto ospf or pim or vrrp'));
    expect(found).toEqual([]);
    const { result: plain } = checkText(rule('proto ospf or proto pim or proto vrrp'));
    expect(JSON.stringify(result.policy.rules[0].filter)).toBe(JSON.stringify(plain.policy.rules[0].filter));
    expect(checkText(rule('port 80 or pim')).found.map((f) => f.code)).toEqual(['TMES0320']);
  });

  it('a load from a layer pcap does not have either is still an invalid qualifier', () => {
    expect(checkText(rule('gre[0] == 1')).found.map((f) => f.code)).toEqual(['TMES0309']);
  });

  const page = '/usr/share/man/man7/pcap-filter.7.gz';
  it.skipIf(!existsSync(page))('every word of the tables is pcap-filter(7)’s [skipped without the man page]', () => {
    const text = gunzipSync(readFileSync(page)).toString('utf8');
    const words = new Set(text.match(/[a-z][a-z0-9-]*/g));
    const all = [
      ...UNSUPPORTED_PRIMITIVES.keys(),
      ...UNSUPPORTED_AFTER_PROTO,
      ...UNSUPPORTED_LOADS.keys(),
      ...UNSUPPORTED_ETHER_NAMES.keys(),
    ];
    // ifindex is in libpcap's grammar since 1.10, before its man page mentions it
    expect(all.filter((w) => !words.has(w) && w !== 'ifindex')).toEqual([]);
  });

  it('docs/language.md lists every one of them', () => {
    const doc = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'language.md'), 'utf8');
    const section = doc.slice(doc.indexOf('### pcap-filter primitives tmesc does not support'));
    const missing = [
      ...UNSUPPORTED_PRIMITIVES.keys(),
      ...UNSUPPORTED_LOADS.keys(),
      ...UNSUPPORTED_ETHER_NAMES.keys(),
    ].filter((w) => !section.includes(`\`${w}`));
    expect(missing).toEqual([]);
  });
});

describe('backslash names, as pcap writes keywords used as names', () => {
  const filterOf = (f: string) => {
    const { found, result } = checkText(rule(f));
    expect(found).toEqual([]);
    return JSON.stringify(result.policy.rules[0].filter);
  };
  it.each([
    ['ether proto \\ip', 'ether proto ip'],
    ['ether proto \\arp', 'arp'],
    ['ip proto \\tcp', 'ip proto tcp'],
    ['ip6 proto \\udp', 'ip6 proto 17'],
    ['proto \\esp', 'proto 50'],
    ['tcp port \\http', 'tcp port 80'],
  ])('%s means %s', (escaped, plain) => {
    expect(filterOf(escaped)).toBe(filterOf(plain));
  });

  it('a lone backslash is still an unexpected character', () => {
    expect(checkText(rule('ether proto \\ ip')).found.map((f) => f.code)).toContain('TMES0001');
  });
});

/**
 * The advice is right: on the corpus's Ethernet captures, tcpdump keeps the
 * same packets for the pcap primitive and for what the message says to write
 * (spelt for pcap: a protocol name after proto takes pcap's backslash).
 */
const ADVICE: [pcap: string, tmesc: string, table: string][] = [
  ['stp', 'ether[12:2] <= 1500 and ether[14] == 0x42', 'stp'],
  ['llc', 'ether[12:2] <= 1500', 'llc'],
  ['netbeui', 'ether[12:2] <= 1500 and ether[14] == 0xf0', 'netbeui'],
  ['iso', 'ether[12:2] <= 1500 and ether[14:2] == 0xfefe', 'iso'],
  ['igmp', 'ip proto igmp', 'igmp'],
  ['pim', 'proto pim', 'pim'],
  ['vrrp', 'ip proto vrrp', 'vrrp'],
  ['carp', 'ip proto 112', 'carp'],
  ['ah', 'proto ah', 'ah'],
  ['esp', 'proto esp', 'esp'],
  ['igrp', 'ip proto 9', 'igrp'],
  ['decnet', 'ether proto 0x6003', 'decnet'],
  ['lat', 'ether proto 0x6004', 'lat'],
  ['sca', 'ether proto 0x6007', 'sca'],
  ['mopdl', 'ether proto 0x6001', 'mopdl'],
  ['moprc', 'ether proto 0x6002', 'moprc'],
];
const tools = missingTools('tcpdump', 'mergecap');

describe.skipIf(tools.skip || !HAVE_CORPUS)(
  `the advice against tcpdump${tools.note}${HAVE_CORPUS ? '' : ' [skipped: no corpus at ../shared/corpus]'}`,
  () => {
    const work = HAVE_CORPUS && !tools.skip ? mkdtempSync(join(tmpdir(), 'tmesc-check-advice-')) : '';
    const merged = join(work, 'ether.pcap');
    const kept = (expr: string): string[] => {
      const r = spawnSync('tcpdump', ['--number', '-n', '-q', '-r', merged, expr], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      return r.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split(/\s+/, 2)[0]);
    };
    let total = 0;

    it('merges the Ethernet captures of the corpus', () => {
      const manifest = readFileSync(join(CORPUS_DIR, 'MANIFEST.tsv'), 'utf8').split('\n').slice(1);
      const files = manifest
        .map((l) => l.split('\t'))
        .filter(
          (c) => c[2] === 'ether' && !c[4]?.split(',').includes('malformed') && readdirSync(CORPUS_DIR).includes(c[0]),
        )
        .map((c) => join(CORPUS_DIR, c[0]));
      const r = spawnSync('mergecap', ['-F', 'pcap', '-w', merged, ...files], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
    });

    for (const [pcap, tmesc, entry] of ADVICE) {
      it(`${pcap} keeps what ${tmesc} keeps`, () => {
        const info = UNSUPPORTED_PRIMITIVES.get(entry)!;
        expect(info.instead).toContain(tmesc);
        expect(checkText(rule(tmesc)).found.filter((f) => f.code !== 'TMES0700')).toEqual([]);
        const asPcap = tmesc.replace(/\bproto ([a-z]+)/, 'proto \\$1');
        const theirs = kept(pcap);
        total += theirs.length;
        expect(kept(asPcap)).toEqual(theirs);
      });
    }

    it('compared packets that are there (the corpus has STP, LLC, IGMP, PIM, VRRP, ESP)', () => {
      expect(total).toBeGreaterThan(10);
    });
  },
);
