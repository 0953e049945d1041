import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SourceFile } from '../../src/diagnostics/source.js';
import { compilePolicy } from '../../src/ir/compile.js';
import { walk, type MatchGraph } from '../../src/ir/graph.js';
import { abstractGraph } from '../../src/openflow/abstract.js';
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

describe('the match graph as the switch decides it', () => {
  it('decides every switch group as the graph does, and lets through every packet a host group wants', () => {
    let hostGroups = 0;
    fc.assert(
      fc.property(policyArb, fc.array(packetArb, { minLength: 24, maxLength: 24 }), (random, packets) => {
        // the report names rules by file and line: a real (empty) file
        const span = { file: new SourceFile('random.tmes', ''), start: 0, end: 0 };
        const policy = { ...random, rules: random.rules.map((r) => ({ ...r, span })) };
        const g = compilePolicy(policy).graph;
        const plans = planGroups(policy, untestable(policy));
        const isHost = (x: number) => plans[x].side === 'host';
        hostGroups += plans.filter((p) => p.side === 'host').length;
        const abs = abstractGraph(g, isHost, (f) => hostOnly(switchField(g.fields[f])) !== undefined);
        // the host groups are chosen from the rules, so no test the switch cannot do is left in its graph
        expect(abs.kept).toEqual([]);
        expect(
          abs.graph.fields.filter((_, f) =>
            abs.graph.nodes.some((n) => n.field === f && hostOnly(switchField(g.fields[f]))),
          ),
        ).toEqual([]);
        for (const pkt of packets) {
          const want = walk(g, valueOf(g, pkt)).groups;
          const got = walk(abs.graph, valueOf(abs.graph, pkt)).groups;
          expect(got.filter((x) => !isHost(x))).toEqual(want.filter((x) => !isHost(x)));
          for (const h of want.filter(isHost)) expect(got).toContain(h);
        }
      }),
      { numRuns: 150 },
    );
    expect(hostGroups).toBeGreaterThan(20);
  });
});
