/**
 * The actions bench's compare policy (bench/actions.ts: a recorder that
 * strips all and cuts every packet to 128 bytes, web and DNS groups, the
 * tap's VLAN mark on every replica) run as `tmesc run` runs it, on the
 * generated path (plain packets' steps done from the walk, engine/
 * walked-steps.ts, their records edited as output runs are copied:
 * ToolOutput.writeRecord, putEditedRecords, one run going on across
 * records that drop different VLAN tags) and on the decoder path (every
 * packet through the full action chain and the encoder): the same files
 * byte for byte and the same statistics, over generated traffic with every
 * encapsulation the generator makes (VLAN, QinQ, MPLS, GRE, VXLAN, GTP-U,
 * IPv6, ARP), fuzzed copies of it (short and malformed frames) and random
 * bytes, across read-ahead chunks.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { LINKTYPE } from '../../../src/fields/fields.js';
import { runArtifact } from '../../../src/runtime/run/run.js';
import { artifactFor } from '../support/artifact.js';
import { generatedFrames, type TestFrame } from '../walk/frames.js';

const dir = mkdtempSync(join(tmpdir(), 'tmesc-walked-runs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A classic little-endian microsecond pcap file of Ethernet frames, 1 ms apart. */
function pcapFile(frames: readonly TestFrame[], name: string): string {
  const parts: Buffer[] = [];
  const head = Buffer.alloc(24);
  head.writeUInt32LE(0xa1b2c3d4, 0);
  head.writeUInt16LE(2, 4);
  head.writeUInt16LE(4, 6);
  head.writeUInt32LE(262144, 16);
  head.writeUInt32LE(LINKTYPE.ETHERNET, 20);
  parts.push(head);
  frames.forEach((f, i) => {
    const h = Buffer.alloc(16);
    h.writeUInt32LE(1_700_000_000 + Math.floor(i / 1000), 0);
    h.writeUInt32LE((i % 1000) * 1000, 4);
    h.writeUInt32LE(f.data.length, 8);
    h.writeUInt32LE(Math.max(f.wireLen, f.data.length), 12);
    parts.push(h, Buffer.from(f.data));
  });
  const p = join(dir, name);
  writeFileSync(p, Buffer.concat(parts));
  return p;
}

const eth = generatedFrames(3000, 29).filter((f) => f.linkType === LINKTYPE.ETHERNET);
const fuzzed: TestFrame[] = fc
  .sample(
    fc.tuple(
      fc.nat(eth.length - 1),
      fc.array(fc.tuple(fc.nat(96), fc.nat(255)), { minLength: 1, maxLength: 6 }),
      fc.nat(200),
    ),
    { numRuns: 1500, seed: 2612 },
  )
  .map(([i, edits, cut], k) => {
    const data = eth[i].data.slice();
    for (const [at, b] of edits) if (at < data.length) data[at] = b;
    return {
      data: data.subarray(0, cut === 0 ? data.length : Math.min(data.length, cut)),
      linkType: LINKTYPE.ETHERNET,
      wireLen: eth[i].wireLen,
      what: `fuzzed ${k}`,
    };
  });
const random: TestFrame[] = fc
  .sample(fc.tuple(fc.uint8Array({ maxLength: 90 }), fc.nat(200)), { numRuns: 500, seed: 2613 })
  .map(([data, wireLen], k) => ({ data, linkType: LINKTYPE.ETHERNET, wireLen, what: `random ${k}` }));

/** Generated, fuzzed and random frames shuffled together (seeded), repeated past a few read-ahead chunks. */
function mixed(total: number): TestFrame[] {
  const pool = [...eth, ...fuzzed, ...random];
  const out: TestFrame[] = [];
  let s = 99;
  while (out.length < total) {
    s = (s * 1103515245 + 12345) >>> 0;
    out.push(pool[s % pool.length]);
  }
  return out;
}

const COMPARE = `tap t { source pcap "x.pcap"; mark vlan 100 }
group rec { tool rec { output pcap "rec.pcap" } strip all; truncate frame 128 }
group web { tool web { output pcap "web.pcap" } }
group dns { tool dns { output pcap "dns.pcap" } }
group vlans { tool v { output pcap "vlans.pcap" } strip vlan }
rule all from t match any to rec
rule web from t match tcp port 80 to web
rule dns from t match udp port 53 to dns
rule vlans from t match any to vlans`;

let runs = 0;

async function runBoth(input: string): Promise<{ gen: { stats: string; files: string[] }; dec: typeof gen }> {
  const a = artifactFor(dir, COMPARE);
  const res: { stats: string; files: string[] }[] = [];
  for (const packetPath of ['generated', 'decoder'] as const) {
    const out = join(dir, `run-${packetPath}-${runs++}`);
    const st = await runArtifact(a, { inputs: new Map([['t', [input]]]), outDir: out, workers: 0, packetPath });
    const { seconds: _s, ...rest } = st;
    res.push({
      stats: JSON.stringify(rest).replaceAll(out, 'OUT'),
      files: ['rec.pcap', 'web.pcap', 'dns.pcap', 'vlans.pcap'].map((f) => readFileSync(join(out, f)).toString('hex')),
    });
  }
  const gen = res[0];
  return { gen, dec: res[1] };
}

describe("the compare policy's walked steps and edited runs against the full action chain", () => {
  it('generated (VLAN, QinQ, MPLS, tunnels, IPv6), fuzzed and random frames across read-ahead chunks: the same files and statistics', async () => {
    const frames = mixed(9000);
    const { gen, dec } = await runBoth(pcapFile(frames, 'mixed.pcap'));
    expect(gen.stats).toBe(dec.stats);
    ['rec', 'web', 'dns', 'vlans'].forEach((name, i) => {
      expect(gen.files[i].length, name).toBeGreaterThan(48);
      expect(gen.files[i] === dec.files[i], `${name}.pcap: generated path = decoder path`).toBe(true);
    });
    // the walk did the steps of most packets, and runs went on across VLAN and untagged records
    const st = JSON.parse(gen.stats) as { groups: { actions: Record<string, Record<string, number>> }[] };
    expect(st.groups[0].actions.strip.stripped).toBeGreaterThan(100);
    expect(st.groups[3].actions.strip.stripped).toBeGreaterThan(100);
    expect(st.groups[3].actions.strip['nothing-to-strip']).toBeGreaterThan(100);
  });
});
