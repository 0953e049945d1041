import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openCapture } from '../../../src/runtime/capture/index.js';
import { bagSize, BIN, countPackets, Lab, liveRequirements, packetBag } from './netns.js';

/**
 * The host end of an OpenFlow switch's host link, live (`run --live --report
 * R --host-link IFACE`), on a real interface: a veth pair whose far end (the
 * switch's side) sits in a namespace of the test's own. tcpreplay sends a
 * link capture (the tmesc gen traffic under the report's codes to the host,
 * and a few untagged frames) into the host's end; what the host sends back
 * is captured on the far end with tcpdump. The returns, byte for byte (as a
 * multiset: timestamps are the arrival's), and the host's own tools' files
 * equal what the offline host end (`--host-link FILE`) makes of the same
 * capture, and the link's counters are the same.
 */
const req = liveRequirements();
const fixtures = join(import.meta.dirname, '..', '..', 'openflow', 'fixtures');
const fabric = join(fixtures, 'fabric.tmes');

interface LinkStats {
  read: number;
  echoed?: number;
  unknown: number;
  noHostGroup: number;
  toHost: { vid: number; packets: number }[];
  returned: { vid: number; packets: number }[];
  notReturned: number;
}

function writePcap(path: string, frames: Buffer[]): void {
  const head = Buffer.alloc(24);
  head.writeUInt32LE(0xa1b2c3d4, 0);
  head.writeUInt16LE(2, 4);
  head.writeUInt16LE(4, 6);
  head.writeUInt32LE(262144, 16);
  head.writeUInt32LE(1, 20);
  const parts: Buffer[] = [head];
  frames.forEach((f, i) => {
    const h = Buffer.alloc(16);
    h.writeUInt32LE(i, 0);
    h.writeUInt32LE(f.length, 8);
    h.writeUInt32LE(f.length, 12);
    parts.push(h, f);
  });
  writeFileSync(path, Buffer.concat(parts));
}

