import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  WORD_COPY_MAX,
  dropAndType,
  putEditedRecords,
  putEditedRecordsFrom,
} from '../../../src/runtime/capture/edited-records.js';
import { CHUNK } from '../../../src/runtime/capture/read-ahead.js';
import type { ReaderOptions } from '../../../src/runtime/capture/source.js';
import { vlanTags } from '../../../src/runtime/mark/vlan-tags.js';
import { ToolOutput } from '../../../src/runtime/output/tool-output.js';
import { tempDir } from '../../support/tools.js';
import { type Input, readAll, rng, writeInput } from './records.js';

/**
 * Tagged and cut records (the tap's VLAN mark, truncate frame) copied in
 * runs from the reader's buffer, each edited as the run is copied
 * (ToolOutput.writeRecord with tags and a cut, putEditedRecords): the files
 * must be the ones the encoder writes record by record from the tagged copy
 * of the cut frame, byte for byte, wherever the records fall (across
 * read-ahead chunks, past the headroom, in slid and regrown synchronous
 * buffers), mixed with untagged and uncut records, and in pcapng (encoded).
 */
const tmp = tempDir('tmesc-edited-runs-');
afterAll(tmp.cleanup);

const ONE_TAG = vlanTags([{ kind: 'vlan', id: 100, priority: 0 }])!;
const TWO_TAGS = vlanTags([
  { kind: 'vlan', id: 100, priority: 5 },
  { kind: 'vlan', id: 4094, priority: 7 },
])!;

function output(name: string, format: 'pcap' | 'pcapng', nanosecond = false): ToolOutput {
  return new ToolOutput({
    path: join(tmp.dir, name),
    format,
    nanosecond,
    taps: [{ name: 't', snapLen: 262144, nanosecond }],
  });
}

/** What a record is written with: its tags (undefined: none) and cut (Infinity: none), or not written. */
type Edit = { tags: Uint8Array | undefined; cut: number; drop?: number; etherType?: number } | undefined;

/** The same records written as edited runs and by the encoder; both files and the counts. */
async function both(
  inp: Input,
  edit: (i: number, capLen: number) => Edit,
  options: ReaderOptions,
  format: 'pcap' | 'pcapng' = 'pcap',
): Promise<{ runs: Buffer; encoded: Buffer; written: number; tagged: number }> {
  const name = Math.random().toString(36).slice(2);
  const a = output(`runs-${name}.${format}`, format, inp.resolution === 'ns');
  const b = output(`enc-${name}.${format}`, format, inp.resolution === 'ns');
  let i = 0;
  let written = 0;
  let tagged = 0;
  await readAll(inp.path, { ...options, copyRuns: true, views: false }, (r) => {
    const e = edit(i++, r.capLen);
    if (!e) return;
    written++;
    const t = e.tags?.length ?? 0;
    if (t) tagged++;
    const d = e.drop ?? 0;
    expect(a.writeRecord(r, r.wireLen - d + t, 0, undefined, e.tags, e.cut, d, e.etherType)).toBe(true);
  });
  i = 0;
  await readAll(inp.path, {}, (r) => {
    const e = edit(i++, r.capLen);
    if (!e) return;
    const t = e.tags?.length ?? 0;
    const d = e.drop ?? 0;
    // strip's way: a copy without the dropped bytes, then the cut
    const stripped = d ? Uint8Array.from([...r.data.subarray(0, 12), ...r.data.subarray(12 + d)]) : r.data;
    // an MPLS stack's: the EtherType in front of it names the packet after it
    if (e.etherType) stripped.set([e.etherType >>> 8, e.etherType & 0xff], 12);
    const data = stripped.length > e.cut ? stripped.subarray(0, e.cut) : stripped;
    if (e.tags) b.writeTagged(data, e.tags, r.tsSec, r.tsNsec, r.wireLen - d + t, r.linkType, 0, undefined);
    else b.write(data, r.tsSec, r.tsNsec, r.wireLen - d, r.linkType, 0, undefined);
  });
  await a.close();
  await b.close();
  expect(a.packets).toBe(written);
  expect(a.bytes).toBe(b.bytes);
  return { runs: readFileSync(a.path), encoded: readFileSync(b.path), written, tagged };
}

/** Tags only where the frame kept has its addresses and type (the mark's rule: 14 bytes). */
const tagIf = (tags: Uint8Array, cut: number) => (capLen: number) =>
  Math.min(capLen, cut) >= 14 ? { tags, cut } : { tags: undefined, cut };

