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

  it('narrows tunnel tests: no-tunnel packets take their own outcome, the rest (and hidden ones) the merge', () => {
    let narrowed = 0;
    fc.assert(
      fc.property(policyArb, fc.array(packetArb, { minLength: 24, maxLength: 24 }), (random, packets) => {
        const span = { file: new SourceFile('random.tmes', ''), start: 0, end: 0 };
        const policy = { ...random, rules: random.rules.map((r) => ({ ...r, span })) };
        const g = compilePolicy(policy).graph;
        const plans = planGroups(policy, untestable(policy));
        const isHost = (x: number) => plans[x].side === 'host';
        const cannot = (f: number) => hostOnly(switchField(g.fields[f])) !== undefined;
        const narrow = (f: number) => {
          const s = switchField(g.fields[f]);
          return s.open !== undefined && s.constant !== undefined ? { none: s.constant, open: s.open } : undefined;
        };
        const open = abstractGraph(g, isHost, cannot);
        const abs = abstractGraph(g, isHost, cannot, false, narrow);
        expect(abs.kept).toEqual([]);
        const tunnelField = (name: string) => switchField(name).open !== undefined;
        for (const pkt of packets) {
          const want = walk(g, valueOf(g, pkt)).groups;
          // the packet as it is (the switch sees its tunnel fields where it carries none), and as the switch
          // takes it where it may carry one: every tunnel field at its `open` value
          const seen = walk(abs.graph, valueOf(abs.graph, pkt)).groups;
          const hidden = walk(abs.graph, (f) => {
            const s = switchField(abs.graph.fields[f]);
            return s.open !== undefined ? s.open : valueOf(abs.graph, pkt)(f);
          }).groups;
          for (const got of [seen, hidden]) {
            expect(got.filter((x) => !isHost(x))).toEqual(want.filter((x) => !isHost(x)));
            for (const h of want.filter(isHost)) expect(got).toContain(h);
          }
          // a packet without a tunnel gets no host group the fully open graph does not give it
          const plain = { ...pkt, values: { ...pkt.values } };
          for (const name of Object.keys(plain.values)) if (tunnelField(name)) plain.values[name] = -1;
          const narrowHost = walk(abs.graph, valueOf(abs.graph, plain)).groups.filter(isHost);
          const openHost = walk(open.graph, valueOf(open.graph, plain)).groups.filter(isHost);
          for (const h of narrowHost) expect(openHost).toContain(h);
          if (narrowHost.length < openHost.length) narrowed++;
        }
      }),
      { numRuns: 150 },
    );
    // the narrowing takes some packets' needless host copies away
    expect(narrowed).toBeGreaterThan(0);
  });
});
