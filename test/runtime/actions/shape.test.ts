import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ETHERTYPE } from '../../../src/fields/ethertype.js';
import { LINKTYPE } from '../../../src/fields/fields.js';
import { IPPROTO } from '../../../src/fields/ip-proto.js';
import { actionWarnings } from '../../../src/runtime/actions/warnings.js';
import { type RunStats, renderStatsText } from '../../../src/runtime/stats/stats.js';
import { runCli } from '../../cli/helpers.js';
import { requirements } from '../../support/tools.js';
import { eth, ipv4, payload, udp } from './frames.js';
import { runPolicy, tsharkFields } from './support.js';
import { DROP, model } from './shaper-model.js';

/**
 * shape end to end: captures of bursty traffic run through a shaped group,
 * the outputs read back with tshark and capinfos. Every packet's output
 * timestamp is the departure a token-counting reference model gives it
 * (shaper-model.ts), to the nanosecond (microsecond outputs: to the
 * microsecond tick the shaper runs at); what the model drops is what the
 * run drops; outputs are in time order (capinfos) and keep the rate over
 * every run of packets; the counters add up.
 */
const exec = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'tmesc-shape-'));
const tools = requirements({ tools: ['tshark', 'capinfos'] });
const START = 1_700_000_000;
let files = 0;

interface Frame {
  data: Buffer;
  /** ns after START. */
  at: number;
}

/** A pcap file of the frames (nanosecond or microsecond magic), each at its time. */
function writeTimed(frames: readonly Frame[], ns: boolean): string {
  const path = join(dir, `in${files++}.pcap`);
  const gh = Buffer.alloc(24);
  gh.writeUInt32LE(ns ? 0xa1b23c4d : 0xa1b2c3d4, 0);
  gh.writeUInt16LE(2, 4);
  gh.writeUInt16LE(4, 6);
  gh.writeUInt32LE(262144, 16);
  gh.writeUInt32LE(LINKTYPE.ETHERNET, 20);
  const parts: Buffer[] = [gh];
  for (const f of frames) {
    const h = Buffer.alloc(16);
    const sec = Math.floor(f.at / 1e9);
    const frac = f.at - sec * 1e9;
    h.writeUInt32LE(START + sec, 0);
    h.writeUInt32LE(ns ? frac : Math.floor(frac / 1000), 4);
    h.writeUInt32LE(f.data.length, 8);
    h.writeUInt32LE(f.data.length, 12);
    parts.push(h, f.data);
  }
  writeFileSync(path, Buffer.concat(parts));
  return path;
}

/** A small deterministic generator (a seeded LCG): the same traffic every run. */
function lcg(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % n;
  };
}

/**
 * Bursts of 1 to 60 frames of 60 to 1514 bytes, 0 to 2 us apart, the bursts
 * 0 to 30 ms apart: about 60% of 20 Mbps, so a 16 KB bucket both lets bursts
 * through and makes packets wait and overflow. Each frame's IP id is its
 * number; `sessions` UDP flows take turns. `back` sets every so many frames
 * 5 us before the one before it (a capture out of order).
 */
function bursty(seed: number, count: number, opts: { sessions?: number; back?: number } = {}): Frame[] {
  const rnd = lcg(seed);
  const frames: Frame[] = [];
  let t = 0;
  while (frames.length < count) {
    t += rnd(30_000_000);
    const n = 1 + rnd(60);
    for (let k = 0; k < n && frames.length < count; k++) {
      t += rnd(2000);
      const i = frames.length;
      const flow = i % (opts.sessions ?? 1);
      const len = 60 + rnd(1455);
      const data = eth(
        ETHERTYPE.IPV4,
        ipv4(IPPROTO.UDP, udp(1000 + flow, 2000 + flow, payload(len - 42, i)), { id: i }),
      );
      const at = opts.back && i % opts.back === opts.back - 1 ? t - 5000 : t;
      frames.push({ data, at });
    }
  }
  return frames;
}

interface Out {
  id: number;
  /** ns after START, exact. */
  at: number;
  capLen: number;
}

/** Each packet of a capture as tshark reads it: IP id, time (ns after START, exactly), captured length. */
async function readOut(file: string): Promise<Out[]> {
  const rows = await tsharkFields(file, ['ip.id', 'frame.time_epoch', 'frame.cap_len']);
  return rows.map(([id, time, capLen]) => {
    const [sec, frac = ''] = time.split('.');
    const ns = (BigInt(sec) - BigInt(START)) * 1_000_000_000n + BigInt(frac.padEnd(9, '0').slice(0, 9));
    return { id: Number(id), at: Number(ns), capLen: Number(capLen) };
  });
}

