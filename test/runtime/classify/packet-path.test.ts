/**
 * The packet path (walk + generated graph over the bytes) against the view
 * classifier (decoder, then the graph over the decoded view): the same
 * result for every frame, under random policies drawn from filters that
 * test every kind of field (outer and inner, byte loads, payload, tunnels),
 * with the default code budget and with budgets that hand most nodes to the
 * table walk.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { createClassifier, type ClassifierOptions } from '../../../src/runtime/classify/classifier.js';
import { createPacketPath } from '../../../src/runtime/classify/packet-path.js';
import { decodeFrame } from '../../../src/runtime/decode/decode.js';
import { PacketView } from '../../../src/runtime/decode/view.js';
import { CORPUS_NOTE, HAVE_CORPUS, corpusManifest } from '../../support/corpus.js';
import { loadCapture } from '../decode/corpus.js';
import { artifactFor } from '../support/artifact.js';
import { FILTERS } from './filters.js';
import { generatedFrames, otherLinkFrames, type TestFrame } from '../walk/frames.js';

const dir = mkdtempSync(join(tmpdir(), 'tmesc-packet-path-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A policy of `rules` (each a list of filter indices joined by and/or, maybe negated) over three groups. */
function policyText(
  rules: { f: number[]; op: 'and' | 'or'; not: boolean; g: number; drop: boolean }[],
  groups = 3,
): string {
  const lines = [
    'tap t { source pcap "x.pcap" }',
    ...Array.from({ length: groups }, (_, g) => `group g${g} {\n  tool w${g} { output pcap "g${g}.pcap" }\n}`),
  ];
  rules.forEach((r, i) => {
    const body = r.f.map((x) => `(${FILTERS[x]})`).join(` ${r.op} `);
    lines.push(`rule r${i} from t match ${r.not ? `not (${body})` : body} ${r.drop ? 'drop' : 'to'} g${r.g}`);
  });
  // every group gets at least one to rule, so drop rules have something to drop from
  if (groups === 3) for (let g = 0; g < 3; g++) lines.push(`rule all${g} from t match ${FILTERS[g * 7]} to g${g}`);
  return lines.join('\n');
}

const ruleArb = fc.record({
  f: fc.array(fc.nat(FILTERS.length - 1), { minLength: 1, maxLength: 3 }),
  op: fc.constantFrom('and' as const, 'or' as const),
  not: fc.boolean(),
  g: fc.nat(2),
  drop: fc.boolean(),
});

const OPTIONS: ClassifierOptions[] = [{}, { codegen: { budget: 24, unroll: 2, hashMin: 1, eqMax: 0 }, hashMin: 1 }];

function disagreements(text: string, frames: readonly TestFrame[], options = OPTIONS): string[] {
  const art = artifactFor(dir, text);
  const out: string[] = [];
  for (const opts of options) {
    const viewC = createClassifier(art.graph, opts);
    const path = createPacketPath(art.graph, opts);
    const view = new PacketView();
    const buf = new Uint8Array(70_000);
    for (const f of frames) {
      view.tap = 0;
      decodeFrame(view, f.data, f.data.length, f.wireLen, f.linkType);
      const want = viewC.results[viewC.classify(view, f.data)];
      buf.set(f.data, 11);
      const got = path.results[path.classify(buf, 11, f.data.length, f.wireLen, f.linkType, 0)];
      if (JSON.stringify(got) !== JSON.stringify(want) && out.length < 5)
        out.push(`${f.what}: ${JSON.stringify(got)} vs ${JSON.stringify(want)}`);
    }
  }
  return out;
}

const frames = generatedFrames(600, 9);
const mixed = [...frames, ...otherLinkFrames(frames.slice(0, 80))];

describe('the packet path classifies as the decoder and the view classifier do', () => {
  it('each filter alone', () => {
    const bad: string[] = [];
    FILTERS.forEach((f, i) => {
      for (const d of disagreements(policyText([{ f: [i], op: 'and', not: false, g: 0, drop: false }]), mixed))
        bad.push(`${f}: ${d}`);
    });
    expect(bad).toEqual([]);
  });

  it('random policies', () => {
    fc.assert(
      fc.property(fc.array(ruleArb, { minLength: 1, maxLength: 6 }), (rules) => {
        expect(disagreements(policyText(rules), mixed.slice(0, 400))).toEqual([]);
      }),
      { numRuns: 25, seed: 42 },
    );
  });
});

describe("the packet path's view classifier", () => {
  it('generates its code only when a packet is classified from the view, then classifies as an eager one', () => {
    const art = artifactFor(dir, policyText([{ f: [0, 3], op: 'or', not: false, g: 1, drop: false }]));
    const eager = createClassifier(art.graph);
    const path = createPacketPath(art.graph);
    expect([eager.kind, path.kind, path.viewClassifier.kind]).toEqual(['generated', 'generated', 'generated']);
    // start-up does not generate it: the run classifies from the bytes, and reaches it only on falling back
    const stub = path.viewClassifier.classify;
    const view = new PacketView();
    for (const f of frames.slice(0, 200)) {
      view.tap = 0;
      decodeFrame(view, f.data, f.data.length, f.wireLen, f.linkType);
      const want = eager.results[eager.classify(view, f.data)];
      expect(path.viewClassifier.results[path.viewClassifier.classify(view, f.data)], f.what).toEqual(want);
    }
    // the first call put the generated function in the stub's place: the hot path has no indirection
    expect(path.viewClassifier.classify).not.toBe(stub);
    expect(path.viewClassifier.codeNodes).toBe(eager.codeNodes);
    expect(path.viewClassifier.codeNodes).toBeGreaterThan(0);
  });
});

describe.skipIf(!HAVE_CORPUS)(`the packet path on the corpus${CORPUS_NOTE}`, () => {
  it('every frame of every capture, under a policy testing every filter, each into a group of its own', async () => {
    // a group per filter: the groups a packet reaches say which filters matched it, whether or
    // not rules are counted in the graph's leaves
    const text = policyText(
      FILTERS.map((_, i) => ({ f: [i], op: 'and' as const, not: false, g: i, drop: false })),
      FILTERS.length,
    );
    const bad: string[] = [];
    for (const e of corpusManifest()) {
      const capture = await loadCapture(e.file);
      if (typeof capture === 'string') continue;
      const fr = capture.frames.map((f, i): TestFrame => ({
        data: f.data.subarray(0, f.capLen),
        linkType: capture.linkType,
        wireLen: f.wireLen,
        what: `${e.file} #${i + 1}`,
      }));
      // the default code budget only: the small budgets are exercised above, and a graph of a group
      // per filter is large
      bad.push(...disagreements(text, fr, OPTIONS.slice(0, 1)));
    }
    expect(bad).toEqual([]);
  }, 600_000);
});
