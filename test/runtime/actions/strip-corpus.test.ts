import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ETHERTYPE } from '../../../src/fields/ethertype.js';
import { LINKTYPE } from '../../../src/fields/fields.js';
import { corpusManifest, CORPUS_DIR } from '../../support/corpus.js';
import { requirements } from '../../support/tools.js';
import {
  CHECKSUMS_ON,
  mergecap,
  type Packet,
  readPackets,
  runPolicy,
  STATUS,
  tsharkFields,
  tsharkText,
} from './support.js';

/**
 * strip against tshark's own idea of each packet's layers: `tshark -U IP`
 * exports every IP packet it dissects and `-U Ethernet` every Ethernet
 * frame, in order, so for each input packet the IP packet after its last
 * tunnel and the Ethernet frame around it are known without tmesc's
 * decoder. The stripped output must be that IP packet, on that frame's
 * addresses (zeros where the capture had no Ethernet header), with the
 * EtherType of its version.
 */
const CATEGORIES = [
  'vxlan',
  'gre',
  'pptp-gre',
  'erspan',
  'gtp',
  'l2tp',
  'geneve',
  'teredo',
  'ip-in-ip',
  'mpls',
  'pppoe',
  'qinq',
];
const need = requirements({ tools: ['tshark', 'mergecap'], corpus: true });
const captures = corpusManifest().filter((m) => m.categories.some((c) => CATEGORIES.includes(c)));
const dir = mkdtempSync(join(tmpdir(), 'tmesc-strip-'));

/** Protocols in frame.protocols that carry a packet: what follows the last one is what strip all keeps. */
const TUNNELS = new Set(['gre', 'vxlan', 'geneve', 'erspan', 'gtp', 'l2tp', 'teredo']);
/** IPv6 extension headers: an IP packet behind one of these is still IP in IP. */
const EXTENSIONS = new Set(['ah', 'ipv6.routing', 'ipv6.hopopts', 'ipv6.dstopts']);
const isIp = (p: string) => p === 'ip' || p === 'ipv6';

interface Layers {
  /** Which exported IP packet (of this frame's) strip keeps, or -1 when it keeps none. */
  ip: number;
  /** Which Ethernet layer's addresses the output carries, or -1 for a dummy header. */
  eth: number;
  /** IP packets tshark exports for this frame: those not quoted inside ICMP errors. */
  ipCount: number;
  ethCount: number;
  /** The protocol after the kept Ethernet header when it is not IP (arp, ...). */
  other: string | undefined;
}

/** Of a frame.protocols chain: which layers strip all keeps, as indexes among the frame's IP and Ethernet layers. */
export function expectedLayers(protocols: string): Layers {
  const chain = protocols.split(':');
  const icmp = chain.findIndex((p) => p === 'icmp' || p === 'icmpv6');
  const exported = (i: number) => icmp < 0 || i < icmp;
  const ipAt = chain.map((p, i) => (isIp(p) && exported(i) ? i : -1)).filter((i) => i >= 0);
  const ethAt = chain.map((p, i) => (p === 'eth' ? i : -1)).filter((i) => i >= 0);
  const carried = (i: number) => chain.slice(i + 1).some((p, k) => p === 'eth' || (isIp(p) && exported(i + 1 + k)));
  let start = 0;
  for (let i = 0; i < chain.length; i++) {
    let tunnel = TUNNELS.has(chain[i]);
    if (isIp(chain[i])) {
      let k = i + 1;
      while (k < chain.length && EXTENSIONS.has(chain[k])) k++;
      tunnel = k < chain.length && isIp(chain[k]);
    }
    if (tunnel && carried(i)) start = i + 1;
  }
  const firstEth = ethAt.find((i) => i >= start);
  const firstIp = ipAt.find((i) => i >= start);
  const frameAt = firstEth !== undefined && (firstIp === undefined || firstEth < firstIp) ? firstEth : undefined;
  const lastEthBefore = (i: number) => ethAt.filter((e) => e < i).length - 1;
  const eth = frameAt !== undefined ? ethAt.indexOf(frameAt) : lastEthBefore(firstIp ?? chain.length);
  const other =
    frameAt !== undefined && firstIp === undefined
      ? chain.slice(frameAt + 1).find((p) => p !== 'ethertype' && p !== 'vlan' && p !== 'ieee8021ad')
      : undefined;
  return {
    ip: firstIp === undefined ? -1 : ipAt.indexOf(firstIp),
    eth,
    ipCount: ipAt.length,
    ethCount: ethAt.length,
    other,
  };
}

const mac = (s: string) => Buffer.from(s.replace(/:/g, ''), 'hex');

interface Run {
  file: string;
  damaged: boolean;
  input: Packet[];
  output: Packet[];
  counts: Record<string, number>;
  /** Where this capture's frames start in the merged captures, and its IP exports in tshark's export. */
  first: number;
  firstIp: number;
}

/**
 * Each capture is stripped by its own run; tshark then reads all inputs (and
 * all outputs) merged into one file, three tshark runs in all instead of
 * three a capture. Captures the corpus marks damaged (fuzzed, cut) have
 * frames tshark exports nothing for, so they stay out of the IP export,
 * whose packets are lined up with frames by counting.
 */
