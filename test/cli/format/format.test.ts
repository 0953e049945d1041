import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generatePolicy } from '../../../bench/policy-gen.js';
import { checkPolicyFile } from '../../../src/check/check.js';
import { formatPolicy } from '../../../src/cli/format/format.js';
import { readForLayout } from '../../../src/cli/format/source-tokens.js';
import { compilePolicy } from '../../../src/ir/compile.js';
import { COMPILE_BUDGETS, CompileBudgetError } from '../../../src/ir/limits.js';
import { listing } from '../../../src/ir/dump.js';

/**
 * fmt's properties: idempotent (fmt(fmt(x)) == fmt(x)); canonical (the
 * layout does not depend on how the file was spaced); lossless (every token
 * and comment kept); and the formatted policy means the same: the same
 * diagnostics and, for a valid policy, the same match graph.
 */
const repo = resolve(import.meta.dirname, '..', '..', '..');
const fixtures = join(repo, 'test', 'check', 'fixtures');
const files = [
  ...['examples', 'lib'].flatMap((d) =>
    readdirSync(join(repo, 'rules', d))
      .filter((f) => f.endsWith('.tmes'))
      .map((f) => join(repo, 'rules', d, f)),
  ),
  ...readdirSync(fixtures)
    .filter((f) => f.endsWith('.tmes'))
    .map((f) => join(fixtures, f)),
];
const generated = [3, 40, 200].map((n) => ({ name: `generated-${n}.tmes`, text: generatePolicy(n) }));

function fmt(path: string, text: string): string {
  const r = formatPolicy(path, text);
  if (!r.ok) throw new Error(`${path}: ${r.diagnostics.map((d) => d.message).join('; ')}`);
  return r.text;
}

function parses(path: string, text: string): boolean {
  return readForLayout(path, text).ok;
}

/** Diagnostics (code and line-independent message) and, when valid, the graph listing, with `texts` read in place of the files. */
function meaning(path: string, texts: Map<string, string>): string {
  const r = checkPolicyFile(path, { read: (p) => texts.get(p) ?? readFileSync(p, 'utf8') });
  const diags = r.diagnostics.map((d) => `${d.code} ${d.message}`).sort();
  if (r.diagnostics.some((d) => d.severity === 'error')) return diags.join('\n');
  try {
    // a rule's budget a tenth of the compiler's: these policies are small, and TMES0706's fixture fails fast
    const budgets = { rule: { ...COMPILE_BUDGETS.rule, nodes: COMPILE_BUDGETS.rule.nodes / 10 } };
    return diags.join('\n') + '\n' + listing(compilePolicy(r.policy, { optimize: true, budgets }).graph, r.policy);
  } catch (e) {
    if (!(e instanceof CompileBudgetError)) throw e;
    return diags.join('\n') + '\ndoes not compile: ' + e.message;
  }
}

/** Every .tmes file a policy includes, read as the checker does. */
function withIncludes(path: string): string[] {
  const seen = new Set<string>();
  const todo = [path];
  while (todo.length) {
    const p = todo.pop()!;
    if (seen.has(p)) continue;
    seen.add(p);
    let text: string;
    try {
      text = readFileSync(p, 'utf8');
    } catch {
      seen.delete(p); // a missing include stays missing
      continue;
    }
    // only policy files: the include fixtures also name files that are not (TMES0112, TMES0113)
    for (const m of text.matchAll(/^\s*include\s+"([^"]+\.tmes)"/gm)) todo.push(resolve(dirname(p), m[1]));
  }
  return [...seen];
}

