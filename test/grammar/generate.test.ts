import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createContext, runInContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { GRAMMAR_DIR, ebnf, keywordClasses, outputs, parserRules, ruleNotes, tmLanguage } from '../../grammar/generate.js';
import { KEYWORDS } from '../../src/syntax/tokens.js';

const REGEN = 'out of date: run `npx tsx grammar/generate.ts` and commit the result';

describe('generated grammar files', () => {
  for (const [name, text] of Object.entries(outputs())) {
    it(`grammar/${name} is up to date`, () => {
      const onDisk = readFileSync(join(GRAMMAR_DIR, name), 'utf8');
      expect(onDisk === text, `grammar/${name} is ${REGEN}`).toBe(true);
    });
  }
});

describe('EBNF', () => {
  const text = ebnf();

  it('defines every parser rule exactly once', () => {
    const rules = parserRules().map((r) => r.name);
    expect(rules.length).toBeGreaterThan(20);
    for (const r of rules) {
      const defs = text.split('\n').filter((l) => l.startsWith(`${r} ::= `));
      expect(defs, r).toHaveLength(1);
    }
  });

  it('defines every rule it references', () => {
    const defined = new Set([...text.matchAll(/^(\w+) ::= /gm)].map((m) => m[1]));
    // drop comments, then the right-hand sides that are regular expressions or character classes
    const body = text
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/::= (?:\/|"\/").*$/gm, '::=')
      .replace(/"(?:[^"\\]|\\.)*"/g, '');
    for (const m of body.matchAll(/\b([A-Za-z]\w*)\b/g)) expect(defined.has(m[1]), `${m[1]} is used but not defined`).toBe(true);
  });

  it('writes every keyword in quotes', () => {
    for (const kw of KEYWORDS) expect(text.includes(`"${kw}"`), kw).toBe(true);
  });

  it('has notes only for rules that exist', () => {
    const names = new Set(parserRules().map((r) => r.name));
    for (const r of Object.keys(ruleNotes())) expect(names.has(r), r).toBe(true);
  });

  it('renders sequences inside options and repetitions with parentheses', () => {
    expect(text).toContain(`direction ::= ( "src" | "dst" ) ( ( "or" | "and" ) ( "src" | "dst" ) )?`);
    expect(text).toContain(`valueList ::= listValue ( "," listValue )*`);
    expect(text).toContain(`dedupItem ::= "dedup" ( Word quantity )?`);
  });
});

