import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { UNSUPPORTED_LOADS, UNSUPPORTED_PRIMITIVES } from '../../src/syntax/pcap-unsupported.js';
import { LINK_ALIASES, PCAP_AFTER_PROTO, PCAP_SUPPORTED_WORDS } from '../../src/syntax/pcap-words.js';
import { BASE, checkText } from './support/check-text.js';

const rule = (filter: string) => [BASE, `rule r from t match ${filter} to g`].join('\n');
const FILTER_COLUMN = 'rule r from t match '.length + 1;

/** Typical arguments, as pcap-filter(7) shows them. */
const ARGS: Record<string, string> = {
  gateway: '10.0.0.1',
  wlan: 'addr1 00:11:22:33:44:55',
  addr1: '00:11:22:33:44:55',
  ra: '00:11:22:33:44:55',
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

  for (const layer of UNSUPPORTED_LOADS.keys())
    it(`the load '${layer}[...]' is reported`, () => {
      const { found } = checkText(rule(`${layer}[2:2] & 0xff == 3`));
      expect(found.map((f) => `${f.code} ${f.at}`)).toEqual([`TMES0320 4:${FILTER_COLUMN}`]);
    });

  it.each(['reason match', 'reason fragment', 'reason bad-offset'])(
    "'%s': pf's reason codes that are tmesc keywords are its arguments too",
    (form) => {
      const { found } = checkText(rule(`tcp and ${form}`));
      expect(found.map((f) => `${f.code} ${f.at}`)).toEqual([`TMES0320 4:${FILTER_COLUMN + 'tcp and '.length}`]);
    },
  );

  it('says what to write instead', () => {
    const messages = (filter: string) => checkText(rule(filter)).found.map((f) => `${f.code} ${f.message}`);
    expect(messages('gateway 10.0.0.1')[0]).toContain('write ether host MAC and not host 10.0.0.1');
    expect(messages('decnet src 10.15')).toEqual([
      "TMES0320 pcap-filter's 'decnet' with an address is not supported by tmesc: DECnet addresses are not decoded; for any DECnet traffic, write decnet",
    ]);
    expect(messages('fddi')[0]).toContain('write fddi host/src/dst ADDR, fddi proto P');
    expect(messages('wlan ra 00:11:22:33:44:55')[0]).toContain('not 802.11 headers');
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
    // after anything but proto, it is pcap's primitive
    const { result: prim } = checkText(rule('port 80 or pim'));
    const { result: spelt } = checkText(rule('port 80 or proto pim'));
    expect(JSON.stringify(prim.policy.rules[0].filter)).toBe(JSON.stringify(spelt.policy.rules[0].filter));
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
      ...UNSUPPORTED_LOADS.keys(),
      ...PCAP_SUPPORTED_WORDS,
      ...PCAP_AFTER_PROTO,
      ...LINK_ALIASES,
    ];
    // in libpcap's grammar (scanner.l) before its man page mentions them
    const scannerOnly = ['ifindex', 'es-is', 'is-is', 'address1', 'address2', 'address3', 'address4'];
    expect(all.filter((w) => !words.has(w) && !scannerOnly.includes(w))).toEqual([]);
  });

  it('docs/language.md has every one of them in its pcap-filter table', () => {
    const doc = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'language.md'), 'utf8');
    const start = doc.indexOf('### pcap-filter(7) primitive by primitive');
    const section = doc.slice(start, doc.indexOf('\n## ', start));
    const missing = [
      ...UNSUPPORTED_PRIMITIVES.keys(),
      ...UNSUPPORTED_LOADS.keys(),
      ...PCAP_SUPPORTED_WORDS,
      ...LINK_ALIASES,
    ].filter((w) => !section.includes(`\`${w}`));
    expect(start).toBeGreaterThan(0);
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
