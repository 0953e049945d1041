import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaptureWriter } from '../../../src/runtime/capture/capture-writer.js';
import { openCapture } from '../../../src/runtime/capture/open.js';
import type { CaptureFormat } from '../../../src/runtime/capture/record.js';
import { CORPUS_DIR, corpusManifest, type ManifestRow } from '../../support/corpus.js';
import { capinfosCount, requirements, tempDir, tsharkFrames } from '../../support/tools.js';

/*
 * Every non-malformed corpus capture (chosen by the manifest, so later
 * additions are covered) is read and written back as pcapng and, when it has
 * a single link type, as pcap; tshark must then see the same lengths,
 * timestamps and encapsulations as in the original.
 *
 * tshark takes ~0.4 s to start, so outputs are checked in bulk: the per-file
 * pcapng copies are concatenated into one multi-section pcapng, and the pcap
 * copies of each link type go into one pcap; each bulk file is read once and
 * its lines are split back per input file. tshark 4.0 resolves interface
 * names of later sections against the first one, so names are compared on
 * the per-file copy, for pcapng originals (pcap ones have no names).
 */
const rows = corpusManifest().filter((r) => !r.categories.includes('malformed'));
const tools = requirements({ tools: ['tshark', 'capinfos'], corpus: true });
const tmp = tempDir('tmesc-roundtrip-');
afterAll(tmp.cleanup);

const FIELDS = ['frame.encap_type', 'frame.interface_name'];
/** Columns of tsharkFrames(..., FIELDS): len, cap_len, time, encap, interface name. */
const PCAP_COLUMNS = 4;

interface FileCopy {
  row: ManifestRow;
  format: CaptureFormat;
  packets: number;
  pcapngPath: string;
  /** Link type of the bulk pcap holding this file's packets, if it has a single one. */
  pcapLinkType: number | undefined;
}

function readAll(
  row: ManifestRow,
  onRecord: Parameters<ReturnType<typeof openCapture>['readBatch']>[1],
): { format: CaptureFormat; packets: number } {
  const src = openCapture(join(CORPUS_DIR, row.file));
  let packets = 0;
  for (let n; (n = src.readBatch(256, onRecord)) > 0;) packets += n;
  expect(src.truncatedAt, row.file).toBeUndefined();
  return { format: src.format, packets };
}

function writeCopies(): { copies: FileCopy[]; pcapByLinkType: Map<number, { path: string; files: FileCopy[] }> } {
  const copies: FileCopy[] = [];
  const pcapWriters = new Map<number, CaptureWriter>();
  const pcapByLinkType = new Map<number, { path: string; files: FileCopy[] }>();
  for (const row of rows) {
    const pcapngPath = join(tmp.dir, `${row.file}.out.pcapng`);
    const w = new CaptureWriter(pcapngPath, { format: 'pcapng' });
    const linkTypes = new Set<number>();
    const { format, packets } = readAll(row, (rec) => {
      linkTypes.add(rec.linkType);
      w.writeRecord(rec);
    });
    w.close();
    const copy: FileCopy = { row, format, packets, pcapngPath, pcapLinkType: undefined };
    copies.push(copy);
    if (linkTypes.size !== 1) continue;
    const [lt] = linkTypes;
    let pw = pcapWriters.get(lt);
    if (!pw) {
      const path = join(tmp.dir, `linktype-${lt}.pcap`);
      pw = new CaptureWriter(path, { format: 'pcap', resolution: 'ns', linkType: lt });
      pcapWriters.set(lt, pw);
      pcapByLinkType.set(lt, { path, files: [] });
    }
    const bulk = pw;
    readAll(row, (rec) => bulk.writeRecord(rec));
    copy.pcapLinkType = lt;
    pcapByLinkType.get(lt)!.files.push(copy);
  }
  for (const w of pcapWriters.values()) w.close();
  return { copies, pcapByLinkType };
}

/** Lines of a bulk tshark listing, handed back per input file in order. */
function splitLines(listing: string, files: FileCopy[]): Map<string, string[]> {
  const lines = listing.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const out = new Map<string, string[]>();
  let at = 0;
  for (const f of files) {
    out.set(f.row.file, lines.slice(at, at + f.packets));
    at += f.packets;
  }
  expect(at).toBe(lines.length);
  return out;
}

function columns(lines: string[], n: number): string[] {
  return lines.map((l) => l.split('\t').slice(0, n).join('\t'));
}

describe.skipIf(tools.skip)(`corpus round trip through reader and writer${tools.note}`, () => {
  let copies = new Map<string, FileCopy>();
  let pcapngLines: Promise<Map<string, string[]>>;
  const pcapLines = new Map<number, Promise<Map<string, string[]>>>();

  beforeAll(() => {
    const written = writeCopies();
    copies = new Map(written.copies.map((c) => [c.row.file, c]));
    const all = join(tmp.dir, 'all-sections.pcapng');
    writeFileSync(all, Buffer.concat(written.copies.map((c) => readFileSync(c.pcapngPath))));
    pcapngLines = tsharkFrames(all, FIELDS).then((l) => splitLines(l, written.copies));
    for (const [lt, bulk] of written.pcapByLinkType) {
      pcapLines.set(
        lt,
        tsharkFrames(bulk.path, FIELDS).then((l) => splitLines(l, bulk.files)),
      );
    }
    // Keep unhandled-rejection noise out if a test fails before awaiting these.
    pcapngLines.catch(() => {});
    for (const p of pcapLines.values()) p.catch(() => {});
  });

  it('has captures to test', () => {
    expect(rows.length).toBeGreaterThan(50);
  });

  it.concurrent.each(rows.map((r) => [r.file, r] as const))('%s', async (file, row) => {
    const copy = copies.get(file)!;
    const input = join(CORPUS_DIR, file);
    expect(copy.packets).toBe(row.packets);
    expect(await capinfosCount(input)).toBe(row.packets);
    expect(await capinfosCount(copy.pcapngPath)).toBe(row.packets);

    const original = (await tsharkFrames(input, FIELDS)).split('\n').slice(0, row.packets);
    expect(columns((await pcapngLines).get(file)!, PCAP_COLUMNS)).toEqual(columns(original, PCAP_COLUMNS));
    if (copy.format === 'pcapng') {
      const alone = (await tsharkFrames(copy.pcapngPath, FIELDS)).split('\n').slice(0, row.packets);
      expect(alone).toEqual(original);
    }
    if (copy.pcapLinkType !== undefined) {
      const inPcap = (await pcapLines.get(copy.pcapLinkType)!).get(file)!;
      expect(columns(inPcap, PCAP_COLUMNS)).toEqual(columns(original, PCAP_COLUMNS));
    }
  });
});