describe('pcap outputs copying runs of tagged and cut records', () => {
  const big = writeInput(join(tmp.dir, 'big.pcap'), 1, 6 * CHUNK, true);
  const ns = writeInput(join(tmp.dir, 'ns.pcap'), 3, CHUNK, false, 'ns');
  const edits: [string, (i: number, capLen: number) => Edit][] = [
    ['every record tagged', (_i, n) => tagIf(ONE_TAG, Infinity)(n)],
    ['every record tagged and cut to 128', (_i, n) => tagIf(ONE_TAG, 128)(n)],
    ['two tags, cut to 14', (_i, n) => tagIf(TWO_TAGS, 14)(n)],
    ['cut to 60, untagged', () => ({ tags: undefined, cut: 60 })],
    [
      'tagged, plain and cut records mixed, some left out',
      (i, n) => {
        const rnd = rng(i + 1)(8);
        return rnd === 0
          ? undefined
          : rnd < 3
            ? { tags: undefined, cut: Infinity }
            : rnd < 5
              ? tagIf(ONE_TAG, 100)(n)
              : tagIf(ONE_TAG, Infinity)(n);
      },
    ],
    [
      'VLAN tags dropped (strip) on some records, tagged and cut',
      (i, n) => {
        const drop = n >= 30 ? [0, 4, 8][i % 3] : 0;
        const e = tagIf(ONE_TAG, i % 5 ? 128 : Infinity)(n - drop);
        return { ...e, drop };
      },
    ],
    ['VLAN tags dropped, untagged, uncut', (_i, n) => ({ tags: undefined, cut: Infinity, drop: n >= 20 ? 4 : 0 })],
    [
      'MPLS stacks dropped (strip), a new EtherType written, VLAN tags dropped on others, tagged and cut',
      (i, n) => {
        const mpls = n >= 40 && i % 4 !== 0;
        const drop = n >= 40 ? [0, 4, 8, 12][i % 4] : 0;
        const e = tagIf(ONE_TAG, i % 3 ? 128 : Infinity)(n - drop);
        return { ...e, drop, etherType: mpls ? [0x0800, 0x86dd][i % 2] : undefined };
      },
    ],
    ['one in fifty, tagged', (i, n) => (i % 50 === 0 ? tagIf(ONE_TAG, Infinity)(n) : undefined)],
  ];

  for (const [what, edit] of edits) {
    it(`${what}, read ahead across 1 MiB chunks (records past the headroom, one past a chunk): the encoder's bytes`, async () => {
      const r = await both(big, edit, { readAhead: true });
      expect(r.runs.equals(r.encoded)).toBe(true);
      expect(r.written).toBeGreaterThan(0);
    });

    it(`${what}, through a small synchronous read buffer (slides and regrowth): the encoder's bytes`, async () => {
      const r = await both(big, edit, { bufferSize: 4096 });
      expect(r.runs.equals(r.encoded)).toBe(true);
    });
  }

  it('nanosecond records, and pcapng outputs (encoded from the record): the encoder bytes', async () => {
    const same = await both(ns, (i, n) => tagIf(ONE_TAG, i % 2 ? 128 : Infinity)(n), { readAhead: true });
    expect(same.runs.equals(same.encoded)).toBe(true);
    expect(same.tagged).toBeGreaterThan(0);
    const ng = await both(big, (i, n) => tagIf(TWO_TAGS, i % 3 ? 128 : Infinity)(n), { readAhead: true }, 'pcapng');
    expect(ng.runs.equals(ng.encoded)).toBe(true);
    const ngDrop = await both(big, (i, n) => ({ ...tagIf(ONE_TAG, 128)(n - 4), drop: n >= 30 ? 4 : 0 }), {}, 'pcapng');
    expect(ngDrop.runs.equals(ngDrop.encoded)).toBe(true);
  });

  it('snapped records (captured shorter than on the wire) keep their wire length, plus the tags', async () => {
    // writeInput's records are snapped: wire = captured + i % 3
    const r = await both(big, (_i, n) => tagIf(ONE_TAG, 128)(n), { readAhead: true });
    let snapped = 0;
    for (let p = 24; p < r.runs.length;) {
      const cap = r.runs.readUInt32LE(p + 8);
      if (r.runs.readUInt32LE(p + 12) > cap) snapped++;
      p += 16 + cap;
    }
    expect(snapped).toBeGreaterThan(r.written / 2);
    expect(r.runs.equals(r.encoded)).toBe(true);
  });
});

