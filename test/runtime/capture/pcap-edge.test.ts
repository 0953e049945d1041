import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CaptureError } from '../../../src/runtime/capture/errors.js';
import { openCapture } from '../../../src/runtime/capture/open.js';
import type { PacketRecord } from '../../../src/runtime/capture/record.js';
import { frame, pcapFile } from './support/synth.js';
import { lines, missingTools, tempDir, tsharkFrames } from '../../support/tools.js';

const tmp = tempDir('tmesc-pcap-edge-');
afterAll(tmp.cleanup);

function put(name: string, bytes: Uint8Array): string {
  const path = join(tmp.dir, name);
  writeFileSync(path, bytes);
  return path;
}

type Copied = Omit<PacketRecord, 'data'> & { data: number[] };

/** Copies the fields of every record (the reader reuses one record object). */
function records(path: string, bufferSize?: number): Copied[] {
  const src = openCapture(path, { bufferSize });
  const out: Copied[] = [];
  for (let r = src.next(); r; r = src.next()) out.push({ ...r, data: Array.from(r.data) });
  return out;
}

const twoPackets = [
  { sec: 1_700_000_000, frac: 123_456, data: frame(60, 1) },
  { sec: 1_700_000_001, frac: 999_999, data: frame(1514, 2), wireLen: 1600 },
];

