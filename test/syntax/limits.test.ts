import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkPolicyFile } from '../../src/check/check.js';
import { locate } from '../../src/diagnostics/diagnostic.js';
import { filterSize, filterTreeSize } from '../../src/policy/filter-measure.js';
import type { PArith, PFilter } from '../../src/policy/policy.js';
import { MAX_EXPANDED_DEPTH, MAX_NESTING, MAX_REPORTED_SYNTAX_ERRORS } from '../../src/syntax/limits.js';

/**
 * Nothing the input can deepen is a recursion: chains of any length work,
 * and what really nests stops at a documented limit with a diagnostic at the
 * place. Sizes: the issue's 100,000 terms for the or chain and arithmetic,
 * 20,000 elsewhere (recursion used to overflow near 5,000; this keeps the file
 * quick), 10,000-deep nesting. The checks are on results, never on time.
 */
const HEAD = 'policy "p"\ntap t { source pcap "a.pcap" }\ngroup g { tool o { output pcap "o.pcap" } }\n';
const dir = mkdtempSync(join(tmpdir(), 'tmesc-limits-'));
let n = 0;

function check(body: string) {
  const path = join(dir, `p${n++}.tmes`);
  writeFileSync(path, HEAD + body + '\n');
  const result = checkPolicyFile(path);
  return {
    result,
    codes: result.diagnostics.map((d) => `${d.code} ${locate(d).line}:${locate(d).column}`),
    errors: result.diagnostics.filter((d) => d.severity === 'error'),
  };
}

const terms = (k: number, f: (i: number) => string, sep: string) => Array.from({ length: k }, (_, i) => f(i)).join(sep);

function depth(f: PFilter): number {
  const memo = new Map<PFilter, number>();
  const go = (x: PFilter): number => {
    const known = memo.get(x);
    if (known !== undefined) return known;
    const kids = x.t === 'and' || x.t === 'or' ? x.args : x.t === 'not' ? [x.arg] : [];
    const d = 1 + kids.reduce((m, k) => Math.max(m, go(k)), 0);
    memo.set(x, d);
    return d;
  };
  return go(f);
}

function arithDepth(a: PArith): number {
  return a.k === 'bin'
    ? 1 + Math.max(arithDepth(a.l), arithDepth(a.r))
    : a.k === 'neg'
      ? 1 + arithDepth(a.a)
      : a.k === 'load'
        ? 1 + arithDepth(a.offset)
        : 1;
}

