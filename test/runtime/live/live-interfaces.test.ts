import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCapture } from '../../../src/runtime/capture/index.js';
import {
  bagSize,
  BIN,
  countPackets,
  Lab,
  liveRequirements,
  type LiveStatsLine,
  packetBag,
  portProcesses,
  type Proc,
} from './netns.js';
import { conversation, writeCapture } from '../actions/tcp-conversation.js';
import { eth, ipv4, payload, udp } from '../actions/frames.js';
import { ETHERTYPE } from '../../../src/fields/ethertype.js';
import { IPPROTO } from '../../../src/fields/ip-proto.js';

/**
 * tmesc on real interfaces: veth pairs into network namespaces, captures
 * replayed with tcpreplay, tools' interfaces captured with tcpdump. What each
 * tool receives live equals what an offline run of the same policy on the
 * same packets delivers (as multisets of frames: live timestamps are the
 * arrival's, and workers interleave sessions).
 */
const req = liveRequirements();

describe.skipIf(req.skip)(`live runs on real interfaces${req.note}`, () => {
  let work: string;
  let capture: string;
  const labs: Lab[] = [];

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'tmesc-live-'));
    capture = join(work, 'traffic.pcap');
    execFileSync('node', [BIN, 'gen', '-o', capture, '-n', '3000', '--seed', '13']);
  });

  afterAll(() => {
    for (const l of labs) l.cleanup();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  function lab(): Lab {
    const l = new Lab();
    labs.push(l);
    return l;
  }

  function policy(name: string, body: string): string {
    const p = join(work, `${name}.tmes`);
    writeFileSync(p, `policy "${name}"\n${body}\n`);
    return p;
  }

  function offline(p: string, tap: string, input: string, out: string): void {
    const r = spawnSync('node', [BIN, 'run', p, '--input', `${tap}=${input}`, '--out-dir', out], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
  }

  function live(l: Lab, p: string, out: string, extra: string[] = []): Proc {
    return l.start('node', [
      BIN,
      'run',
      p,
      '--live',
      '--stats',
      'json',
      '--stats-interval',
      '0.1',
      '--out-dir',
      out,
      // 2,048 frames of kernel buffer (the test veths have offloads on: 64 KiB slots), for a loaded machine's pauses
      '--buffer-size',
      '128',
      ...extra,
    ]);
  }

  const delivered = (t: Proc) => t.lastStats()?.groups.reduce((s, g) => s + g.delivered, 0) ?? 0;

  /** Stops tmesc as a user would; its final stats, every frame accounted for in them. */
  async function stop(t: Proc, signal: NodeJS.Signals = 'SIGTERM', quiet = true): Promise<LiveStatsLine> {
    t.child.kill(signal);
    expect(await t.exited, t.stderr).toBe(0);
    const final = JSON.parse(t.stdout) as LiveStatsLine;
    expectAccounted(final, quiet);
    return final;
  }

  /**
   * Every frame libpcap handed over was processed or dropped by tmesc with a
   * reason; every copy a group got was delivered or dropped with a reason;
   * and when the traffic had stopped before tmesc did (`quiet`), every frame
   * the kernel took was captured, dropped by the kernel, or left in its buffer.
   */
  function expectAccounted(s: LiveStatsLine, quiet: boolean): void {
    for (const t of s.live.taps) {
      const processed = s.taps.find((x) => x.name === t.name)!.packets;
      expect(t.captured, `tap ${t.name}`).toBe(t.behind + t.ringFull + processed);
      if (quiet && t.kernelReceived !== null && t.restarts === 0)
        expect(t.kernelReceived, `tap ${t.name}: the kernel's count`).toBe(
          t.kernelDrops! + t.captured + (t.unreadAtStop ?? 0),
        );
    }
    expect(s.packetsRead).toBe(s.taps.reduce((a, t) => a + t.packets, 0));
    for (const g of s.groups) {
      expect(g.in, `group ${g.name}`).toBe(g.delivered + Object.values(g.dropped).reduce((a, b) => a + b, 0));
      expect(g.delivered, `group ${g.name}`).toBe(g.tools.reduce((a, t) => a + t.packets, 0));
    }
  }

  it('a SPAN tap to a tool on an interface and a tool writing a file: the same packets as offline', async () => {
    const l = lab();
    const src = l.ns('src');
    const dst = l.ns('dst');
    const tap = l.veth('t', src);
    const tool = l.veth('o', dst);
    const p = policy(
      'span',
      [
        `tap span { source interface "${tap.near}" }`,
        `group ids { tool ids-a { output interface "${tool.near}" } }`,
        'group rec { tool rec-1 { output pcap "rec.pcap" } }',
        'rule web match tcp to ids',
        'rule dns match udp port 53 or icmp to rec',
      ].join('\n'),
    );
    const off = join(work, 'span-off');
    offline(p, 'span', capture, off);
    const wantIds = packetBag(join(off, 'ids-a.pcapng'));
    const wantRec = packetBag(join(off, 'rec.pcap'));
    const total = bagSize(wantIds) + bagSize(wantRec);
    expect(bagSize(wantIds)).toBeGreaterThan(500);

    const seen = join(work, 'span-ids.pcap');
    const td = await l.tcpdump(dst, tool.far, seen);
    const on = join(work, 'span-on');
    const t = live(l, p, on);
    await t.waitFor(() => /capturing/.test(t.stderr), 'capture started');
    await l.replay(src, tap.far, capture);
    await t.waitFor(() => delivered(t) === total, `${total} packets delivered`, t.lost);
    const final = await stop(t);
    await td.waitFor(() => countPackets(seen) === bagSize(wantIds), 'the tool interface got every packet');
    td.child.kill('SIGINT');
    await td.exited;
    expect(packetBag(seen)).toEqual(wantIds);
    expect(packetBag(join(on, 'rec.pcap'))).toEqual(wantRec);
    expect(final.live.tools[0].sent).toBe(bagSize(wantIds));
    expect(final.live.taps[0].ringFull).toBe(0);
    expect(final.live.taps[0].kernelDrops).toBe(0);
    expect(final.live.taps[0].kernelBufferFrames).toBeGreaterThan(0);
    // every stage was called and counted its packets
    expect(final.live.stages.some((s) => s.stage === 'tap span' && s.packets > 0)).toBe(true);
  });

  it('an inline tap bridges its two ports both ways while the tools get copies', async () => {
    const l = lab();
    const left = l.ns('left');
    const right = l.ns('right');
    const a = l.veth('l', left);
    const b = l.veth('r', right);
    const p = policy(
      'inline',
      [
        `tap wire { inline "${a.near}" <-> "${b.near}" }`,
        'group rec { tool rec-1 { output pcap "wire.pcap" } }',
        'rule all match any to rec',
      ].join('\n'),
    );
    const back = join(work, 'back.pcap');
    execFileSync('node', [BIN, 'gen', '-o', back, '-n', '1000', '--seed', '14']);
    const on = join(work, 'inline-on');
    const atRight = join(work, 'at-right.pcap');
    const atLeft = join(work, 'at-left.pcap');
    const tdRight = await l.tcpdump(right, b.far, atRight);
    const tdLeft = await l.tcpdump(left, a.far, atLeft);
    const t = live(l, p, on, ['--cores', '0']);
    await t.waitFor(() => /capturing/.test(t.stderr), 'capture started');
    // one capture from the left, another from the right: each must come out on the other side
    await l.replay(left, a.far, capture);
    await l.replay(right, b.far, back);
    const there = packetBag(capture);
    const backThere = packetBag(back);
    await tdRight.waitFor(() => countPackets(atRight) === bagSize(there), 'left to right crossed', t.lost);
    await tdLeft.waitFor(() => countPackets(atLeft) === bagSize(backThere), 'right to left crossed', t.lost);
    const both = bagSize(there) + bagSize(backThere);
    await t.waitFor(() => delivered(t) === both, 'the tool got a copy of each', t.lost);
    // SIGINT, as ^C in a terminal
    const final = await stop(t, 'SIGINT');
    for (const td of [tdRight, tdLeft]) {
      td.child.kill('SIGINT');
      await td.exited;
    }
    expect(packetBag(atRight)).toEqual(there);
    expect(packetBag(atLeft)).toEqual(backThere);
    const copies = packetBag(join(on, 'wire.pcap'));
    const want = new Map(there);
    for (const [k, v] of backThere) want.set(k, (want.get(k) ?? 0) + v);
    expect(copies).toEqual(want);
    expect(final.live.taps[0].bridged).toBe(both);
    expect(final.live.taps[0].bridgeErrors).toBe(0);
  });

  // the plain path, and a group with steps (its replicas go through the action chain: balance, then truncate)
  it.each([
    ['', ''],
    [' (a group with steps)', 'truncate frame 200'],
  ])('a tool link set down and up again: its sessions go to the other tool and come back%s', async (_, steps) => {
    const l = lab();
    const name = steps ? 'failover-steps' : 'failover';
    const src = l.ns('src');
    const dst = l.ns('dst');
    const tap = l.veth('t', src);
    const ta = l.veth('a', dst);
    const tb = l.veth('b', dst);
    const p = policy(
      name,
      [
        `tap span { source interface "${tap.near}" }`,
        `group lb { tool a { output interface "${ta.near}" } tool b { output interface "${tb.near}" } balance session ${steps} }`,
        'rule all match ip to lb',
      ].join('\n'),
    );
    // offline, the same balancing: how many packets each tool gets of one replay
    const off = spawnSync(
      'node',
      [BIN, 'run', p, '--input', `span=${capture}`, '--out-dir', join(work, `${name}-off`), '--stats', 'json'],
      {
        encoding: 'utf8',
      },
    );
    expect(off.status, off.stderr).toBe(0);
    const [a1, b1] = (JSON.parse(off.stdout).groups[0].tools as { packets: number }[]).map((x) => x.packets);
    const perRun = a1 + b1;
    expect(a1).toBeGreaterThan(0);
    expect(b1).toBeGreaterThan(0);
    const seenA = join(work, `${name}-a.pcap`);
    const seenB = join(work, `${name}-b.pcap`);
    const tdA = await l.tcpdump(dst, ta.far, seenA);
    const tdB = await l.tcpdump(dst, tb.far, seenB);
    const t = live(l, p, join(work, `${name}-on`));
    await t.waitFor(() => /capturing/.test(t.stderr), 'capture started');
    const group = () => t.lastStats()?.groups[0];
    const sent = () => t.lastStats()?.live.tools.reduce((s, x) => s + x.sent, 0) ?? 0;
    const tools = () => group()!.tools.map((x) => x.packets);
    // phase 1: both up
    await l.replay(src, tap.far, capture);
    await t.waitFor(() => group()?.delivered === perRun && sent() === perRun, 'phase 1 delivered and sent', t.lost);
    expect(tools()).toEqual([a1, b1]);
    // phase 2: a down
    execFileSync('ip', ['link', 'set', ta.near, 'down']);
    await t.waitFor(() => /interface \S+ is down/.test(t.stderr), 'tmesc saw the link go down');
    await l.replay(src, tap.far, capture);
    await t.waitFor(
      () => group()!.delivered === 2 * perRun && sent() === 2 * perRun,
      'phase 2 delivered and sent',
      t.lost,
    );
    expect(tools()).toEqual([a1, b1 + perRun]);
    expect(group()!.failover).toBe(a1);
    // phase 3: a back
    execFileSync('ip', ['link', 'set', ta.near, 'up']);
    await t.waitFor(() => /is up again/.test(t.stderr), 'tmesc saw the link come back');
    await l.replay(src, tap.far, capture);
    await t.waitFor(
      () => group()!.delivered === 3 * perRun && sent() === 3 * perRun,
      'phase 3 delivered and sent',
      t.lost,
    );
    expect(tools()).toEqual([2 * a1, 2 * b1 + perRun]);
    const final = await stop(t);
    expect(final.live.tools.find((x) => x.name === 'a')!.downs).toBe(1);
    expect(final.live.tools.map((x) => x.sendErrors)).toEqual([0, 0]);
    expect(final.groups[0].failover).toBe(a1);
    // and the wires carried them
    await tdA.waitFor(() => countPackets(seenA) === 2 * a1, 'tool a got its share twice');
    await tdB.waitFor(() => countPackets(seenB) === 2 * b1 + perRun, "tool b got its share twice and a's once");
    for (const td of [tdA, tdB]) {
      td.child.kill('SIGINT');
      await td.exited;
    }
    // the steps ran on what the wires carried
    const longest = Math.max(...[seenA, seenB].flatMap((f) => [...packetBag(f).keys()].map((k) => k.length / 2)));
    if (steps) expect(longest).toBeLessThanOrEqual(200);
    else expect(longest).toBeGreaterThan(200);
  });

  it('held replicas leave on the clock: a segment replace holds back goes out once its hold time passes, with no more traffic', async () => {
    const l = lab();
    const src = l.ns('src');
    const tap = l.veth('t', src);
    const p = policy(
      'clock',
      [
        `tap span { source interface "${tap.near}" }`,
        'group web { tool w { output pcap "web.pcap" } replace /Server: [^\\r\\n]*/ with "Server: x" }',
        'rule all match tcp to web',
      ].join('\n'),
    );
    // the handshake, then a segment whose end may start a match: replace holds it for the next, which never comes
    const frames = conversation([{ from: 's', data: 'HTTP/1.1 200 OK\r\nServer: Apa' }]).frames;
    const file = join(work, 'held.pcap');
    writeCapture(file, frames);
    const on = join(work, 'clock-on');
    const t = live(l, p, on);
    await t.waitFor(() => /capturing/.test(t.stderr), 'capture started');
    await l.replay(src, tap.far, file);
    // delivered while tmesc runs on: only a worker's clock tick can have let the held segment go
    await t.waitFor(() => delivered(t) === frames.length, 'the held segment released by the clock', t.lost);
    const final = await stop(t);
    const g = final.groups[0] as LiveStatsLine['groups'][number] & { actions: Record<string, Record<string, number>> };
    expect(g.actions.replace['released-early']).toBe(1);
    const out = packetBag(join(on, 'web.pcap'));
    expect(bagSize(out)).toBe(frames.length);
    expect([...out.keys()].some((k) => Buffer.from(k, 'hex').toString('latin1').endsWith('Server: x'))).toBe(true);
  });

  it('a shaped tool on an interface gets its packets at its rate, the held ones released by the clock with no later traffic', async () => {
    const l = lab();
    const src = l.ns('src');
    const dst = l.ns('dst');
    const tap = l.veth('t', src);
    const tool = l.veth('o', dst);
    const burst = 16 * 1024;
    const rateBps = 400_000;
    const p = policy(
      'shaped',
      [
        `tap span { source interface "${tap.near}" }`,
        `group slow { tool s { output interface "${tool.near}"; rate 400 kbps } shape burst 16 KB }`,
        // what the tap saw, stamped by tmesc's clock: when the shaper's bucket started
        'group seen { tool r { output pcap "seen.pcap" } }',
        'rule all match udp to slow, seen',
      ].join('\n'),
    );
    // 32 frames of 1,000 bytes in 6 ms: the burst lets about 16 through at once, the others wait, 20 ms apart
    const frames = Array.from({ length: 32 }, (_, i) =>
      eth(ETHERTYPE.IPV4, ipv4(IPPROTO.UDP, udp(20000 + i, 53, payload(1000 - 42, i)))),
    );
    expect(frames.every((f) => f.length === 1000)).toBe(true);
    const file = join(work, 'shaped.pcap');
    writeCapture(file, frames);
    const wire = join(work, 'shaped-tool.pcap');
    const td = await l.tcpdump(dst, tool.far, wire);
    const on = join(work, 'shaped-on');
    const t = live(l, p, on);
    await t.waitFor(() => /capturing/.test(t.stderr), 'capture started');
    await l.replay(src, tap.far, file);
    // every replica out while tmesc runs on and no more traffic comes: only the clock can have let the held ones go
    const slow = () => t.lastStats()?.groups.find((g) => g.name === 'slow');
    await t.waitFor(() => slow()?.delivered === frames.length, 'the shaped queue drained on the clock', t.lost);
    await td.waitFor(() => countPackets(wire) === frames.length, 'the tool interface got every packet');
    const final = await stop(t);
    td.child.kill('SIGINT');
    await td.exited;
    const g = final.groups.find((x) => x.name === 'slow')! as LiveStatsLine['groups'][number] & {
      tools: { shape: { passed: number; delayed: number; dropped: number } }[];
    };
    const shaped = g.tools[0].shape;
    expect(shaped.dropped).toBe(0);
    expect(shaped.delayed).toBeGreaterThanOrEqual(8);
    expect(shaped.passed + shaped.delayed).toBe(frames.length);

    // the rate, from the clocks: the bucket started full when the tap stamped the first frame (T0), so the k-th
    // frame cannot reach the tool's wire before T0 + (k frames' bytes - burst) / rate; tcpdump stamps the far end
    const stamps = (f: string) => {
      const c = openCapture(f);
      const out: { port: number; ns: number }[] = [];
      for (let r; (r = c.next());) out.push({ port: (r.data[34] << 8) | r.data[35], ns: r.tsSec * 1e9 + r.tsNsec });
      c.close();
      return out;
    };
    const t0 = stamps(join(on, 'seen.pcap'))[0].ns;
    const arrived = stamps(wire);
    expect(arrived.map((a) => a.port)).toEqual(frames.map((_, i) => 20000 + i));
    // the two clocks (tmesc's wall clock from a monotonic one, the kernel's) may differ by a little: 2 ms
    const slack = 2e6;
    arrived.forEach((a, k) => {
      const earliest = t0 + (((k + 1) * 1000 - burst) * 8 * 1e9) / rateBps;
      expect(a.ns, `frame ${k + 1}`).toBeGreaterThanOrEqual(earliest - slack);
    });
    // the held ones went out over the time the rate takes, not at once
    const last = arrived[arrived.length - 1].ns;
    expect(last - t0).toBeGreaterThanOrEqual(((frames.length * 1000 - burst) * 8 * 1e9) / rateBps - slack);
  });

  it('de-duplication across two taps: both copies of a packet reach one worker, and the tool gets it once', async () => {
    const l = lab();
    const src = l.ns('src');
    const ta = l.veth('a', src);
    const tb = l.veth('b', src);
    const p = policy(
      'dedup',
      [
        `tap a { source interface "${ta.near}" }`,
        `tap b { source interface "${tb.near}" }`,
        // the window is wide: the two replays start apart by however long a loaded machine takes
        'group ops { tool o { output pcap "ops.pcap" } dedup window 10 s }',
        'rule all match udp to ops',
      ].join('\n'),
    );
    // 2,000 packets, all different, of 2,000 sessions (spread over the workers)
    const frames = Array.from({ length: 2000 }, (_, i) =>
      eth(ETHERTYPE.IPV4, ipv4(IPPROTO.UDP, udp(10000 + i, 53, payload(40 + (i % 300), i)))),
    );
    const file = join(work, 'unique.pcap');
    writeCapture(file, frames);
    const on = join(work, 'dedup-on');
    const t = live(l, p, on);
    await t.waitFor(() => /capturing/.test(t.stderr), 'capture started');
    // the same packets at both taps at once, as a link tapped at two points
    await Promise.all([l.replay(src, ta.far, file), l.replay(src, tb.far, file)]);
    const group = () => t.lastStats()?.groups[0];
    await t.waitFor(() => group()?.in === 2 * frames.length, 'both copies of every packet processed', t.lost);
    const final = await stop(t);
    const g = final.groups[0];
    expect(final.taps.map((x) => x.packets)).toEqual([frames.length, frames.length]);
    expect(g.dropped.duplicate).toBe(frames.length);
    expect(g.delivered).toBe(frames.length);
    const want = new Map(frames.map((f) => [f.toString('hex'), 1]));
    expect(packetBag(join(on, 'ops.pcap'))).toEqual(want);
  });

  it('quota fairness: a flooding tap does not starve a quiet one', async () => {
    const l = lab();
    const src = l.ns('src');
    const flood = l.veth('f', src);
    const quiet = l.veth('q', src);
    const big = join(work, 'flood.pcap');
    execFileSync('node', [BIN, 'gen', '-o', big, '-n', '50000', '--seed', '21']);
    const few = join(work, 'quiet.pcap');
    execFileSync('node', [BIN, 'gen', '-o', few, '-n', '200', '--seed', '22', '--mix', 'udp=1']);
    const p = policy(
      'fair',
      [
        `tap flood { source interface "${flood.near}" }`,
        `tap quiet { source interface "${quiet.near}" }`,
        'group f { tool f1 { output pcap "flood.pcap" } }',
        'group q { tool q1 { output pcap "quiet.pcap" } }',
        'rule rf from flood match any to f',
        'rule rq from quiet match any to q',
      ].join('\n'),
    );
    const on = join(work, 'fair-on');
    const t = live(l, p, on, ['--cores', '0']);
    await t.waitFor(() => /capturing/.test(t.stderr), 'capture started');
    const flooding = l.start('ip', [
      'netns',
      'exec',
      src,
      'tcpreplay',
      '-q',
      '-i',
      flood.far,
      '--topspeed',
      '--loop',
      '0',
      big,
    ]);
    const floodTap = () => t.lastStats()?.live.taps.find((x) => x.name === 'flood')?.captured ?? 0;
    await t.waitFor(() => floodTap() > 20_000, 'the flood under way');
    await l.replay(src, quiet.far, few, ['--pps', '200']);
    const quietSent = countPackets(few);
    const quietTap = () => t.lastStats()!.groups.find((g) => g.name === 'q')!.delivered;
    // the quiet tap's packets are all delivered while the flood goes on
    await t.waitFor(() => quietTap() === quietSent || flooding.child.exitCode !== null, 'quiet packets delivered');
    expect(flooding.child.exitCode).toBeNull();
    const floodEnd = Date.now() / 1000;
    flooding.child.kill('SIGINT');
    await flooding.exited;
    const final = await stop(t, 'SIGTERM', false);
    const q = final.live.taps.find((x) => x.name === 'quiet')!;
    expect(q.ringFull + q.behind).toBe(0);
    expect(final.groups.find((g) => g.name === 'q')!.delivered).toBe(quietSent);
    // and stamped on arrival, before the flood ended
    const s = openCapture(join(on, 'quiet.pcap'));
    for (let r; (r = s.next());) expect(r.tsSec + r.tsNsec / 1e9).toBeLessThan(floodEnd);
    s.close();
  });

  it('SIGTERM mid-run leaves complete, readable outputs and no temporary files', async () => {
    const l = lab();
    const src = l.ns('src');
    const tap = l.veth('t', src);
    const p = policy(
      'term',
      [
        `tap span { source interface "${tap.near}" }`,
        'group rec { tool r1 { output pcap "all.pcap" } tool r2 { output pcapng "all.pcapng" } balance session }',
        'rule all match any to rec',
      ].join('\n'),
    );
    const on = join(work, 'term-on');
    const t = live(l, p, on);
    await t.waitFor(() => /capturing/.test(t.stderr), 'capture started');
    const flooding = l.start('ip', [
      'netns',
      'exec',
      src,
      'tcpreplay',
      '-q',
      '-i',
      tap.far,
      '--topspeed',
      '--loop',
      '0',
      capture,
    ]);
    await t.waitFor(() => (t.lastStats()?.packetsRead ?? 0) > 10_000, 'traffic under way');
    // stopped while packets still pour in
    const final = await stop(t, 'SIGTERM', false);
    flooding.child.kill('SIGINT');
    await flooding.exited;
    expect(readdirSync(on).sort()).toEqual(['all.pcap', 'all.pcapng']);
    const tools = final.groups[0].tools;
    for (const [file, i] of [
      ['all.pcap', 0],
      ['all.pcapng', 1],
    ] as const) {
      const r = spawnSync('capinfos', ['-c', '-M', join(on, file)], { encoding: 'utf8' });
      if (r.status !== null && !r.error) {
        expect(r.status, r.stderr).toBe(0);
        expect(r.stderr).not.toMatch(/cut short|truncated|error/i);
      }
      const src2 = openCapture(join(on, file));
      let n = 0;
      while (src2.next()) n++;
      expect(src2.truncatedAt).toBeUndefined();
      src2.close();
      expect(n).toBe(tools[i].packets);
    }
    expect(final.groups[0].delivered).toBe(tools[0].packets + tools[1].packets);
  });

  it('kernel drops are counted: a capture that cannot read fills the kernel buffer, and every frame is accounted for', async () => {
    const l = lab();
    const src = l.ns('src');
    const tap = l.veth('t', src);
    const p = policy(
      'drops',
      [
        `tap span { source interface "${tap.near}" }`,
        'group rec { tool r { output pcap "all.pcap" } }',
        'rule all match any to rec',
      ].join('\n'),
    );
    const on = join(work, 'drops-on');
    // a 1 MiB kernel buffer, and the tap's process stopped while 2.7 MB of frames arrive
    const t = live(l, p, on, ['--buffer-size', '1']);
    await t.waitFor(() => /capturing/.test(t.stderr), 'capture started');
    const [pid] = portProcesses(t.child.pid!, 'tap');
    process.kill(pid, 'SIGSTOP');
    for (let i = 0; i < 3; i++) await l.replay(src, tap.far, capture);
    process.kill(pid, 'SIGCONT');
    const sent = 3 * countPackets(capture);
    await t.waitFor(() => {
      const c = t.lastStats()?.live.taps[0];
      return (
        c?.kernelReceived === sent && c.captured + c.kernelDrops! === sent && t.lastStats()!.packetsRead === c.captured
      );
    }, 'every frame captured or counted as dropped by the kernel');
    const final = await stop(t);
    const c = final.live.taps[0];
    expect(c.kernelDrops).toBeGreaterThan(0);
    expect(c.captured + c.kernelDrops!).toBe(sent);
    expect(countPackets(join(on, 'all.pcap'))).toBe(final.groups[0].delivered);
    expect(final.groups[0].delivered).toBe(c.captured);
    expect(t.stderr).not.toMatch(/no IPv4 address assigned/);
  });

  it('a tap interface set down and up again: capture starts again, and counts across both', async () => {
    const l = lab();
    const src = l.ns('src');
    const tap = l.veth('t', src);
    const p = policy(
      'tapdown',
      [
        `tap span { source interface "${tap.near}" }`,
        'group rec { tool r { output pcap "all.pcap" } }',
        'rule all match any to rec',
      ].join('\n'),
    );
    const on = join(work, 'tapdown-on');
    const n = countPackets(capture);
    // the worker spinning on its core (--poll busy) rather than waiting
    const t = live(l, p, on, ['--cores', '0', '--poll', 'busy']);
    await t.waitFor(() => /capturing/.test(t.stderr), 'capture started');
    await l.replay(src, tap.far, capture);
    await t.waitFor(() => delivered(t) === n, 'the first replay delivered', t.lost);
    execFileSync('ip', ['link', 'set', tap.near, 'down']);
    await t.waitFor(() => /tap 'span': capture on \S+ stopped \(\S+ went down\)/.test(t.stderr), 'capture stopped');
    execFileSync('ip', ['link', 'set', tap.near, 'up']);
    await t.waitFor(() => /tap 'span': capturing on \S+ again/.test(t.stderr), 'capture started again');
    await l.replay(src, tap.far, capture);
    await t.waitFor(() => delivered(t) === 2 * n, 'the second replay delivered', t.lost);
    const final = await stop(t);
    expect(final.live.taps[0]).toMatchObject({ captured: 2 * n, restarts: 1, kernelDrops: 0 });
    const stages = final.live.stages;
    expect(stages.find((s) => s.stage === 'tap span')!.packets).toBe(2 * n);
    expect(stages.find((s) => s.stage === 'wait')!.calls).toBe(0);
    expect(countPackets(join(on, 'all.pcap'))).toBe(2 * n);
    expect(t.stderr).not.toMatch(/Assertion|status == 0/);
  });

  it('a second signal while finishing ends tmesc at once (exit 130), leaving no temporary file', async () => {
    const l = lab();
    const src = l.ns('src');
    const tap = l.veth('t', src);
    const p = policy(
      'twice',
      [
        `tap span { source interface "${tap.near}" }`,
        'group rec { tool r { output pcap "all.pcap" } }',
        'rule all match any to rec',
      ].join('\n'),
    );
    const on = join(work, 'twice-on');
    const t = live(l, p, on);
    await t.waitFor(() => /capturing/.test(t.stderr), 'capture started');
    await l.replay(src, tap.far, capture);
    await t.waitFor(() => delivered(t) > 0, 'traffic');
    // the tap's process stopped, tmesc cannot finish: the user insists
    const [pid] = portProcesses(t.child.pid!, 'tap');
    process.kill(pid, 'SIGSTOP');
    t.child.kill('SIGINT');
    await t.waitFor(() => /SIGINT: stopping/.test(t.stderr), 'the first signal heard');
    t.child.kill('SIGINT');
    expect(await t.exited).toBe(130);
    process.kill(pid, 'SIGCONT');
    expect(readdirSync(on)).toEqual([]);
    // its port processes go with it (the test's timeout is the guard)
    while (spawnSync('pgrep', ['-f', `port-process.*${tap.near}`]).status === 0)
      await new Promise((r) => setTimeout(r, 50));
  });

  it('an interface that is not there: exit 2 naming it, nothing written, no process left', async () => {
    const l = lab();
    const missing = `live${l.id}nope`;
    const p = policy(
      'missing',
      [
        `tap span { source interface "${missing}" }`,
        'group rec { tool r { output pcap "all.pcap" } }',
        'rule all match any to rec',
      ].join('\n'),
    );
    const on = join(work, 'missing-on');
    const t = live(l, p, on);
    expect(await t.exited).toBe(2);
    expect(t.stderr).toBe(`tmesc: tap 'span': interface ${missing} is not there\n`);
    expect(readdirSync(on)).toEqual([]);
    expect(spawnSync('pgrep', ['-f', `port-process.*${missing}`]).status).toBe(1);
  });
});
