import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LINKTYPE } from '../src/fields/fields.js';
import { fromDist } from './dist.js';
import { generatePolicy } from './policy-gen.js';
import { median, table } from './report.js';

/**
 * `npm run bench -- startup`: what `tmesc` costs before its first packet, as
 * hyperfine measures a command: each command run ROUNDS times (interleaved,
 * so that load on the machine falls on all alike, after a warm-up round),
 * on a capture with no packets. Wall time is the median (and minimum) of
 * the runs; CPU time (user + system) the mean, from the clock ticks Linux
 * charges this process for the children it waited for (/proc/self/stat),
 * which a loaded machine does not inflate as it does wall time. Each row
 * says how much more than `node -e 0` it takes: the goal of issue 14 is a
 * run of a cached policy within 50 ms of it.
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'bin', 'tmesc.js');
const ROUNDS = Number(process.env.TMESC_BENCH_STARTUP_ROUNDS ?? 21);

/** The CPU time (user + system, ms) of this process's waited-for children so far, or undefined off Linux. */
function childrenCpuMs(): number | undefined {
  if (!existsSync('/proc/self/stat')) return undefined;
  // fields after the command name (which may hold spaces, inside parentheses): cutime and cstime are 16 and 17
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // clock ticks, 100 a second on Linux (sysconf(_SC_CLK_TCK); Node does not expose it)
  return (Number(f[13]) + Number(f[14])) * 10;
}

interface Case {
  name: string;
  args: string[];
  /** added to the environment: TMESC_RUN_PATH=0 runs `run` from the ES module bundle (the A of an A/B) */
  env?: NodeJS.ProcessEnv;
  wall: number[];
  cpu: number[];
}

function runOnce(c: Case, env: NodeJS.ProcessEnv): void {
  const cpu0 = childrenCpuMs();
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, c.args, { env: { ...env, ...c.env }, encoding: 'utf8', cwd: ROOT });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${c.name} failed (${r.status}): ${r.stderr}`);
  const cpu1 = childrenCpuMs();
  c.wall.push(ms);
  if (cpu0 !== undefined && cpu1 !== undefined) c.cpu.push(cpu1 - cpu0);
}

const ms = (x: number) => `${x.toFixed(1)} ms`;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

export async function benchStartup(): Promise<void> {
  // builds dist/ and the bundle the CLI runs, once per `npm run bench`
  const { PCAP_MAGIC_US, PCAP_VERSION_MAJOR, PCAP_VERSION_MINOR } =
    await fromDist<typeof import('../src/runtime/capture/magic.js')>('runtime/capture/magic.ts');
  const dir = mkdtempSync(join(tmpdir(), 'tmesc-bench-startup-'));
  try {
    // a pcap file header (Ethernet) and no packets
    const header = Buffer.alloc(24);
    header.writeUInt32LE(PCAP_MAGIC_US, 0);
    header.writeUInt16LE(PCAP_VERSION_MAJOR, 4);
    header.writeUInt16LE(PCAP_VERSION_MINOR, 6);
    header.writeUInt32LE(65535, 16);
    header.writeUInt32LE(LINKTYPE.ETHERNET, 20);
    writeFileSync(join(dir, 'empty.pcap'), header);
    const small = join(dir, 'small.tmes');
    writeFileSync(
      small,
      `policy "startup"
tap t { source pcap "empty.pcap" }
group g { tool w { output pcap "out/w.pcap" } }
rule web from t match tcp port 80 or udp port 443 to g
rule dns from t match port 53 to g
`,
    );
    // the 1,000-rule policy of the compile benchmark, its taps reading the empty capture
    const large = join(dir, 'large.tmes');
    writeFileSync(large, generatePolicy(1000).replace(/source pcap "[^"]*"/g, 'source pcap "empty.pcap"'));
    const env: NodeJS.ProcessEnv = { ...process.env, TMESC_CACHE_DIR: join(dir, 'cache') };
    delete env.TMESC_CACHE_DEBUG;
    const artifacts: Record<string, string> = {};
    for (const [name, policy] of [
      ['small', small],
      ['large', large],
    ]) {
      artifacts[name] = join(dir, `${name}.json`);
      const r = spawnSync(process.execPath, [CLI, 'compile', policy, '-o', artifacts[name]], { env, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`compile ${policy}: ${r.stderr}`);
    }
    const run = (...a: string[]) => [CLI, 'run', ...a, '--no-progress', '--out-dir', join(dir, 'out')];
    const cases: Case[] = [
      { name: 'node -e 0', args: ['-e', '0'] },
      { name: 'tmesc --version', args: [CLI, '--version'] },
      { name: 'run --artifact (2 rules)', args: run('--artifact', artifacts.small) },
      { name: 'run POLICY, cached (2 rules)', args: run(small) },
      // without the run path (bin/run-path.js): what every `run` started from before it
      { name: 'run POLICY, cached, ES module bundle', args: run(small), env: { TMESC_RUN_PATH: '0' } },
      {
        name: 'run --artifact, ES module bundle',
        args: run('--artifact', artifacts.small),
        env: { TMESC_RUN_PATH: '0' },
      },
      { name: 'run POLICY --no-cache (2 rules)', args: run(small, '--no-cache') },
      { name: 'run --artifact (1,000 rules)', args: run('--artifact', artifacts.large) },
      { name: 'run POLICY, cached (1,000 rules)', args: run(large) },
    ].map((c) => ({ ...c, wall: [], cpu: [] }));
    // the warm-up rounds also write the cache entries the cached rows hit (a miss), then the run path's
    // code cache (written after its first hit)
    for (let i = 0; i < 2; i++) for (const c of cases) runOnce(c, env);
    for (const c of cases) c.wall.length = c.cpu.length = 0;
    for (let i = 0; i < ROUNDS; i++) for (const c of cases) runOnce(c, env);

    const base = cases[0];
    const haveCpu = base.cpu.length > 0;
    console.log(
      `start-up on an empty capture: ${ROUNDS} runs of each, interleaved; wall median (min), CPU mean (user + system); load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
    );
    console.log(
      table(
        ['command', 'wall', 'vs node -e 0', 'CPU', 'vs node -e 0'],
        cases.map((c) => [
          c.name,
          `${ms(median(c.wall))} (${ms(Math.min(...c.wall))})`,
          c === base ? '' : `+${ms(median(c.wall) - median(base.wall))}`,
          haveCpu ? ms(mean(c.cpu)) : 'n/a',
          haveCpu && c !== base ? `+${ms(mean(c.cpu) - mean(base.cpu))}` : '',
        ]),
      ),
    );
    console.log('goal (issue 14): run POLICY, cached, within 50 ms of node -e 0');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
