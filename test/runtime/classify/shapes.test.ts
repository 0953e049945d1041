import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { independentGroups, overlappingRanges } from '../../../bench/policy-shapes.js';
import { buildArtifact } from '../../../src/artifact/build.js';
import { checkPolicyFile } from '../../../src/check/check.js';
import { PacketGenerator } from '../../../src/gen/index.js';
import { compilePolicy } from '../../../src/ir/compile.js';
import { createClassifier, type Classifier } from '../../../src/runtime/classify/classifier.js';
import { decodeFrame } from '../../../src/runtime/decode/decode.js';
import { PacketView } from '../../../src/runtime/decode/view.js';

/**
 * The policies of issue 16's shapes benchmark (many segments, wide nodes,
 * most of the graph left to tables) classify the benchmark's traffic mix
 * exactly as the table walk does, whatever part of the graph the code budget
 * makes code: the generated code's region and its arrays of walked children
 * change with the budget, the results must not.
 */
const dir = mkdtempSync(join(tmpdir(), 'tmesc-shapes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function trafficMix(n: number): { views: PacketView[]; frames: Uint8Array[] } {
  const gen = new PacketGenerator({
    packets: n,
    seed: 3,
    encap: { vlan: 0.2, qinq: 0.02, mpls: 0.05, gre: 0.05, vxlan: 0.05, gtpu: 0.05 },
  });
  const views: PacketView[] = [];
  const frames: Uint8Array[] = [];
  for (let p; (p = gen.next());) {
    const v = new PacketView();
    v.tap = views.length % 2;
    const data = Uint8Array.from(p.data);
    decodeFrame(v, data, data.length, data.length, 1);
    views.push(v);
    frames.push(data);
  }
  return { views, frames };
}

const mix = trafficMix(4000);
/**
 * The mix, then the same packets with the fields the shapes test set to values
 * their rules name (ports in the ranges, the groups' hosts and VLANs), so that
 * many packets reach groups and deep nodes.
 */
function retouched(): PacketView[] {
  let s = 11;
  const rnd = (n: number) => ((s = (s * 1103515245 + 12345) & 0x7fffffff), Math.floor((s / 0x80000000) * n));
  return mix.views.map((v) => {
    const p = Object.assign(new PacketView(), v);
    p.dstPort = rnd(66000);
    p.srcPort = rnd(4) === 0 ? 1000 + rnd(1000) : rnd(66000);
    p.vlan0 = rnd(2) ? 1 + rnd(20) : rnd(4000);
    p.ip4Dst = (((10 << 24) | (1 << 16)) >>> 0) + rnd(1024);
    p.ip4Src = (((10 << 24) | (1 << 16)) >>> 0) + rnd(1024);
    p.wireLen = 60 + rnd(1100);
    return p;
  });
}
const views = [...mix.views, ...retouched()];
const frames = [...mix.frames, ...mix.frames];

function outcome(c: Classifier, i: number): string {
  const r = c.results[c.classify(views[i], frames[i])];
  return `${r.groups.join(',')}|${r.rules.join(',')}|${r.to.join(',')}|${r.drop.join(',')}`;
}

describe('shapes: generated code agrees with the table walk', () => {
  for (const shape of [independentGroups(1000), overlappingRanges(500, 50)]) {
    it(shape.name, () => {
      const path = join(dir, `${shape.name.replace(/\W+/g, '-')}.tmes`);
      writeFileSync(path, shape.text);
      const { policy } = checkPolicyFile(path);
      const g = buildArtifact(policy, compilePolicy(policy), 'test').graph;
      expect(g.segments.length).toBeGreaterThan(1);
      const tables = createClassifier(g, { forceTables: true });
      const expected = views.map((_, i) => outcome(tables, i));
      // many packets reach some group, or the comparison says little
      expect(expected.filter((o) => !o.startsWith('|')).length).toBeGreaterThan(views.length / 10);
      for (const budget of [undefined, 3000, 300]) {
        const c = createClassifier(g, { codegen: { budget } });
        expect(c.kind).toBe('generated');
        expect(c.codeNodes).toBeGreaterThan(0);
        const got = views.map((_, i) => outcome(c, i));
        const first = got.findIndex((o, i) => o !== expected[i]);
        expect(first, `packet ${first}: ${got[first]} vs ${expected[first]}`).toBe(-1);
      }
    });
  }
});
