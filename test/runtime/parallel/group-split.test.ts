import { mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generate } from '../../../src/gen/index.js';
import { splitGroups } from '../../../src/runtime/parallel/group-split.js';
import { runArtifact } from '../../../src/runtime/run/run.js';
import type { RunStats } from '../../../src/runtime/stats/stats.js';
import { artifactFor as artifactForIn } from '../support/artifact.js';
import { comparable } from '../support/comparable-stats.js';

/**
 * A group split (runtime/parallel/group-split.ts) must change nothing but the
 * speed: with a worker asked for, a policy whose groups keep state runs those
 * groups on a worker thread and the others here, and every output file is
 * byte for byte what one thread writes, with the same counters.
 */
const dir = mkdtempSync(join(tmpdir(), 'tmesc-split-'));
// large enough to cross read-ahead chunks; tunnels, tags and the generator's web payloads (cards, logins)
const mix = join(dir, 'mix.pcap');
generate({
  output: mix,
  packets: 30000,
  seed: 12,
  encap: { vlan: 0.2, mpls: 0.03, gre: 0.05, vxlan: 0.05, gtpu: 0.03 },
});

const artifactFor = (body: string) => artifactForIn(dir, body);

/** The policy run with no worker and with one; outputs and counters compared; the second run's notes returned. */
async function both(policyBody: (out: string) => string) {
  const results: { stats: RunStats; out: string; notes: string[] }[] = [];
  for (const workers of [0, 1]) {
    const out = join(dir, `out-${Math.random().toString(36).slice(2)}-w${workers}`);
    mkdirSync(out);
    const notes: string[] = [];
    const stats = await runArtifact(artifactFor(policyBody(out)), {
      inputs: new Map(),
      workers,
      note: (m) => notes.push(m),
    });
    results.push({ stats, out, notes });
  }
  const [one, split] = results;
  expect(comparable(split.stats)).toEqual(comparable(one.stats));
  const files = readdirSync(one.out).sort();
  expect(readdirSync(split.out).sort()).toEqual(files);
  for (const f of files)
    expect(Buffer.compare(readFileSync(join(split.out, f)), readFileSync(join(one.out, f))), f).toBe(0);
  return { stats: one.stats, notes: split.notes };
}

describe('a group split', () => {
  it('gives the worker the stateful groups, and keeps one here when every group is', () => {
    expect(
      splitGroups(
        artifactFor(`tap a { source pcap "${mix}" }
group rec { tool r { output pcap "r.pcap" } strip all; truncate frame 128 }
group web { tool w { output pcap "w.pcap" } mask card-number, credentials }
group dns { tool d { output pcap "d.pcap" } }
group sh { tool s { output pcap "s.pcap"; rate 1 Gbps } shape burst 64 KB }
rule all from a match any to rec, sh
rule web from a match tcp port 80 to web
rule dns from a match udp port 53 to dns`),
      ),
    ).toEqual([1, 3]);
    expect(
      splitGroups(
        artifactFor(`tap a { source pcap "${mix}" }
group m1 { tool r { output pcap "r.pcap" } mask card-number }
group m2 { tool w { output pcap "w.pcap" } mask credentials }
rule all from a match any to m1, m2`),
      ),
    ).toEqual([1]);
    // one group, or none with state: nothing to split (batches share stateless groups out)
    expect(
      splitGroups(
        artifactFor(`tap a { source pcap "${mix}" }
group m1 { tool r { output pcap "r.pcap" } mask card-number }
rule all from a match any to m1`),
      ),
    ).toBeUndefined();
    expect(
      splitGroups(
        artifactFor(`tap a { source pcap "${mix}" }
group a1 { tool r { output pcap "r.pcap" } strip all }
group a2 { tool w { output pcap "w.pcap" } }
rule all from a match any to a1, a2`),
      ),
    ).toBeUndefined();
  });

  it('writes what one thread writes: the compare policy (strip and cut, mask, plain, the tap mark on all)', async () => {
    const { stats, notes } = await both(
      (out) => `tap t { source pcap "${mix}"; mark vlan 100 }
group rec { tool rec { output pcap "${out}/rec.pcap" } strip all; truncate frame 128 }
group web { tool web { output pcap "${out}/web.pcap" } mask card-number, credentials }
group dns { tool dns { output pcap "${out}/dns.pcap" } }
rule all from t match any to rec
rule web from t match tcp port 80 to web
rule dns from t match udp port 53 to dns`,
    );
    expect(notes.join('\n')).toContain(`group 'web' runs on a worker thread`);
    // not vacuous: the worker's group masked, the main thread's stripped and delivered
    const web = stats.groups[1];
    expect(web.delivered).toBeGreaterThan(1000);
    expect(Object.values(web.actions.mask).reduce((x, y) => x + y, 0)).toBeGreaterThan(0);
    expect(stats.groups[0].delivered).toBe(30000);
    expect(stats.groups[2].delivered).toBeGreaterThan(100);
  });

  it('writes what one thread writes: replace and shape on the worker, dedup and balance here, two taps, pcapng', async () => {
    const { stats, notes } = await both(
      (out) => `tap a { source pcap "${mix}"; mark vlan 7 }
tap b { source pcap "${mix}"; mark comment }
group rep { tool r { output pcapng "${out}/rep.pcapng" } replace /GET/ with "FETCH" }
group sh { tool s { output pcap "${out}/sh.pcap"; rate 50 Mbps } shape burst 16 KB }
group dup { tool d { output pcapng "${out}/dup.pcapng" } dedup window 1 s }
group bal { tool b1 { output pcap "${out}/b1.pcap" } tool b2 { output pcap "${out}/b2.pcap" } strip vlan }
rule web from a, b match tcp port 80 to rep
rule all from a match any to sh, bal
rule both from a, b match ip to dup`,
    );
    expect(notes.join('\n')).toContain(`groups 'rep', 'sh' run on a worker thread`);
    expect(stats.groups[0].actionTotals).toBeDefined();
    expect(stats.groups[0].delivered).toBeGreaterThan(1000);
    expect(stats.groups[1].tools[0].shape!.passed + stats.groups[1].tools[0].shape!.delayed).toBeGreaterThan(0);
    expect(stats.groups[2].dropped.duplicate).toBeGreaterThan(1000);
    expect(stats.groups[3].tools.every((t) => t.packets > 1000)).toBe(true);
  });

  it('writes what one thread writes when every group keeps state (the first stays here)', async () => {
    const { notes } = await both(
      (out) => `tap a { source pcap "${mix}" }
group m1 { tool r { output pcap "${out}/m1.pcap" } mask card-number }
group m2 { tool w { output pcap "${out}/m2.pcap" } mask credentials }
rule all from a match any to m1
rule web from a match tcp to m2`,
    );
    expect(notes.join('\n')).toContain(`group 'm2' runs on a worker thread`);
  });

  it('stays on one thread when a stateful group writes to a device', async () => {
    const { notes } = await both(
      (out) => `tap a { source pcap "${mix}" }
group m1 { tool r { output pcap "${out}/m1.pcap" } strip all }
group m2 { tool w { output pcap "/dev/null" } mask credentials }
rule all from a match any to m1
rule web from a match tcp to m2`,
    );
    expect(notes.join('\n')).toContain('writes to a FIFO or device: this run stays on one thread');
  });
});
