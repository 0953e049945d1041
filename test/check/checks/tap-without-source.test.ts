import { describe, expect, it } from 'vitest';
import { tapWithoutSource } from '../../../src/check/checks/tap-without-source.js';
import { codesAt } from '../support/check-text.js';

const policy = (tap: string) =>
  ['policy "p"', tap, 'group g { tool o { output pcap "o.pcap" } }', 'rule r from t match tcp to g'].join('\n');

describe('tap-without-source (TMES0404)', () => {
  it('declares what it reports', () => expect(tapWithoutSource.codes).toEqual(['TMES0404']));

  it('reports a tap with neither source nor inline pair', () => {
    expect(codesAt(policy('tap t { mark vlan 10 }'))).toEqual(['TMES0404 2:5']);
    expect(codesAt(policy('tap t { }'))).toEqual(['TMES0404 2:5']);
  });

  it('is quiet for a source, an inline pair, or a source of an unknown type (TMES0308 says that)', () => {
    expect(codesAt(policy('tap t { source interface "eth0" }'))).toEqual([]);
    expect(codesAt(policy('tap t { inline "a" <-> "b" }'))).toEqual([]);
    expect(codesAt(policy('tap t { source pcapx "a.pcap" }'))).toEqual(['TMES0308 2:16']);
  });
});
