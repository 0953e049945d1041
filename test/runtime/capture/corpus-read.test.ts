import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CaptureError } from '../../../src/runtime/capture/errors.js';
import { openCapture } from '../../../src/runtime/capture/open.js';
import { CORPUS_DIR, CORPUS_NOTE, HAVE_CORPUS, corpusManifest } from '../../support/corpus.js';

// every capture file in the directory, listed in the manifest or not
const files = HAVE_CORPUS ? readdirSync(CORPUS_DIR).filter((f) => /\.pcap(ng)?$/i.test(f)) : [];
const manifest = new Map(corpusManifest().map((r) => [r.file, r]));

/** Reads to the end; returns the packet count, or the CaptureError that stopped it. */
function readAll(path: string): { packets: number; error?: CaptureError } {
  let packets = 0;
  try {
    const src = openCapture(path);
    while (src.readBatch(1000, () => packets++) > 0);
    expect(src.packetsRead).toBe(packets);
    expect(src.done).toBe(true);
    return { packets };
  } catch (e) {
    if (e instanceof CaptureError) return { packets, error: e };
    throw e;
  }
}

describe.skipIf(!HAVE_CORPUS)(`every corpus capture, malformed ones included${CORPUS_NOTE}`, () => {
  it.each(files)('%s reads without an exception other than CaptureError', (file) => {
    const r = readAll(join(CORPUS_DIR, file));
    const row = manifest.get(file);
    // Only malformed inputs may stop early, and then with a typed error naming the file.
    if (r.error) {
      expect(row?.categories).toContain('malformed');
      expect(r.error.message).toContain(file);
    } else if (row) {
      expect(r.packets).toBe(row.packets);
    }
  });

  it('reads the data bytes, not just the headers', () => {
    const src = openCapture(join(CORPUS_DIR, 'dns_udp.pcap'));
    const rec = src.next();
    expect(rec).not.toBeNull();
    // Ethernet/IPv4: ethertype 0x0800 at offset 12.
    expect([rec!.data[12], rec!.data[13]]).toEqual([0x08, 0x00]);
    expect(rec!.data.length).toBe(rec!.capLen);
  });
});