describe('pcap reader', () => {
  it('reads big-endian and little-endian files alike', () => {
    for (const le of [true, false]) {
      const recs = records(put(`order-${le}.pcap`, pcapFile({ le }, twoPackets)));
      expect(recs.map((r) => [r.packetNumber, r.tsSec, r.tsNsec, r.capLen, r.wireLen, r.linkType])).toEqual([
        [1, 1_700_000_000, 123_456_000, 60, 60, 1],
        [2, 1_700_000_001, 999_999_000, 1514, 1600, 1],
      ]);
      expect(recs[1].data).toEqual(Array.from(frame(1514, 2)));
    }
  });

  it('keeps nanoseconds from a nanosecond-magic file', () => {
    const path = put(
      'nano.pcap',
      pcapFile({ le: true, nanosecond: true }, [{ sec: 5, frac: 123_456_789, data: frame(42, 0) }]),
    );
    expect(records(path).map((r) => [r.tsSec, r.tsNsec])).toEqual([[5, 123_456_789]]);
  });

  it('takes the link type from the header, ignoring the FCS bits above it', () => {
    const path = put('sll.pcap', pcapFile({ le: false, linkType: 113 | (1 << 28) | (4 << 29) }, [twoPackets[0]]));
    const src = openCapture(path);
    expect(src.interfaces.map((i) => i.linkType)).toEqual([113]);
    expect(src.next()?.linkType).toBe(113);
  });

  it('stops at a truncated last record and reports it instead of throwing', () => {
    const whole = pcapFile({ le: true }, twoPackets);
    const path = put('truncated.pcap', whole.subarray(0, whole.length - 100));
    const src = openCapture(path);
    const seen: number[] = [];
    expect(src.readBatch(10, (r) => seen.push(r.packetNumber))).toBe(1);
    expect(seen).toEqual([1]);
    expect(src.readBatch(10, () => {})).toBe(0);
    expect(src.truncatedAt).toEqual({
      packetNumber: 2,
      byteOffset: 24 + 16 + 60,
      bytesPresent: 16 + 1514 - 100,
      bytesNeeded: 16 + 1514,
    });
    expect(src.warningCount).toBe(1);
    expect(src.warnings[0].kind).toBe('truncated');
  });

  it('reports a truncated record header the same way', () => {
    const whole = pcapFile({ le: true }, twoPackets);
    const src = openCapture(put('truncated-header.pcap', whole.subarray(0, 24 + 16 + 60 + 7)));
    expect(src.readBatch(10, () => {})).toBe(1);
    expect(src.truncatedAt?.packetNumber).toBe(2);
  });

  it('reads a 200 KiB record, also through a buffer smaller than the record', () => {
    const big = frame(200 * 1024, 7);
    const path = put(
      'big.pcap',
      pcapFile({ le: true }, [twoPackets[0], { sec: 1, frac: 0, data: big }, twoPackets[1]]),
    );
    for (const bufferSize of [undefined, 64 * 1024, 1000]) {
      const recs = records(path, bufferSize);
      expect(recs.map((r) => r.capLen)).toEqual([60, 200 * 1024, 1514]);
      expect(recs[1].data).toEqual(Array.from(big));
      expect(recs[2].data).toEqual(Array.from(frame(1514, 2)));
    }
  });

  it('rejects a record longer than 256 KiB with a CaptureError naming file and packet', () => {
    const bytes = pcapFile({ le: true }, [twoPackets[0], { sec: 1, frac: 0, data: frame(10, 0), capLen: 300_000 }]);
    const path = put('absurd.pcap', bytes);
    const src = openCapture(path);
    expect(src.next()?.packetNumber).toBe(1);
    let err: unknown;
    try {
      src.next();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CaptureError);
    const ce = err as CaptureError;
    expect(ce.code).toBe('bad-record');
    expect(ce.packetNumber).toBe(2);
    expect(ce.byteOffset).toBe(24 + 16 + 60);
    expect(ce.message).toContain(path);
    expect(ce.message).toContain('packet 2');
  });

  it('refuses a record longer than the snaplen: no capture could have written it', () => {
    const path = put('over-snaplen.pcap', pcapFile({ le: true, snapLen: 100 }, twoPackets));
    const src = openCapture(path);
    expect(src.next()?.packetNumber).toBe(1);
    expect(() => src.next()).toThrowError(
      `${path}: record claims 1514 captured bytes, more than the file's snapshot length of 100: its length is corrupt (packet 2, byte offset 100)`,
    );
  });

  it('applies the snaplen as libpcap does: 0, or above the maximum, means the maximum', () => {
    for (const snapLen of [0, 2098998, 0x80000000]) {
      const src = openCapture(put(`snaplen-${snapLen}.pcap`, pcapFile({ le: true, snapLen }, twoPackets)));
      expect(src.readBatch(10, () => {})).toBe(2);
    }
  });

  it('rejects a bad magic number with a CaptureError naming the file', () => {
    const path = put('not-a-capture.pcap', new TextEncoder().encode('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    expect(() => openCapture(path)).toThrowError(CaptureError);
    expect(() => openCapture(path)).toThrowError(`${path}: not a pcap or pcapng file`);
  });

  it('detects the format by magic number, not by file name', () => {
    const path = put('actually-pcap.pcapng', pcapFile({ le: true }, twoPackets));
    expect(openCapture(path).format).toBe('pcap');
  });

  it('rejects an empty file, a truncated file header and a missing file with CaptureError', () => {
    const cases = [
      put('empty.pcap', new Uint8Array(0)),
      put('short.pcap', pcapFile({ le: true }, []).subarray(0, 10)),
      join(tmp.dir, 'missing.pcap'),
    ];
    for (const path of cases) {
      expect(() => openCapture(path)).toThrowError(CaptureError);
    }
  });

  it('says an empty file is empty, and a file that ends inside its first header where, naming the file', () => {
    const cases: [string, Uint8Array, string][] = [
      ['empty.pcap', new Uint8Array(0), 'empty file (0 bytes): no packet was read'],
      [
        'two-bytes.pcap',
        pcapFile({ le: true }, []).subarray(0, 2),
        'the file ends after 2 bytes, inside its magic number (4 bytes): no packet was read',
      ],
      [
        'cut-header.pcap',
        pcapFile({ le: true }, []).subarray(0, 10),
        'the file ends after 10 bytes, inside its pcap file header (24 bytes): no packet was read',
      ],
      [
        'cut-section.pcapng',
        Uint8Array.from([0x0a, 0x0d, 0x0d, 0x0a, 0x1c, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a]),
        'the file ends after 12 bytes, inside its pcapng section header (28 bytes at least): no packet was read',
      ],
    ];
    for (const [name, bytes, detail] of cases) {
      const path = put(name, bytes);
      expect(() => openCapture(path)).toThrowError(`${path}: ${detail} (byte offset 0)`);
    }
    let code: string | undefined;
    try {
      openCapture(join(tmp.dir, 'empty.pcap'));
    } catch (e) {
      code = (e as CaptureError).code;
    }
    expect(code).toBe('empty');
  });

  it('reads a header-only file as zero packets', () => {
    const src = openCapture(put('header-only.pcap', pcapFile({ le: false }, [])));
    expect(src.next()).toBeNull();
    expect(src.done).toBe(true);
    expect(src.truncatedAt).toBeUndefined();
  });

  it('hands out views into its buffer: one record object, data valid until the next call', () => {
    const src = openCapture(put('views.pcap', pcapFile({ le: true }, twoPackets)));
    const a = src.next();
    const first = a?.data;
    const b = src.next();
    expect(b).toBe(a);
    expect(first?.buffer).toBe(b?.data.buffer);
  });
});

const tools = missingTools('tshark');
describe.skipIf(tools.skip)(`hand-made pcaps agree with tshark${tools.note}`, () => {
  it.each([
    ['big-endian', { le: false }],
    ['nanosecond', { le: true, nanosecond: true }],
  ] as const)('%s', async (name, opts) => {
    const path = put(`tshark-${name}.pcap`, pcapFile(opts, twoPackets));
    const ours = records(path).map((r) => `${r.wireLen}\t${r.capLen}\t${r.tsSec}.${String(r.tsNsec).padStart(9, '0')}`);
    expect(lines(await tsharkFrames(path))).toEqual(ours);
  });
});
