import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generate } from '../../../src/gen/index.js';
import { LINKTYPE } from '../../../src/fields/fields.js';
import { CaptureWriter } from '../../../src/runtime/capture/capture-writer.js';
import { CaptureError, openCapture } from '../../../src/runtime/capture/index.js';
import { runArtifact, workerCount } from '../../../src/runtime/run/run.js';
import type { RunStats } from '../../../src/runtime/stats/stats.js';
import { CORPUS_DIR, HAVE_CORPUS } from '../../support/corpus.js';
import { runCli } from '../../cli/helpers.js';
import { artifactFor as artifactForIn } from '../support/artifact.js';
import { comparable } from '../support/comparable-stats.js';

/**
 * Worker threads must change nothing but the speed: every output file byte
 * for byte what one thread writes, and the same counters. Each case runs the
 * same policy with workers 0 and 2 into two directories and compares.
 */
const dir = mkdtempSync(join(tmpdir(), 'tmesc-par-'));
// large enough to go through read-ahead chunks and many batches
const mix = join(dir, 'mix.pcap');
generate({
  output: mix,
  packets: 30000,
  seed: 7,
  encap: { vlan: 0.15, mpls: 0.05, gre: 0.05, vxlan: 0.05, gtpu: 0.05 },
});

const artifactFor = (body: string) => artifactForIn(dir, body);

async function both(policyBody: (out: string) => string, inputs = new Map<string, string[]>()) {
  const results: { stats: RunStats; out: string }[] = [];
  for (const workers of [0, 2]) {
    const out = join(dir, `out-${Math.random().toString(36).slice(2)}-w${workers}`);
    mkdirSync(out);
    const stats = await runArtifact(artifactFor(policyBody(out)), { inputs, workers });
    results.push({ stats, out });
  }
  const [one, par] = results;
  expect(comparable(par.stats)).toEqual(comparable(one.stats));
  const files = readdirSync(one.out).sort();
  expect(readdirSync(par.out).sort()).toEqual(files);
  for (const f of files)
    expect(Buffer.compare(readFileSync(join(par.out, f)), readFileSync(join(one.out, f))), f).toBe(0);
  return { stats: one.stats, files };
}

function readable(path: string): boolean {
  try {
    const src = openCapture(path);
    try {
      while (src.next());
    } finally {
      src.close();
    }
    return true;
  } catch (e) {
    if (e instanceof CaptureError) return false;
    throw e;
  }
}

