import { describe, expect, it } from 'vitest';
import { unusedDefinition } from '../../../src/check/checks/unused-definition.js';
import { unusedGroup } from '../../../src/check/checks/unused-group.js';
import { unusedTap } from '../../../src/check/checks/unused-tap.js';
import { codesAt } from '../support/check-text.js';

const HEAD = 'policy "p"\ntap t { source pcap "a.pcap" }\ngroup g { tool o { output pcap "o.pcap" } }';

describe('unused-definition, unused-tap, unused-group (TMES0500-0502)', () => {
  it('declare what they report, and that they need every statement', () => {
    expect([unusedDefinition, unusedTap, unusedGroup].map((c) => [c.codes, c.needsEveryStatement])).toEqual([
      [['TMES0500'], true],
      [['TMES0501'], true],
      [['TMES0502'], true],
    ]);
  });

  it('report what no rule uses', () => {
    const text = [
      HEAD,
      'define ports P = 1',
      'tap u { source pcap "b.pcap" }',
      'group h { tool x { output pcap "x.pcap" } }',
      'rule r from t match tcp to g',
    ].join('\n');
    expect(codesAt(text)).toEqual(['TMES0500 4:14', 'TMES0501 5:5', 'TMES0502 6:7']);
  });

  it('a rule from any uses every tap; a drop rule uses no group', () => {
    const text = [
      HEAD,
      'group h { tool x { output pcap "x.pcap" } }',
      'rule r match tcp to g',
      'rule d match udp drop h',
    ].join('\n');
    expect(codesAt(text)).toEqual(['TMES0502 4:7', 'TMES0702 6:6']);
  });

  it('say nothing in a library file (no header, no rules)', () => {
    expect(codesAt('define ports P = 1\ndefine net N = 10.0.0.0/8')).toEqual([]);
  });

  it('hold their findings back, counted, while statements are lost to syntax errors', () => {
    const text = [
      HEAD,
      'tap u { source pcap "b.pcap" }',
      'rule r from t match tcp to g',
      'rule s from u match (tcp to g',
    ].join('\n');
    expect(codesAt(text).map((c) => c.split(' ')[0])).toEqual(['TMES0901', 'TMES0010']);
  });
});