/** The same tokens, comments and blank lines, respaced at random where the layout must not care. */
function respace(text: string, seed: number): string {
  const r = readForLayout('x.tmes', text);
  if (!r.ok) return text;
  const { tokens } = r.source;
  const rnd = fc.sample(fc.array(fc.constantFrom(' ', '  ', '\n', '\t', '\n    ', ' \n '), { minLength: 1 }), {
    seed,
    numRuns: 1,
  })[0];
  let out = '';
  let at = 0;
  tokens.forEach((t, i) => {
    const gap = text.slice(at, t.start);
    // a gap with a comment, a `;` or a blank line keeps its exact text
    const plain = !/[#;]/.test(gap) && (gap.match(/\n/g)?.length ?? 0) < 2 && i > 0;
    out += plain ? rnd[i % rnd.length] : gap;
    out += text.slice(t.start, t.end);
    at = t.end;
  });
  return out + text.slice(at);
}

/** Comments dropped into random gaps, on their own line or ending one. */
function withComments(text: string, seed: number): string {
  const r = readForLayout('x.tmes', text);
  if (!r.ok) return text;
  const { tokens } = r.source;
  const picks = fc.sample(fc.array(fc.tuple(fc.nat(tokens.length), fc.boolean()), { minLength: 1, maxLength: 12 }), {
    seed,
    numRuns: 1,
  })[0];
  const at = new Map(picks.map(([i, own], k) => [i, own ? `\n# note ${k}\n` : ` # note ${k}\n`]));
  let out = '';
  let prev = 0;
  tokens.forEach((t, i) => {
    out += text.slice(prev, t.start) + (at.get(i) ?? '');
    out += text.slice(t.start, t.end);
    prev = t.end;
  });
  return out + text.slice(prev) + (at.get(tokens.length) ?? '');
}

describe('tmesc fmt', () => {
  const parsable = files.filter((f) => parses(f, readFileSync(f, 'utf8')));

  it('formats every bundled policy and most fixtures (those without syntax errors)', () => {
    expect(parsable.length).toBeGreaterThan(files.length - 12);
  });

  for (const f of parsable) {
    const name = f.slice(repo.length + 1);
    it(`${name}: idempotent, canonical, same meaning`, () => {
      const text = readFileSync(f, 'utf8');
      const once = fmt(f, text);
      expect(fmt(f, once)).toBe(once);
      for (let seed = 1; seed <= 3; seed++) expect(fmt(f, respace(text, seed))).toBe(once);
      // the policy and what it includes, formatted, mean what they meant
      const texts = new Map(withIncludes(f).map((p) => [p, fmt(p, readFileSync(p, 'utf8'))]));
      expect(meaning(f, texts)).toBe(meaning(f, new Map()));
    });
  }

  for (const g of generated) {
    it(`${g.name}: idempotent, canonical, same graph`, () => {
      const path = join(repo, g.name);
      const once = fmt(path, g.text);
      expect(fmt(path, once)).toBe(once);
      expect(fmt(path, respace(g.text, 7))).toBe(once);
      expect(meaning(path, new Map([[path, once]]))).toBe(meaning(path, new Map([[path, g.text]])));
    });
  }

  it('keeps every comment wherever it is, and stays idempotent (random comments over the examples)', () => {
    const examples = parsable.filter((f) => f.includes('/rules/'));
    let runs = 0;
    for (const f of examples) {
      const text = readFileSync(f, 'utf8');
      for (let seed = 1; seed <= 40; seed++) {
        const noisy = withComments(text, seed);
        const once = fmt(f, noisy); // formatPolicy itself refuses to lose a token or a comment
        expect(fmt(f, once), `${f} seed ${seed}`).toBe(once);
        const texts = new Map(withIncludes(f).map((p) => [p, readFileSync(p, 'utf8')]));
        texts.set(f, once);
        if (seed % 10 === 0) expect(meaning(f, texts)).toBe(meaning(f, new Map()));
        runs++;
      }
    }
    expect(runs).toBeGreaterThan(100);
  });

  it('lays out a messy policy canonically', () => {
    const messy = [
      'policy   "p";  include "lib.tmes"',
      'define ports WEB=80,443 , 8000 - 8999 ; define net   N = 10.0.0.0/8',
      '',
      '',
      'tap t {source pcap "a.pcap";mark vlan 5}',
      'group g { tool o { output pcap "o.pcap" } # the recorder',
      '  strip vlan,mpls }',
      'rule r from t match tcp[13] & 2 != 0 and inner ( tcp ) and len - 14 > -1 or port WEB to g',
      'rule long from t match ' + Array.from({ length: 12 }, (_, i) => `host 10.0.0.${i}`).join(' or ') + ' to g',
    ].join('\n');
    expect(fmt('m.tmes', messy)).toBe(
      [
        'policy "p"',
        'include "lib.tmes"',
        'define ports WEB = 80, 443, 8000-8999',
        'define net   N   = 10.0.0.0/8',
        '',
        'tap t { source pcap "a.pcap"; mark vlan 5 }',
        'group g {',
        '  tool o { output pcap "o.pcap" }  # the recorder',
        '  strip vlan, mpls',
        '}',
        'rule r from t match tcp[13] & 2 != 0 and inner(tcp) and len - 14 > -1 or port WEB to g',
        'rule long',
        '  from t',
        '  match host 10.0.0.0',
        ...Array.from({ length: 11 }, (_, i) => `    or host 10.0.0.${i + 1}`),
        '  to g',
        '',
      ].join('\n'),
    );
  });

  it('keeps comments inside a statement inside it', () => {
    const text = 'rule r # why\n  from t match tcp # web\n  and port 80 to g\n';
    const once = fmt('c.tmes', text);
    expect(once).toBe('rule r  # why\n  from t\n  match tcp  # web\n    and port 80\n  to g\n');
    expect(fmt('c.tmes', once)).toBe(once);
  });

  it('refuses a file with syntax errors, with the errors', () => {
    const r = formatPolicy('bad.tmes', 'rule r match tcp $ to g\n');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.diagnostics.map((d) => d.code)).toContain('TMES0001');
  });
});
