import { describe, expect, it } from 'vitest';
import { toolWithoutOutput } from '../../../src/check/checks/tool-without-output.js';
import { codesAt } from '../support/check-text.js';

const policy = (tool: string) =>
  ['policy "p"', 'tap t { source pcap "a.pcap" }', `group g { ${tool} }`, 'rule r from t match tcp to g'].join('\n');

describe('tool-without-output (TMES0401)', () => {
  it('declares what it reports', () => expect(toolWithoutOutput.codes).toEqual(['TMES0401']));

  it('reports a tool with no output at its name', () => {
    expect(codesAt(policy('tool o { rate 1 Gbps }'))).toEqual(['TMES0401 3:16']);
    expect(codesAt(policy('tool o { }'))).toEqual(['TMES0401 3:16']);
  });

  it('is quiet for a tool with an output, even one of an unknown type (TMES0308 says that)', () => {
    expect(codesAt(policy('tool o { output pcap "o.pcap" }'))).toEqual([]);
    expect(codesAt(policy('tool o { output pcapx "o.pcap" }'))).toEqual(['TMES0308 3:27']);
  });
});