describe.skipIf(req.skip)(`the host end of the host link, live${req.note}`, () => {
  const top = mkdtempSync(join(tmpdir(), 'tmesc-live-host-link-'));
  const labs: Lab[] = [];
  afterAll(() => {
    for (const l of labs) l.cleanup();
    rmSync(top, { recursive: true, force: true });
  });

  /** The host end of `policy` offline and live (on `cores`: default, one worker per core), compared. */
  async function hostEnd(policy: string, name: string, cores?: string): Promise<number> {
    const work = join(top, name);
    mkdirSync(work, { recursive: true });
    // the switch's program and its report (the code table both ends read)
    const prog = join(work, 'prog');
    execFileSync('node', [
      BIN,
      'compile',
      policy,
      '--emit',
      'openflow',
      '--ports',
      join(fixtures, 'fabric.ports'),
      '-o',
      prog,
    ]);
    const report = join(prog, 'report.json');
    const codes = (JSON.parse(readFileSync(report, 'utf8')) as { host: { toHost: { vid: number }[] } }).host.toHost;

    // the link capture: every generated frame under a code to the host, in turn; a few untagged ones (dropped, counted)
    const traffic = join(work, 'traffic.pcap');
    execFileSync('node', [BIN, 'gen', '-o', traffic, '-n', '1500', '--seed', '18']);
    const frames: Buffer[] = [];
    let untagged = 0;
    const src = openCapture(traffic);
    for (let r; (r = src.next());) {
      const f = Buffer.from(r.data.subarray(0, r.capLen));
      if (frames.length % 300 === 7) {
        frames.push(f);
        untagged++;
      }
      const vid = codes[frames.length % codes.length].vid;
      frames.push(Buffer.concat([f.subarray(0, 12), Buffer.from([0x81, 0x00, vid >> 8, vid & 0xff]), f.subarray(12)]));
    }
    src.close();
    const link = join(work, 'link.pcap');
    writePcap(link, frames);

    // offline: the return capture and the host's files
    const off = join(work, 'off');
    const ret = join(work, 'return.pcap');
    const o = spawnSync(
      'node',
      [
        BIN,
        'run',
        policy,
        '--report',
        report,
        '--host-link',
        link,
        '--host-return',
        ret,
        '--out-dir',
        off,
        '--stats',
        'json',
      ],
      { encoding: 'utf8' },
    );
    expect(o.status, o.stderr).toBe(0);
    const offStats = JSON.parse(o.stdout) as { hostLink: LinkStats; groups: { name: string; delivered: number }[] };
    const expected = packetBag(ret);
    expect(bagSize(expected)).toBeGreaterThan(100);
    expect(untagged).toBeGreaterThan(0);
    expect(offStats.hostLink.unknown).toBe(untagged);
    expect(offStats.hostLink.notReturned).toBe(0);

    // live: the host's end of a veth pair, the switch's end in a namespace
    const l = new Lab();
    labs.push(l);
    const sw = l.ns('sw');
    const { near, far } = l.veth('hl', sw);
    const got = join(work, 'return-live.pcap');
    const dump = await l.tcpdump(sw, far, got);
    const live = join(work, 'live');
    const t = l.start('node', [
      BIN,
      'run',
      policy,
      '--live',
      '--report',
      report,
      '--host-link',
      near,
      '--out-dir',
      live,
      '--stats',
      'json',
      '--stats-interval',
      '0.1',
      '--buffer-size',
      '128',
      ...(cores ? ['--cores', cores] : []),
    ]);
    await t.waitFor(() => /capturing/.test(t.stderr), 'capture to begin');
    await l.replay(sw, far, link);
    const linkStats = () => (t.lastStats() as unknown as { hostLink?: LinkStats } | undefined)?.hostLink;
    await t.waitFor(() => (linkStats()?.read ?? 0) >= frames.length, `${frames.length} frames read`, t.lost);
    await t.waitFor(() => countPackets(got) >= bagSize(expected), `${bagSize(expected)} returns on ${far}`, t.lost);
    t.child.kill('SIGTERM');
    expect(await t.exited, t.stderr).toBe(0);
    dump.child.kill('SIGTERM');
    await dump.exited;

    expect(packetBag(got)).toEqual(expected);
    const final = JSON.parse(t.stdout) as {
      hostLink: LinkStats;
      groups: { name: string; delivered: number }[];
      live: { workers: number };
    };
    for (const k of ['read', 'unknown', 'noHostGroup', 'toHost', 'returned', 'notReturned'] as const)
      expect(final.hostLink[k], k).toEqual(offStats.hostLink[k]);
    // its own returns, seen going out, passed over (not read, not unknown)
    expect(final.hostLink.echoed).toBe(bagSize(expected));
    expect(final.groups.map((g) => [g.name, g.delivered])).toEqual(offStats.groups.map((g) => [g.name, g.delivered]));
    // the host's own tools (no switch port): the same packets in their files
    for (const tool of ['deep-1', 'big-1']) {
      const a = packetBag(join(off, `${tool}.pcap`));
      expect(packetBag(join(live, `${tool}.pcap`)), tool).toEqual(a);
    }
    expect(t.stderr).toContain(`${untagged} packets carry no VLAN code the switch sends the host: dropped`);
    return final.live.workers;
  }

  it('returns what the offline host end returns, out of the same interface; host tools get the same files', async () => {
    // fabric's dlp group masks (state across sessions): one worker
    expect(await hostEnd(fabric, 'one')).toBe(1);
  });

  it('the same with two workers, their link counts added up', async () => {
    // fabric without the mask: sessions shard across workers
    const policy = join(top, 'fabric-2.tmes');
    writeFileSync(policy, readFileSync(fabric, 'utf8').replace(' mask credentials', ''));
    expect(await hostEnd(policy, 'two', '0,1')).toBe(2);
  });
});
