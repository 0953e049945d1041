import { describe, expect, it } from 'vitest';
import { buildArtifact } from '../../src/artifact/build.js';
import { CODE_BUDGET, generateClassifier } from '../../src/codegen/classifier.js';
import { FIELDS, TUNNEL } from '../../src/fields/fields.js';
import { compilePolicy } from '../../src/ir/compile.js';
import { walk } from '../../src/ir/graph.js';
import { createClassifier } from '../../src/runtime/classify/classifier.js';
import { splitSingles } from '../../src/codegen/lookup.js';
import { fieldOf } from '../../src/runtime/classify/tables.js';
import { PacketView } from '../../src/runtime/decode/view.js';
import { policyFor } from './helpers.js';

describe('table walk', () => {
  it('reads every field by its index in FIELDS', () => {
    FIELDS.forEach((f, i) => {
      const view = new PacketView();
      (view as unknown as Record<string, number>)[f.name] = 1000 + i;
      expect({ field: f.name, value: fieldOf(view, i) }).toEqual({ field: f.name, value: 1000 + i });
    });
  });

  it('splits single values from ranges, which take over the gaps they leave', () => {
    // port 80: [rest | 80 | rest]
    expect(splitSingles([-1, 80, 81], [0, 1, 0])).toEqual({ singles: [[80, 1]], cuts: [-1], kids: [0] });
    // a single value at ABSENT, and two in between ranges of their own
    expect(splitSingles([-1, 0, 10, 11, 20, 30, 31], [5, 0, 1, 0, 2, 3, 2])).toEqual({
      singles: [
        [-1, 5],
        [10, 1],
        [30, 3],
      ],
      cuts: [-1, 20],
      kids: [0, 2],
    });
    // a single value whose child the ranges give anyway needs no entry
    expect(splitSingles([-1, 5, 6], [0, 0, 1])).toEqual({ singles: [], cuts: [-1, 6], kids: [0, 1] });
  });

  it('refuses a graph that tests a field the runtime does not know', () => {
    const r = policyFor(['tcp port 80']);
    const art = buildArtifact(r.policy, compilePolicy(r.policy), 'test');
    const bad = { ...art.graph, fields: art.graph.fields.map((f) => (f === 'dstPort' ? 'dstPorts' : f)) };
    expect(() => createClassifier(bad)).toThrow(/unknown packet field dstPorts/);
    expect(() => createClassifier(bad, { forceTables: true })).toThrow(/unknown packet field dstPorts/);
  });
});

describe('generated code', () => {
  it('holds numbers and identifiers only, never policy text', () => {
    const r = policyFor(['payload contains "EVIL);process.exit(1)//"', 'tcp port 80 and payload matches /x"]}\'`/']);
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const js = generateClassifier(compilePolicy(r.policy).graph).js;
    expect(js).not.toMatch(/EVIL|process\.exit|\$\{/);
    // string literals are only those of the fixed prelude
    expect(js.match(/["'`][^"'`]*["'`]/g)).toEqual(['"use strict"']);
  });

  it('a policy with a leaf for a root classifies without a node', () => {
    const r = policyFor(['any']);
    const compiled = compilePolicy(r.policy);
    expect(compiled.graph.segments[0]).toBeLessThan(0);
    const art = buildArtifact(r.policy, compiled, 'test');
    for (const c of [createClassifier(art.graph), createClassifier(art.graph, { forceTables: true })]) {
      expect(c.results[c.classify(new PacketView(), new Uint8Array(0))].groups).toEqual([0]);
    }
  });

  it('stays within its budget on a large policy and hands the deep nodes to the table walk', () => {
    // one rule per GTP tunnel id, each looking at the inner packet and sending to one of four
    // groups: a node per rule, deep down
    const teids = Array.from({ length: 4000 }, (_, i) => 1000 + 7 * i);
    const r = policyFor(
      [],
      [
        'group h { tool p { output pcap "p.pcap" } }',
        'group i { tool q { output pcap "q.pcap" } }',
        'group j { tool s { output pcap "s.pcap" } }',
        ...teids.map(
          (t, i) => `rule r${i} match gtp teid ${t} and inner(tcp dst port ${2000 + i}) to ${'ghij'[(i * 7) % 4]}`,
        ),
      ].join('\n'),
    );
    const compiled = compilePolicy(r.policy);
    const art = buildArtifact(r.policy, compiled, 'test');
    const gen = generateClassifier(compiled.graph);
    expect(gen.codeNodes).toBeLessThan(compiled.graph.nodes.length);
    expect(gen.js.length).toBeLessThan(CODE_BUDGET * 60);
    expect(gen.js).toContain('walk(');
    const small = generateClassifier(compiled.graph, { budget: 40 });
    const classifiers = [
      createClassifier(art.graph),
      createClassifier(art.graph, { codegen: { budget: 40 } }),
      createClassifier(art.graph, { forceTables: true }),
    ];
    expect(classifiers.map((c) => [c.kind, c.codeNodes])).toEqual([
      ['generated', gen.codeNodes],
      ['generated', small.codeNodes],
      ['table', 0],
    ]);
    let seed = 7;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed % n);
    for (let k = 0; k < 3000; k++) {
      const view = new PacketView();
      view.tap = rnd(2);
      view.etherType = 0x800;
      view.ipProto = 17;
      view.tunnel = rnd(4) === 0 ? TUNNEL.vxlan : TUNNEL.gtp;
      view.tunnelId = rnd(3) === 0 ? rnd(20000) : teids[rnd(teids.length)];
      view.inner.ipProto = rnd(5) === 0 ? 17 : 6;
      // the port of the rule for this tunnel id half the time, another port otherwise
      view.inner.dstPort = rnd(2) ? 2000 + (view.tunnelId - 1000) / 7 : 2000 + rnd(4100);
      const want = walk(compiled.graph, (f) => {
        const name = compiled.graph.fields[f];
        const v = (name.startsWith('inner.') ? view.inner : view) as unknown as Record<string, number>;
        return v[name.replace('inner.', '')];
      }).groups;
      for (const c of classifiers) expect(c.results[c.classify(view, new Uint8Array(0))].groups).toEqual(want);
    }
  });
});