async function runAll(): Promise<{ runs: Run[]; fields: string[][]; ips: Buffer[]; outStatus: string[][] }> {
  const runs: Run[] = [];
  let first = 0;
  let firstIp = 0;
  for (const c of captures) {
    const out = join(dir, `${c.file}.out.pcap`);
    const { stats } = await runPolicy(
      dir,
      `tap a { source file "${join(CORPUS_DIR, c.file)}" }
group g { tool t { output pcap "${out}" } strip all }
rule r from a match any to g`,
    );
    const input = readPackets(join(CORPUS_DIR, c.file));
    const damaged = c.categories.some((x) => x === 'malformed' || x === 'truncated');
    runs.push({
      file: c.file,
      damaged,
      input,
      output: readPackets(out),
      counts: stats.groups[0].actions.strip,
      first,
      firstIp,
    });
    first += input.length;
  }
  const inputs = join(dir, 'all-in.pcapng');
  const clean = join(dir, 'clean-in.pcapng');
  const outputs = join(dir, 'all-out.pcapng');
  const exported = join(dir, 'clean-ip.pcapng');
  await Promise.all([
    mergecap(
      inputs,
      runs.map((r) => join(CORPUS_DIR, r.file)),
    ),
    mergecap(
      clean,
      runs.filter((r) => !r.damaged).map((r) => join(CORPUS_DIR, r.file)),
    ),
    mergecap(
      outputs,
      runs.map((r) => join(dir, `${r.file}.out.pcap`)),
    ),
  ]);
  const [fields, outStatus] = await Promise.all([
    tsharkFields(
      inputs,
      ['frame.protocols', 'ip.flags.mf', 'ip.frag_offset', 'eth.dst', 'eth.src', ...STATUS],
      CHECKSUMS_ON,
    ),
    tsharkFields(outputs, STATUS, CHECKSUMS_ON),
    tsharkText(['-r', clean, '-U', 'IP', '-w', exported]),
  ]);
  for (const r of runs) {
    if (r.damaged) continue;
    r.firstIp = firstIp;
    for (let i = 0; i < r.input.length; i++) firstIp += expectedLayers(fields[r.first + i][0]).ipCount;
  }
  return { runs, fields, ips: readPackets(exported).map((p) => p.data), outStatus };
}

const bad = (row: string[]) => row.some((x) => x.split(',').includes('0'));

describe.skipIf(need.skip)(`strip all against tshark -U IP / -U Ethernet${need.note}`, () => {
  it('has tunnel captures to compare', () => {
    expect(captures.length).toBeGreaterThan(20);
  });

  let all: Awaited<ReturnType<typeof runAll>>;
  beforeAll(async () => {
    all = await runAll();
  }, 600_000);

  it("lines up tshark's IP export with the frames", () => {
    const last = all.runs.filter((r) => !r.damaged).at(-1)!;
    let n = last.firstIp;
    for (let i = 0; i < last.input.length; i++) n += expectedLayers(all.fields[last.first + i][0]).ipCount;
    expect(n).toBe(all.ips.length);
  });

  it.for(captures.map((c) => c.file))('%s', (file) => {
    const r = all.runs.find((x) => x.file === file)!;
    const { input, output, counts } = r;
    // every replica is counted once, and all are delivered, on Ethernet unless strip could not
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(input.length);
    expect(output).toHaveLength(input.length);
    const unchanged = counts['not-ip-payload'] + counts.malformed + counts['unknown-link-type'];
    expect(output.filter((p) => p.linkType !== LINKTYPE.ETHERNET).length).toBeLessThanOrEqual(unchanged);
    let ipAt = r.firstIp;
    let compared = 0;
    let inBad = 0;
    let outBad = 0;
    for (let i = 0; i < input.length; i++) {
      const row = all.fields[r.first + i];
      const [protocols, mf, fragOffset, dsts, srcs] = row;
      if (bad(row.slice(5))) inBad++;
      if (bad(all.outStatus[r.first + i])) outBad++;
      const want = expectedLayers(protocols);
      const fragment = mf.split(',').includes('1') || fragOffset.split(',').some((x) => x !== '' && x !== '0');
      const o = output[i];
      const ok = !r.damaged && o.linkType === LINKTYPE.ETHERNET && !fragment;
      if (ok && want.ip >= 0) {
        const ip = all.ips[ipAt + want.ip];
        expect(o.data.readUInt16BE(12), `${file} #${i + 1}: EtherType`).toBe(
          ip[0] >> 4 === 4 ? ETHERTYPE.IPV4 : ETHERTYPE.IPV6,
        );
        expect(o.data.subarray(14, 14 + ip.length).equals(ip), `${file} #${i + 1}: the IP packet`).toBe(true);
        compared++;
      } else if (ok && want.other === 'arp') {
        expect(o.data.readUInt16BE(12), `${file} #${i + 1}: EtherType`).toBe(ETHERTYPE.ARP);
      }
      if (ok) {
        const addresses =
          want.eth >= 0 ? Buffer.concat([mac(dsts.split(',')[want.eth]), mac(srcs.split(',')[want.eth])]) : undefined;
        if (addresses) expect(o.data.subarray(0, 12).equals(addresses), `${file} #${i + 1}: addresses`).toBe(true);
        // no Ethernet header in the capture: a dummy one, destination zero
        else expect(o.data.subarray(0, 6).equals(Buffer.alloc(6)), `${file} #${i + 1}: dummy header`).toBe(true);
      }
      if (!r.damaged) ipAt += want.ipCount;
    }
    if (!r.damaged && counts.stripped > 0 && input.some((_, i) => expectedLayers(all.fields[r.first + i][0]).ip >= 0))
      expect(compared).toBeGreaterThan(0);
    // stripping touches no checksummed byte: no checksum problem the input did not have
    expect(outBad).toBeLessThanOrEqual(inBad);
  });
});
