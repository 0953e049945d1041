import { describe, expect, it } from 'vitest';
import { duplicateSetting } from '../../../src/check/checks/duplicate-setting.js';
import { checkText, codesAt } from '../support/check-text.js';

const policy = (tap: string, group: string) => ['policy "p"', tap, group, 'rule r from t match tcp to g'].join('\n');
const TAP = 'tap t { source pcap "a.pcap" }';
const group = (...items: string[]) => `group g { tool o { output pcap "o.pcap"; rate 1 Gbps } ${items.join('; ')} }`;

describe('duplicate-setting (TMES0405, TMES0411)', () => {
  it('declares what it reports', () => expect(duplicateSetting.codes).toEqual(['TMES0405', 'TMES0411']));

  it('reports a second source of a tap, with the first as related information', () => {
    const { found, result } = checkText(policy('tap t { source pcap "a.pcap"; inline "x" <-> "y" }', group()));
    expect(found.map((f) => `${f.code} ${f.at}`)).toEqual(['TMES0405 2:31']);
    expect(result.diagnostics[0].related?.[0].message).toBe('first given here');
  });

  it('reports a second output or rate of a tool', () => {
    expect(codesAt(policy(TAP, 'group g { tool o { output pcap "o.pcap"; output pcap "p.pcap" } }'))).toEqual([
      'TMES0405 3:42',
    ]);
    expect(codesAt(policy(TAP, 'group g { tool o { output pcap "o.pcap"; rate 1 Gbps; rate 2 Gbps } }'))).toEqual([
      'TMES0405 3:55',
    ]);
  });

  it('reports once-only actions given twice; truncate and timestamp as conflicts', () => {
    expect(codesAt(policy(TAP, group('balance session', 'balance session asymmetric')))).toEqual(['TMES0405 3:73']);
    expect(codesAt(policy(TAP, group('dedup', 'dedup window 1 ms')))).toEqual(['TMES0405 3:63']);
    const twice = codesAt(policy(TAP, group('truncate frame 64', 'truncate frame 128')));
    expect(twice.filter((c) => !c.startsWith('TMES0900'))).toEqual(['TMES0411 3:75']);
  });

  it('lets list actions repeat: strip, mask and replace add up', () => {
    const found = checkText(policy(TAP, group('strip vlan', 'strip mpls', 'mask card-number', 'mask credentials')));
    expect(found.found.filter((f) => f.code === 'TMES0405' || f.code === 'TMES0411')).toEqual([]);
    expect(found.result.policy.groups[0].actions.strip).toEqual(['vlan', 'mpls']);
  });

  it('the first of a twice-given setting is the one that applies', () => {
    const { result } = checkText(policy(TAP, group('dedup window 1 ms', 'dedup window 2 ms')));
    expect(result.policy.groups[0].actions.dedup).toEqual({ windowNs: 1e6 });
  });
});
