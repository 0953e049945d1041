import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { LINKTYPE } from '../src/fields/fields.js';
import { openCapture } from '../src/runtime/capture/index.js';
import { capAvailable } from '../src/runtime/live/cap-binding.js';
import { writePcap } from '../test/runtime/actions/frames.js';
import { CLI, dropLab, has, makeLab, replay, ROOT, search, type Trial, Waiter } from './live.js';
import { table } from './report.js';

/**
 * `npm run bench -- live-host-link` (root, ip, tcpreplay, cap): the live host
 * end of an OpenFlow switch's host link (`tmesc run POLICY --report R --live
 * --host-link IFACE`) on a veth pair, tcpreplay sending from the switch's side
 * (another network namespace) a link capture of `tmesc gen` traffic under the
 * report's codes to the host (test/openflow/fixtures/fabric.tmes: its host
 * groups mask, test payloads and lengths, and return packets for the
 * switch's tools). The highest rate with no frame lost: kernel drops 0,
 * tmesc's own drops 0, every frame sent read off the link (its returns, sent
 * back out of the same interface, are seen there too and passed over).
 */

interface Line {
  packetsRead: number;
  hostLink: { read: number; echoed?: number; returned: { vid: number; packets: number }[]; notReturned: number };
  live: {
    taps: {
      captured: number;
      kernelReceived: number | null;
      kernelDrops: number | null;
      behind: number;
      ringFull: number;
    }[];
    tools: { sent: number; lostDown: number; behind: number; sendErrors: number }[];
  };
}

export async function benchLiveHostLink(): Promise<void> {
  const missing = ['ip', 'tcpreplay'].filter((t) => !has(t));
  if (process.getuid?.() !== 0 || missing.length || !capAvailable()) {
    console.log(
      `live-host-link: skipped (needs root, ip, tcpreplay and the cap package; missing: ${missing.join(', ')})`,
    );
    return;
  }
  const b = spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, encoding: 'utf8' });
  if (b.status !== 0) throw new Error(`npm run build failed:\n${b.stdout}${b.stderr}`);
  const base = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  const dir = mkdtempSync(join(base, 'tmesc-bench-host-link-'));
  const fixtures = join(ROOT, 'test', 'openflow', 'fixtures');
  const policy = join(fixtures, 'fabric.tmes');
  const l = makeLab();
  try {
    const prog = join(dir, 'prog');
    execFileSync('node', [
      CLI,
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
    const traffic = join(dir, 'traffic.pcap');
    const per = 20_000;
    execFileSync('node', [CLI, 'gen', '-o', traffic, '-n', String(per), '--seed', '18']);
    const frames: Buffer[] = [];
    const src = openCapture(traffic);
    for (let r; (r = src.next());) {
      const f = Buffer.from(r.data.subarray(0, r.capLen));
      const vid = codes[frames.length % codes.length].vid;
      frames.push(Buffer.concat([f.subarray(0, 12), Buffer.from([0x81, 0x00, vid >> 8, vid & 0xff]), f.subarray(12)]));
    }
    src.close();
    const link = join(dir, 'link.pcap');
    writePcap(link, LINKTYPE.ETHERNET, frames);
    const loops = 5;
    console.log(
      `live host link (${cpus().length} CPUs, load average ${loadavg()[0].toFixed(2)} at the start; trials of ${loops * per} frames, fabric's ${codes.length} codes to the host in turn; veth pair, tcpreplay from another network namespace)`,
    );
    const w = new Waiter(
      spawn(
        'node',
        [
          CLI,
          'run',
          policy,
          '--report',
          report,
          '--live',
          '--host-link',
          l.tap.near,
          '--stats',
          'json',
          '--stats-interval',
          '0.2',
          '--out-dir',
          join(dir, 'out'),
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      ),
    );
    const last = (): Line | undefined => {
      const lines = w.err.split('\n').filter((x) => x.startsWith('{'));
      return lines.length ? (JSON.parse(lines[lines.length - 1]) as Line) : undefined;
    };
    await w.until(() => /capturing/.test(w.err), 'capture');
    let sentTotal = 0;
    let prev: Line | undefined;
    const trial = async (pps: number): Promise<Trial> => {
      const r = replay(l, link, loops, pps);
      sentTotal += r.sent;
      let s: Line | undefined;
      // settled: the kernel has every frame sent (and the returns' echoes), each captured or dropped, and the
      // counters have stood still for a second (20 polls): the host end has read what it will
      let still = 0;
      let seen = '';
      await w.until(() => {
        s = last();
        const t = s?.live.taps[0];
        if (!s || !t || t.kernelReceived === null || t.kernelReceived < sentTotal) return false;
        if (t.captured + t.kernelDrops! < t.kernelReceived) return false;
        const now = `${t.captured} ${t.kernelReceived} ${s.hostLink.read} ${s.packetsRead}`;
        still = now === seen ? still + 1 : 0;
        seen = now;
        return still >= 20;
      }, 'the trial settled');
      const t = s!.live.taps[0];
      const p = prev?.live.taps[0];
      const drops = t.kernelDrops! - (p?.kernelDrops ?? 0);
      const own = t.behind + t.ringFull - ((p?.behind ?? 0) + (p?.ringFull ?? 0));
      const read = s!.hostLink.read - (prev?.hostLink.read ?? 0);
      const returned =
        s!.hostLink.returned.reduce((a, x) => a + x.packets, 0) -
        (prev?.hostLink.returned.reduce((a, x) => a + x.packets, 0) ?? 0);
      prev = s;
      return {
        ok: drops === 0 && own === 0 && read === r.sent,
        achievedPps: r.pps,
        note: `${read} of ${r.sent} read, ${drops} kernel drops, ${own} tmesc drops, ${returned} returned`,
      };
    };
    const f = await search(trial, 'host end');
    w.child.kill('SIGTERM');
    await w.done;
    console.log(
      table(
        [
          'host end',
          'highest rate with no loss (pps asked)',
          'achieved (tcpreplay)',
          'first loss at',
          'tcpreplay --topspeed',
        ],
        [
          [
            'fabric, 1 worker',
            f.best ? f.best.toLocaleString('en') : 'none',
            f.bestAchieved ? Math.round(f.bestAchieved).toLocaleString('en') : '-',
            f.senderLimit
              ? 'tcpreplay could not go faster'
              : f.failedAt
                ? `${f.failedAt.toLocaleString('en')}: ${f.failNote}`
                : '-',
            `${Math.round(f.top.achievedPps).toLocaleString('en')} pps: ${f.top.ok ? 'no loss' : f.top.note}`,
          ],
        ],
      ),
    );
    console.log(`load average at the end: ${loadavg()[0].toFixed(2)}`);
  } finally {
    dropLab(l);
    rmSync(dir, { recursive: true, force: true });
  }
}
