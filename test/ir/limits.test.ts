import { describe, expect, it } from 'vitest';
import { buildArtifact } from '../../src/artifact/build.js';
import { validateArtifact } from '../../src/artifact/validate.js';
import { analyzePolicy } from '../../src/ir/analysis.js';
import { compilePolicy } from '../../src/ir/compile.js';
import { diffPolicies } from '../../src/ir/diff.js';
import { CompileBudgetError } from '../../src/ir/limits.js';
import type { PFilter, Policy } from '../../src/policy/policy.js';
import { createClassifier } from '../../src/runtime/classify/classifier.js';
import { PacketView } from '../../src/runtime/decode/view.js';
import { policyFor } from './helpers.js';

/** A one-group policy whose rules have these filters, built as the front end hands them over (no parsing). */
function policyOf(filters: PFilter[], groups = 1): Policy {
  const base = policyFor(
    [],
    Array.from({ length: groups - 1 }, (_, i) => `group h${i} { tool x${i} { output pcap "x${i}.pcap" } }`).join('\n'),
  ).policy;
  return {
    ...base,
    rules: filters.map((filter, i) => ({
      name: `r${i}`,
      index: i,
      taps: 'any',
      filter,
      action: 'to',
      groups: [i % groups],
      span: base.taps[0].span,
      filterSpan: base.taps[0].span,
    })),
  };
}

const port = (field: string, n: number): PFilter => ({ t: 'test', field, ranges: [[n, n]] });

/** Sends a packet with these field values through both classifiers and returns the groups. */
function classify(policy: Policy, values: Record<string, number>): number[][] {
  const art = buildArtifact(policy, compilePolicy(policy), 'test');
  const view = new PacketView();
  Object.assign(view, values);
  return [createClassifier(art.graph), createClassifier(art.graph, { forceTables: true })].map((c) => [
    ...c.results[c.classify(view, new Uint8Array(0))].groups,
  ]);
}

describe('input-deepened filters compile without recursion', () => {
  it('10,000 nested nots', () => {
    let f: PFilter = port('dstPort', 80);
    for (let i = 0; i < 10_000; i++) f = { t: 'not', arg: f };
    const policy = policyOf([f]);
    // an even number of nots: port 80 itself
    expect(classify(policy, { dstPort: 80 })).toEqual([[0], [0]]);
    expect(classify(policy, { dstPort: 81 })).toEqual([[], []]);
    expect(compilePolicy(policy, { optimize: false }).graph.segments).toHaveLength(1);
  });

  it('and and or nested 10,000 deep', () => {
    let f: PFilter = port('dstPort', 0);
    for (let i = 1; i <= 10_000; i++)
      f = i % 2 ? { t: 'or', args: [port('dstPort', i), f] } : { t: 'and', args: [f, { t: 'const', value: true }] };
    const policy = policyOf([f]);
    expect(classify(policy, { dstPort: 9_999 })).toEqual([[0], [0]]);
    expect(classify(policy, { dstPort: 10_002 })).toEqual([[], []]);
    expect(analyzePolicy(policy).findings).toEqual([]);
    expect(diffPolicies(policy, policy)).toEqual([]);
    expect(compilePolicy(policy, { optimize: false }).graph.nodes.length).toBeGreaterThan(4_000);
  });

  it('alternating and and or that nothing flattens, 10,000 deep', () => {
    // X(i) = dst port i or (src port i and X(i-1)): each level's diagram stays small
    let f: PFilter = port('dstPort', 0);
    for (let i = 1; i <= 10_000; i++)
      f = { t: 'or', args: [port('dstPort', i), { t: 'and', args: [port('srcPort', i), f] }] };
    const policy = policyOf([f]);
    expect(classify(policy, { dstPort: 9_999, srcPort: 10_000 })).toEqual([[0], [0]]);
    expect(classify(policy, { dstPort: 9_998, srcPort: 10_000 })).toEqual([[], []]);
  });

  it('an or of 100,000 terms, flat and as a left-deep chain', () => {
    const terms = Array.from({ length: 100_000 }, (_, i) => port(i % 2 ? 'ip4Src' : 'ip4Dst', i));
    let chain: PFilter = terms[0];
    for (let i = 1; i < terms.length; i++) chain = { t: 'or', args: [chain, terms[i]] };
    const policy = policyOf([{ t: 'or', args: terms }, chain], 2);
    expect(classify(policy, { ip4Src: 99_999 })).toEqual([
      [0, 1],
      [0, 1],
    ]);
    expect(classify(policy, { ip4Src: 99_998, ip4Dst: 5 })).toEqual([[], []]);
  });

  it('a definition used twice in the next one, 30 levels deep, shared as the front end shares it', () => {
    let f: PFilter = { t: 'or', args: [port('dstPort', 80), port('srcPort', 80)] };
    for (let i = 0; i < 30; i++) f = { t: 'or', args: [f, f] };
    const policy = policyOf([f]);
    expect(classify(policy, { srcPort: 80 })).toEqual([[0], [0]]);
    // -O0 translates each use as written: 2^30 copies, past its budget, named
    const naive = () => compilePolicy(policy, { optimize: false, budgets: { naive: 10_000 } });
    expect(naive).toThrow(CompileBudgetError);
    try {
      naive();
    } catch (e) {
      expect((e as CompileBudgetError).rules).toEqual([0]);
      expect((e as Error).message).toMatch(/-O0 graph of rule 'r0'/);
    }
  });
});

