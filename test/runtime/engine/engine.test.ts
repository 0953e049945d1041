import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generate } from '../../../src/gen/index.js';
import { CaptureWriter, openCapture } from '../../../src/runtime/capture/index.js';
import { runArtifact } from '../../../src/runtime/run/run.js';
import type { RunStats } from '../../../src/runtime/stats/stats.js';
import { missingTools } from '../../support/tools.js';
import { artifactFor as artifactForIn } from '../support/artifact.js';

/**
 * Taps reading capture files are merged in time order, as mergecap merges
 * files: de-duplication across taps then sees both copies of a packet within
 * its window, and outputs never go back in time.
 */
const dir = mkdtempSync(join(tmpdir(), 'tmesc-engine-'));
const artifactFor = (body: string) => artifactForIn(dir, body);

interface Pkt {
  sec: number;
  nsec: number;
  wireLen: number;
  data: Buffer;
  iface: string | undefined;
}

function packets(path: string): Pkt[] {
  const src = openCapture(path);
  const out: Pkt[] = [];
  for (let r; (r = src.next());)
    out.push({ sec: r.tsSec, nsec: r.tsNsec, wireLen: r.wireLen, data: Buffer.from(r.data), iface: r.interfaceName });
  src.close();
  return out;
}

const earlier = (x: Pkt, y: Pkt) => x.sec < y.sec || (x.sec === y.sec && x.nsec < y.nsec);

// the case: 3,000 packets about 100 us apart, so 256 packets span more than a 10 ms window
const same = join(dir, 'same.pcap');
generate({ output: same, packets: 3000, seed: 5, meanGapUs: 100 });
// two captures that interleave, in nanoseconds
const a = join(dir, 'a.pcap');
const b = join(dir, 'b.pcap');
generate({ output: a, packets: 4000, seed: 21, resolution: 'ns', meanGapUs: 20 });
generate({ output: b, packets: 3000, seed: 22, resolution: 'ns', meanGapUs: 30 });
// a file out of time order: every run of 7 packets of a, reversed
const unordered = join(dir, 'unordered.pcap');
{
  const w = new CaptureWriter(unordered, { format: 'pcap', resolution: 'ns', linkType: 1 });
  const all = packets(a);
  for (let i = 0; i < all.length; i += 7)
    for (const p of all.slice(i, i + 7).reverse()) w.writePacket(0, p.data, p.sec, p.nsec, p.wireLen);
  w.close();
}

async function run(body: (out: string) => string, workers = 0): Promise<{ stats: RunStats; out: string }> {
  const out = join(dir, `out-${Math.random().toString(36).slice(2)}`);
  mkdirSync(out);
  const stats = await runArtifact(artifactFor(body(out)), { inputs: new Map(), workers });
  return { stats, out };
}

const mergecap = missingTools('mergecap');
const capinfos = missingTools('capinfos');

