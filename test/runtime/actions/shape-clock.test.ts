import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ETHERTYPE } from '../../../src/fields/ethertype.js';
import { LINKTYPE } from '../../../src/fields/fields.js';
import { IPPROTO } from '../../../src/fields/ip-proto.js';
import { emptyRecord } from '../../../src/runtime/capture/record.js';
import { Pipeline } from '../../../src/runtime/engine/pipeline.js';
import { artifactFor } from '../support/artifact.js';
import { eth, ipv4, payload, udp } from './frames.js';

/**
 * shape on a live run's clock: replicas waiting for tokens leave when the
 * clock (ActionStep.tick, the live worker's timer) passes their departure,
 * with no later packet of the group to push them out, stamped with that
 * departure, spaced at the tool's rate; the same departures as a run over a
 * capture file gives them.
 */
const dir = mkdtempSync(join(tmpdir(), 'tmesc-shape-clock-'));
const policy = `tap a { source pcap "${dir}/none.pcap" }
group g { tool t { output pcap "${dir}/t.pcap"; rate 1 Mbps } shape burst 8 KB }
rule r from a match any to g`;

/** 14 frames of 1,000 bytes, all at 100.000000000 s: the burst passes 8 at once, the other 6 wait, 8 ms apart. */
const FRAMES = Array.from({ length: 14 }, (_, i) =>
  eth(ETHERTYPE.IPV4, ipv4(IPPROTO.UDP, udp(1000 + i, 53, payload(1000 - 42, i)))),
);

function shaped() {
  const out: { port: number; ns: number }[] = [];
  const p = new Pipeline(
    artifactFor(dir, policy),
    [
      [
        {
          path: 't',
          write(data, tsSec, tsNsec) {
            out.push({ port: (data[34] << 8) | data[35], ns: (tsSec - 100) * 1e9 + tsNsec });
            return true;
          },
        },
      ],
    ],
    [[]],
  );
  const rec = emptyRecord();
  for (const f of FRAMES) {
    rec.data = f;
    rec.capLen = rec.wireLen = f.length;
    rec.linkType = LINKTYPE.ETHERNET;
    rec.tsSec = 100;
    rec.tsNsec = 0;
    p.handle(rec, 0);
  }
  return { p, out };
}

describe('shape on the clock (live runs)', () => {
  it('releases each waiting replica when the clock passes its departure, with no packet after', () => {
    const { p, out } = shaped();
    expect(p.ticks).toBe(true);
    const passed = out.length;
    expect(passed).toBeGreaterThan(0);
    expect(passed).toBeLessThan(FRAMES.length);
    // the departures a run over a file gives them (released at the end of its input)
    const { p: ref, out: refOut } = shaped();
    ref.finish();
    const departures = refOut.map((o) => o.ns);
    expect(refOut.map((o) => o.port)).toEqual(FRAMES.map((_, i) => 1000 + i));
    // spaced at the rate: 1,000 bytes at 1 Mbit/s = 8 ms
    for (let i = passed + 1; i < departures.length; i++) expect(departures[i] - departures[i - 1]).toBe(8_000_000);

    // the clock moves in steps of 5 ms, as the live worker's timer offers it: each tick lets go what is due
    for (let t = 0; t <= departures[departures.length - 1] + 5_000_000; t += 5_000_000) {
      p.tick(100 + Math.floor(t / 1e9), t % 1e9);
      expect(out.length).toBe(departures.filter((d) => d <= t).length);
    }
    expect(out).toEqual(refOut);
    const s = p.stats.groups[0].tools[0].shape!;
    expect(s.delayed).toBe(FRAMES.length - passed);
    expect(p.stats.groups[0].delivered).toBe(FRAMES.length);
    p.finish();
    expect(out.length).toBe(FRAMES.length);
  });

  it('a clock that does not reach a departure releases nothing; one going back is ignored', () => {
    const { p, out } = shaped();
    const passed = out.length;
    p.tick(100, 1);
    expect(out.length).toBe(passed);
    p.tick(99, 0);
    expect(out.length).toBe(passed);
    p.tick(101, 0);
    expect(out.length).toBe(FRAMES.length);
  });
});
