/**
 * The session hash from the walk's offsets (walkSessionHash) against the
 * decoder's (sessionHash over the full view), outer and inner, on generated
 * frames of every link type, every cut of some, and every corpus frame.
 */
import { describe, expect, it } from 'vitest';
import { sessionHash } from '../../../src/runtime/balance/session-hash.js';
import { decodeFrame } from '../../../src/runtime/decode/decode.js';
import { PacketView } from '../../../src/runtime/decode/view.js';
import { walkSessionHash } from '../../../src/runtime/walk/session.js';
import { Walk } from '../../../src/runtime/walk/walk.js';
import { CORPUS_NOTE, HAVE_CORPUS, corpusManifest } from '../../support/corpus.js';
import { loadCapture } from '../decode/corpus.js';
import { generatedFrames, otherLinkFrames, type TestFrame } from './frames.js';

const view = new PacketView();
const walk = new Walk();
const buf = new Uint8Array(70_000);

function disagreements(frames: readonly TestFrame[]): string[] {
  const out: string[] = [];
  for (const f of frames) {
    decodeFrame(view, f.data, f.data.length, f.wireLen, f.linkType);
    buf.set(f.data, 5);
    walk.start(buf, 5, f.data.length, f.wireLen, f.linkType, 0);
    for (const inner of [false, true]) {
      const want = sessionHash(view, inner);
      const got = walkSessionHash(walk, inner);
      if (got !== want && out.length < 5) out.push(`${f.what} (inner ${inner}): ${got} vs ${want}`);
    }
  }
  return out;
}

describe('walkSessionHash equals the decoder session hash', () => {
  const frames = generatedFrames(800, 21);
  it('generated frames of every link type', () => {
    expect(disagreements([...frames, ...otherLinkFrames(frames.slice(0, 200))])).toEqual([]);
  });
  it('every cut of generated frames', () => {
    const cuts: TestFrame[] = [];
    for (const f of frames.slice(0, 60))
      for (let n = 0; n <= f.data.length; n++)
        cuts.push({ ...f, data: f.data.subarray(0, n), what: `${f.what} cut at ${n}` });
    expect(disagreements(cuts)).toEqual([]);
  });
});

describe.skipIf(!HAVE_CORPUS)(`walkSessionHash on the corpus${CORPUS_NOTE}`, () => {
  it('every frame of every capture', async () => {
    const bad: string[] = [];
    for (const e of corpusManifest()) {
      const capture = await loadCapture(e.file);
      if (typeof capture === 'string') continue;
      bad.push(
        ...disagreements(
          capture.frames.map((f, i) => ({
            data: f.data.subarray(0, f.capLen),
            linkType: capture.linkType,
            wireLen: f.wireLen,
            what: `${e.file} #${i + 1}`,
          })),
        ),
      );
    }
    expect(bad).toEqual([]);
  }, 600_000);
});