describe('taps merged in time order', () => {
  it.each([0, 2])(
    'two taps reading one capture: de-duplication drops every copy, as for the capture alone (workers %i)',
    async (workers) => {
      const dedup = (taps: string) => (out: string) =>
        `${taps}\ngroup g { tool o { output pcap "${out}/o.pcap" } dedup window 10 ms }\nrule all match any to g`;
      const alone = await run(dedup(`tap x { source pcap "${same}" }`), workers);
      const two = await run(dedup(`tap x { source pcap "${same}" }\ntap y { source pcap "${same}" }`), workers);
      const g1 = alone.stats.groups[0];
      const g2 = two.stats.groups[0];
      // round-robin by 256 packets delivered 1,769 of these 3,000 copies
      expect(g2.in).toBe(6000);
      expect(g2.dropped.duplicate).toBe(3000 + g1.dropped.duplicate);
      expect(g2.delivered).toBe(g1.delivered);
      expect(readFileSync(join(two.out, 'o.pcap'))).toEqual(readFileSync(join(alone.out, 'o.pcap')));
    },
  );

  it('writes outputs in time order, whatever the taps', async () => {
    const { out } = await run(
      (o) => `tap x { source pcap "${a}" }\ntap y { source pcap "${b}" }
group all { tool p { output pcap "${o}/all.pcap" } tool n { output pcapng "${o}/all.pcapng" } }
rule all match any to all`,
    );
    for (const f of ['all.pcap', 'all.pcapng']) {
      const ps = packets(join(out, f));
      expect(ps.length).toBeGreaterThan(3000);
      const back = ps.findIndex((p, i) => i > 0 && earlier(p, ps[i - 1]));
      expect(back, `${f}: packet ${back + 1} is earlier than the one before`).toBe(-1);
    }
    const both = packets(join(out, 'all.pcap')).length + packets(join(out, 'all.pcapng')).length;
    expect(both).toBe(7000);
    if (!capinfos.skip)
      for (const f of ['all.pcap', 'all.pcapng'])
        expect(execFileSync('capinfos', ['-o', join(out, f)], { encoding: 'utf8' })).toMatch(
          /Strict time order:\s+True/,
        );
  });

  it('gives packets with equal timestamps in tap order', async () => {
    const { out } = await run(
      (o) => `tap second { source pcap "${same}"; mark vlan 20 }\ntap first { source pcap "${same}"; mark vlan 10 }
group g { tool o { output pcapng "${o}/o.pcapng" } }
rule all match any to g`,
    );
    const ps = packets(join(out, 'o.pcapng'));
    expect(ps).toHaveLength(6000);
    // every timestamp's packets: those of the tap declared first (second, VLAN 20), then the other's
    for (let i = 0; i < ps.length;) {
      let j = i;
      while (j < ps.length && ps[j].sec === ps[i].sec && ps[j].nsec === ps[i].nsec) j++;
      const vlans = ps.slice(i, j).map((p) => p.data.readUInt16BE(14) & 0xfff);
      expect(vlans).toEqual([...vlans].sort((x, y) => y - x));
      expect(vlans.filter((v) => v === 20)).toHaveLength((j - i) / 2);
      i = j;
    }
  });

  describe.skipIf(mergecap.skip)(`as mergecap merges${mergecap.note}`, () => {
    it.each([0, 2])(
      'gives the stats and outputs of a run over the mergecap of its taps, a file out of order included (workers %i)',
      async (workers) => {
        const ta = packets(unordered);
        const tb = new Set(packets(b).map((p) => `${p.sec}.${p.nsec}`));
        // mergecap's order between equal timestamps differs across versions: the case has none
        expect(ta.filter((p) => tb.has(`${p.sec}.${p.nsec}`))).toEqual([]);
        const merged = join(dir, `merged-${workers}.pcapng`);
        execFileSync('mergecap', ['-w', merged, unordered, b]);
        const groups = (out: string) => `
group all { tool p { output pcap "${out}/all.pcap" } }
group web { tool w { output pcapng "${out}/web.pcapng" } }
group dd { tool d { output pcap "${out}/dd.pcap" } dedup window 1 ms }
rule all match any to all
rule web match tcp port 80 to web
rule dd match udp to dd`;
        const two = await run(
          (o) => `tap x { source pcap "${unordered}" }\ntap y { source pcap "${b}" }${groups(o)}`,
          workers,
        );
        const one = await run((o) => `tap m { source pcapng "${merged}" }${groups(o)}`, workers);
        const counters = (s: RunStats) =>
          s.groups.map((g) => ({ ...g, tools: g.tools.map((t) => ({ ...t, output: t.output.split('/').at(-1) })) }));
        expect(counters(two.stats)).toEqual(counters(one.stats));
        expect(two.stats.rules).toEqual(one.stats.rules);
        expect(two.stats.groups[0].delivered).toBe(7000);
        // pcap outputs byte for byte; pcapng outputs name their taps, so packet by packet
        for (const f of ['all.pcap', 'dd.pcap'])
          expect(readFileSync(join(two.out, f)).equals(readFileSync(join(one.out, f))), f).toBe(true);
        const strip = (ps: Pkt[]) => ps.map(({ iface: _, ...p }) => p);
        expect(strip(packets(join(two.out, 'web.pcapng')))).toEqual(strip(packets(join(one.out, 'web.pcapng'))));
      },
    );
  });
});
