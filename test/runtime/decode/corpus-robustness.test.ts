/**
 * Every frame of every corpus capture, malformed ones and undecoded link
 * types included, whole and cut at every length over its first bytes: no
 * throw, and the view invariants hold.
 */
import { describe, expect, it } from 'vitest';
import { decodeFrame } from '../../../src/runtime/decode/decode.js';
import { PacketView } from '../../../src/runtime/decode/view.js';
import { CORPUS_NOTE, HAVE_CORPUS, corpusManifest } from '../../support/corpus.js';
import { loadCapture } from './corpus.js';
import { brokenInvariants } from './helpers.js';

/** Headers live at the front; cutting deeper only re-tests payload bytes. */
const CUT_SPAN = 160;

const entries = corpusManifest();

describe.skipIf(!HAVE_CORPUS)(`every corpus frame decodes without throwing${CORPUS_NOTE}`, () => {
  it('has captures to test', () => {
    expect(entries.length).toBeGreaterThan(50);
  });

  it.each(entries.map((e) => [e.file]))('%s', async (file) => {
    const capture = await loadCapture(file);
    if (typeof capture === 'string') {
      console.warn(`skipped ${file}: ${capture}`);
      return;
    }
    const view = new PacketView();
    const broken: string[] = [];
    capture.frames.forEach((f, i) => {
      decodeFrame(view, f.data, f.capLen, f.wireLen, capture.linkType);
      for (const b of brokenInvariants(view, f.capLen)) broken.push(`#${i + 1}: ${b}`);
      const span = Math.min(f.capLen, CUT_SPAN);
      for (let cut = 0; cut < span; cut++) {
        decodeFrame(view, f.data, cut, f.wireLen, capture.linkType);
        for (const b of brokenInvariants(view, cut)) broken.push(`#${i + 1} cut at ${cut}: ${b}`);
      }
    });
    expect(broken.slice(0, 10)).toEqual([]);
  });
});
