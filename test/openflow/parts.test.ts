import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { kindsPolicy } from '../../bench/openflow.js';
import { checkPolicyFile } from '../../src/check/check.js';
import { DiagnosticBag } from '../../src/diagnostics/bag.js';
import { SourceFile } from '../../src/diagnostics/source.js';
import { compilePolicy } from '../../src/ir/compile.js';
import { walk, type MatchGraph } from '../../src/ir/graph.js';
import { abstractGraph } from '../../src/openflow/abstract.js';
import { compileToOpenFlow } from '../../src/openflow/backend.js';
import { alternatives, MAX_ALTERNATIVES, MAX_PARTS, mergeGraphs, splitPolicy } from '../../src/openflow/parts.js';
import { planGroups } from '../../src/openflow/plan.js';
import { untestable } from '../../src/openflow/rules-of-field.js';
import { hostOnly, switchField } from '../../src/openflow/switch-fields.js';
import { packetArb, policyArb, type RandomPacket } from '../ir/random-policy.js';

/** A random packet's value of a graph's field (payload tests: `contains` on its payload). */
function valueOf(g: MatchGraph, pkt: RandomPacket): (field: number) => number {
  return (f) => {
    const name = g.fields[f];
    const pred = /^pred:(\d+)$/.exec(name);
    if (!pred) return pkt.values[name] ?? -1;
    const p = g.preds[Number(pred[1])];
    if (p.kind !== 'contains') throw new Error('unexpected predicate');
    return Buffer.from(pkt.payload).indexOf(Buffer.from(p.bytes)) >= 0 ? 1 : 0;
  };
}

describe('a policy in parts combined by to and drop bits', () => {
  it('delivers every packet where the whole policy does, and so does its graph as the switch decides it', () => {
    let split = 0;
    let merged = 0;
    fc.assert(
      fc.property(policyArb, fc.array(packetArb, { minLength: 24, maxLength: 24 }), (random, packets) => {
        const span = { file: new SourceFile('random.tmes', ''), start: 0, end: 0 };
        const policy = { ...random, rules: random.rules.map((r) => ({ ...r, span })) };
        const parts = splitPolicy(policy);
        if (!parts) return;
        split++;
        // every rule's alternatives are in some part, none twice
        expect(parts.reduce((n, p) => n + p.rules.length, 0)).toBeGreaterThanOrEqual(policy.rules.length);
        const whole = compilePolicy(policy).graph;
        const g = mergeGraphs(parts.map((p) => compilePolicy(p).graph));
        if (!g) return;
        merged++;
        // each part's tests still go forward in the merged field order
        for (const n of g.nodes) for (const k of n.kids) if (k >= 0) expect(g.nodes[k].field).toBeGreaterThan(n.field);
        const plans = planGroups(policy, untestable(policy));
        const isHost = (x: number) => plans[x].side === 'host';
        const abs = abstractGraph(g, isHost, (f) => hostOnly(switchField(g.fields[f])) !== undefined, true);
        for (const pkt of packets) {
          const want = walk(whole, valueOf(whole, pkt)).groups;
          expect(walk(g, valueOf(g, pkt)).groups).toEqual(want);
          const got = walk(abs.graph, valueOf(abs.graph, pkt)).groups;
          expect(got.filter((x) => !isHost(x))).toEqual(want.filter((x) => !isHost(x)));
          for (const h of want.filter(isHost)) expect(got).toContain(h);
        }
      }),
      { numRuns: 150 },
    );
    expect(split).toBeGreaterThan(50);
    expect(merged).toBeGreaterThan(50);
  });
});

describe('alternatives', () => {
  const t = (field: string, v: number) => ({ t: 'test' as const, field, ranges: [[v, v]] as [number, number][] });
  it('distributes an and over its ors (tcp port 80: src or dst), and keeps a large product whole', () => {
    const tcpPort80 = {
      t: 'and' as const,
      args: [t('ipProto', 6), { t: 'or' as const, args: [t('srcPort', 80), t('dstPort', 80)] }],
    };
    expect(alternatives(tcpPort80)).toEqual([
      { t: 'and', args: [t('ipProto', 6), t('srcPort', 80)] },
      { t: 'and', args: [t('ipProto', 6), t('dstPort', 80)] },
    ]);
    const either = (n: number) => ({ t: 'or' as const, args: [t('a', n), t('b', n)] });
    const wide = { t: 'and' as const, args: [either(1), either(2), either(3), either(4)] };
    expect(alternatives(wide)).toEqual([wide]);
    expect(alternatives({ t: 'and', args: [either(1), either(2), either(3)] })).toHaveLength(MAX_ALTERNATIVES);
  });
});

describe('more parts than the switch walks', () => {
  it('merges parts two by two where they cross the fewest fields: the program stays below rules x taps', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tmesc-openflow-parts-'));
    try {
      const { policy: text, ports } = kindsPolicy(510, 8, 8);
      const path = join(dir, 'kinds.tmes');
      writeFileSync(path, text);
      const checked = checkPolicyFile(path);
      expect(checked.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      const parts = splitPolicy(checked.policy)!;
      expect(parts.length).toBe(MAX_PARTS);
      const bag = new DiagnosticBag();
      const out = compileToOpenFlow(checked.policy, new SourceFile(join(dir, 'kinds.ports'), ports), bag, {
        split: 'parts',
        fieldsIn: 'registers',
      })!;
      const c = out.report.counts;
      // the bench's kinds policy (bench/openflow.ts): merged into eight parts by which sides' addresses and ports
      // they test, as before 7a9ae3d, a policy like it took 24,017 flows (589% of rules x taps); two by two into 32,
      // 2,555 of 4,080 (63%)

      expect(c.parts).toBe(MAX_PARTS);
      expect(c.flows).toBeLessThan(c.rulesTimesTaps);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