async function strictlyOrdered(file: string): Promise<boolean> {
  const { stdout } = await exec('capinfos', ['-o', file], { encoding: 'utf8' });
  const m = /Strict time order:\s+(\w+)/.exec(stdout);
  expect(m, stdout).not.toBeNull();
  return m![1] === 'True';
}

/** The worst of bytes(i..j) - rate * (t_j - t_i) over every run i..j of packets of one output: at most the burst. */
function worstExcess(out: readonly Out[], rateBps: number): number {
  let worst = 0;
  let minPrefix = Infinity;
  let bytes = 0;
  for (const p of out) {
    minPrefix = Math.min(minPrefix, bytes - (rateBps * p.at) / 8e9);
    bytes += p.capLen;
    worst = Math.max(worst, bytes - (rateBps * p.at) / 8e9 - minPrefix);
  }
  return worst;
}

/** in = delivered + dropped, and every step and tool counter covers every replica once. */
function expectAccounted(stats: RunStats): void {
  for (const g of stats.groups) {
    const dropped = Object.values(g.dropped).reduce((x, y) => x + y, 0);
    expect(g.in, g.name).toBe(g.delivered + dropped);
    const sh = g.actions.shape;
    if (!sh) continue;
    expect(Object.values(sh).reduce((x, y) => x + y, 0)).toBe(g.in - g.dropped.duplicate);
    expect(sh['buffer-full']).toBe(g.dropped.shaping);
    let shaped = 0;
    for (const t of g.tools) {
      const s = t.shape!;
      shaped += s.passed + s.delayed + s.dropped;
      expect(s.passed + s.delayed).toBe(t.packets);
      expect(s.histogram.reduce((x, [, c]) => x + c, 0)).toBe(t.packets);
    }
    expect(shaped).toBe(g.in - g.dropped.duplicate);
  }
}

