import { describe, expect, it } from 'vitest';
import { interfaceReused } from '../../../src/check/checks/interface-reused.js';
import { mixedAndOr } from '../../../src/check/checks/mixed-and-or.js';
import { outputIsInput } from '../../../src/check/checks/output-is-input.js';
import { policyHeader } from '../../../src/check/checks/policy-header.js';
import { rates } from '../../../src/check/checks/rates.js';
import { repeatedTarget } from '../../../src/check/checks/repeated-target.js';
import { sharedOutput } from '../../../src/check/checks/shared-output.js';
import { codesAt } from '../support/check-text.js';

/** The lint checks that were there before their declared codes were held to them; one case each way. */
const TAP = 'tap t { source pcap "a.pcap" }';
const rule = 'rule r from t match tcp to g';

describe('lint checks', () => {
  it('policy-header (TMES0102)', () => {
    expect(policyHeader.codes).toEqual(['TMES0102']);
    expect(codesAt([TAP, 'group g { tool o { output pcap "o.pcap" } }', rule].join('\n'))).toEqual(['TMES0102 1:1']);
    expect(
      codesAt(['policy "p"', 'policy "q"', TAP, 'group g { tool o { output pcap "o.pcap" } }', rule].join('\n')),
    ).toEqual(['TMES0102 2:1']);
  });

  it('shared-output (TMES0402)', () => {
    expect(sharedOutput.codes).toEqual(['TMES0402']);
    const g = 'group g { tool o { output pcap "o.pcap" } tool p { output pcap "o.pcap" } }';
    expect(codesAt(['policy "p"', TAP, g, rule].join('\n'))).toEqual(['TMES0402 3:48']);
  });

  it('output-is-input (TMES0406)', () => {
    expect(outputIsInput.codes).toEqual(['TMES0406']);
    expect(codesAt(['policy "p"', TAP, 'group g { tool o { output pcap "a.pcap" } }', rule].join('\n'))).toEqual([
      'TMES0406 3:16',
    ]);
  });

  it('interface-reused (TMES0407)', () => {
    expect(interfaceReused.codes).toEqual(['TMES0407']);
    const text = [
      'policy "p"',
      'tap t { source interface "eth0" }',
      'group g { tool o { output interface "eth0" } }',
      rule,
    ].join('\n');
    expect(codesAt(text)).toEqual(['TMES0407 3:16']);
  });

  it('rates (TMES0408, TMES0409)', () => {
    expect(rates.codes).toEqual(['TMES0408', 'TMES0409']);
    const partial = 'group g { tool o { output pcap "o.pcap"; rate 1 Gbps } tool p { output pcap "p.pcap" } }';
    expect(codesAt(['policy "p"', TAP, partial, rule].join('\n'))).toEqual(['TMES0408 3:61']);
    const shaped = 'group g { tool o { output pcap "o.pcap" } shape burst 64 KB }';
    expect(codesAt(['policy "p"', TAP, shaped, rule].join('\n')).filter((c) => !c.startsWith('TMES0900'))).toEqual([
      'TMES0409 3:16',
    ]);
  });

  it('repeated-target (TMES0410)', () => {
    expect(repeatedTarget.codes).toEqual(['TMES0410']);
    const text = [
      'policy "p"',
      TAP,
      'group g { tool o { output pcap "o.pcap" } }',
      'rule r from t, t match tcp to g, g',
    ].join('\n');
    expect(codesAt(text)).toEqual(['TMES0410 4:16', 'TMES0410 4:34']);
  });

  it('mixed-and-or (TMES0310)', () => {
    expect(mixedAndOr.codes).toEqual(['TMES0310']);
    const text = [
      'policy "p"',
      TAP,
      'group g { tool o { output pcap "o.pcap" } }',
      'rule r from t match tcp or udp and port 53 to g',
    ].join('\n');
    expect(codesAt(text)).toEqual(['TMES0310 4:32']);
    expect(codesAt(text.replace('tcp or udp and port 53', '(tcp or udp) and port 53'))).toEqual([]);
  });
});
