import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildArtifact } from '../../../src/artifact/build.js';
import { checkPolicyFile } from '../../../src/check/check.js';
import { generate } from '../../../src/gen/index.js';
import { compilePolicy, type CompileOptions } from '../../../src/ir/compile.js';
import { evaluatePolicy } from '../../../src/policy/evaluate.js';
import type { Policy } from '../../../src/policy/policy.js';
import { openCapture } from '../../../src/runtime/capture/index.js';
import { decodeFrame } from '../../../src/runtime/decode/decode.js';
import { PacketView } from '../../../src/runtime/decode/view.js';
import { Pipeline } from '../../../src/runtime/engine/pipeline.js';
import type { PacketPathChoice } from '../../../src/runtime/engine/packet-path-choice.js';
import { runArtifact } from '../../../src/runtime/run/run.js';
import { renderStatsText } from '../../../src/runtime/stats/stats.js';

const dir = mkdtempSync(join(tmpdir(), 'tmesc-rule-counter-'));
const capture = join(dir, 'mix.pcap');
generate({ output: capture, packets: 5000, seed: 5, encap: { vlan: 0.2, gre: 0.05, vxlan: 0.05 } });

/** What the reference interpreter says each rule matched, delivered and excluded over the capture. */
function expected(policy: Policy, limit = Infinity) {
  const want = policy.rules.map(() => ({ matches: 0, delivered: 0, excluded: 0 }));
  const src = openCapture(capture);
  const view = new PacketView();
  for (let r, n = 0; n < limit && (r = src.next()); n++) {
    view.tap = 0;
    decodeFrame(view, r.data, r.capLen, r.wireLen, r.linkType);
    const values = view as unknown as Record<string, number>;
    const ref = evaluatePolicy(policy, {
      field: (name) =>
        name.startsWith('inner.') ? (view.inner as unknown as Record<string, number>)[name.slice(6)] : values[name],
      pred: () => {
        throw new Error('no payload tests here');
      },
    });
    const sent = new Set(ref.rules.flatMap((i) => (policy.rules[i].action === 'to' ? policy.rules[i].groups : [])));
    for (const i of ref.rules) {
      const rule = policy.rules[i];
      want[i].matches++;
      if (rule.action === 'to' && rule.groups.some((g) => ref.groups.includes(g))) want[i].delivered++;
      if (rule.action === 'drop' && rule.groups.some((g) => sent.has(g))) want[i].excluded++;
    }
  }
  src.close();
  return want;
}

const POLICY = `policy "counters"
tap a { source pcap "${capture}" }
group ids { tool i { output pcap "${dir}/ids.pcap" } }
group rec { tool r { output pcap "${dir}/rec.pcap" } }
rule web from a match tcp port 80 or tcp port 443 to ids
rule all from a match ip or ip6 to rec
rule dns from a match udp port 53 to ids, rec
rule no-web from a match tcp port 80 or tcp port 443 drop ids
rule no-dns from a match udp dst port 53 drop rec
rule ssh from a match tcp port 22 to ids
`;

// rule leaves (the whole policy one segment), and the shapes of large policies forced by small budgets
const shapes: [string, CompileOptions][] = [
  ['rule leaves', {}],
  ['a segment per group, counting tables', { budgets: { segment: 1, ruleLevel: 1 } }],
];

describe('per-rule counters', () => {
  const p = join(dir, 'counters.tmes');
  writeFileSync(p, POLICY);
  const { policy } = checkPolicyFile(p);
  const want = expected(policy);

  for (const [name, options] of shapes) {
    it(`count what each rule matched, delivered and excluded (${name})`, async () => {
      const compiled = compilePolicy(policy, options);
      if (options.budgets) expect(compiled.graph.counting.length).toBeGreaterThan(0);
      const stats = await runArtifact(buildArtifact(policy, compiled, 'test'), { inputs: new Map() });
      policy.rules.forEach((r, i) => {
        const got = stats.rules![i];
        expect({ rule: r.name, ...got }).toEqual({
          rule: r.name,
          name: r.name,
          matches: want[i].matches,
          ...(r.action === 'to' ? { delivered: want[i].delivered } : { excluded: want[i].excluded }),
        });
      });
      // the web rule's every packet is dropped from ids: it matched, and delivered nothing
      expect(want[0].matches).toBeGreaterThan(0);
      expect(stats.rules![0].delivered).toBe(0);
      expect(renderStatsText(stats)).toContain(
        `rule web: ${want[0].matches} matches, 0 delivered (drop rules excluded every packet)`,
      );
      expect(renderStatsText(stats)).toMatch(/rule no-web: \d+ matches, \d+ excluded/);
    });
  }

  it('say which rules have no counter when the counting budget runs out', async () => {
    const compiled = compilePolicy(policy, { budgets: { segment: 1, ruleLevel: 1, counting: 1 } });
    expect(compiled.graph.ruleLevel).toBe(false);
    const art = buildArtifact(policy, compiled, 'test');
    const stats = await runArtifact(art, { inputs: new Map() });
    const off = stats.rules!.filter((r) => r.matches === null).map((r) => r.name);
    expect(off).toEqual(art.graph.uncounted!.map((i) => policy.rules[i].name));
    expect(off.length).toBeGreaterThan(0);
    const text = renderStatsText(stats);
    expect(text).toContain(`per-rule counters are off for ${off.length} of ${policy.rules.length} rules`);
    for (const name of off) expect(text).not.toContain(`rule ${name}:`);
    // the counted ones still count exactly
    stats.rules!.forEach((r, i) => {
      if (r.matches !== null) expect(r.matches).toBe(want[i].matches);
    });
  });

  // the packet paths count per result and add to the rules when the counters are read (collect): live runs read
  // them every stats interval, so each read must be exact
  for (const path of ['generated', 'decoder'] as PacketPathChoice[])
    for (const [name, options] of shapes)
      it(`give exact counters whenever they are read during a run (${path} path, ${name})`, () => {
        const compiled = compilePolicy(policy, options);
        const art = buildArtifact(policy, compiled, 'test');
        const sink = { path: 'x', write: () => true };
        const p = new Pipeline(art, [[sink], [sink]], [[capture]], { packetPath: path });
        const src = openCapture(capture);
        const reads = [1, 7, 500, 1999, 5000];
        let n = 0;
        for (let r; (r = src.next());) {
          p.handle(r, 0);
          if (reads.includes(++n)) {
            const want = expected(policy, n);
            const got = p.collect().rules!;
            policy.rules.forEach((rule, i) =>
              expect({ n, rule: rule.name, ...got[i] }).toEqual({
                n,
                rule: rule.name,
                name: rule.name,
                matches: want[i].matches,
                ...(rule.action === 'to' ? { delivered: want[i].delivered } : { excluded: want[i].excluded }),
              }),
            );
          }
        }
        src.close();
        expect(n).toBe(5000);
      });
});
