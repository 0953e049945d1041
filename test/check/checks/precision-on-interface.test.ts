import { describe, expect, it } from 'vitest';
import { precisionOnInterface } from '../../../src/check/checks/precision-on-interface.js';
import { checkText, codesAt } from '../support/check-text.js';

const policy = (output: string) =>
  [
    'policy "p"',
    'tap t { source pcap "a.pcap" }',
    `group g { tool o { ${output} } }`,
    'rule r from t match tcp to g',
  ].join('\n');

describe('precision-on-interface (TMES0442)', () => {
  it('declares what it reports', () => expect(precisionOnInterface.codes).toEqual(['TMES0442']));

  it('reports precision on an interface output, at the word', () => {
    expect(codesAt(policy('output interface "eth1" precision ns'))).toEqual(['TMES0442 3:44']);
  });

  it('takes precision on a file output; a second one is a duplicate setting, the first applies', () => {
    expect(codesAt(policy('output pcap "o.pcap" precision us'))).toEqual([]);
    const { found, result } = checkText(policy('output pcap "o.pcap" precision us precision ns'));
    expect(found.map((f) => `${f.code} ${f.at}`)).toEqual(['TMES0405 3:54']);
    expect(result.policy.groups[0].tools[0].output).toMatchObject({ precision: 'us' });
  });
});
