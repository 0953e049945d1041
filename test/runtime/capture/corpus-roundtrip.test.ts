import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CaptureWriter } from '../../../src/runtime/capture/capture-writer.js';
import { openCapture } from '../../../src/runtime/capture/open.js';
import type { CaptureFormat } from '../../../src/runtime/capture/record.js';
import { CORPUS_DIR, capinfosCount, corpusManifest, missingTools, tempDir, tsharkFrames } from './support/tools.js';

// Rows come from the manifest, so captures added to the corpus later are covered too.
const rows = corpusManifest().filter((r) => !r.categories.includes('malformed'));
const tools = missingTools('tshark', 'capinfos');
const tmp = tempDir('tmesc-roundtrip-');
afterAll(tmp.cleanup);

interface Copy {
  format: CaptureFormat;
  packets: number;
  linkTypes: Set<number>;
}

function copy(input: string, output: string, format: CaptureFormat): Copy {
  const src = openCapture(input);
  const w = new CaptureWriter(output, { format, resolution: 'ns' });
  const linkTypes = new Set<number>();
  let packets = 0;
  try {
    for (let rec = src.next(); rec; rec = src.next()) {
      linkTypes.add(rec.linkType);
      w.writeRecord(rec);
      packets++;
    }
    w.close();
  } catch (e) {
    w.abort();
    throw e;
  }
  expect(src.truncatedAt).toBeUndefined();
  return { format: src.format, packets, linkTypes };
}

describe.skipIf(tools.skip)(`corpus round trip through reader and writer${tools.note}`, () => {
  it('has captures to test', () => {
    expect(rows.length).toBeGreaterThan(50);
  });

  it.concurrent.each(rows.map((r) => [r.file, r] as const))('%s', async (_name, row) => {
    const input = join(CORPUS_DIR, row.file);
    const base = join(tmp.dir, row.file);
    const ng = copy(input, `${base}.out.pcapng`, 'pcapng');
    expect(ng.packets).toBe(row.packets);
    expect(await capinfosCount(input)).toBe(row.packets);

    // Encapsulation (and pcapng interface name) per packet show that each interface kept its link type.
    const extra = ['frame.encap_type', ...(ng.format === 'pcapng' ? ['frame.interface_name'] : [])];
    const original = await tsharkFrames(input, extra);
    expect(await tsharkFrames(`${base}.out.pcapng`, extra)).toBe(original);
    expect(await capinfosCount(`${base}.out.pcapng`)).toBe(row.packets);

    // pcap holds a single link type; multi-link-type pcapng inputs are covered by the pcapng copy.
    if (ng.linkTypes.size <= 1) {
      copy(input, `${base}.out.pcap`, 'pcap');
      const plain = await tsharkFrames(input, ['frame.encap_type']);
      expect(await tsharkFrames(`${base}.out.pcap`, ['frame.encap_type'])).toBe(plain);
      expect(await capinfosCount(`${base}.out.pcap`)).toBe(row.packets);
    }
  });
});