describe('chains of any length', () => {
  it('an or chain of 100,000 terms is one node', () => {
    const { errors, result } = check(`rule r match ${terms(100_000, (i) => `port ${i % 65536}`, ' or ')} to g`);
    expect(errors).toEqual([]);
    const f = result.policy.rules[0].filter;
    expect(f.t).toBe('or');
    expect(depth(f)).toBeLessThan(5);
  });

  it('an and chain of 20,000 comparisons', () => {
    const { errors, result } = check(`rule r match ${terms(20_000, (i) => `ttl > ${i % 200}`, ' && ')} to g`);
    expect(errors).toEqual([]);
    expect(depth(result.policy.rules[0].filter)).toBeLessThan(5);
  });

  it('an arithmetic chain of 100,000 terms, regrouped into a shallow tree', () => {
    const { errors, result } = check(
      `rule r match len ${terms(100_000, (i) => `${i % 2 ? '-' : '+'} 1`, ' ')} > 5 to g`,
    );
    expect(errors).toEqual([]);
    const f = result.policy.rules[0].filter;
    if (f.t !== 'pred' || f.pred.kind !== 'relation') throw new Error(`not a relation: ${f.t}`);
    expect(arithDepth(f.pred.left)).toBeLessThan(25);
  });

  it('a short arithmetic chain keeps its shape: left to right, as written', () => {
    const { result } = check('rule r match tcp[2] - 1 - 2 > 5 to g');
    const f = result.policy.rules[0].filter;
    if (f.t !== 'pred' || f.pred.kind !== 'relation') throw new Error('not a relation');
    expect(f.pred.left).toMatchObject({ k: 'bin', op: '-', l: { k: 'bin', op: '-', r: { k: 'num', v: 1 } } });
  });

  it('20,000 filter definitions, each naming the one before, resolve without recursion', () => {
    const defs = terms(20_000, (i) => `define filter F${i + 1} = F${i}`, '\n');
    const { errors, result } = check(`define filter F0 = tcp\n${defs}\nrule r match F20000 to g`);
    expect(errors).toEqual([]);
    expect(result.policy.rules[0].filter).toMatchObject({ t: 'test', field: 'ipProto', ranges: [[6, 6]] });
  });

  it('20,000 port lists, each naming the one before, expand once each', () => {
    const defs = terms(20_000, (i) => `define ports P${i + 1} = P${i}, ${(i * 7) % 65536}`, '\n');
    const { errors, result } = check(`define ports P0 = 1\n${defs}\nrule r match tcp port P20000 to g`);
    expect(errors).toEqual([]);
    expect(filterSize(result.policy.rules[0].filter)).toBeLessThan(10);
  });

  it('20,000 broken statements report the first 100 errors and count the rest in one note', () => {
    const { codes, result } = check(terms(20_000, (i) => `rule r${i} match ( to`, '\n'));
    expect(codes.filter((c) => c.startsWith('TMES0010'))).toHaveLength(MAX_REPORTED_SYNTAX_ERRORS);
    const note = result.diagnostics.filter((d) => d.code === 'TMES0041');
    expect(note).toHaveLength(1);
    expect(note[0].message).toMatch(/^\d+ more syntax errors from here on are not shown/);
    expect(Number(note[0].message.split(' ')[0])).toBeGreaterThanOrEqual(20_000 - MAX_REPORTED_SYNTAX_ERRORS);
  });

  it('a block of 10,000 broken items costs no stack (recovery gives the statement up after 100 errors)', () => {
    const { codes } = check(`group h { ${terms(10_000, () => 'x ;', ' ')} }\nrule r match tcp to g`);
    expect(codes.filter((c) => c.startsWith('TMES0010')).length).toBeGreaterThan(0);
    expect(codes.filter((c) => c.startsWith('TMES0041'))).toHaveLength(1);
  });
});

describe('nesting stops at the limit, with a diagnostic at the place', () => {
  const cases: [string, (k: number) => string][] = [
    ['parentheses', (k) => `${'('.repeat(k)}tcp${')'.repeat(k)}`],
    ['not', (k) => `${'not '.repeat(k)}tcp`],
    ['!', (k) => `${'! '.repeat(k)}tcp`],
    ['inner', (k) => `${'inner('.repeat(k)}tcp${')'.repeat(k)}`],
    ['brackets', (k) => `${'ip['.repeat(k)}0${']'.repeat(k)} > 1`],
    ['unary minus', (k) => `len > ${'- '.repeat(k)}1`],
    ['arithmetic parentheses', (k) => `${'('.repeat(k)}len${')'.repeat(k)} > 1`],
  ];
  for (const [what, make] of cases) {
    it(`${what}: 10,000 deep is TMES0040, and the rest of the file is still checked`, () => {
      const { codes, errors } = check(`rule r match ${make(10_000)} to g\nrule s match tcp port 70000 to g`);
      expect(codes.filter((c) => c.startsWith('TMES0040'))).toEqual([expect.stringMatching(/^TMES0040 4:\d+$/)]);
      // the next rule's own error still shows: one statement's nesting stops only that statement
      expect(errors.map((e) => e.code)).toEqual(['TMES0040', 'TMES0300']);
    });
  }

  it('at the limit it parses; one level more does not', () => {
    const paren = (k: number) => `rule r match ${'('.repeat(k)}tcp${')'.repeat(k)} to g`;
    expect(check(paren(MAX_NESTING)).errors).toEqual([]);
    expect(check(paren(MAX_NESTING + 1)).errors.map((e) => e.code)).toEqual(['TMES0040']);
  });

  it('a chain that switches between and and or 10,000 times nests: TMES0040 at the switch past the limit', () => {
    const { codes } = check(
      `rule r match port 1 ${terms(10_000, (i) => `${i % 2 ? 'and' : 'or'} port ${i}`, ' ')} to g`,
    );
    expect(codes.filter((c) => c.startsWith('TMES0040'))).toHaveLength(1);
  });

  it('a chain of 10,000 divisions nests too: TMES0040 at the comparison', () => {
    const { codes } = check(`rule r match len ${'/ 2 '.repeat(10_000)}> 0 to g`);
    expect(codes).toEqual(['TMES0040 4:14']);
  });
});

