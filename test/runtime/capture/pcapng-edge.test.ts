import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CaptureError } from '../../../src/runtime/capture/errors.js';
import { captureInterfaces, listLinkTypes, openCapture } from '../../../src/runtime/capture/open.js';
import { concat, frame, ng, split64, textOpt } from './support/synth.js';
import { lines, missingTools, tempDir, tsharkFrames } from '../../support/tools.js';

const tmp = tempDir('tmesc-pcapng-edge-');
afterAll(tmp.cleanup);

function put(name: string, bytes: Uint8Array): string {
  const path = join(tmp.dir, name);
  writeFileSync(path, bytes);
  return path;
}

interface Seen {
  n: number;
  sec: number;
  nsec: number;
  cap: number;
  wire: number;
  lt: number;
  ifid: number;
  name: string | undefined;
  comment: string | undefined;
  first: number;
}

function readAll(path: string): Seen[] {
  const src = openCapture(path);
  const out: Seen[] = [];
  src.readBatch(Infinity, (r) =>
    out.push({
      n: r.packetNumber,
      sec: r.tsSec,
      nsec: r.tsNsec,
      cap: r.capLen,
      wire: r.wireLen,
      lt: r.linkType,
      ifid: r.interfaceId,
      name: r.interfaceName,
      comment: r.comment,
      first: r.data[0],
    }),
  );
  return out;
}

const SEC = 1_700_000_000n;
const tsresol = (v: number): [number, Uint8Array] => [9, Uint8Array.of(v)];

/** Interface 0: nanoseconds, Ethernet, named; interface 1: 2^-10 s, raw IP. */
function resolutionFile(le: boolean): Uint8Array {
  return concat(
    ng.shb(le),
    ng.idb(le, 1, 65535, [textOpt(2, 'eth0'), textOpt(3, 'uplink'), tsresol(9)]),
    ng.idb(le, 101, 0, [tsresol(0x80 | 10)]),
    ng.epb(le, 0, ...split64(SEC * 1_000_000_000n + 123_456_789n), frame(60, 1)),
    ng.epb(le, 1, ...split64(SEC * 1024n + 513n), frame(40, 2), 1500, [textOpt(1, 'hello, ünïcode')]),
    ng.epb(le, 0, ...split64(SEC * 1_000_000_000n + 999_999_999n), frame(61, 3)),
  );
}

