import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ArtifactError, validateArtifact } from '../../../src/artifact/validate.js';
import { ETHERTYPE } from '../../../src/fields/ethertype.js';
import { LINKTYPE } from '../../../src/fields/fields.js';
import { IPPROTO } from '../../../src/fields/ip-proto.js';
import { generate } from '../../../src/gen/index.js';
import { needsChain, planChains } from '../../../src/runtime/actions/chain.js';
import { ACTIONS } from '../../../src/runtime/actions/registry.js';
import { Replica, Scratch } from '../../../src/runtime/actions/replica.js';
import { emptyRecord } from '../../../src/runtime/capture/record.js';
import { runArtifact } from '../../../src/runtime/run/run.js';
import { decodeFrame } from '../../../src/runtime/decode/decode.js';
import { PacketView } from '../../../src/runtime/decode/view.js';
import { addStats, renderStatsText, type RunStats } from '../../../src/runtime/stats/stats.js';
import { CORPUS_DIR, HAVE_CORPUS } from '../../support/corpus.js';
import { runCli } from '../../cli/helpers.js';
import { artifactFor } from '../support/artifact.js';
import { eth, ethTagged, ipv4, payload, tcp, udp, vlan, vxlan, writePcap } from './frames.js';
import { readPackets, runPolicy } from './support.js';

const dir = mkdtempSync(join(tmpdir(), 'tmesc-chain-'));
const mix = join(dir, 'mix.pcap');
generate({
  output: mix,
  packets: 3000,
  seed: 21,
  encap: { vlan: 0.15, mpls: 0.05, gre: 0.1, vxlan: 0.1, gtpu: 0.1 },
});

const sameRecords = (a: string, b: string) => {
  const x = readPackets(a);
  const y = readPackets(b);
  expect(x.length).toBe(y.length);
  for (let i = 0; i < x.length; i++) {
    expect(x[i].data.equals(y[i].data), `#${i + 1}`).toBe(true);
    expect([x[i].wireLen, x[i].tsSec, x[i].tsNsec, x[i].linkType]).toEqual([
      y[i].wireLen,
      y[i].tsSec,
      y[i].tsNsec,
      y[i].linkType,
    ]);
  }
};

describe('a replica is changed only for its own group', () => {
  const inputs = [
    mix,
    ...(HAVE_CORPUS
      ? ['vxlan.pcap', 'linux_dlt_sll2.pcap', 'pppoe-session-http.pcap', 'gre-pptp.pcap'].map((f) =>
          join(CORPUS_DIR, f),
        )
      : []),
  ];

  it.for(inputs)('a group without actions gets the input bytes, whatever the other groups do (%s)', async (input) => {
    const out = join(dir, `o-${Math.random().toString(36).slice(2)}`);
    mkdirSync(out);
    await runPolicy(
      dir,
      `tap a { source file "${input}" }
group plain { tool p { output pcapng "${out}/plain.pcapng" } }
group s { tool s { output pcapng "${out}/s.pcapng" } strip all }
group t { tool t { output pcapng "${out}/t.pcapng" } truncate payload 0; timestamp ip-option ipv6 hop-by-hop }
group u { tool u { output pcapng "${out}/u.pcapng" } strip vlan; truncate frame 60; timestamp trailer }
rule r from a match any to plain, s, t, u`,
    );
    sameRecords(join(out, 'plain.pcapng'), input);
    // each changed group's output is what it would be alone
    for (const [name, actions] of [
      ['s', 'strip all'],
      ['t', 'truncate payload 0; timestamp ip-option ipv6 hop-by-hop'],
      ['u', 'strip vlan; truncate frame 60; timestamp trailer'],
    ]) {
      const alone = join(out, `${name}-alone.pcapng`);
      await runPolicy(
        dir,
        `tap a { source file "${input}" }
group ${name} { tool x { output pcapng "${alone}" } ${actions} }
rule r from a match any to ${name}`,
      );
      sameRecords(join(out, `${name}.pcapng`), alone);
    }
  });

  it('keeps the captured frame itself until a step changes it: no copy', () => {
    const frame = eth(ETHERTYPE.IPV4, ipv4(IPPROTO.UDP, udp(1, 2, payload(10))));
    const rec = emptyRecord();
    rec.data = frame;
    rec.capLen = frame.length;
    rec.wireLen = frame.length;
    rec.linkType = LINKTYPE.ETHERNET;
    const view = new PacketView();
    decodeFrame(view, frame, frame.length, frame.length, LINKTYPE.ETHERNET);
    const r = new Replica(new Scratch());
    r.start(rec, view, 0);
    expect(r.frame()).toBe(frame);
    expect(r.view()).toBe(view);
    r.cut(20);
    expect(r.frame()).not.toBe(frame);
    expect(Buffer.from(r.frame())).toEqual(frame.subarray(0, 20));
    // the captured frame, shared with other groups, is never written
    expect(frame).toEqual(eth(ETHERTYPE.IPV4, ipv4(IPPROTO.UDP, udp(1, 2, payload(10)))));
    // exact-length views of scratch are reused, not made per packet
    r.start(rec, view, 0);
    r.cut(20);
    const first = r.frame();
    r.start(rec, view, 0);
    r.cut(20);
    expect(r.frame()).toBe(first);
  });

  it('groups whose steps change nothing take the pipeline path; the others get a chain', () => {
    const a = artifactFor(
      dir,
      `tap a { source pcap "${mix}" }
group plain { tool p { output pcap "${dir}/x1.pcap" } tool q { output pcap "${dir}/x2.pcap" } dedup }
group s { tool s { output pcap "${dir}/x3.pcap" } strip vlan }
rule r from a match any to plain, s`,
    );
    expect(a.groups.map(needsChain)).toEqual([false, true]);
    expect(a.groups.map((g) => g.steps)).toEqual([
      ['dedup', 'balance', 'mark', 'output'],
      ['strip', 'balance', 'mark', 'output'],
    ]);
  });
});

