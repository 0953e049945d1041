import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generate } from '../../../src/gen/index.js';
import { openCapture } from '../../../src/runtime/capture/index.js';
import { ACTIONS } from '../../../src/runtime/actions/registry.js';
import { ActionsNotPerformed, runArtifact } from '../../../src/runtime/run/run.js';
import { decodeFrame } from '../../../src/runtime/decode/decode.js';
import { PacketView } from '../../../src/runtime/decode/view.js';
import { missingTools } from '../../support/tools.js';
import { runCli } from '../../cli/helpers.js';
import { artifactFor as artifactForIn } from '../support/artifact.js';

const dir = mkdtempSync(join(tmpdir(), 'tmesc-run-'));
const capture = join(dir, 'mix.pcap');
generate({
  output: capture,
  packets: 20000,
  seed: 11,
  encap: { vlan: 0.15, mpls: 0.05, gre: 0.05, vxlan: 0.05, gtpu: 0.05 },
});

const artifactFor = (body: string) => artifactForIn(dir, body);

function read(path: string) {
  const src = openCapture(path);
  const out: { data: Buffer; wireLen: number; comment?: string }[] = [];
  for (let r; (r = src.next());) out.push({ data: Buffer.from(r.data), wireLen: r.wireLen, comment: r.comment });
  src.close();
  return out;
}

const tshark = missingTools('tshark');

