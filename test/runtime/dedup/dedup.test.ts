import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generate } from '../../../src/gen/index.js';
import { CaptureWriter, openCapture } from '../../../src/runtime/capture/index.js';
import { Dedup } from '../../../src/runtime/dedup/dedup.js';
import { runArtifact } from '../../../src/runtime/run/run.js';
import { renderStatsText } from '../../../src/runtime/stats/stats.js';
import { artifactFor } from '../support/artifact.js';

const MS = 1e6;

/** A deterministic stream of numbers (xorshift), so a failure replays. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4294967296;
  };
}

describe('de-duplication table', () => {
  it('is bounded by count when timestamps stand still or run backwards, and counts what it evicts', () => {
    for (const step of [0, 10]) {
      const d = new Dedup(10 * MS, 1000);
      let most = 0;
      let dups = 0;
      // 100,000 distinct packets, each stamped `step` ns before the one before: none ever expires by time
      for (let i = 0; i < 100_000; i++) {
        if (d.isDuplicateKey(i, 1_700_000_000, 500_000_000 - i * step)) dups++;
        most = Math.max(most, d.size);
      }
      expect(dups).toBe(0);
      expect(most).toBe(1000);
      expect(d.evicted).toBe(99_000);
      // and what it holds still de-duplicates
      expect(d.isDuplicateKey(99_999, 1_700_000_000, 500_000_000)).toBe(true);
    }
  });

  it('lets entries go by time behind the newest timestamp, whatever order they came in', () => {
    const d = new Dedup(10 * MS, 1000);
    // 1 ms back each time: after the first 10, each arrival is more than a window behind the newest
    for (let i = 0; i < 100_000; i++) d.isDuplicateKey(i, 1_700_000_000, 900_000_000 - (i % 800) * MS);
    expect(d.size).toBeLessThanOrEqual(1000);
    expect(d.evicted).toBeLessThan(100_000);
  });

  it('is bounded by time when timestamps advance, and then evicts nothing', () => {
    const d = new Dedup(10 * MS, 1000);
    let most = 0;
    for (let i = 0; i < 100_000; i++) {
      d.isDuplicateKey(i, 1_700_000_000 + Math.floor(i / 1000), (i % 1000) * MS);
      most = Math.max(most, d.size);
    }
    // one packet a millisecond: a 10 ms window holds 11
    expect(most).toBe(11);
    expect(d.evicted).toBe(0);
  });

  it('drops a copy within the window either side (taps clocks differ), and none outside it', () => {
    const d = new Dedup(10 * MS);
    expect(d.isDuplicateKey(7, 100, 50 * MS)).toBe(false);
    expect(d.isDuplicateKey(7, 100, 55 * MS)).toBe(true);
    expect(d.isDuplicateKey(7, 100, 45 * MS)).toBe(true);
    // 20 ms earlier is another packet with the same bytes (the old table called it a duplicate)
    expect(d.isDuplicateKey(7, 100, 30 * MS)).toBe(false);
    expect(d.isDuplicateKey(7, 100, 71 * MS)).toBe(false);
  });

  it('decides as a plain reference does, with keys alike in their low bits (probing and deletion)', () => {
    const next = rng(42);
    const windowNs = 2 * MS;
    const d = new Dedup(windowNs, 1 << 16);
    const last = new Map<number, number>();
    let t = 0;
    let dups = 0;
    let wrong = -1;
    for (let i = 0; i < 50_000 && wrong < 0; i++) {
      t += Math.floor(next() * 300_000);
      // 300 keys whose low 32 bits are equal
      const key = Math.floor(next() * 300) * 4294967296;
      const prev = last.get(key);
      const expected = prev !== undefined && t - prev <= windowNs;
      if (!expected) last.set(key, t);
      else dups++;
      if (d.isDuplicateKey(key, 1_700_000_000 + Math.floor(t / 1e9), t % 1e9) !== expected) wrong = i;
    }
    expect(wrong, 'first packet decided differently').toBe(-1);
    expect(dups).toBeGreaterThan(1000);
    expect(d.evicted).toBe(0);
  });
});

describe('de-duplication in a run', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tmesc-dedup-'));
  const fwd = join(dir, 'fwd.pcap');
  generate({ output: fwd, packets: 3000, seed: 13 });
  // the same packets stamped backwards in time, as a broken or hostile capture may be
  const back = join(dir, 'back.pcap');
  {
    const src = openCapture(fwd);
    const w = new CaptureWriter(back, { format: 'pcap', linkType: 1 });
    for (let r, i = 0; (r = src.next()); i++)
      w.writePacket(0, r.data, 1_700_000_100 - Math.floor(i / 1000), 999_000_000 - (i % 1000) * 1_000_000);
    src.close();
    w.close();
  }

  it('counts the entries its bounded table evicted, in the stats and the summary, on one thread as on workers', async () => {
    const evicted: number[] = [];
    for (const workers of [0, 2]) {
      const out = join(dir, `out-${workers}`);
      mkdirSync(out);
      const a = artifactFor(
        dir,
        `tap t { source pcap "${back}" }\ngroup g { tool o { output pcap "${out}/o.pcap" } dedup window 10 s }\nrule all match any to g`,
      );
      const stats = await runArtifact(a, { inputs: new Map(), workers, dedupMaxEntries: 100 });
      const g = stats.groups[0];
      expect(g.in).toBe(3000);
      // 3 s of packets stamped backwards inside a 10 s window: only the count bound lets entries go
      expect(g.dedupEvicted).toBeGreaterThan(2800);
      expect(renderStatsText(stats)).toContain(`warning: ${g.dedupEvicted} de-duplication entries evicted`);
      evicted.push(g.dedupEvicted);
    }
    expect(evicted[1]).toBe(evicted[0]);
  });
});
