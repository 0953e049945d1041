import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildArtifact } from '../../src/artifact/build.js';
import { checkPolicyFile } from '../../src/check/check.js';
import { compilePolicy } from '../../src/ir/compile.js';
import { createClassifier } from '../../src/runtime/classify/classifier.js';
import { PacketView } from '../../src/runtime/decode/view.js';
import { runCli } from './helpers.js';

const overlap = join(import.meta.dirname, '..', 'check', 'fixtures', 'TMES0701-redundant-rule.tmes');

type Classify = (p: PacketView, d: Uint8Array) => number;

describe('tmesc compile --emit js', () => {
  it('is the body of (preds, walk) => classify, as its header says, and classifies as the table walk does', async () => {
    const r = await runCli(['compile', '--emit', 'js', overlap]);
    expect(r.code, r.err).toBe(0);
    const header = r.out.split('\n').filter((l) => l.startsWith('//'));
    expect(header[0]).toMatch(
      /^\/\/ tmesc classifier for policy "[^"]*": the body of a function \(preds, walk\) => classify, classify\(p, d\) returning a leaf index;$/,
    );
    expect(header.join('\n')).toContain('walk(node, p, d)');
    const classify = new Function('preds', 'walk', r.out)([], () => {
      throw new Error('walk: every node of this small graph is code');
    }) as Classify;
    const { policy } = checkPolicyFile(overlap);
    const art = buildArtifact(policy, compilePolicy(policy), 'test');
    const tables = createClassifier(art.graph, { forceTables: true });
    for (const ipProto of [-1, 6, 17]) {
      for (const vlan0 of [-1, 0, 1, 3, 5, 7, 4000]) {
        const p = new PacketView();
        p.ipProto = ipProto;
        p.vlan0 = vlan0;
        p.vlanCount = vlan0 < 0 ? 0 : 1;
        expect({ ipProto, vlan0, leaf: classify(p, new Uint8Array(0)) }).toEqual({
          ipProto,
          vlan0,
          leaf: tables.classify(p, new Uint8Array(0)),
        });
      }
    }
  });

  it('keeps a policy name that holds a line separator inside the header comment', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tmesc-emit-js-'));
    const path = join(dir, 'p.tmes');
    const flag = '__tmescEmitJsInjected';
    writeFileSync(
      path,
      `policy "x\u2028;globalThis.${flag}=1;//\u2029;globalThis.${flag}=2;//"\ntap t { source pcap "in.pcap" }\ngroup g { tool a { output pcap "out.pcap" } }\nrule r match tcp port 80 to g\n`,
    );
    const r = await runCli(['compile', '--emit', 'js', path]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).not.toMatch(/[\u2028\u2029]/);
    expect(r.out.split('\n')[0]).toContain('"x\\u2028;globalThis.');
    const classify = new Function('preds', 'walk', r.out)([], () => 0) as Classify;
    expect(typeof classify).toBe('function');
    expect(flag in globalThis).toBe(false);
  });
});