describe('tmesc run', () => {
  const policy = `tap a { source pcap "${capture}"; mark vlan 101 priority 5 }
group ids { tool ids-1 { output pcap "${dir}/ids-1.pcap"; rate 2 Gbps } tool ids-2 { output pcap "${dir}/ids-2.pcap"; rate 2 Gbps } tool ids-3 { output pcap "${dir}/ids-3.pcap"; rate 4 Gbps } }
group rec { tool rec { output pcapng "${dir}/rec.pcapng" } }
group web { tool w { output pcap "${dir}/web.pcap" } }
rule all from a match any to rec
rule ids from a match ip or ip6 to ids
rule web from a match tcp port 80 to web
rule no-dns from a match udp port 53 drop ids`;

  it('accounts for every packet: per group, in = delivered + dropped; read = unmatched + matched', async () => {
    const seen: { packets: number; done: number; total: number }[] = [];
    const stats = await runArtifact(artifactFor(policy), {
      inputs: new Map(),
      onProgress: (packets, bytes) => seen.push({ packets, ...bytes! }),
    });
    // progress by bytes grows to exactly the capture's size
    const size = readFileSync(capture).length;
    expect(seen.at(-1)).toEqual({ packets: 20000, done: size, total: size });
    expect(seen.every((s, i) => i === 0 || (s.done >= seen[i - 1].done && s.packets >= seen[i - 1].packets))).toBe(
      true,
    );
    expect(stats.packetsRead).toBe(20000);
    expect(stats.taps[0].packets).toBe(20000);
    for (const g of stats.groups) {
      const dropped = Object.values(g.dropped).reduce((a, b) => a + b, 0);
      expect(g.in).toBe(g.delivered + dropped);
      expect(g.tools.reduce((a, t) => a + t.packets, 0)).toBe(g.delivered);
    }
    expect(stats.groups[1].in).toBe(20000); // rec gets everything
    expect(stats.rules!.find((r) => r.name === 'all')!.matches).toBe(20000);
    // files hold exactly what the stats say
    expect(read(join(dir, 'rec.pcapng'))).toHaveLength(stats.groups[1].delivered);
    const idsFiles = [1, 2, 3].map((i) => read(join(dir, `ids-${i}.pcap`)).length);
    expect(idsFiles).toEqual(stats.groups[0].tools.map((t) => t.packets));
  });

  it('replicates with the tap mark applied once per copy: a VLAN tag pushed after the MACs', () => {
    const rec = read(join(dir, 'rec.pcapng'));
    const web = read(join(dir, 'web.pcap'));
    const input = read(capture);
    // the tap pushes VLAN 101 priority 5 on every Ethernet frame: 4 bytes more, tag after the MACs
    expect(rec[0].data.length).toBe(input[0].data.length + 4);
    expect(rec[0].wireLen).toBe(input[0].wireLen + 4);
    expect(rec[0].data.readUInt16BE(12)).toBe(0x8100);
    expect(rec[0].data.readUInt16BE(14)).toBe((5 << 13) | 101);
    expect(Buffer.compare(rec[0].data.subarray(16), input[0].data.subarray(12))).toBe(0);
    for (const p of web) expect(p.data.readUInt16BE(12)).toBe(0x8100);
  });

  it('balances by session: every packet of a session, both directions, in one ids output', () => {
    const owner = new Map<string, number>();
    const v = new PacketView();
    for (const i of [1, 2, 3]) {
      for (const p of read(join(dir, `ids-${i}.pcap`))) {
        decodeFrame(v, p.data, p.data.length, p.wireLen, 1);
        const inner = v.tunnel === 4 && v.inner.ipVersion ? v.inner : v;
        const src = [inner.ip4Src, inner.ip6Src0, inner.ip6Src1, inner.ip6Src2, inner.ip6Src3, inner.srcPort].join('.');
        const dst = [inner.ip4Dst, inner.ip6Dst0, inner.ip6Dst1, inner.ip6Dst2, inner.ip6Dst3, inner.dstPort].join('.');
        const ends = [src, dst].sort().join('~') + `|${inner.ipProto}`;
        const prev = owner.get(ends);
        if (prev !== undefined) expect(prev).toBe(i);
        owner.set(ends, i);
      }
    }
    expect(owner.size).toBeGreaterThan(200);
  });

  it('de-duplicates the same packet seen at two taps, whatever their VLAN marks', async () => {
    const n = read(capture).length;
    const stats = await runArtifact(
      artifactFor(`tap a { source pcap "${capture}"; mark vlan 10 }
tap b { source pcap "${capture}"; mark vlan 20 }
group rec { tool r { output pcap "${dir}/dedup.pcap" } dedup window 1 s }
rule all match any to rec`),
      { inputs: new Map() },
    );
    const g = stats.groups[0];
    expect(g.in).toBe(2 * n);
    // the generator repeats a few identical frames (retransmissions) within the window, so at least n go
    expect(g.dropped.duplicate).toBeGreaterThanOrEqual(n);
    expect(g.delivered + g.dropped.duplicate).toBe(2 * n);
    expect(read(join(dir, 'dedup.pcap'))).toHaveLength(g.delivered);
  });

  it('refuses packet transforms it does not implement rather than leak unmasked data', async () => {
    // every action has its module in this version: take one out to see the refusal
    const saved = ACTIONS.mask;
    delete ACTIONS.mask;
    try {
      const a = artifactForIn(
        dir,
        `tap a { source pcap "${capture}" }\ngroup rec { tool r { output pcap "${dir}/m.pcap" } mask card-number }\nrule all match any to rec`,
      );
      await expect(runArtifact(a, { inputs: new Map(), outDir: dir, workers: 0 })).rejects.toThrow(ActionsNotPerformed);
    } finally {
      ACTIONS.mask = saved;
    }
  });

  it('reports a bad capture with its file name, and writes no half outputs', async () => {
    const bad = join(dir, 'bad.pcap');
    writeFileSync(bad, 'this is not a capture');
    const p = join(dir, 'bad.tmes');
    writeFileSync(
      p,
      `policy "b"\ntap a { source pcap "${bad}" }\ngroup g { tool o { output pcap "${dir}/never.pcap" } }\nrule all match any to g\n`,
    );
    const r = await runCli(['run', p, '--no-progress']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('bad.pcap');
    expect(r.err).toContain('not a pcap or pcapng file');
    expect(() => readFileSync(join(dir, 'never.pcap'))).toThrow();
  });

  it('--stats json and --input override', async () => {
    const p = join(dir, 'j.tmes');
    writeFileSync(
      p,
      `policy "j"\ntap a { source interface "eth9" }\ngroup g { tool o { output pcap "o.pcap" } }\nrule all match tcp to g\n`,
    );
    const r = await runCli([
      'run',
      p,
      '--input',
      `a=${capture}`,
      '--out-dir',
      join(dir, 'json-out'),
      '--stats',
      'json',
      '--no-progress',
    ]);
    expect(r.code, r.err).toBe(0);
    const s = JSON.parse(r.out);
    expect(s.packetsRead).toBe(20000);
    expect(s.groups[0].in).toBe(s.groups[0].delivered);
    expect(s.unmatched + s.groups[0].in).toBe(20000);
  });

  describe.skipIf(tshark.skip)(`outputs are well formed for Wireshark${tshark.note}`, () => {
    it('tshark reads every output with no malformed packet', () => {
      for (const f of ['ids-1.pcap', 'ids-2.pcap', 'ids-3.pcap', 'rec.pcapng', 'web.pcap']) {
        const count = execFileSync('tshark', ['-n', '-r', join(dir, f), '-T', 'fields', '-e', 'frame.number'], {
          encoding: 'utf8',
        })
          .trim()
          .split('\n')
          .filter(Boolean).length;
        expect(count).toBe(read(join(dir, f)).length);
        const bad = execFileSync(
          'tshark',
          ['-n', '-r', join(dir, f), '-Y', '_ws.malformed', '-T', 'fields', '-e', 'frame.number'],
          { encoding: 'utf8' },
        ).trim();
        expect({ f, bad }).toEqual({ f, bad: '' });
      }
    });
  });
});