describe('TextMate grammar', () => {
  const g = tmLanguage() as { scopeName: string; fileTypes: string[]; patterns: { include: string }[]; repository: Record<string, Record<string, unknown>> };

  /** Every match/begin regex of the grammar with the scope it gives, compiled as JavaScript (the patterns stay within the common subset of Oniguruma and JS). */
  function regexes(): { re: RegExp; scope: string }[] {
    const out: { re: RegExp; scope: string }[] = [];
    const walk = (p: Record<string, unknown>) => {
      for (const key of ['match', 'begin', 'end']) {
        const src = p[key];
        if (typeof src === 'string') out.push({ re: new RegExp(src, 'g'), scope: String(p.name ?? '') });
      }
      for (const sub of (p.patterns as Record<string, unknown>[] | undefined) ?? []) walk(sub);
    };
    for (const p of Object.values(g.repository)) walk(p);
    return out;
  }

  it('has the scope name and file type', () => {
    expect(g.scopeName).toBe('source.tmes');
    expect(g.fileTypes).toEqual(['tmes']);
    for (const inc of g.patterns) expect(g.repository[inc.include.slice(1)], inc.include).toBeDefined();
  });

  it('compiles every pattern', () => {
    expect(regexes().length).toBeGreaterThan(20);
  });

  it('classifies every keyword exactly once', () => {
    const all = Object.values(keywordClasses()).flat();
    expect([...all].sort()).toEqual([...KEYWORDS].sort());
  });

  it('highlights every keyword as a whole word with a keyword scope', () => {
    const keywordPatterns = (g.repository.keywords.patterns as { name: string; match: string }[]).map((p) => ({ name: p.name, re: new RegExp(`^(?:${p.match})$`) }));
    for (const kw of KEYWORDS) {
      const hits = keywordPatterns.filter((p) => p.re.test(kw));
      expect(hits.map((h) => h.name), kw).toHaveLength(1);
    }
  });

  it('does not highlight keywords inside hyphenated names', () => {
    const keywordPatterns = (g.repository.keywords.patterns as { match: string }[]).map((p) => new RegExp(p.match));
    for (const word of ['ip-option', 'tcp-syn', 'icmp-echo', 'hop-by-hop', 'my-tap', 'x-port']) {
      for (const re of keywordPatterns) expect(re.test(word), `${word} ${re}`).toBe(false);
    }
  });

  it('gives declared names an entity.name scope', () => {
    const decl = (g.repository.declarations.patterns as { match: string; captures: Record<string, { name: string }> }[]).map((p) => ({ re: new RegExp(p.match), scope: p.captures[String(Object.keys(p.captures).length)].name }));
    const cases: [string, string, string][] = [
      ['tap core-a {', 'core-a', 'entity.name.type.tap.tmes'],
      ['group ids {', 'ids', 'entity.name.type.group.tmes'],
      ['tool ids-1 {', 'ids-1', 'entity.name.type.tool.tmes'],
      ['rule web from any match tcp to ids', 'web', 'entity.name.function.rule.tmes'],
      ['define ports WEB = 80', 'WEB', 'entity.name.constant.define.tmes'],
    ];
    for (const [line, name, scope] of cases) {
      const hit = decl.find((d) => d.re.test(line));
      expect(hit?.scope, line).toBe(scope);
      const m = hit!.re.exec(line)!;
      expect(m[m.length - 1]).toBe(name);
    }
  });

  it('takes /patterns/ only where the lexer does', () => {
    const re = new RegExp((g.repository.pattern as { match: string }).match);
    expect(re.exec('mask /ssn=\\d{3}/ with "#"')?.[1]).toBe('/ssn=\\d{3}/');
    expect(re.exec('payload matches /abc/i')?.[1]).toBe('/abc/i');
    expect(re.exec('define pattern P = /x\\/y/')?.[1]).toBe('/x\\/y/');
    expect(re.test('tcp[12]/4 > len/2')).toBe(false);
  });

  it('knows addresses and units', () => {
    const addr = Object.fromEntries((g.repository.addresses.patterns as { name: string; match: string }[]).map((p) => [p.name, new RegExp(`^(?:${p.match})$`)]));
    expect(addr['constant.other.ipv4.tmes'].test('10.0.0.0/8')).toBe(true);
    expect(addr['constant.other.ipv6.tmes'].test('fd00::/8')).toBe(true);
    expect(addr['constant.other.ipv6.tmes'].test('2001:db8::1')).toBe(true);
    expect(addr['constant.other.mac.tmes'].test('00:1b:21:aa:bb:cc')).toBe(true);
    const unit = new RegExp((g.repository.numbers.patterns as { match: string }[])[0].match);
    for (const q of ['10 Gbps', '256 KB', '1 MiB', '10 ms']) expect(unit.test(q), q).toBe(true);
  });
});

describe('railroad diagrams', () => {
  const html = readFileSync(join(GRAMMAR_DIR, 'railroad.html'), 'utf8');

  it('load nothing from elsewhere: every script and style is in the page', () => {
    expect(html).not.toMatch(/<script[^>]*\ssrc=/i);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/@import|url\(/i);
  });

  it('draw every parser rule without a network, as a browser would run the page', () => {
    // the page's scripts in order, in a context standing for the browser window: just what they touch
    const diagrams = { innerHTML: '' };
    const window: Record<string, unknown> = {
      document: {
        getElementById: (id: string) => (id === 'diagrams' ? diagrams : null),
        getElementsByClassName: () => [],
      },
      requestAnimationFrame: () => 0,
    };
    window.window = window;
    const context = createContext(window);
    const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]);
    expect(scripts.length).toBe(6);
    for (const s of scripts) runInContext(s, context);
    const drawn = [...diagrams.innerHTML.matchAll(/<h2 class="diagramHeader">(\w+)<\/h2>/g)].map((m) => m[1]);
    expect(drawn).toEqual(parserRules().map((r) => r.name));
    expect(diagrams.innerHTML.match(/<svg /g)?.length).toBe(drawn.length);
  });
});
