import { afterEach, describe, expect, it } from 'vitest';
import { buildArtifact } from '../../../src/artifact/build.js';
import { generateClassifier } from '../../../src/codegen/classifier.js';
import { CodegenError } from '../../../src/codegen/code.js';
import { compilePolicy } from '../../../src/ir/compile.js';
import { createClassifier } from '../../../src/runtime/classify/classifier.js';
import { PacketView } from '../../../src/runtime/decode/view.js';
import { policyFor } from '../../ir/helpers.js';

/** What code handed to the runtime would do if it were run: set a global, and classify every packet to leaf 0. */
const FLAG = '__tmescClassifierTampered';
const TAMPERED = `globalThis.${FLAG} = (globalThis.${FLAG} ?? 0) + 1; return function classify() { return 0; };`;

afterEach(() => {
  delete (globalThis as Record<string, unknown>)[FLAG];
});

function artifact() {
  const r = policyFor([
    'tcp port 80',
    'udp dst port 53',
    'vlan 10 and tcp',
    'host 10.0.0.1',
    'tcp dst port 1-1023 and not src net 10.0.0.0/8',
  ]);
  expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const compiled = compilePolicy(r.policy);
  // as the runtime gets it: through JSON
  return {
    compiled,
    art: JSON.parse(JSON.stringify(buildArtifact(r.policy, compiled, 'test'))) as ReturnType<typeof buildArtifact>,
  };
}

function* views(n: number): Generator<PacketView> {
  let seed = 11;
  const rnd = (k: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed % k);
  for (let i = 0; i < n; i++) {
    const v = new PacketView();
    v.etherType = 0x800;
    v.ipProto = [6, 17, 1][rnd(3)];
    v.dstPort = [80, 53, 22, 443, 5000][rnd(5)];
    v.srcPort = [80, 53, 40000][rnd(3)];
    v.ip4Src = rnd(2) ? 0x0a000001 : 0xc0a80001;
    v.ip4Dst = rnd(2) ? 0x0a000001 : 0x08080808;
    v.vlanCount = rnd(2);
    v.vlan0 = v.vlanCount ? [10, 20][rnd(2)] : -1;
    yield v;
  }
}

describe('createClassifier and code', () => {
  it('generates its own code from the graph, whatever else an artifact object carries, and classifies correctly', () => {
    const { art } = artifact();
    const tables = createClassifier(art.graph, { forceTables: true });
    // a format 1 artifact's code, left on the object: nothing reads it
    const c = createClassifier(Object.assign(structuredClone(art.graph), { classifier: { js: TAMPERED } }));
    expect(c.kind).toBe('generated');
    expect(c.codeNodes).toBeGreaterThan(0);
    const empty = new Uint8Array(0);
    const seen = new Set<string>();
    for (const v of views(500)) {
      const want = tables.results[tables.classify(v, empty)];
      expect(c.results[c.classify(v, empty)]).toEqual(want);
      seen.add(want.rules.join(','));
    }
    // the packets reach many different leaves, so a classifier stuck on one would show
    expect(seen.size).toBeGreaterThan(4);
    expect(FLAG in globalThis).toBe(false);
  });

  it('generates the same code from an artifact graph, after JSON, as from the compiler graph', () => {
    const { compiled, art } = artifact();
    expect(generateClassifier(art.graph).js).toBe(generateClassifier(compiled.graph).js);
  });

  it('splices no string of a graph into code, even one that skipped validation', () => {
    const { art } = artifact();
    // a field name is checked against the packet fields before any code is generated
    const field = {
      ...art.graph,
      fields: art.graph.fields.map((f, i) => (i === art.graph.nodes[0].field ? `dstPort;globalThis.${FLAG}=1;` : f)),
    };
    expect(() => createClassifier(field)).toThrow(/unknown packet field/);
    const proto = {
      ...art.graph,
      fields: art.graph.fields.map((f, i) => (i === art.graph.nodes[0].field ? 'constructor' : f)),
    };
    expect(() => createClassifier(proto)).toThrow(/unknown packet field constructor/);
    // a boundary that is not a number is refused by the code builder
    const nodes = art.graph.nodes.map((n, i) =>
      i === 0
        ? { ...n, cuts: [n.cuts[0], `1) { globalThis.${FLAG} = 1; } if (0` as unknown as number, ...n.cuts.slice(2)] }
        : n,
    );
    expect(() => createClassifier({ ...art.graph, nodes })).toThrow(CodegenError);
    expect(FLAG in globalThis).toBe(false);
  });
});
