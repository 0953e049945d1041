import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../../src/gen/generate.js';
import { CaptureWriter } from '../../src/runtime/capture/capture-writer.js';
import { openCapture } from '../../src/runtime/capture/open.js';
import { built, spawnTmesc } from './built.js';

/**
 * Audit s5: a tap whose pcapng file has a microsecond interface and a nanosecond one (two capture
 * cards, one file) was declared in microseconds in a pcapng output, so the nanosecond interface's
 * packets lost their last three digits without a word. A pcapng output declares each tap's resolution:
 * the finest its interfaces stamp (microseconds are exact in nanoseconds).
 */

const dir = mkdtempSync(join(tmpdir(), 'tmesc-run-resolution-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** [interface, seconds, nanoseconds] of each packet written. */
const STAMPS: [number, number, number][] = [
  [0, 1_700_000_000, 1_000],
  [1, 1_700_000_000, 2_000_123],
  [1, 1_700_000_000, 2_000_456],
  [0, 1_700_000_000, 3_000_000],
];

function stamps(path: string): [number, number][] {
  const out: [number, number][] = [];
  openCapture(path).readBatch(Infinity, (r) => out.push([r.tsSec, r.tsNsec]));
  return out;
}

beforeAll(() => {
  generate({ output: join(dir, 'g.pcap'), packets: STAMPS.length, seed: 3 });
  const w = new CaptureWriter(join(dir, 'in.pcapng'), { format: 'pcapng' });
  const ids = [
    w.interfaceFor(1, 'us0', undefined, { resolution: 'us' }),
    w.interfaceFor(1, 'ns1', undefined, { resolution: 'ns' }),
  ];
  let i = 0;
  openCapture(join(dir, 'g.pcap')).readBatch(Infinity, (r) => {
    const [ifc, s, ns] = STAMPS[i++];
    w.writePacket(ids[ifc], r.data.slice(0, r.capLen), s, ns, r.wireLen);
  });
  w.close();
  writeFileSync(
    join(dir, 'p.tmes'),
    `policy "p"\ntap t { source pcapng "in.pcapng" }\ngroup g {\n  tool a { output pcapng "out/a.pcapng" }\n}\nrule all from any match any to g\n`,
  );
});

describe.skipIf(!built)('a pcapng output keeps a tap nanoseconds when its file mixes resolutions', () => {
  it('the input has them', () => {
    expect(stamps(join(dir, 'in.pcapng'))).toEqual(STAMPS.map(([, s, ns]) => [s, ns]));
  });

  for (const path of ['generated', 'decoder'])
    it(`a group without actions writes every timestamp as captured (--packet-path ${path})`, () => {
      const out = join(dir, `out-${path}`);
      const r = spawnTmesc(['run', '--no-progress', join(dir, 'p.tmes'), '--packet-path', path, '--out-dir', out]);
      expect(r.code, r.err).toBe(0);
      expect(stamps(join(out, 'a.pcapng'))).toEqual(STAMPS.map(([, s, ns]) => [s, ns]));
    });
});
