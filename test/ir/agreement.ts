import { expect } from 'vitest';
import { buildArtifact } from '../../src/artifact/build.js';
import { generateClassifier } from '../../src/codegen/classifier.js';
import { compilePolicy } from '../../src/ir/compile.js';
import { checkGraph } from '../../src/ir/graph-invariants.js';
import { evaluatePolicy } from '../../src/policy/evaluate.js';
import type { Policy, Predicate } from '../../src/policy/policy.js';
import { createClassifier } from '../../src/runtime/classify/classifier.js';
import { PacketView } from '../../src/runtime/decode/view.js';
import type { RandomPacket } from './random-policy.js';
import type { CompileBudgets } from '../../src/ir/limits.js';
import { RuleCounter } from '../../src/runtime/classify/rule-counter.js';

/**
 * The optimized graph (as generated code and as tables), the -O0 graph and
 * the reference interpreter must send every packet to the same groups and
 * agree on which rules matched.
 *
 * Random graphs are small, so besides the defaults each lookup is forced:
 * code that covers only the first few nodes and hands the rest to the table
 * walk, hash tables and binary searches on nodes of a few intervals, in the
 * code and in the tables.
 */
const FORCED = [
  { budget: 24, unroll: 2, hashMin: 1, eqMax: 0 },
  { budget: 40, unroll: 4, hashMin: 2, eqMax: 1 },
];

function viewOf(pkt: RandomPacket): { view: PacketView; data: Uint8Array } {
  const view = new PacketView();
  for (const [k, v] of Object.entries(pkt.values)) {
    if (k.startsWith('inner.')) (view.inner as unknown as Record<string, number>)[k.slice(6)] = v;
    else (view as unknown as Record<string, number>)[k] = v;
  }
  view.payloadOffset = 0;
  view.payloadLength = pkt.payload.length;
  return { view, data: Uint8Array.from(pkt.payload) };
}

function reference(policy: Policy, pkt: RandomPacket) {
  const contains = (p: Predicate) => {
    if (p.kind !== 'contains') throw new Error('unexpected predicate');
    return Buffer.from(pkt.payload).indexOf(Buffer.from(p.bytes)) >= 0;
  };
  return evaluatePolicy(policy, { field: (name) => pkt.values[name] ?? -1, pred: contains });
}

export function checkAgreement(policy: Policy, packets: RandomPacket[]): void {
  const opt = compilePolicy(policy);
  const naive = compilePolicy(policy, { optimize: false });
  checkGraph(opt.graph, { rules: policy.rules.length, groups: policy.groups.length });
  checkGraph(naive.graph, { rules: policy.rules.length, groups: policy.groups.length });
  const art = buildArtifact(policy, opt, 'test');
  const grouped = compilePolicy(policy, { budgets: { ruleLevel: 1 } });
  const artG = buildArtifact(policy, grouped, 'test');
  const byGroups = createClassifier(artG.graph);
  const artO0 = buildArtifact(policy, naive, 'test');
  const classifiers = [
    createClassifier(art.graph),
    ...FORCED.map((o) => createClassifier(art.graph, { codegen: o, hashMin: o.hashMin })),
    createClassifier(art.graph, { forceTables: true }),
    createClassifier(art.graph, { forceTables: true, hashMin: 1 }),
    createClassifier(artO0.graph),
    createClassifier(artO0.graph, { forceTables: true, hashMin: 1 }),
  ];
  // an -O0 graph of one rule has one segment, which gets code as an optimized graph does
  const many = policy.rules.length > 1;
  expect(classifiers.map((c) => c.kind)).toEqual([
    'generated',
    'generated',
    'generated',
    'table',
    'table',
    many ? 'segments' : 'generated',
    many ? 'segments' : 'table',
  ]);
  // the options reach the code generator: the forced budgets leave no more nodes in code than they would
  FORCED.forEach((o, i) => expect(classifiers[1 + i].codeNodes).toBe(generateClassifier(opt.graph, o).codeNodes));
  for (const pkt of packets) {
    const want = reference(policy, pkt);
    const { view, data } = viewOf(pkt);
    expect([...byGroups.results[byGroups.classify(view, data)].groups]).toEqual(want.groups);
    for (const c of classifiers) {
      const got = c.results[c.classify(view, data)];
      expect({ kind: c.kind, groups: [...got.groups] }).toEqual({ kind: c.kind, groups: want.groups });
      expect({ kind: c.kind, rules: [...got.rules] }).toEqual({ kind: c.kind, rules: want.rules });
    }
  }
}

