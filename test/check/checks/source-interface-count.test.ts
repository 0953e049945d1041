import { describe, expect, it } from 'vitest';
import { sourceInterfaceCount } from '../../../src/check/checks/source-interface-count.js';
import { checkText, codesAt } from '../support/check-text.js';

const policy = (tap: string) =>
  ['policy "p"', tap, 'group g { tool o { output pcap "o.pcap" } }', 'rule r from t match tcp to g'].join('\n');

describe('source-interface-count (TMES0420)', () => {
  it('declares what it reports', () => expect(sourceInterfaceCount.codes).toEqual(['TMES0420']));

  it('reports an interface source with several names, at the source', () => {
    expect(codesAt(policy('tap t { source interface "eth0", "eth1" }'))).toEqual(['TMES0420 2:9']);
    const { found } = checkText(policy('tap t { source interface "eth0", "eth1" }'));
    expect(found[0].message).toContain('not 2; declare one tap per interface');
  });

  it('is quiet for one interface, and for several capture files', () => {
    expect(codesAt(policy('tap t { source interface "eth0" }'))).toEqual([]);
    expect(codesAt(policy('tap t { source pcap "a.pcap", "b.pcap" }'))).toEqual([]);
  });
});
