import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ETHERTYPE } from '../../../src/fields/ethertype.js';
import { LINKTYPE } from '../../../src/fields/fields.js';
import { IPPROTO } from '../../../src/fields/ip-proto.js';
import { emptyRecord } from '../../../src/runtime/capture/record.js';
import { Pipeline } from '../../../src/runtime/engine/pipeline.js';
import { ReturnOutput, ReturnTally } from '../../../src/runtime/host-link/host-link.js';
import { Ring, type RingRecord } from '../../../src/runtime/live/ring.js';
import { TxOutput } from '../../../src/runtime/live/ring-outputs.js';
import { eth, ipv4, payload, udp } from '../actions/frames.js';
import { artifactFor } from '../support/artifact.js';

/**
 * The live host end's returns go through a worker's send ring (TxOutput): a
 * return the full ring refuses is not counted returned, is counted not
 * returned, and its group counts it dropped as output-full (not as a link
 * type the output cannot hold).
 */
const dir = mkdtempSync(join(tmpdir(), 'tmesc-return-ring-'));

describe('returns over a full send ring', () => {
  it('counts only what the ring took as returned; the rest output-full in the group and not returned', () => {
    const a = artifactFor(
      dir,
      `tap a { source pcap "${dir}/none.pcap" }
group g { tool t { output pcap "${dir}/x.pcap" } }
rule r from a match any to g`,
    );
    const ring = Ring.create(1024);
    const tally = new ReturnTally();
    const out = new ReturnOutput(new TxOutput(ring, 0, 'return link'), tally, Int32Array.of(100), false);
    const p = new Pipeline(a, [[out]], [[]]);
    const rec = emptyRecord();
    const n = 50;
    for (let i = 0; i < n; i++) {
      const frame = eth(ETHERTYPE.IPV4, ipv4(IPPROTO.UDP, udp(1000 + i, 53, payload(20, i))));
      rec.data = frame;
      rec.bytes = frame;
      rec.dataOffset = 0;
      rec.capLen = frame.length;
      rec.wireLen = frame.length;
      rec.linkType = LINKTYPE.ETHERNET;
      rec.tsSec = i;
      rec.tsNsec = 0;
      p.handle(rec, 0);
    }
    p.finish();
    // what the ring holds: every record, each tagged with the return's code
    const r: RingRecord = { offset: 0, capLen: 0, meta: 0, tsSec: 0, tsNsec: 0, wireLen: 0, aux: 0 };
    let inRing = 0;
    while (ring.peek(r)) {
      const b = ring.bytes;
      expect([b[r.offset + 12], b[r.offset + 13], ((b[r.offset + 14] & 0x0f) << 8) | b[r.offset + 15]]).toEqual([
        0x81, 0x00, 100,
      ]);
      inRing++;
      ring.release(r);
    }
    const g = p.collect().groups[0];
    expect(inRing).toBeGreaterThan(0);
    expect(inRing).toBeLessThan(n);
    expect(tally.returned.get(100)).toBe(inRing);
    expect(tally.notReturned).toBe(n - inRing);
    expect(g.delivered).toBe(inRing);
    expect(g.dropped['output-full']).toBe(n - inRing);
    expect(g.dropped['link-type-mismatch']).toBe(0);
  });

  it('a frame with no code (not Ethernet) is refused as a link type, neither returned nor counted not returned', () => {
    const ring = Ring.create(1024);
    const tally = new ReturnTally();
    const out = new ReturnOutput(new TxOutput(ring, 0, 'return link'), tally, Int32Array.of(100), false);
    expect(out.write(new Uint8Array(40), 0, 0, 40, LINKTYPE.RAW, 0)).toBe(false);
    expect(out.refusedAs).toBe('link-type-mismatch');
    expect(tally.returned.size).toBe(0);
    expect(tally.notReturned).toBe(0);
  });
});
