/**
 * The packet path's walk against the decoder, field by field: every packet
 * field (outer and inner), read as generated code reads it, equals the
 * decoder's, and the walk's malformed flag equals the decoder's verdict on
 * the frame's own headers. Over generated traffic on every link type, each
 * frame whole and cut at every length through its headers, with the wire
 * length shorter and longer than the capture, and fuzzed frames.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LINKTYPE } from '../../../src/fields/fields.js';
import { CORPUS_NOTE, HAVE_CORPUS, corpusManifest } from '../../support/corpus.js';
import { loadCapture } from '../decode/corpus.js';
import { generatedFrames, otherLinkFrames, type TestFrame } from './frames.js';
import { differences } from './oracle.js';

/** Headers lie in the first bytes: cuts past this only re-test payload. */
const CUT_SPAN = 120;

function check(frames: readonly TestFrame[], cuts: boolean): string[] {
  const bad: string[] = [];
  const note = (what: string, d: string[]) => {
    if (d.length && bad.length < 20) bad.push(`${what}: ${d.join('; ')}`);
  };
  for (const f of frames) {
    note(f.what, differences(f.data, f.data.length, f.wireLen, f.linkType));
    // a wire length shorter than the capture, and a snap-length cut (wire longer)
    note(`${f.what} wire 20`, differences(f.data, f.data.length, 20, f.linkType));
    note(`${f.what} wire +1000`, differences(f.data, f.data.length, f.data.length + 1000, f.linkType));
    if (!cuts) continue;
    const span = Math.min(f.data.length, CUT_SPAN);
    for (let cut = 0; cut < span; cut++)
      note(`${f.what} cut at ${cut}`, differences(f.data, cut, f.wireLen, f.linkType));
  }
  return bad;
}

const generated = generatedFrames(1500);

describe('the walk reads every field as the decoder decodes it', () => {
  it('generated Ethernet traffic, whole and cut at every length', () => {
    expect(check(generated, true)).toEqual([]);
  });

  it('the same packets on every other link type', () => {
    expect(check(otherLinkFrames(generated.slice(0, 400)), true)).toEqual([]);
  });

  it('fuzzed frames: generated ones with bytes changed, on every link type', () => {
    const linkTypes = [
      LINKTYPE.ETHERNET,
      LINKTYPE.NULL,
      LINKTYPE.LOOP,
      LINKTYPE.PPP,
      LINKTYPE.PPP_HDLC,
      LINKTYPE.C_HDLC,
      LINKTYPE.RAW,
      LINKTYPE.IPV4,
      LINKTYPE.IPV6,
      LINKTYPE.LINUX_SLL,
      LINKTYPE.LINUX_SLL2,
      147,
    ];
    const sources = [...generated.slice(0, 300), ...otherLinkFrames(generated.slice(0, 60))];
    fc.assert(
      fc.property(
        fc.nat(sources.length - 1),
        fc.array(fc.tuple(fc.nat(96), fc.nat(255)), { minLength: 1, maxLength: 6 }),
        fc.constantFrom(...linkTypes),
        fc.boolean(),
        fc.nat(200),
        (i, edits, otherLink, keepLink, cut) => {
          const f = sources[i];
          const data = f.data.slice();
          for (const [at, b] of edits) if (at < data.length) data[at] = b;
          const lt = keepLink ? f.linkType : otherLink;
          const cap = Math.min(data.length, cut === 0 ? data.length : cut);
          expect(differences(data, cap, f.wireLen, lt)).toEqual([]);
        },
      ),
      { numRuns: 4000, seed: 20240601 },
    );
  });

  it('random bytes on every link type', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 90 }),
        fc.constantFrom(0, 1, 9, 12, 50, 101, 104, 108, 113, 228, 229, 276),
        fc.nat(200),
        (data, lt, wire) => {
          expect(differences(data, data.length, wire, lt)).toEqual([]);
        },
      ),
      { numRuns: 3000, seed: 7 },
    );
  });
});

describe.skipIf(!HAVE_CORPUS)(`the walk on every corpus frame${CORPUS_NOTE}`, () => {
  const entries = corpusManifest();
  it.each(entries.map((e) => [e.file]))('%s', async (file) => {
    const capture = await loadCapture(file);
    if (typeof capture === 'string') return;
    const frames = capture.frames.map((f, i): TestFrame => ({
      data: f.data.subarray(0, f.capLen),
      linkType: capture.linkType,
      wireLen: f.wireLen,
      what: `#${i + 1}`,
    }));
    // cuts on the first frames (header shapes repeat within a capture)
    expect([...check(frames, false), ...check(frames.slice(0, 40), true)]).toEqual([]);
  });
});
