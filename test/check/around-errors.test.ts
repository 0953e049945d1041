import { describe, expect, it } from 'vitest';
import { checkText } from './support/check-text.js';

/**
 * Errors and warnings come in one round: the checks run around the errors,
 * so fixing the errors brings no new warning that was not announced.
 */
const policy = (ports: string, vlan: string, host: string, service: string) =>
  [
    'policy "p"',
    'define ports WEB = 80, 443',
    'define net UNUSED = 10.0.0.0/8',
    'tap t { source pcap "a.pcap" }',
    'group ids { tool i { output pcap "i.pcap"; rate 1 Gbps } tool j { output pcap "j.pcap" } }',
    'group rec { tool r { output pcap "r.pcap" } }',
    'rule web from t match tcp port WEB to ids',
    'rule web80 from t match tcp port 80 to ids',
    `rule a from t match tcp port ${ports} to rec`,
    `rule b from t match vlan ${vlan} to rec`,
    `rule c from t match host ${host} to rec`,
    `rule d from t match udp port ${service} to rec`,
    'rule never from t match tcp and udp to rec',
  ].join('\n');

const warnings = (text: string) =>
  checkText(text)
    .found.filter((f) => f.code !== 'TMES0901' && !/^TMES0(0|2|3)/.test(f.code))
    .map((f) => `${f.code} ${f.at}`);

describe('checks around errors', () => {
  it('reports the warnings of a policy with errors in the same run as its errors', () => {
    const broken = policy('99999', '5000', '1.2.3.256', 'nosuch');
    const { found } = checkText(broken);
    expect(
      found.filter((f) => f.code.startsWith('TMES03') || f.code === 'TMES0011' || f.code === 'TMES0200'),
    ).toHaveLength(4);
    const fixed = policy('9999', '500', '1.2.3.4', '53');
    expect(checkText(fixed).found.filter((f) => f.code === 'TMES0901')).toEqual([]);
    // redundant rule, rule that never matches, unused definition, partial rates: all in both rounds
    expect(warnings(broken)).toEqual(['TMES0500 3:12', 'TMES0408 5:63', 'TMES0701 8:6', 'TMES0700 13:6']);
    expect(warnings(fixed)).toEqual(warnings(broken));
  });

  it('holds back, and counts, what a rule lost to a syntax error may make wrong', () => {
    const text = (rule: string) =>
      [
        'policy "p"',
        'tap t { source pcap "a.pcap" }',
        'tap spare { source pcap "b.pcap" }',
        'group rec { tool r { output pcap "r.pcap" } }',
        'rule r from t match tcp to rec',
        rule,
      ].join('\n');
    const lost = checkText(text('rule s from spare match tcp and to rec')).found;
    expect(lost.map((f) => f.code)).toEqual(['TMES0901', 'TMES0010']);
    expect(lost[0].message).toBe(
      '1 finding is held back while statements are lost to syntax errors, as it may be wrong: 1 TMES0501 (unused-tap); fix the errors and validate again',
    );
    // it was wrong: the lost rule is the one that uses the tap
    expect(checkText(text('rule s from spare match tcp to rec')).found).toEqual([]);
  });

  it('holds back a drop rule that seems to exclude nothing while the rule it restricts has an error', () => {
    const text = (vlan: string) =>
      [
        'policy "p"',
        'tap t { source pcap "a.pcap" }',
        'group g { tool o { output pcap "o.pcap" } }',
        `rule web from t match tcp port 80 and vlan ${vlan} to g`,
        'rule no-admin from t match tcp port 80 and src net 10.0.0.0/8 drop g',
      ].join('\n');
    const broken = checkText(text('5000')).found;
    expect(broken.map((f) => f.code)).toEqual(['TMES0901', 'TMES0301']);
    expect(broken[0].message).toContain('1 TMES0702 (drop-excludes-nothing)');
    expect(checkText(text('50')).found).toEqual([]);
  });

  it('says nothing more when the errors cannot change any other finding', () => {
    const text = [
      'policy "p"',
      'tap t { source pcap "a.pcap" }',
      'group g { tool o { output pcap "o.pcap"; rate 0 Gbps } }',
      'rule all from t match tcp to g',
      'rule web from t match tcp port 80 to g',
    ].join('\n');
    expect(checkText(text).found.map((f) => f.code)).toEqual(['TMES0303', 'TMES0701']);
  });
});
