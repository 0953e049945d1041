import { describe, expect, it } from 'vitest';
import { inlineSamePort } from '../../../src/check/checks/inline-same-port.js';
import { codesAt } from '../support/check-text.js';

const policy = (tap: string) =>
  ['policy "p"', tap, 'group g { tool o { output pcap "o.pcap" } }', 'rule r from t match tcp to g'].join('\n');

describe('inline-same-port (TMES0403)', () => {
  it('declares what it reports', () => expect(inlineSamePort.codes).toEqual(['TMES0403']));

  it('reports an inline pair that bridges a port to itself', () => {
    expect(codesAt(policy('tap t { inline "eth1" <-> "eth1" }'))).toEqual(['TMES0403 2:9']);
  });

  it('is quiet for two different ports', () => {
    expect(codesAt(policy('tap t { inline "eth1" <-> "eth2" }'))).toEqual([]);
  });
});
