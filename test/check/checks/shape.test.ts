import { describe, expect, it } from 'vitest';
import { buildArtifact } from '../../../src/artifact/build.js';
import { shapeBurst } from '../../../src/check/checks/shape-burst.js';
import { shapeDrain } from '../../../src/check/checks/shape-drain.js';
import { compilePolicy } from '../../../src/ir/compile.js';
import { ActionConfigError } from '../../../src/runtime/actions/action.js';
import { planChains } from '../../../src/runtime/actions/chain.js';
import { checkText, codesAt } from '../support/check-text.js';

const policy = (tap: string, group: string, rule = 'rule r from t match tcp to g') =>
  ['policy "p"', `tap t { source pcap "a.pcap"${tap} }`, `group g { ${group} }`, rule].join('\n');
const tool = (rate = '1 Gbps') => `tool o { output pcap "o.pcap"; rate ${rate} }`;

describe('shape-burst (TMES0470)', () => {
  it('declares what it reports', () => expect(shapeBurst.codes).toEqual(['TMES0470']));

  it('warns at the burst when it is below a 1518-byte frame, and is quiet from there on', () => {
    expect(codesAt(policy('', `${tool()} shape burst 1500 B`))).toEqual(['TMES0470 3:68']);
    expect(codesAt(policy('', `${tool()} shape burst 1518 B`))).toEqual([]);
  });

  it('counts what the group adds: the taps marks, the largest timestamp it writes', () => {
    const found = checkText(
      policy('; mark vlan 5; mark vlan 6', `${tool()} timestamp ip-option ipv6 hop-by-hop; shape burst 1549 B`),
    ).found;
    expect(found.map((f) => f.code)).toEqual(['TMES0470']);
    // 1518 + 2 tags + 24 bytes of IOAM trace
    expect(found[0].message).toContain('(1550 B: 1518 for 1500 bytes of IP on Ethernet with a VLAN tag');
    expect(found[0].message).toContain("8 for the taps' VLAN marks, 24 for the timestamp");
    expect(
      codesAt(
        policy('; mark vlan 5; mark vlan 6', `${tool()} timestamp ip-option ipv6 hop-by-hop; shape burst 1550 B`),
      ),
    ).toEqual([]);
  });

  it('takes the marks of the taps that send to the group only, and a frame cut shorter', () => {
    const twoTaps = [
      'policy "p"',
      'tap t { source pcap "a.pcap" }',
      'tap m { source pcap "b.pcap"; mark vlan 7 }',
      `group g { ${tool()} shape burst 1518 B }`,
      'group h { tool x { output pcap "x.pcap" } }',
      'rule r from t match tcp to g',
      'rule s from m match tcp to h',
    ].join('\n');
    expect(codesAt(twoTaps).filter((c) => c.startsWith('TMES047'))).toEqual([]);
    expect(codesAt(twoTaps.replace('rule r from t', 'rule r from any')).filter((c) => c.startsWith('TMES047'))).toEqual(
      ['TMES0470 4:68'],
    );
    expect(codesAt(policy('', `${tool()} truncate frame 1000; shape burst 1500 B`))).toEqual([]);
  });
});

describe('shape-drain (TMES0471)', () => {
  it('declares what it reports', () => expect(shapeDrain.codes).toEqual(['TMES0471']));

  it('is an error at each tool whose rate takes more than an hour to drain the buffer', () => {
    const found = checkText(policy('', `${tool('2 kbps')} shape burst 1 MB`)).found;
    expect(found.map((f) => `${f.code} ${f.at}`)).toEqual(['TMES0471 3:16']);
    expect(found[0].message).toContain("tool 'o' would take 67 min at its rate");
    expect(found[0].message).toContain('at least 2223 bps');
    // 1 MB at 2223 bps: 3599 s
    expect(codesAt(policy('', `${tool('2223 bps')} shape burst 1 MB`))).toEqual([]);
  });

  it('agrees with run: the runtime refuses exactly what validate reports', () => {
    const { result } = checkText(policy('', `${tool('2223 bps')} shape burst 1 MB`));
    const a = buildArtifact(result.policy, compilePolicy(result.policy), 'test');
    expect(() => planChains(a)).not.toThrow();
    a.groups[0].tools[0].rateBps = 2222;
    expect(() => planChains(a)).toThrow(ActionConfigError);
    expect(() => planChains(a)).toThrow(/tool 'o' would take 3600 s to drain its shaping buffer/);
    delete a.groups[0].tools[0].rateBps;
    expect(() => planChains(a)).toThrow(/tool 'o' has no rate to shape to/);
  });
});