describe('definitions are shared, never copied', () => {
  it('20, then 1,000 definitions that each use the one before twice stay one node each', () => {
    for (const k of [20, 1000]) {
      for (const base of ['define filter F0 = tcp port 1', 'define filter F0 = tcp port 1 or udp port 2']) {
        const defs = terms(k, (i) => `define filter F${i + 1} = F${i} or F${i}`, '\n');
        const { errors, result } = check(`${base}\n${defs}\nrule r match F${k} to g`);
        expect(errors).toEqual([]);
        expect(filterSize(result.policy.rules[0].filter)).toBeLessThan(20);
      }
    }
  });

  it('definitions that would expand to 2^40 nodes are a DAG of a few dozen; the size measure says both', () => {
    const defs = terms(40, (i) => `define filter F${i + 1} = F${i} or (F${i} and udp port ${i})`, '\n');
    const { errors, result } = check(`define filter F0 = tcp port 1\n${defs}\nrule r match F40 to g`);
    expect(errors).toEqual([]);
    const f = result.policy.rules[0].filter;
    expect(filterSize(f)).toBeLessThan(400);
    expect(filterTreeSize(f)).toBeGreaterThan(2 ** 40);
  });

  it('port lists that double 60 times expand once each', () => {
    const defs = terms(60, (i) => `define ports P${i + 1} = P${i}, P${i}, ${i + 100}`, '\n');
    const { errors, result } = check(`define ports P0 = 1\n${defs}\nrule r match tcp port P60 to g`);
    expect(errors).toEqual([]);
    expect(filterSize(result.policy.rules[0].filter)).toBeLessThan(10);
  });

  it('a chain of definitions that nest past the limit is TMES0800 at the first one past it, by name', () => {
    const k = MAX_EXPANDED_DEPTH + 10;
    const defs = terms(k, (i) => `define filter F${i + 1} = not (F${i} and tcp port ${i % 65536})`, '\n');
    const { result } = check(`define filter F0 = udp\n${defs}\nrule r match F${k} to g`);
    const deep = result.diagnostics.filter((d) => d.code === 'TMES0800');
    expect(deep).toHaveLength(1);
    const name = /^filter '(F\d+)' nests (\d+) levels deep/.exec(deep[0].message);
    expect(name).not.toBeNull();
    expect(Number(name![2])).toBeGreaterThan(MAX_EXPANDED_DEPTH);
    expect(Number(name![1].slice(1))).toBeLessThanOrEqual(MAX_EXPANDED_DEPTH);
  });

  it('a definition cycle is reported at the reference that closes it, for filters and for lists', () => {
    const filters = check('define filter A = tcp and B\ndefine filter B = udp or A\nrule r match A to g');
    expect(filters.result.diagnostics.map((d) => `${d.code} ${d.message}`)).toContain(
      "TMES0211 filter 'A' refers to itself",
    );
    const lists = check('define ports A = 80, B\ndefine ports B = 443, A\nrule r match tcp port A to g');
    expect(lists.result.diagnostics.map((d) => `${d.code} ${d.message}`)).toContain("TMES0211 'A' refers to itself");
  });
});