describe('tmesc run on worker threads', () => {
  it('writes what one thread writes: balancing, tap marks, pcap and pcapng, de-duplication across taps', async () => {
    const { stats } = await both(
      (out) => `tap a { source pcap "${mix}"; mark vlan 101 priority 5 }
tap b { source pcap "${mix}"; mark comment }
group ids { tool ids-1 { output pcap "${out}/ids-1.pcap"; rate 2 Gbps } tool ids-2 { output pcap "${out}/ids-2.pcap"; rate 2 Gbps } tool ids-3 { output pcapng "${out}/ids-3.pcapng"; rate 4 Gbps } }
group rec { tool rec { output pcapng "${out}/rec.pcapng" } dedup window 1 s }
group web { tool w { output pcap "${out}/web.pcap" } }
rule all from a, b match any to rec
rule ids from a match ip or ip6 to ids
rule web from b match tcp port 80 to web
rule no-dns from a match udp port 53 drop ids`,
    );
    // the case is not vacuous: duplicates were found at the commit, and packets were balanced
    expect(stats.packetsRead).toBe(60000);
    expect(stats.groups[1].dropped.duplicate).toBeGreaterThanOrEqual(30000);
    expect(stats.groups[0].tools.every((t) => t.packets > 1000)).toBe(true);
  });

  it("counts a de-duplicating group's action counters as one thread does: a duplicate found at the commit takes its counts back", async () => {
    // two taps read the same capture: every packet of the second is a duplicate, left out before truncate on one thread
    const { stats } = await both(
      (out) => `tap a { source pcap "${mix}" }
tap b { source pcap "${mix}" }
group cut { tool c { output pcap "${out}/cut.pcap" } dedup window 1 s; truncate frame 60 }
rule all from a, b match any to cut`,
    );
    expect(stats.groups[0].dropped.duplicate).toBeGreaterThanOrEqual(30000);
    expect(stats.groups[0].actions.truncate.cut).toBeGreaterThan(1000);
  });

  it.skipIf(!HAVE_CORPUS)(
    'writes what one thread writes over every corpus capture in one tap: link types mixed, malformed and truncated packets',
    async () => {
      const files = readdirSync(CORPUS_DIR)
        .filter((f) => /\.(pcap|pcapng|cap)$/.test(f))
        .map((f) => join(CORPUS_DIR, f))
        .filter(readable);
      expect(files.length).toBeGreaterThan(50);
      const { stats } = await both(
        (out) => `tap t { source pcap "${files[0]}" }
group all { tool p { output pcap "${out}/all.pcap" } tool n { output pcapng "${out}/all.pcapng" } }
group web { tool w { output pcapng "${out}/web.pcapng" } dedup window 100 ms }
rule all match any to all
rule web match tcp port 80 or tcp port 443 to web`,
        new Map([['t', files]]),
      );
      // a pcap file holds one link type: the others were refused and counted, as on one thread
      expect(stats.groups[0].dropped['link-type-mismatch']).toBeGreaterThan(0);
      expect(stats.taps[0].malformed).toBeGreaterThan(0);
    },
  );

  it('counts the packets that lost their comments as one thread does: none where a pcap file refused them or dedup dropped them', async () => {
    // pcapng input: a raw IP packet first (the pcap output then holds raw IP), then Ethernet packets with comments,
    // which that output refuses; the dedup group gets uncommented originals and commented copies, which it drops
    const input = join(dir, 'commented.pcapng');
    const w = new CaptureWriter(input, { format: 'pcapng' });
    const eth = w.interfaceFor(LINKTYPE.ETHERNET, 'eth0');
    const raw = w.interfaceFor(LINKTYPE.RAW, 'ip0');
    const src = openCapture(mix);
    let n = 0;
    src.readBatch(400, (r) => {
      const data = r.data.slice(0, r.capLen);
      if (n === 0 && data[12] === 0x08 && data[13] === 0x00)
        w.writePacket(raw, data.subarray(14), r.tsSec, r.tsNsec, r.wireLen - 14);
      else if (n > 0) {
        w.writePacket(eth, data, r.tsSec, r.tsNsec, r.wireLen);
        w.writePacket(eth, data, r.tsSec, r.tsNsec + 1000, r.wireLen, `copy ${n}`);
      } else return;
      n++;
    });
    src.close();
    w.close();
    expect(n).toBeGreaterThan(100);
    const { stats } = await both(
      (out) => `tap t { source pcapng "${input}" }
group flat { tool p { output pcap "${out}/flat.pcap" } }
group once { tool o { output pcap "${out}/once.pcap" } dedup window 1 ms }
rule all match ip and not vlan and not mpls and not tunnel to flat
rule once match any to once`,
    );
    expect(stats.groups[0].dropped['link-type-mismatch']).toBeGreaterThan(0);
    expect(stats.groups[1].dropped.duplicate).toBeGreaterThan(0);
    expect(stats.groups[0].tools[0].commentsLost).toBeUndefined();
  });

  it('reports a capture broken in the middle with its file and packet number, and leaves no output behind', async () => {
    const broken = join(dir, 'broken.pcap');
    const bytes = readFileSync(mix);
    // the 20,001st record claims 1 GB: the reader stops there with an error
    let at = 24;
    for (let i = 0; i < 20000; i++) at += 16 + bytes.readUInt32LE(at + 8);
    bytes.writeUInt32LE(1 << 30, at + 8);
    writeFileSync(broken, bytes);
    const out = join(dir, 'broken-out');
    mkdirSync(out);
    const run = runArtifact(
      artifactFor(
        `tap t { source pcap "${broken}" }\ngroup g { tool o { output pcap "${out}/o.pcap" } }\nrule all match any to g`,
      ),
      { inputs: new Map(), workers: 2 },
    );
    await expect(run).rejects.toThrow(/broken\.pcap.*packet 20001|packet 20001.*broken\.pcap/);
    expect(readdirSync(out)).toEqual([]);
  });

  it('tmesc run --workers: the CLI takes a thread count and refuses anything else', async () => {
    const out = join(dir, 'cli-out');
    const p = join(dir, 'cli.tmes');
    writeFileSync(
      p,
      `policy "c"\ntap t { source pcap "${mix}" }\ngroup g { tool o { output pcap "${out}/o.pcap" } }\nrule all match tcp to g\n`,
    );
    const r = await runCli(['run', p, '--no-progress', '--workers', '2', '--stats', 'json']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(existsSync(join(out, 'o.pcap'))).toBe(true);
    const bad = await runCli(['run', p, '--no-progress', '--workers', 'many']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--workers takes a number');
  });

  it('caps --workers at the cores of the machine, and says so', async () => {
    const cores = availableParallelism();
    const said: string[] = [];
    expect(workerCount(64, [], (m) => said.push(m))).toBe(Math.min(64, cores));
    expect(said).toEqual(
      cores < 64 ? [`--workers 64 is more than the ${cores} cores of this machine: running ${cores} workers`] : [],
    );
    expect(workerCount(cores, [], (m) => said.push(m))).toBe(cores);
    expect(said).toHaveLength(cores < 64 ? 1 : 0);
    const out = join(dir, 'many-out');
    const p = join(dir, 'many.tmes');
    writeFileSync(
      p,
      `policy "c"\ntap t { source pcap "${mix}" }\ngroup g { tool o { output pcap "${out}/o.pcap" } }\nrule all match tcp to g\n`,
    );
    const r = await runCli(['run', p, '--no-progress', '--no-cache', '--workers', '64', '--stats', 'json']);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toBe(
      cores < 64
        ? `tmesc: warning: --workers 64 is more than the ${cores} cores of this machine: running ${cores} workers\n`
        : '',
    );
    expect(JSON.parse(r.out).packetsRead).toBe(30000);
  });
});