describe('pcapng reader', () => {
  it('converts if_tsresol 10^-9 and 2^-10 timestamps exactly (rounding the fraction down)', () => {
    for (const le of [true, false]) {
      const seen = readAll(put(`resol-${le}.pcapng`, resolutionFile(le)));
      expect(seen.map((s) => [s.n, s.sec, s.nsec, s.lt, s.ifid, s.name])).toEqual([
        [1, 1_700_000_000, 123_456_789, 1, 0, 'eth0'],
        [2, 1_700_000_000, 500_976_562, 101, 1, undefined],
        [3, 1_700_000_000, 999_999_999, 1, 0, 'eth0'],
      ]);
      expect(seen[1].comment).toBe('hello, ünïcode');
      expect(seen[0].comment).toBeUndefined();
      expect(seen[2].comment).toBeUndefined();
      expect([seen[1].cap, seen[1].wire, seen[1].first]).toEqual([40, 1500, 2]);
    }
  });

  it('describes interfaces with names, descriptions and resolutions', () => {
    const path = put('ifaces.pcapng', resolutionFile(true));
    expect(
      captureInterfaces(path).map((i) => [
        i.id,
        i.linkType,
        i.snapLen,
        i.name,
        i.description,
        i.tsResolBase,
        i.tsResolExp,
      ]),
    ).toEqual([
      [0, 1, 65535, 'eth0', 'uplink', 10, 9],
      [1, 101, 0, undefined, undefined, 2, 10],
    ]);
    expect(listLinkTypes(path)).toEqual([1, 101]);
  });

  it('applies if_tsoffset and defaults to microseconds', () => {
    const offset = new Uint8Array(8);
    new DataView(offset.buffer).setBigInt64(0, 1000n, true);
    const path = put(
      'offset.pcapng',
      concat(ng.shb(true), ng.idb(true, 1, 0, [[14, offset]]), ng.epb(true, 0, ...split64(5_000_001n), frame(20, 0))),
    );
    expect(readAll(path).map((s) => [s.sec, s.nsec])).toEqual([[1005, 1000]]);
  });

  it('reads several sections of different byte orders, each with its own interfaces', () => {
    const path = put(
      'sections.pcapng',
      concat(
        ng.shb(true),
        ng.idb(true, 1, 0),
        ng.epb(true, 0, 0, 1_000_000, frame(30, 1)),
        ng.shb(false),
        ng.idb(false, 113, 0),
        ng.idb(false, 1, 0, [textOpt(2, 'second')]),
        ng.epb(false, 1, 0, 2_000_000, frame(31, 2)),
        ng.epb(false, 0, 0, 3_000_000, frame(32, 3)),
      ),
    );
    expect(readAll(path).map((s) => [s.n, s.sec, s.lt, s.ifid, s.name, s.cap])).toEqual([
      [1, 1, 1, 0, undefined, 30],
      [2, 2, 1, 1, 'second', 31],
      [3, 3, 113, 0, undefined, 32],
    ]);
    expect(captureInterfaces(path).map((i) => [i.section, i.id, i.linkType])).toEqual([
      [0, 0, 1],
      [1, 0, 113],
      [1, 1, 1],
    ]);
  });

  it('reads simple and obsolete packet blocks and skips NRB, ISB, DSB and custom blocks', () => {
    const path = put(
      'blocks.pcapng',
      concat(
        ng.shb(true),
        ng.idb(true, 1, 50),
        ng.other(true, 4, Uint8Array.of(1, 0, 4, 0, 10, 0, 0, 1, 0, 0, 0, 0)),
        ng.spb(true, frame(50, 4), 70),
        ng.opb(true, 0, 0, 7_000_000, frame(20, 5), [textOpt(1, 'old')]),
        ng.other(true, 5, new Uint8Array(12)),
        ng.other(true, 10, new Uint8Array(8)),
        ng.other(true, 0x00000bad, new Uint8Array(8)),
        ng.epb(true, 0, 0, 8_000_000, frame(10, 6)),
      ),
    );
    expect(readAll(path).map((s) => [s.n, s.sec, s.cap, s.wire, s.first, s.comment])).toEqual([
      [1, 0, 50, 70, 4, undefined],
      [2, 7, 20, 20, 5, 'old'],
      [3, 8, 10, 10, 6, undefined],
    ]);
  });

  it('stops at a truncated last block and reports where', () => {
    const good = concat(ng.shb(true), ng.idb(true, 1, 0), ng.epb(true, 0, 0, 1, frame(60, 1)));
    const last = ng.epb(true, 0, 0, 2, frame(60, 2));
    const src = openCapture(put('trunc.pcapng', concat(good, last.subarray(0, 50))));
    expect(src.readBatch(10, () => {})).toBe(1);
    expect(src.next()).toBeNull();
    expect(src.truncatedAt).toEqual({ packetNumber: 2, byteOffset: good.length, bytesPresent: 50, bytesNeeded: 92 });
  });

  it('throws CaptureError for a corrupt block length, an unknown interface and a caplen beyond its block', () => {
    const head = concat(ng.shb(true), ng.idb(true, 1, 0));
    const badLen = ng.epb(true, 0, 0, 1, frame(8, 0));
    new DataView(badLen.buffer).setUint32(4, 13, true);
    const badIf = ng.epb(true, 3, 0, 1, frame(8, 0));
    const badCap = ng.epb(true, 0, 0, 1, frame(8, 0));
    new DataView(badCap.buffer).setUint32(20, 4000, true);
    for (const [name, block, code] of [
      ['len', badLen, 'bad-block'],
      ['iface', badIf, 'bad-interface'],
      ['cap', badCap, 'bad-block'],
    ] as const) {
      const path = put(`corrupt-${name}.pcapng`, concat(head, block));
      const src = openCapture(path);
      let err: unknown;
      try {
        src.next();
      } catch (e) {
        err = e;
      }
      expect(err, name).toBeInstanceOf(CaptureError);
      expect((err as CaptureError).code).toBe(code);
      expect((err as CaptureError).packetNumber).toBe(1);
      expect((err as CaptureError).byteOffset).toBe(head.length);
      expect((err as CaptureError).message).toContain(path);
    }
  });

  it('reads an empty capture (section header only) as zero packets', () => {
    const src = openCapture(put('empty.pcapng', ng.shb(false)));
    expect(src.next()).toBeNull();
    expect(src.truncatedAt).toBeUndefined();
  });
});

const tools = missingTools('tshark');
describe.skipIf(tools.skip)(`hand-made pcapng agrees with tshark${tools.note}`, () => {
  it.each([true, false])('if_tsresol 9 and 2^-10, little-endian %s', async (le) => {
    const path = put(`tshark-resol-${le}.pcapng`, resolutionFile(le));
    const ours = readAll(path).map(
      (s) => `${s.wire}\t${s.cap}\t${s.sec}.${String(s.nsec).padStart(9, '0')}\t${s.comment ?? ''}`,
    );
    expect(lines(await tsharkFrames(path, ['frame.comment']))).toEqual(ours);
  });
});