/** How often checkSegmented met each shape (the test holds that it met every one). */
export const shapesSeen = { segments: 0, counting: 0, uncounted: 0 };

/** Budgets that force the shapes large policies take: a segment per group, group leaves, counting tables, rules left uncounted. */
const SHAPES: { name: string; budgets: Partial<CompileBudgets> }[] = [
  { name: 'one segment per group, rule leaves', budgets: { segment: 1 } },
  { name: 'one segment per group, counting tables', budgets: { segment: 1, ruleLevel: 1 } },
  { name: 'small segments, counting tables', budgets: { segment: 40, ruleLevel: 1, counting: 30 } },
  { name: 'small segments, uncounted rules', budgets: { segment: 40, ruleLevel: 1, counting: 1 } },
];

/**
 * A policy compiled in each of the SHAPES classifies every packet as the
 * reference interpreter does, as generated code and as tables, and its rule
 * counters count exactly the rules that match (those it has counters for),
 * what they deliver and what they exclude.
 */
export function checkSegmented(policy: Policy, packets: RandomPacket[]): void {
  for (const shape of SHAPES) {
    const compiled = compilePolicy(policy, { budgets: shape.budgets });
    if (compiled.graph.segments.length > 1) shapesSeen.segments++;
    if (compiled.graph.counting.length > 0) shapesSeen.counting++;
    if (compiled.graph.uncounted.length > 0) shapesSeen.uncounted++;
    checkGraph(compiled.graph, { rules: policy.rules.length, groups: policy.groups.length });
    const art = buildArtifact(policy, compiled, 'test');
    const classifiers = [createClassifier(art.graph), createClassifier(art.graph, { forceTables: true })];
    for (const c of classifiers) {
      const counter = new RuleCounter(art, c);
      const stats = RuleCounter.zeroStats(art);
      const want = policy.rules.map(() => ({ matches: 0, delivered: 0, excluded: 0 }));
      for (const pkt of packets) {
        const ref = reference(policy, pkt);
        const { view, data } = viewOf(pkt);
        const r = c.classify(view, data);
        expect({ shape: shape.name, kind: c.kind, groups: [...c.results[r].groups] }).toEqual({
          shape: shape.name,
          kind: c.kind,
          groups: ref.groups,
        });
        if (stats) counter.count(r, view, data, stats);
        const sent = new Set(ref.rules.flatMap((i) => (policy.rules[i].action === 'to' ? policy.rules[i].groups : [])));
        for (const i of ref.rules) {
          want[i].matches++;
          const rule = policy.rules[i];
          if (rule.action === 'to' && rule.groups.some((g) => ref.groups.includes(g))) want[i].delivered++;
          if (rule.action === 'drop' && rule.groups.some((g) => sent.has(g))) want[i].excluded++;
        }
      }
      // the counter adds a result's packets to its rules when asked to (Pipeline.collect does, before any read)
      if (stats) counter.settle(stats);
      const uncounted = new Set(art.graph.ruleLevel ? [] : art.graph.uncounted);
      policy.rules.forEach((rule, i) => {
        const got = stats?.[i];
        if (uncounted.has(i) || !got) {
          expect(got?.matches ?? null, `${shape.name}: rule ${i} has no counter`).toBeNull();
          return;
        }
        const expected =
          rule.action === 'to'
            ? { matches: want[i].matches, delivered: want[i].delivered }
            : { matches: want[i].matches, excluded: want[i].excluded };
        const actual =
          rule.action === 'to'
            ? { matches: got.matches, delivered: got.delivered }
            : { matches: got.matches, excluded: got.excluded };
        expect({ shape: shape.name, kind: c.kind, rule: i, ...actual }).toEqual({
          shape: shape.name,
          kind: c.kind,
          rule: i,
          ...expected,
        });
      });
    }
  }
}