describe('putEditedRecords', () => {
  /** Records of the given sizes, one after the other, as a reader's buffer holds them. */
  function run(sizes: number[]): Uint8Array {
    const out = new Uint8Array(sizes.reduce((s, n) => s + 16 + n, 0));
    let p = 0;
    sizes.forEach((n, i) => {
      const dv = new DataView(out.buffer, p, 16);
      dv.setUint32(0, 1000 + i, true);
      dv.setUint32(4, 7 * i, true);
      dv.setUint32(8, n, true);
      dv.setUint32(12, n + i, true);
      for (let j = 0; j < n; j++) out[p + 16 + j] = (i * 31 + j) & 0xff;
      p += 16 + n;
    });
    return out;
  }

  /** The same records edited one at a time into a fresh buffer. */
  function expected(
    src: Uint8Array,
    packets: number,
    tags: Uint8Array | undefined,
    cut: number,
    drop: number,
    etherType = 0,
  ): Uint8Array {
    const parts: number[] = [];
    const t = tags?.length ?? 0;
    for (let p = 0, i = 0; i < packets; i++) {
      const dv = new DataView(src.buffer, src.byteOffset + p, 16);
      const cap = dv.getUint32(8, true);
      const keep = Math.min(cap - drop, cut);
      const h = new Uint8Array(16);
      const hv = new DataView(h.buffer);
      hv.setUint32(0, dv.getUint32(0, true), true);
      hv.setUint32(4, dv.getUint32(4, true), true);
      hv.setUint32(8, keep + t, true);
      hv.setUint32(12, dv.getUint32(12, true) - drop + t, true);
      parts.push(
        ...h,
        ...src.subarray(p + 16, p + 28),
        ...(tags ?? []),
        ...src.subarray(p + 28 + drop, p + 16 + drop + keep),
      );
      // the EtherType after the addresses and tags, as far as the cut keeps it
      const at = parts.length - (keep - 12);
      if (etherType !== 0 && keep > 12) parts[at] = etherType >>> 8;
      if (etherType !== 0 && keep > 13) parts[at + 1] = etherType & 0xff;
      p += 16 + cap;
    }
    return Uint8Array.from(parts);
  }

  it('edits every record of a run in place, whatever the sizes, the tags and the cut, leaving the bytes around it', () => {
    const rnd = rng(17);
    for (let k = 0; k < 200; k++) {
      const sizes = Array.from({ length: 1 + rnd(40) }, () => (rnd(4) === 0 ? 22 + rnd(20) : 22 + rnd(1600)));
      const src = run(sizes);
      const tags = [undefined, ONE_TAG, TWO_TAGS][rnd(3)];
      const cut = rnd(3) === 0 ? Infinity : 14 + rnd(200);
      const drop = [0, 0, 4, 8][rnd(4)];
      const want = expected(src, sizes.length, tags, cut, drop);
      const pos = rnd(64);
      const dst = new Uint8Array(pos + src.length + (tags?.length ?? 0) * sizes.length + 32).fill(0xee);
      const n = putEditedRecords(dst, new DataView(dst.buffer), pos, src, sizes.length, tags, cut, drop);
      expect(n).toBe(want.length);
      expect(Buffer.from(dst.subarray(pos, pos + n)).equals(Buffer.from(want))).toBe(true);
      expect(dst.subarray(0, pos).every((b) => b === 0xee)).toBe(true);
    }
  });

  it('with offsets and a drop per record: the records named, each with its own drop, the ones between left out', () => {
    const rnd = rng(23);
    for (let k = 0; k < 200; k++) {
      const sizes = Array.from({ length: 1 + rnd(40) }, () => (rnd(4) === 0 ? 22 + rnd(20) : 22 + rnd(1600)));
      const src = run(sizes);
      const tags = [undefined, ONE_TAG, TWO_TAGS][rnd(3)];
      const cut = rnd(3) === 0 ? Infinity : 14 + rnd(200);
      // every record's header offset, then a subset of them (the first always: a run starts at its first record)
      const all: number[] = [];
      for (let p = 0, i = 0; i < sizes.length; p += 16 + sizes[i], i++) all.push(p);
      const kept = all.map((_, i) => i).filter((i) => i === 0 || rnd(3) !== 0);
      const drops = kept.map(() => [0, 4, 8][rnd(3)]);
      // some drops take an MPLS stack and write a new EtherType (IPv6's sets the sign bit of an Int32)
      const types = drops.map((d) => (d !== 0 && rnd(2) === 0 ? [0x0800, 0x86dd][rnd(2)] : 0));
      const want = Uint8Array.from(
        kept.flatMap((i, j) => [...expected(src.subarray(all[i]), 1, tags, cut, drops[j], types[j])]),
      );
      const pos = rnd(64);
      const dst = new Uint8Array(pos + src.length + (tags?.length ?? 0) * kept.length + 32).fill(0xee);
      const n = putEditedRecords(
        dst,
        new DataView(dst.buffer),
        pos,
        src,
        kept.length,
        tags,
        cut,
        0,
        Int32Array.from(kept.map((i) => all[i])),
        Int32Array.from(drops.map((d, j) => (types[j] === 0 ? d : dropAndType(d, types[j])))),
      );
      expect(n).toBe(want.length);
      expect(Buffer.from(dst.subarray(pos, pos + n)).equals(Buffer.from(want))).toBe(true);
      expect(dst.subarray(0, pos).every((b) => b === 0xee)).toBe(true);
    }
  });

  it('from a view of the reader buffer: runs of records kept short written from it as the copy and the moves write them', () => {
    const rnd = rng(29);
    let short = 0;
    for (let k = 0; k < 600; k++) {
      // runs of short frames only (acknowledgements, DNS) and of mixed ones
      const small = rnd(3) === 0;
      const sizes = Array.from({ length: 1 + rnd(small ? 4 : 30) }, () =>
        small || rnd(4) === 0 ? 14 + rnd(WORD_COPY_MAX + 20) : 14 + rnd(1600),
      );
      const records = run(sizes);
      // the run at the end of a larger buffer (a read past its last record would throw), not at its start
      const at = rnd(100);
      const buffer = new ArrayBuffer(at + records.length);
      const src = new Uint8Array(buffer, at, records.length);
      src.set(records);
      const tags = [undefined, ONE_TAG, TWO_TAGS][rnd(3)];
      // cuts about the short way's limit, and (untagged) cuts short of the addresses
      const cut =
        tags === undefined && rnd(4) === 0
          ? 1 + rnd(14)
          : [Infinity, 14 + rnd(WORD_COPY_MAX + 20)][rnd(4) === 0 ? 0 : 1];
      const all: number[] = [];
      for (let p = 0, i = 0; i < sizes.length; p += 16 + sizes[i], i++) all.push(p);
      const dense = rnd(3) === 0;
      const kept = dense ? all.map((_, i) => i) : all.map((_, i) => i).filter((i) => i === 0 || rnd(3) !== 0);
      // drops and leads the records can give (a frame keeps at least its addresses after them)
      const drops = kept.map((i) => (sizes[i] >= 30 ? [0, 4, 8][rnd(3)] : 0));
      const types = drops.map((d) => (d !== 0 && rnd(2) === 0 ? [0x0800, 0x86dd][rnd(2)] : 0));
      const leads = kept.map((i, j) => (rnd(4) === 0 && sizes[i] >= 30 + drops[j] + 20 ? 1 + rnd(16) : 0));
      const packed = Int32Array.from(drops.map((d, j) => (types[j] === 0 ? d : dropAndType(d, types[j]))));
      const offsets = dense && rnd(2) === 0 ? undefined : Int32Array.from(kept.map((i) => all[i]));
      const leadsOf = leads.some((l) => l !== 0) ? Int32Array.from(leads) : undefined;
      const edit = (from: boolean) => {
        const dst = new Uint8Array(src.length + (tags?.length ?? 0) * kept.length + 64).fill(0xee);
        const dv = new DataView(dst.buffer);
        const n = from
          ? putEditedRecordsFrom(
              dst,
              dv,
              16,
              new DataView(buffer),
              at,
              src.length,
              kept.length,
              tags,
              cut,
              0,
              offsets,
              packed,
              leadsOf,
            )
          : putEditedRecords(dst, dv, 16, src, kept.length, tags, cut, 0, offsets, packed, leadsOf);
        return dst.subarray(0, 16 + n);
      };
      const moved = edit(false);
      const direct = edit(true);
      if (cut <= WORD_COPY_MAX || kept.every((i, j) => sizes[i] - drops[j] - leads[j] <= WORD_COPY_MAX)) short++;
      expect(direct.length).toBe(moved.length);
      expect(Buffer.from(direct).equals(Buffer.from(moved))).toBe(true);
    }
    expect(short).toBeGreaterThan(300);
  });
});
