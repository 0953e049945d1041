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

  it('a misspelt filter word standing alone (read as a host name) gets the filter word, with a fix', () => {
    for (const [typo, word] of [
      ['tpc', 'tcp'],
      ['udpp', 'udp'],
      ['icpm', 'icmp'],
      ['vlna', 'vlan'],
    ]) {
      const { found, result } = checkText([BASE, `rule r from t match ${typo} to g`].join('\n'));
      expect(found.map((f) => `${f.code} ${f.message}`)).toEqual([
        `TMES0200 unknown name '${typo}'; did you mean '${word}'?`,
      ]);
      expect(result.diagnostics[0].fix?.text).toBe(word);
    }
  });

  it('a name near a definition still gets the definition; one near nothing, the host-name hint', () => {
    const near = checkText([BASE, 'define hosts tcpx = 10.0.0.1', 'rule r from t match tcpy to g'].join('\n'));
    expect(near.found.map((f) => f.message)).toEqual([
      "unknown name 'tcpy'; did you mean 'tcpx'?; tmesc does not resolve host names: write the address, or define hosts NAME = ADDR",
    ]);
    const far = checkText([BASE, 'rule r from t match webserver to g'].join('\n'));
    expect(far.found.map((f) => f.message)).toEqual([
      "unknown name 'webserver'; tmesc does not resolve host names: write the address, or define hosts NAME = ADDR",
    ]);
  });

  it('a misspelt filter word the parser stumbles after (prot 80, hots ADDR, udpp port 53) gets the filter word', () => {
    for (const [filter, typo, word] of [
      // as near port (two letters swapped) as proto (one left out): the first in the vocabulary's order
      ['prot 80', 'prot', 'port'],
      ['ip protoo 6', 'protoo', 'proto'],
      ['hots 10.0.0.1', 'hots', 'host'],
      ['udpp port 53', 'udpp', 'udp'],
      ['tcp and prot 80', 'prot', 'port'],
      ['portt 80', 'portt', 'port'],
      ['tcp adn port 80', 'adn', 'and'],
    ]) {
      const text = [BASE, `rule r from t match ${filter} to g`].join('\n');
      const errors = checkText(text).result.diagnostics.filter((d) => d.code === 'TMES0010');
      expect(errors, filter).toHaveLength(1);
      expect(errors[0].message, filter).toMatch(
        new RegExp(`; '${typo}' is no filter word: did you mean '${word}'\\?$`),
      );
      expect(errors[0].fix?.text).toBe(word);
      expect(errors[0].fix?.span.start).toBe(text.lastIndexOf(typo));
    }
  });

  it('no filter-word guess outside filters, or for a word that is far from every one', () => {
    const text = [BASE, 'rule r from t match host 10.0.0.1 somethingelse 80 to g'].join('\n');
    const errors = checkText(text).result.diagnostics.filter((d) => d.code === 'TMES0010');
    expect(errors.map((d) => d.message).join('\n')).not.toMatch(/did you mean/);
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
