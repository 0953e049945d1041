import { describe, expect, it } from 'vitest';
import { BASE, checkText } from './support/check-text.js';

describe('typo help', () => {
  it('a port name with two letters swapped gets its suggestion, as longer names do', () => {
    const text = [BASE, 'define ports WEB = 80, 443', 'rule r from t match tcp port WBE to g'].join('\n');
    const { found, result } = checkText(text);
    expect(found.map((f) => `${f.code} ${f.message}`)).toEqual([
      "TMES0200 unknown port name 'WBE'; did you mean 'WEB'?",
    ]);
    expect(result.diagnostics[0].fix?.text).toBe('WEB');
  });

  it('an unknown word lists what is accepted, with the closest', () => {
    const text = [BASE.replace('} }', '} balance sesion }'), 'rule r from t match tcp to g'].join('\n');
    expect(checkText(text).found.map((f) => f.message)).toEqual([
      "unknown balance mode 'sesion'; did you mean 'session'? (accepted: session)",
    ]);
  });

  it("a redundant rule's note agrees with its message (TMES0701)", () => {
    const one = [BASE, 'rule all match tcp to g', 'rule web match tcp port 80 to g'].join('\n');
    const d1 = checkText(one).result.diagnostics.find((d) => d.code === 'TMES0701')!;
    expect(d1.message).toBe("rule 'web' adds nothing: rule 'all' already sends every packet it matches to 'g'");
    expect(d1.related?.map((r) => r.message)).toEqual(["rule 'all' sends all of it there"]);
    const two = [
      BASE,
      'rule lo match vlan 1-5 to g',
      'rule hi match vlan 4-9 to g',
      'rule mid match vlan 3-6 to g',
    ].join('\n');
    const d2 = checkText(two).result.diagnostics.find((d) => d.code === 'TMES0701')!;
    expect(d2.message).toMatch(/together already send every packet it matches/);
    expect(d2.related?.map((r) => r.message)).toEqual([
      "rule 'lo' sends part of it there",
      "rule 'hi' sends part of it there",
    ]);
  });
});