describe('the order of steps is data in the artifact', () => {
  const frame = eth(ETHERTYPE.IPV4, ipv4(IPPROTO.TCP, tcp(1, 2, payload(200))));
  const input = join(dir, 'one.pcap');
  writePcap(input, LINKTYPE.ETHERNET, [frame]);
  const body = (out: string) => `tap a { source pcap "${input}" }
group g { tool t { output pcap "${out}" } truncate frame 40; timestamp ip-option }
rule r from a match any to g`;

  it('runs the steps as the artifact lists them', async () => {
    const asCompiled = join(dir, 'order-1.pcap');
    await runArtifact(artifactFor(dir, body(asCompiled)), { inputs: new Map(), workers: 0 });
    // STEP_ORDER: truncate, then timestamp: the 12-byte option survives the cut
    expect(readPackets(asCompiled)[0].data.length).toBe(52);
    const swapped = join(dir, 'order-2.pcap');
    const a = artifactFor(dir, body(swapped));
    a.groups[0].steps = ['balance', 'mark', 'timestamp', 'truncate', 'output'];
    await runArtifact(validateArtifact(JSON.parse(JSON.stringify(a))), { inputs: new Map(), workers: 0 });
    // stamped first, then cut to 40 bytes: the same frame, a different order, a different result
    expect(readPackets(swapped)[0].data.length).toBe(40);
  });

  it('an artifact whose steps leave out an action, or move dedup or output, is refused', () => {
    const a = artifactFor(dir, body(join(dir, 'x.pcap')));
    const bad = (steps: string[]) => {
      const b = structuredClone(a);
      (b.groups[0] as { steps: string[] }).steps = steps;
      return () => validateArtifact(JSON.parse(JSON.stringify(b)));
    };
    expect(bad(['balance', 'mark', 'truncate', 'output'])).toThrow(/lacks its timestamp step/);
    expect(bad(['balance', 'mark', 'truncate', 'timestamp'])).toThrow(/lacks its output step/);
    expect(bad(['balance', 'mark', 'truncate', 'timestamp', 'output', 'dedup'])).toThrow(ArtifactError);
    expect(bad(['balance', 'mark', 'truncate', 'timestamp', 'output', 'paint'])).toThrow(/steps/);
    // artifacts from before steps existed run in STEP_ORDER
    const old = structuredClone(a);
    delete old.groups[0].steps;
    expect(planChains(validateArtifact(JSON.parse(JSON.stringify(old))))[0]!.modules.map((m) => m.module.name)).toEqual(
      ['balance', 'truncate', 'mark', 'timestamp'],
    );
  });

  it('a step this runtime has no module for makes run refuse the policy, naming the group', async () => {
    // every action has its module in this version: take one out to see the refusal
    const saved = ACTIONS.mask;
    delete ACTIONS.mask;
    try {
      const a = artifactFor(
        dir,
        `tap a { source pcap "${input}" }\ngroup rec { tool t { output pcap "${dir}/m.pcap" } strip vlan; mask card-number }\nrule r from a match any to rec`,
      );
      await expect(runArtifact(a, { inputs: new Map([['a', [input]]]), outDir: dir, workers: 0 })).rejects.toThrow(
        /^group 'rec' asks for mask: /,
      );
    } finally {
      ACTIONS.mask = saved;
    }
  });
});

