import { describe, expect, it } from 'vitest';
import { duplicateRule } from '../../../src/check/checks/duplicate-rule.js';
import { BASE, checkText } from '../support/check-text.js';

describe('duplicate-rule (TMES0201)', () => {
  it('declares what it reports', () => expect(duplicateRule.codes).toEqual(['TMES0201']));

  it('reports the second rule of a name, pointing at the first', () => {
    const text = [BASE, 'rule r3 match tcp to g', 'rule r4 match udp to g', 'rule r3 match icmp to g'].join('\n');
    const { found, result } = checkText(text);
    expect(found.map((f) => `${f.code} ${f.at}`)).toEqual(['TMES0201 6:6']);
    const related = result.diagnostics[0].related!;
    expect(related.map((r) => [r.message, r.span.start])).toEqual([['first defined here', text.indexOf('r3')]]);
  });

  it('finds duplicates across included files', () => {
    const text = [BASE, 'include "more.tmes"', 'rule r match tcp to g'].join('\n');
    const found = checkText(text, { 'more.tmes': 'rule r match udp to g' }).found;
    expect(found.map((f) => `${f.code} ${f.at}`)).toEqual(['TMES0201 1:6']);
  });

  it('is quiet for distinct names', () => {
    expect(checkText([BASE, 'rule a match tcp to g', 'rule b match udp to g'].join('\n')).found).toEqual([]);
  });
});