describe.skipIf(tools.skip)(`shape: outputs read back with tshark and capinfos${tools.note}`, () => {
  const RATE = 20e6;
  const BURST = 16_000;

  it.for([
    { name: 'nanosecond pcap in, pcapng out (ns)', ns: true, out: 'pcapng', tick: 1 },
    { name: 'microsecond pcap in and out', ns: false, out: 'pcap', tick: 1000 },
  ])('$name: each output time is the reference model departure, drops are its drops', async (c) => {
    const frames = bursty(1, 1500);
    const input = writeTimed(frames, c.ns);
    const file = join(dir, `o${files++}.${c.out}`);
    const { stats } = await runPolicy(
      dir,
      `tap a { source pcap "${input}" }
group g { tool t { output ${c.out} "${file}"; rate 20 Mbps } shape burst 16 KB }
rule r from a match any to g`,
    );
    // what the input file holds, as the shaper sees it
    const arrivals = frames.map((f) => ({ at: c.ns ? f.at : Math.floor(f.at / 1000) * 1000, len: f.data.length }));
    const expected = model({ num: RATE, den: 1, burst: BURST, buffer: BURST, tick: c.tick }, arrivals);
    const out = await readOut(file);
    const want = expected.flatMap((d, i) => (d === DROP ? [] : [{ id: i, at: d, capLen: frames[i].data.length }]));
    expect(out).toEqual(want);
    const drops = expected.filter((d) => d === DROP).length;
    const waited = expected.filter((d, i) => d !== DROP && d > arrivals[i].at).length;
    // the traffic exercises all three ways
    expect(drops).toBeGreaterThan(20);
    expect(waited).toBeGreaterThan(100);
    expect(out.length - waited).toBeGreaterThan(100);
    expect(await strictlyOrdered(file)).toBe(true);
    expect(worstExcess(out, RATE)).toBeLessThanOrEqual(BURST);
    if (c.tick === 1000) expect(out.every((p) => p.at % 1000 === 0)).toBe(true);

    const g = stats.groups[0];
    expectAccounted(stats);
    expect(g.dropped.shaping).toBe(drops);
    expect(g.actions.shape).toEqual({
      passed: out.length - waited,
      delayed: waited,
      'buffer-full': drops,
      'larger-than-burst': 0,
    });
    // the delays the stats report are the ones in the files
    const delays = out.map((p) => p.at - arrivals[p.id].at);
    const s = g.tools[0].shape!;
    expect(s.delayNs.max).toBe(Math.max(...delays));
    expect(s.delayNs.total).toBe(delays.reduce((x, y) => x + y, 0));
    expect(s.delayNs.mean).toBe(Math.round(s.delayNs.total / delays.length));
    const sorted = [...delays].sort((x, y) => x - y);
    for (const [p, got] of [
      [0.5, s.delayNs.p50],
      [0.9, s.delayNs.p90],
      [0.99, s.delayNs.p99],
    ] as const) {
      const exact = sorted[Math.ceil(p * sorted.length) - 1];
      expect(got).toBeGreaterThanOrEqual(exact);
      expect(got).toBeLessThanOrEqual(exact + exact / 16 + 1);
    }
    expect(s.maxQueuedBytes).toBeLessThanOrEqual(BURST);
    expect(s.maxQueuedBytes).toBeGreaterThan(BURST - 1514);
    // said on stderr, and in the summary
    expect(actionWarnings(stats)).toEqual([
      expect.stringMatching(
        new RegExp(`^group 'g': shape: ${drops} packets were dropped by shaping: .*\\(buffer-full\\)$`),
      ),
    ]);
    expect(renderStatsText(stats)).toContain(`      shaped: ${s.passed} at once, ${s.delayed} delayed (delay mean `);
    expect(renderStatsText(stats)).toContain(`${drops} dropped (buffer of 16,000 bytes full)`);
  });

  it('shapes each tool of a group at its own rate, in its own time order', async () => {
    const frames = bursty(2, 3000, { sessions: 40 });
    const input = writeTimed(frames, true);
    const fast = join(dir, `fast${files++}.pcapng`);
    const slow = join(dir, `slow${files++}.pcapng`);
    const { stats } = await runPolicy(
      dir,
      `tap a { source pcap "${input}" }
group g {
  tool fast { output pcapng "${fast}"; rate 20 Mbps }
  tool slow { output pcapng "${slow}"; rate 5 Mbps }
  shape burst 4 KB
}
rule r from a match any to g`,
    );
    expectAccounted(stats);
    const outFast = await readOut(fast);
    const outSlow = await readOut(slow);
    expect(outFast.length).toBeGreaterThan(500);
    expect(outSlow.length).toBeGreaterThan(200);
    for (const [file, out, rate] of [
      [fast, outFast, 20e6],
      [slow, outSlow, 5e6],
    ] as const) {
      expect(await strictlyOrdered(file)).toBe(true);
      expect(worstExcess(out, rate)).toBeLessThanOrEqual(4000);
    }
    // the fast tool was not held to the slow one's rate: it sent more than that rate allows
    expect(worstExcess(outFast, 5e6)).toBeGreaterThan(4000);
    // each tool against the model, over the packets balance sent it (those of its sessions)
    for (const [out, rate] of [
      [outFast, 20e6],
      [outSlow, 5e6],
    ] as const) {
      const flows = new Set(out.map((p) => p.id % 40));
      const mine = frames.map((f, i) => ({ f, i })).filter(({ i }) => flows.has(i % 40));
      const deps = model(
        { num: rate, den: 1, burst: 4000, buffer: 4000, tick: 1 },
        mine.map(({ f }) => ({ at: f.at, len: f.data.length })),
      );
      expect(out).toEqual(
        mine.flatMap(({ f, i }, k) => (deps[k] === DROP ? [] : [{ id: i, at: deps[k], capLen: f.data.length }])),
      );
    }
    const [tf, ts] = stats.groups[0].tools;
    expect(ts.shape!.delayed).toBeGreaterThan(0);
    expect(ts.shape!.delayNs.mean).toBeGreaterThan(tf.shape!.delayNs.mean);
    expect(tf.shape!.rateBps).toBe(20e6);
  });

  it('counts the bytes the tool receives (after truncate), and keeps a capture out of order in time order', async () => {
    const frames = bursty(3, 1500, { back: 7 });
    const input = writeTimed(frames, true);
    const file = join(dir, `cut${files++}.pcapng`);
    const { stats } = await runPolicy(
      dir,
      `tap a { source pcap "${input}" }
group g { tool t { output pcapng "${file}"; rate 2 Mbps } truncate frame 200; shape burst 2 KB }
rule r from a match any to g`,
    );
    expectAccounted(stats);
    const expected = model(
      { num: 2e6, den: 1, burst: 2000, buffer: 2000, tick: 1 },
      frames.map((f) => ({ at: f.at, len: Math.min(200, f.data.length) })),
    );
    const out = await readOut(file);
    expect(out).toEqual(
      expected.flatMap((d, i) => (d === DROP ? [] : [{ id: i, at: d, capLen: Math.min(200, frames[i].data.length) }])),
    );
    // some packets went back in time in the input; none does in the output
    expect(frames.some((f, i) => i > 0 && f.at < frames[i - 1].at)).toBe(true);
    expect(await strictlyOrdered(file)).toBe(true);
    expect(worstExcess(out, 2e6)).toBeLessThanOrEqual(2000);
  });

  it('sends a frame longer than the burst when the bucket is full, counted and said on stderr', async () => {
    // 1 Mbps, 1500-byte burst: 1514-byte frames 100 ms apart find a full bucket; two back to back do not
    const big = (i: number) => eth(ETHERTYPE.IPV4, ipv4(IPPROTO.UDP, udp(1, 2, payload(1514 - 42, i)), { id: i }));
    const frames: Frame[] = [
      { data: big(0), at: 0 },
      { data: big(1), at: 100_000_000 },
      { data: big(2), at: 100_000_000 },
      { data: big(3), at: 300_000_000 },
    ];
    const input = writeTimed(frames, true);
    const file = join(dir, `big${files++}.pcapng`);
    const { stats } = await runPolicy(
      dir,
      `tap a { source pcap "${input}" }
group g { tool t { output pcapng "${file}"; rate 1 Mbps } shape burst 1500 B }
rule r from a match any to g`,
    );
    expectAccounted(stats);
    const out = await readOut(file);
    // frame 2 would wait, and a buffer of 1500 bytes cannot hold it; frame 3 finds the bucket full again
    // (1514 bytes at 1 Mbps are 12.112 ms of deficit after frame 1)
    expect(out.map((p) => [p.id, p.at])).toEqual([
      [0, 0],
      [1, 100_000_000],
      [3, 300_000_000],
    ]);
    expect(stats.groups[0].actions.shape).toEqual({
      passed: 0,
      delayed: 0,
      'buffer-full': 1,
      'larger-than-burst': 3,
    });
    expect(stats.groups[0].tools[0].shape!.oversize).toBe(3);
    const w = actionWarnings(stats);
    expect(w).toHaveLength(2);
    expect(w[1]).toMatch(/3 packets were longer than the shaping burst: .*\(larger-than-burst\)$/);
  });

  it('leaves the other groups copies of the same packets alone, and a run with nothing to shape at zero', async () => {
    const frames = bursty(4, 400);
    const input = writeTimed(frames, true);
    const shaped = join(dir, `s${files++}.pcapng`);
    const plain = join(dir, `p${files++}.pcapng`);
    const { stats } = await runPolicy(
      dir,
      `tap a { source pcap "${input}" }
group s { tool ts { output pcapng "${shaped}"; rate 10 Mbps } shape burst 4 KB }
group p { tool tp { output pcapng "${plain}" } }
group none { tool tn { output pcapng "${join(dir, `n${files++}.pcapng`)}"; rate 1 Mbps } shape burst 4 KB }
rule r from a match any to s, p
rule n from a match arp to none`,
    );
    expectAccounted(stats);
    expect(stats.groups[0].dropped.shaping + stats.groups[0].actions.shape.delayed).toBeGreaterThan(0);
    expect((await readOut(plain)).map((p) => p.at)).toEqual(frames.map((f) => f.at));
    const none = stats.groups[2];
    expect(none.in).toBe(0);
    expect(none.tools[0].shape).toMatchObject({ passed: 0, delayed: 0, dropped: 0, histogram: [] });
    expect(none.tools[0].shape!.delayNs).toEqual({ mean: 0, p50: 0, p90: 0, p99: 0, max: 0, total: 0 });
  });

  it('through the CLI: one thread whatever --workers says, the drops on stderr, the shaper in --stats json', async () => {
    const frames = bursty(1, 1500);
    const input = writeTimed(frames, true);
    const p = join(dir, `cli${files++}.tmes`);
    const out = join(dir, `cli${files++}`);
    writeFileSync(
      p,
      `policy "c"\ntap a { source pcap "${input}" }\ngroup g { tool t { output pcapng "x.pcapng"; rate 20 Mbps } shape burst 16 KB }\nrule r from a match any to g\n`,
    );
    const r = await runCli(['run', p, '--no-cache', '--workers', '2', '--out-dir', out, '--stats', 'json']);
    expect(r.code).toBe(0);
    expect(r.err).toContain('a group keeps state across packets (streams, shaping): this run stays on one thread');
    expect(r.err).toMatch(/tmesc: warning: group 'g': shape: \d+ packets were dropped by shaping: /);
    const stats = JSON.parse(r.out) as RunStats;
    expectAccounted(stats);
    const s = stats.groups[0].tools[0].shape!;
    expect(s).toMatchObject({ burstBytes: 16000, bufferBytes: 16000, rateBps: 20e6 });
    expect(s.histogram.length).toBeGreaterThan(10);
    expect(stats.groups[0].dropped.shaping).toBe(s.dropped);
    expect((await readOut(join(out, 'x.pcapng'))).length).toBe(s.passed + s.delayed);
  });
});