describe('balance, mark and the counters as steps', () => {
  it('balances a stripping group on the sessions its tools receive: both directions of a VXLAN flow on one tool', async () => {
    const frames: Buffer[] = [];
    for (let f = 0; f < 40; f++) {
      const a = `0a0001${(f + 16).toString(16).padStart(2, '0')}`;
      const b = '0a000201';
      const there = eth(ETHERTYPE.IPV4, ipv4(IPPROTO.TCP, tcp(30000 + f, 443, payload(10)), { src: a, dst: b }));
      const back = eth(ETHERTYPE.IPV4, ipv4(IPPROTO.TCP, tcp(443, 30000 + f, payload(10)), { src: b, dst: a }));
      // each VTEP picks its own UDP source port for the flow, as RFC 7348 has it
      frames.push(
        eth(
          ETHERTYPE.IPV4,
          ipv4(IPPROTO.UDP, udp(40000 + f, 4789, vxlan(5, there)), { src: 'c0a80001', dst: 'c0a80002' }),
        ),
      );
      frames.push(
        eth(
          ETHERTYPE.IPV4,
          ipv4(IPPROTO.UDP, udp(50000 + 7 * f, 4789, vxlan(5, back)), { src: 'c0a80002', dst: 'c0a80001' }),
        ),
      );
    }
    const input = join(dir, 'vx.pcap');
    writePcap(input, LINKTYPE.ETHERNET, frames);
    const out = join(dir, `bal-${Math.random().toString(36).slice(2)}`);
    mkdirSync(out);
    const { stats } = await runPolicy(
      dir,
      `tap a { source pcap "${input}" }
group s { tool s1 { output pcap "${out}/s1.pcap" } tool s2 { output pcap "${out}/s2.pcap" } tool s3 { output pcap "${out}/s3.pcap" } strip vxlan }
rule r from a match any to s`,
    );
    const toolOf = new Map<string, string>();
    for (const t of ['s1', 's2', 's3'])
      for (const p of readPackets(join(out, `${t}.pcap`))) {
        const ports = [p.data.readUInt16BE(34), p.data.readUInt16BE(36)].sort().join('-');
        expect(toolOf.get(ports) ?? t, ports).toBe(t);
        toolOf.set(ports, t);
      }
    expect(toolOf.size).toBe(40);
    expect(stats.groups[0].tools.every((t) => t.packets > 0)).toBe(true);
  });

  it("puts the tap's mark on the stripped packet: strip vlan keeps the tap's tag, raw IP gets one on its dummy header", async () => {
    const ip = ipv4(IPPROTO.UDP, udp(1, 2, payload(10)));
    const tagged = join(dir, 'tagged.pcap');
    const raw = join(dir, 'raw.pcap');
    writePcap(tagged, LINKTYPE.ETHERNET, [ethTagged([vlan(10)], ETHERTYPE.IPV4, ip)]);
    writePcap(raw, LINKTYPE.RAW, [ip]);
    const out = join(dir, `mark-${Math.random().toString(36).slice(2)}`);
    mkdirSync(out);
    const { stats } = await runPolicy(
      dir,
      `tap a { source pcap "${tagged}"; mark vlan 101 priority 5 }
tap b { source pcap "${raw}"; mark vlan 102 }
group g { tool t { output pcap "${out}/g.pcap" } strip vlan }
rule r from any match any to g`,
    );
    const [x, y] = readPackets(join(out, 'g.pcap'));
    expect(x.data).toEqual(ethTagged([vlan(101, 5)], ETHERTYPE.IPV4, ip));
    expect(y.data).toEqual(Buffer.concat([Buffer.alloc(12), ethTagged([vlan(102)], ETHERTYPE.IPV4, ip).subarray(12)]));
    expect(y.wireLen).toBe(ip.length + 18);
    expect(stats.groups[0].actions.mark).toEqual({ marked: 2, 'not-ethernet': 0 });
  });

  it.for(['generated', 'decoder'] as const)(
    "counts the tap's marks in a group without actions as in one with a chain (%s path)",
    async (packetPath) => {
      const ip = ipv4(IPPROTO.UDP, udp(1, 2, payload(10)));
      const ether = join(dir, 'marks-eth.pcap');
      const raw = join(dir, 'marks-raw.pcap');
      writePcap(ether, LINKTYPE.ETHERNET, [eth(ETHERTYPE.IPV4, ip), eth(ETHERTYPE.IPV4, ip), eth(ETHERTYPE.IPV4, ip)]);
      writePcap(raw, LINKTYPE.RAW, [ip, ip]);
      const out = join(dir, `marks-${Math.random().toString(36).slice(2)}`);
      mkdirSync(out);
      const artifact = artifactFor(
        dir,
        `tap a { source pcap "${ether}"; mark vlan 101 }
tap b { source pcap "${raw}"; mark vlan 102 }
tap c { source pcap "${ether}"; mark comment }
tap d { source pcap "${ether}" }
group plain { tool t { output pcapng "${out}/plain.pcapng" } }
group cut { tool u { output pcapng "${out}/cut.pcapng" } truncate payload 4 }
rule r from any match any to plain, cut`,
      );
      const stats = await runArtifact(artifact, { inputs: new Map(), workers: 0, packetPath });
      const [plain, cut] = stats.groups;
      // a: 3 tagged; b: 2 raw IP, no Ethernet header for the tag; c: 3 commented; d: no marks, not counted
      expect(cut.actions.mark).toEqual({ marked: 6, 'not-ethernet': 2 });
      expect(plain.actions.mark).toEqual(cut.actions.mark);
      expect(plain.delivered).toBe(11);
      expect(renderStatsText(stats)).toMatch(/group plain:[^\n]*\n[^\n]*\n {4}mark: 6 marked, 2 not ethernet/);
    },
  );

  it('gives a group without actions no mark counters where no tap marks', async () => {
    const input = join(dir, 'no-marks.pcap');
    writePcap(input, LINKTYPE.ETHERNET, [eth(ETHERTYPE.IPV4, ipv4(IPPROTO.UDP, udp(1, 2, payload(10))))]);
    const { stats } = await runPolicy(
      dir,
      `tap a { source pcap "${input}" }
group plain { tool t { output pcap "${dir}/nomarks.pcap" } }
rule r from any match any to plain`,
    );
    expect(stats.groups[0].actions).toEqual({});
  });

  it('counts every replica once per step, in --stats json and the text summary, and sums worker shares', async () => {
    const r = await runCli([
      'run',
      '--no-cache',
      '--stats',
      'json',
      writePolicy(`group g { tool t { output pcap "${dir}/c.pcap" } strip all; truncate payload 10 }`),
    ]);
    expect(r.code).toBe(0);
    const stats = JSON.parse(r.out) as RunStats;
    const g = stats.groups[0];
    for (const counts of Object.values(g.actions)) expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(g.in);
    expect(Object.keys(g.actions)).toEqual(['strip', 'truncate']);
    expect(renderStatsText(stats)).toMatch(
      /\n {4}strip: \d+ stripped, \d+ nothing to strip[^\n]*\n {4}truncate: \d+ cut/,
    );
    const twice = structuredClone(stats);
    addStats(twice, stats);
    expect(twice.groups[0].actions.strip.stripped).toBe(2 * g.actions.strip.stripped);
  });

  it('says on stderr what an action could not do, after the summary; the packets are still delivered', async () => {
    const input = join(dir, 'ppp.pcap');
    const lcp = Buffer.from('ff03c02101010004', 'hex');
    writePcap(input, LINKTYPE.PPP, [lcp, lcp]);
    const p = join(dir, `w${Math.random().toString(36).slice(2)}.tmes`);
    writeFileSync(
      p,
      `policy "w"\ntap a { source pcap "${input}" }\ngroup g { tool t { output pcapng "${dir}/w.pcapng" } strip all }\nrule r from a match any to g\n`,
    );
    const r = await runCli(['run', p, '--no-cache']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/group g: 2 in, 2 delivered, 0 dropped[\s\S]*strip: 2 not ip payload/);
    expect(r.err).toContain(
      "tmesc: warning: group 'g': strip: 2 packets were delivered unstripped: no EtherType names what follows the header to remove",
    );
    expect(readPackets(join(dir, 'w.pcapng')).map((x) => x.data)).toEqual([lcp, lcp]);
  });

  it("a stripping group's pcap file is Ethernet from the start: PPP control first, the IP after it is kept", async () => {
    const input = join(dir, 'ppp-lcp-first.pcap');
    const lcp = Buffer.from('ff03c02101010004', 'hex');
    const ip = ipv4(IPPROTO.UDP, udp(1, 2, payload(4)));
    writePcap(input, LINKTYPE.PPP, [lcp, Buffer.concat([Buffer.from('ff030021', 'hex'), ip])]);
    const p = join(dir, `w${Math.random().toString(36).slice(2)}.tmes`);
    const out = join(dir, 'lcp-first.pcap');
    writeFileSync(
      p,
      `policy "w"\ntap a { source pcap "${input}" }\ngroup g { tool t { output pcap "${out}" } strip all }\nrule r from a match any to g\n`,
    );
    const r = await runCli(['run', p, '--no-cache']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/group g: 2 in, 1 delivered, 1 link-type-mismatch dropped/);
    expect(r.err).toContain(
      "which holds one link type, Ethernet (1) (a stripping group's output): packets of link type PPP (9) that strip could not put on Ethernet (no EtherType names them: PPP control, 802.2 frames) are dropped; output pcapng keeps every link type",
    );
    const got = readPackets(out);
    expect(got.map((x) => x.linkType)).toEqual([LINKTYPE.ETHERNET]);
    expect(got[0].data.subarray(14)).toEqual(ip);
  });

  it('runs on worker threads with the same bytes and counters as on one', async () => {
    const outs: string[] = [];
    const all: RunStats[] = [];
    for (const workers of [0, 2]) {
      const out = join(dir, `w${workers}-${Math.random().toString(36).slice(2)}`);
      mkdirSync(out);
      outs.push(out);
      const a = artifactFor(
        dir,
        `tap a { source pcap "${mix}" }
group s { tool s1 { output pcap "${out}/s1.pcap" } tool s2 { output pcapng "${out}/s2.pcapng" } strip all; truncate payload 20; timestamp ip-option ipv6 destination-option }
group p { tool p { output pcap "${out}/p.pcap" } }
rule r from a match any to s, p`,
      );
      const s = await runArtifact(a, { inputs: new Map(), workers });
      s.seconds = 0;
      for (const g of s.groups) for (const t of g.tools) t.output = t.output.split('/').at(-1)!;
      all.push(s);
    }
    expect(all[1]).toEqual(all[0]);
    for (const f of readdirSync(outs[0]))
      expect(readFileSync(join(outs[1], f)).equals(readFileSync(join(outs[0], f))), f).toBe(true);
  });
});

function writePolicy(groups: string): string {
  const p = join(dir, `p${Math.random().toString(36).slice(2)}.tmes`);
  writeFileSync(p, `policy "c"\ntap a { source pcap "${mix}" }\n${groups}\nrule r from a match any to g\n`);
  return p;
}
