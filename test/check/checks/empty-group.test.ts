import { describe, expect, it } from 'vitest';
import { emptyGroup } from '../../../src/check/checks/empty-group.js';
import { codesAt } from '../support/check-text.js';

const policy = (group: string) =>
  ['policy "p"', 'tap t { source pcap "a.pcap" }', group, 'rule r from t match tcp to g'].join('\n');

describe('empty-group (TMES0400)', () => {
  it('declares what it reports', () => expect(emptyGroup.codes).toEqual(['TMES0400']));

  it('reports a group with no tool at its name', () => {
    expect(codesAt(policy('group g { dedup }'))).toEqual(['TMES0400 3:7']);
    expect(codesAt(policy('group g { }'))).toEqual(['TMES0400 3:7']);
  });

  it('is quiet for a group with a tool', () => {
    expect(codesAt(policy('group g { tool o { output pcap "o.pcap" } }'))).toEqual([]);
  });

  it('is quiet when a tool failed to parse (the syntax error says enough)', () => {
    expect(codesAt(policy('group g { tool o { output } }')).filter((c) => c.startsWith('TMES0400'))).toEqual([]);
  });
});
