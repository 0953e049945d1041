import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { generate } from '../src/gen/index.js';
import { capAvailable } from '../src/runtime/live/cap-binding.js';
import { table } from './report.js';

/**
 * `npm run bench -- live` (root, ip, tcpreplay, tcpdump, dumpcap, cap): the
 * highest rate tcpreplay can send into a veth tap with no frame lost, for
 * tmesc forwarding every frame to a tool interface (and writing them to a
 * file), against tcpdump -w and dumpcap -w on the same veth. A rate passes
 * when the capture lost nothing (kernel drops 0, tmesc's own drops 0) and,
 * for forwarding, the tool interface's far end received every frame. Rates
 * double from 20,000 packets/s until one fails, then the gap is halved three
 * times. tcpreplay's --pps paces in bursts on a busy machine; its achieved
 * rate is reported, and a rate it cannot reach is said.
 */

export const ROOT = resolve(import.meta.dirname, '..');
export const CLI = join(ROOT, 'bin', 'tmesc.js');
const TRIAL_PACKETS = Number(process.env.TMESC_BENCH_LIVE_PACKETS ?? 100_000);

function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8' });
}

export function has(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
}

export class Waiter {
  out = '';
  err = '';
  readonly done: Promise<number | null>;
  constructor(readonly child: ChildProcess) {
    child.stdout?.on('data', (d: Buffer) => (this.out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (this.err += d.toString()));
    this.done = new Promise((r) => child.on('close', (c) => r(c)));
  }
  /** Polls a condition (with a generous guard against a hang, never a timing assumption). */
  async until(cond: () => boolean, what: string, guardMs = 120_000): Promise<void> {
    const t0 = Date.now();
    while (!cond()) {
      if (this.child.exitCode !== null) throw new Error(`exited before ${what}: ${this.err}`);
      if (Date.now() - t0 > guardMs) throw new Error(`no ${what} after ${guardMs / 1000} s: ${this.err.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

export interface Trial {
  ok: boolean;
  achievedPps: number;
  note: string;
}

export interface Lab {
  ns: string;
  tap: { near: string; far: string };
  tool: { near: string; far: string };
}

export function makeLab(): Lab {
  const id = randomBytes(2).toString('hex');
  const ns = `live-bench-${id}`;
  sh('ip', ['netns', 'add', ns]);
  const pair = (role: string) => {
    const near = `liveb${id}${role}a`;
    const far = `liveb${id}${role}b`;
    sh('ip', ['link', 'add', near, 'type', 'veth', 'peer', 'name', far, 'netns', ns]);
    sh('sysctl', ['-qw', `net.ipv6.conf.${near}.disable_ipv6=1`]);
    sh('ip', ['netns', 'exec', ns, 'sysctl', '-qw', `net.ipv6.conf.${far}.disable_ipv6=1`]);
    sh('ip', ['link', 'set', near, 'mtu', '9000', 'up']);
    sh('ip', ['netns', 'exec', ns, 'ip', 'link', 'set', far, 'mtu', '9000', 'up']);
    return { near, far };
  };
  return { ns, tap: pair('t'), tool: pair('o') };
}

export function dropLab(l: Lab): void {
  spawnSync('ip', ['link', 'del', l.tap.near]);
  spawnSync('ip', ['link', 'del', l.tool.near]);
  spawnSync('ip', ['netns', 'del', l.ns]);
}

/** tcpreplay at `pps` (0: --topspeed) from the far end; packets sent and the rate it achieved. */
export function replay(l: Lab, file: string, loops: number, pps: number): { sent: number; pps: number } {
  const pace = pps > 0 ? ['--pps', String(pps)] : ['--topspeed'];
  const r = spawnSync(
    'ip',
    ['netns', 'exec', l.ns, 'tcpreplay', '-i', l.tap.far, ...pace, '--loop', String(loops), file],
    {
      encoding: 'utf8',
    },
  );
  if (r.status !== 0) throw new Error(`tcpreplay failed: ${r.stderr}`);
  const sent = Number(/Actual: (\d+) packets/.exec(r.stdout)?.[1] ?? NaN);
  const rate = Number(/Rated: [\d.]+ Bps, [\d.]+ Mbps, ([\d.]+) pps/.exec(r.stdout)?.[1] ?? NaN);
  return { sent, pps: rate };
}

function farRx(l: Lab): number {
  return Number(sh('ip', ['netns', 'exec', l.ns, 'cat', `/sys/class/net/${l.tool.far}/statistics/rx_packets`]));
}

interface LiveLine {
  packetsRead: number;
  groups: { delivered: number }[];
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

/** One tmesc for a whole search: each trial compares its counters before and after. */
class TmescRun {
  private readonly w: Waiter;
  constructor(policy: string, out: string, extra: string[]) {
    this.w = new Waiter(
      spawn(
        'node',
        [CLI, 'run', policy, '--live', '--stats', 'json', '--stats-interval', '0.2', '--out-dir', out, ...extra],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      ),
    );
  }
  started(): Promise<void> {
    return this.w.until(() => /capturing/.test(this.w.err), 'capture');
  }
  last(): LiveLine | undefined {
    const lines = this.w.err.split('\n').filter((x) => x.startsWith('{'));
    return lines.length ? (JSON.parse(lines[lines.length - 1]) as LiveLine) : undefined;
  }
  /** Waits until the kernel has counted `kernelTotal` frames and every one is captured or dropped and processed. */
  async settled(kernelTotal: number, forward: boolean): Promise<LiveLine> {
    let s: LiveLine | undefined;
    await this.w.until(() => {
      s = this.last();
      const t = s?.live.taps[0];
      if (!s || !t || t.kernelReceived === null || t.kernelReceived < kernelTotal) return false;
      // every frame the kernel took is captured or dropped, and every frame captured processed
      if (t.captured + t.kernelDrops! < t.kernelReceived || s.packetsRead + t.behind + t.ringFull < t.captured)
        return false;
      if (!forward) return true;
      const o = s.live.tools[0];
      return o.sent + o.lostDown + o.behind + o.sendErrors >= s.groups[0].delivered;
    }, 'the trial settled');
    return s!;
  }
  async stop(): Promise<void> {
    this.w.child.kill('SIGTERM');
    await this.w.done;
  }
}

async function searchTmesc(l: Lab, file: string, loops: number, forward: boolean, extra: string[], dir: string) {
  const policy = join(dir, forward ? 'fwd.tmes' : 'file.tmes');
  writeFileSync(
    policy,
    `policy "bench-live"\ntap span { source interface "${l.tap.near}" }\n` +
      `group g { tool t { output ${forward ? `interface "${l.tool.near}"` : 'pcap "out.pcap"'} } }\nrule all match any to g\n`,
  );
  const run = new TmescRun(policy, join(dir, 'out'), extra);
  await run.started();
  let kernel = 0;
  let base = run.last();
  const trial = async (pps: number): Promise<Trial> => {
    const rx0 = farRx(l);
    const r = replay(l, file, loops, pps);
    kernel += r.sent;
    const s = await run.settled(kernel, forward);
    const t = s.live.taps[0];
    const t0 = base?.live.taps[0];
    const drops = t.kernelDrops! - (t0?.kernelDrops ?? 0);
    const own = t.behind + t.ringFull - ((t0?.behind ?? 0) + (t0?.ringFull ?? 0));
    let wire = r.sent;
    if (forward) {
      // the far end counts what arrived; wait for the tool's process to have sent it all
      const want = s.groups[0].delivered - (base?.groups[0].delivered ?? 0);
      const t1 = Date.now();
      while (farRx(l) - rx0 < want && Date.now() - t1 < 10_000) await new Promise((res) => setTimeout(res, 50));
      wire = farRx(l) - rx0;
    }
    base = s;
    const ok = drops === 0 && own === 0 && wire === r.sent;
    return {
      ok,
      achievedPps: r.pps,
      note: `${drops} kernel drops, ${own} tmesc drops${forward ? `, ${r.sent - wire} not at the tool` : ''}`,
    };
  };
  try {
    return await search(trial, `tmesc ${forward ? 'forward' : 'file'} ${extra.join(' ')}`);
  } finally {
    await run.stop();
  }
}

/** Frames the tap interface has received (its near end). */
function nearRx(l: Lab): number {
  return Number(readFileSync(`/sys/class/net/${l.tap.near}/statistics/rx_packets`, 'utf8'));
}

/**
 * tcpdump -w (or dumpcap -w) from the start of a trial to its end: its own
 * counts at exit. It is stopped once the interface has received every frame
 * sent; what it had not read yet by then is not a loss (the kernel's count
 * of frames received by the filter has them), kernel drops are.
 */
async function searchCapturer(
  l: Lab,
  file: string,
  loops: number,
  which: 'tcpdump' | 'dumpcap',
  bufferMiB: number,
  dir: string,
) {
  const trial = async (pps: number): Promise<Trial> => {
    const out = join(dir, which === 'tcpdump' ? 'td.pcap' : 'dc.pcapng');
    rmSync(out, { force: true });
    const args =
      which === 'tcpdump'
        ? ['-n', '-i', l.tap.near, '-B', String(bufferMiB * 1024), '-w', out]
        : ['-i', l.tap.near, '-B', String(bufferMiB), '-w', out];
    const w = new Waiter(spawn(which, args, { stdio: ['ignore', 'pipe', 'pipe'] }));
    await w.until(() => /listening on|Capturing on/.test(w.err), `${which} listening`);
    const rx0 = nearRx(l);
    const r = replay(l, file, loops, pps);
    await w.until(() => nearRx(l) - rx0 >= r.sent, 'every frame at the interface');
    w.child.kill('SIGINT');
    await w.done;
    let received: number;
    let dropped: number;
    if (which === 'tcpdump') {
      received = Number(/(\d+) packets? received by filter/.exec(w.err)?.[1] ?? NaN);
      dropped = Number(/(\d+) packets? dropped by kernel/.exec(w.err)?.[1] ?? NaN);
    } else {
      // "Packets received/dropped on interface 'x': R/D (pcap:P/dumpcap:Q/flushed:F/ps_ifdrop:I)"
      const m = /Packets received\/dropped on interface '[^']+': (\d+)\/(\d+)/.exec(w.err);
      received = Number(m?.[1] ?? NaN);
      dropped = Number(m?.[2] ?? NaN);
    }
    return {
      ok: dropped === 0 && (which === 'dumpcap' || received === r.sent),
      achievedPps: r.pps,
      note: `${dropped} dropped, ${received} of ${r.sent} received`,
    };
  };
  return search(trial, which);
}

export interface Found {
  best: number;
  bestAchieved: number;
  failedAt: number | undefined;
  failNote: string;
  senderLimit: boolean;
  /** The trial at tcpreplay --topspeed. */
  top: Trial;
}

/** Doubling from 20,000 pps until a trial fails (or tcpreplay cannot go faster), then three halvings of the gap. */
export async function search(raw: (pps: number) => Promise<Trial>, what: string): Promise<Found> {
  const trial = async (pps: number) => {
    const t = await raw(pps);
    console.log(
      `  ${what} at ${pps ? `${pps} pps` : 'top speed'} (tcpreplay: ${Math.round(t.achievedPps)}): ${t.ok ? 'no loss' : 'loss'}; ${t.note}`,
    );
    return t;
  };
  let ok = 0;
  let okAchieved = 0;
  let bad: number | undefined;
  let failNote = '';
  let senderLimit = false;
  for (let pps = 20_000; pps <= 4_000_000; pps *= 2) {
    const t = await trial(pps);
    if (!t.ok) {
      bad = pps;
      failNote = t.note;
      break;
    }
    ok = pps;
    okAchieved = t.achievedPps;
    // tcpreplay fell well short of the rate asked: the sender is the limit
    if (t.achievedPps < pps * 0.8) {
      senderLimit = true;
      break;
    }
  }
  if (bad !== undefined && !senderLimit) {
    for (let i = 0; i < 3; i++) {
      const mid = Math.round((ok + bad) / 2);
      const t = await trial(mid);
      if (t.ok) {
        ok = mid;
        okAchieved = t.achievedPps;
      } else {
        bad = mid;
        failNote = t.note;
      }
    }
  }
  // and as fast as tcpreplay can send
  const top = await trial(0);
  return { best: ok, bestAchieved: okAchieved, failedAt: bad, failNote, senderLimit, top };
}

export async function benchLive(): Promise<void> {
  const missing = ['ip', 'tcpreplay', 'tcpdump', 'dumpcap', 'perl'].filter((t) => !has(t));
  if (process.getuid?.() !== 0 || missing.length || !capAvailable()) {
    console.log(
      `live: skipped (needs root, ip, tcpreplay, tcpdump, dumpcap, perl and the cap package; missing: ${[
        ...(process.getuid?.() !== 0 ? ['root'] : []),
        ...missing,
        ...(capAvailable() ? [] : ['cap']),
      ].join(', ')})`,
    );
    return;
  }
  const b = spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, encoding: 'utf8' });
  if (b.status !== 0) throw new Error(`npm run build failed:\n${b.stdout}${b.stderr}`);
  const base = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  const dir = mkdtempSync(join(base, 'tmesc-bench-live-'));
  const l = makeLab();
  try {
    const file = join(dir, 'traffic.pcap');
    const per = 20_000;
    const g = generate({ output: file, packets: per, seed: 5 });
    const loops = Math.max(1, Math.round(TRIAL_PACKETS / per));
    console.log(
      `live (${cpus().length} CPUs, load average ${loadavg()[0].toFixed(2)} at the start: a busy machine's figures are noisy; ` +
        `trials of ${loops * per} packets (${per}-packet capture of ${(g.bytes / per).toFixed(0)} bytes a packet on average, ${loops} loops); ` +
        `veth pair, tcpreplay --pps from another network namespace; files on ${base})`,
    );
    const rows: string[][] = [];
    const add = (what: string, f: Found) => {
      rows.push([
        what,
        f.best ? f.best.toLocaleString('en') : 'none',
        f.bestAchieved ? Math.round(f.bestAchieved).toLocaleString('en') : '-',
        f.senderLimit
          ? 'tcpreplay could not go faster'
          : f.failedAt
            ? `${f.failedAt.toLocaleString('en')}: ${f.failNote}`
            : '-',
        `${Math.round(f.top.achievedPps).toLocaleString('en')} pps: ${f.top.ok ? 'no loss' : f.top.note}`,
      ]);
      console.log(`${what}: ${rows[rows.length - 1].slice(1).join('; ')}`);
    };
    add(
      'tmesc: tap -> tool interface, 1 worker (--cores 1)',
      await searchTmesc(l, file, loops, true, ['--cores', '1'], dir),
    );
    add('tmesc: tap -> tool interface, 2 workers', await searchTmesc(l, file, loops, true, [], dir));
    add(
      'tmesc: tap -> pcap file, 1 worker (--cores 1)',
      await searchTmesc(l, file, loops, false, ['--cores', '1'], dir),
    );
    add(
      'tmesc: tap -> tool interface, 1 worker, 2 MiB buffer',
      await searchTmesc(l, file, loops, true, ['--cores', '1', '--buffer-size', '2'], dir),
    );
    if (has('ethtool')) {
      // offloads off, as capture interfaces should be: libpcap's ring slots shrink to the MTU's frame
      sh('ethtool', ['-K', l.tap.near, 'gro', 'off', 'gso', 'off', 'tso', 'off']);
      add(
        'tmesc: tap -> tool interface, 1 worker, tap offloads off',
        await searchTmesc(l, file, loops, true, ['--cores', '1'], dir),
      );
      add(
        'tmesc: tap -> pcap file, 1 worker, tap offloads off',
        await searchTmesc(l, file, loops, false, ['--cores', '1'], dir),
      );
      add(
        'tmesc: tap -> tool interface, 2 workers, tap offloads off',
        await searchTmesc(l, file, loops, true, [], dir),
      );
      sh('ethtool', ['-K', l.tap.near, 'gro', 'on', 'gso', 'on', 'tso', 'on']);
    } else console.log('(ethtool not installed: no figures with the tap interface offloads off)');
    add('tcpdump -w (2 MiB buffer, its default)', await searchCapturer(l, file, loops, 'tcpdump', 2, dir));
    add('tcpdump -w -B 65536 (64 MiB, as tmesc)', await searchCapturer(l, file, loops, 'tcpdump', 64, dir));
    add('dumpcap -w (2 MiB buffer, its default)', await searchCapturer(l, file, loops, 'dumpcap', 2, dir));
    add('dumpcap -w -B 64', await searchCapturer(l, file, loops, 'dumpcap', 64, dir));
    console.log(
      table(
        [
          'capture',
          'highest rate with no loss (pps asked)',
          'achieved (tcpreplay)',
          'first loss at',
          'tcpreplay --topspeed',
        ],
        rows,
      ),
    );
    console.log(
      `load average at the end: ${loadavg()[0].toFixed(2)}; tmesc's version: ${readFileSync(join(ROOT, 'dist/bundle/bundle-id.txt'), 'utf8').trim()}`,
    );
  } finally {
    dropLab(l);
    rmSync(dir, { recursive: true, force: true });
  }
}