describe('budgets', () => {
  it('a policy past the total budget is a CompileBudgetError naming the rules, never a crash', () => {
    const filters = Array.from({ length: 200 }, (_, i) => ({
      t: 'or' as const,
      args: [port('dstPort', i), port('srcPort', i)],
    }));
    const policy = policyOf(filters, 20);
    let error: CompileBudgetError | undefined;
    try {
      compilePolicy(policy, { budgets: { total: { nodes: 100, leaves: 1_000, steps: 1e9, memory: 1e9 } } });
    } catch (e) {
      error = e as CompileBudgetError;
    }
    expect(error).toBeInstanceOf(CompileBudgetError);
    expect(error!.kind).toBe('nodes');
    expect(error!.rules.length).toBeGreaterThan(0);
    for (const r of error!.rules) expect(r).toBeLessThan(200);
  });

  it('1,000 rules over two fields (tcp port N) into one group compile with a counter for each rule', () => {
    const filters = Array.from({ length: 1000 }, (_, i) => ({
      t: 'and' as const,
      args: [port('ipProto', 6), { t: 'or' as const, args: [port('dstPort', i), port('srcPort', i)] }],
    }));
    const policy = policyOf(filters);
    const compiled = compilePolicy(policy);
    expect(compiled.graph.ruleLevel).toBe(true);
    expect(compiled.graph.nodes.length).toBeLessThan(100);
    expect(classify(policy, { ipProto: 6, dstPort: 999, srcPort: 5000 })).toEqual([[0], [0]]);
  });
});

describe('artifacts crafted to be deep', () => {
  function chainArtifact(length: number, optimized: boolean) {
    const policy = policyFor(['tcp port 80']).policy;
    const art = buildArtifact(policy, compilePolicy(policy, { optimize: false }), 'test');
    // one segment: a chain of `length` nodes testing dstPort, each passing 0-9 on to the next
    const nodes = Array.from({ length }, (_, i) => ({
      field: 0,
      cuts: [-1, 0, 10],
      kids: [-1, i + 1 < length ? i + 1 : -2, -1],
      lookup: 'compare' as const,
    }));
    return {
      ...art,
      graph: { ...art.graph, fields: ['dstPort'], preds: [], nodes, segments: [0], optimized, ruleLevel: true },
    };
  }

  it('a chain of 50,000 nodes loads and classifies without overflowing the stack', () => {
    const art = validateArtifact(JSON.parse(JSON.stringify(chainArtifact(50_000, false))));
    const view = new PacketView();
    view.dstPort = 5;
    for (const c of [createClassifier(art.graph), createClassifier(art.graph, { forceTables: true })])
      expect(c.results[c.classify(view, new Uint8Array(0))].groups).toEqual([0]);
  });

  it('an optimized graph that tests a field twice on a path is refused', () => {
    expect(() => validateArtifact(chainArtifact(3, true))).toThrow(/an optimized graph is ordered/);
  });

  it('a predicate nested deeper than the runtime evaluates is refused', () => {
    const art = chainArtifact(1, false);
    type Arith = { k: 'num'; v: number } | { k: 'neg'; a: Arith };
    let a: Arith = { k: 'num', v: 1 };
    for (let i = 0; i < 1000; i++) a = { k: 'neg', a };
    const deep = {
      ...art,
      graph: {
        ...art.graph,
        fields: ['pred:0'],
        preds: [{ kind: 'relation', scope: 'outer', op: '==', left: a, right: { k: 'num', v: 1 } }],
      },
    };
    expect(() => validateArtifact(deep)).toThrow(/nested deeper than/);
  });
});
