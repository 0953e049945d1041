import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { StepName } from '../src/artifact/steps.js';
import { generate } from '../src/gen/index.js';
import type { GroupActions } from '../src/policy/policy.js';
import { isPending } from '../src/policy/pending-actions.js';
import { ACTIONS } from '../src/runtime/actions/registry.js';
import { openCapture } from '../src/runtime/capture/index.js';
import type { RunStats } from '../src/runtime/stats/stats.js';
import { hasTool } from '../test/support/tools.js';
import { median, table } from './report.js';
import { ENCAP } from './runtime.js';

const ROOT = resolve(import.meta.dirname, '..');
const CLI = join(ROOT, 'bin', 'tmesc.js');
const RUNS = Number(process.env.TMESC_BENCH_RUNS ?? 3);

/**
 * One row of the per-action table: what the group (or its tool, or the tap)
 * says besides the plain run's policy, and the step it needs. A new action
 * is one line here; a row whose step this build does not perform is listed
 * as such, not run. `rate` is the tool's rate (shape needs one): a number of
 * bits/s, or a fraction of the capture's own mean rate.
 */
interface ActionCase {
  name: string;
  step: StepName;
  group?: string;
  tap?: string;
  rate?: { bps: number } | { ofCapture: number };
}

const ACTION_CASES: ActionCase[] = [
  { name: 'strip all', step: 'strip', group: 'strip all' },
  { name: 'truncate payload 0', step: 'truncate', group: 'truncate payload 0' },
  { name: 'truncate frame 128', step: 'truncate', group: 'truncate frame 128' },
  { name: 'timestamp ip-option', step: 'timestamp', group: 'timestamp ip-option' },
  { name: 'timestamp trailer', step: 'timestamp', group: 'timestamp trailer' },
  { name: 'mark vlan (tap)', step: 'mark', tap: 'mark vlan 100' },
  { name: 'shape, 10 Gbps (nothing waits)', step: 'shape', group: 'shape burst 256 KB', rate: { bps: 10e9 } },
  { name: 'shape, at 0.9 x the capture rate', step: 'shape', group: 'shape burst 64 KB', rate: { ofCapture: 0.9 } },
  { name: 'mask card-number, credentials', step: 'mask', group: 'mask card-number, credentials' },
  { name: 'replace', step: 'replace', group: 'replace /Server: [^\\r\\n]*/ with "Server: x"' },
];

/**
 * Whether this build's run performs a step: it has the module, and the
 * policy's action is not on the pending list (which run refuses).
 */
function performs(step: StepName): boolean {
  const key = ({ mask: 'masks', replace: 'replaces' } as Partial<Record<StepName, keyof GroupActions>>)[step];
  return ACTIONS[step] !== undefined && !(key && isPending(key));
}

/** The policy of one row: every packet to one group of one tool, with the row's settings. */
function actionPolicy(cap: string, c: ActionCase | undefined, captureBps: number): string {
  const rate = c?.rate ? Math.round('bps' in c.rate ? c.rate.bps : c.rate.ofCapture * captureBps) : undefined;
  return `policy "bench-action"
tap t { source pcap "${cap}"${c?.tap ? `; ${c.tap}` : ''} }
group g {
  tool w { output pcap "g.pcap"${rate ? `; rate ${rate} bps` : ''} }
  ${c?.group ?? ''}
}
rule r from t match any to g
`;
}

interface Timed {
  ms: number;
  /** User + system CPU time of the command and everything it waited for: steadier than wall time on a busy machine. */
  cpuMs: number;
  stdout: string;
}

/** bash's `times` after the command: its last line is the CPU time of the shell's children ("0m1.857s 0m0.010s"). */
const TIMES = /(\d+)m([\d.]+)s (\d+)m([\d.]+)s\s*$/;

function timed(cmd: string, args: string[]): Timed {
  const t = performance.now();
  const r = spawnSync('bash', ['-c', '"$@"; s=$?; times >&2; exit $s', 'bash', cmd, ...args], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    cwd: ROOT,
  });
  const ms = performance.now() - t;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr}`);
  const m = TIMES.exec(r.stderr);
  if (!m) throw new Error(`no CPU times from bash's times after ${cmd}: ${r.stderr}`);
  const cpuMs = (Number(m[1]) * 60 + Number(m[2]) + Number(m[3]) * 60 + Number(m[4])) * 1000;
  return { ms, cpuMs, stdout: r.stdout };
}

/** `tmesc run` of a compiled policy into an emptied directory (emptied outside the timing). */
function tmescRun(
  artifact: string,
  outDir: string,
  workers?: number,
  extra: string[] = [],
): Timed & { stats: RunStats } {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const r = timed('node', [
    CLI,
    'run',
    `--artifact=${artifact}`,
    // 1: a policy with a stateful group splits its groups over two threads (default: as the machine has cores)
    ...(workers === undefined ? [] : ['--workers', String(workers)]),
    '--no-progress',
    '--out-dir',
    outDir,
    '--stats',
    'json',
    ...extra,
  ]);
  return { ...r, stats: JSON.parse(r.stdout) as RunStats };
}

/** A capture of a few packets of the same traffic, for warm-up runs (warmUp). */
let warmCapture: string | undefined;
const WARM_PACKETS = 2_000;

/**
 * One untimed run of each policy over a few packets of the same traffic
 * (its tap is `t`), before any timed one: the first run with a build
 * writes the run path's code cache, and a run that uses code the cache lacks
 * writes it again (bin/run-path.js), each paying for compiling and writing
 * it. Without this, a row's first timed run paid that (with one run each,
 * the plain row took 897 ms against strip's 492: docs/design/measurements.md,
 * "passfast, session 12").
 */
function warmUp(artifacts: string[], outDir: string, workers?: number): void {
  for (const a of artifacts) tmescRun(a, outDir, workers, ['--input', `t=${warmCapture}`]);
}

function compile(dir: string, name: string, text: string): string {
  const policy = join(dir, `${name}.tmes`);
  writeFileSync(policy, text);
  const artifact = join(dir, `${name}.json`);
  timed('node', [CLI, 'compile', policy, '-o', artifact]);
  return artifact;
}

/** Packets and bits per second of a capture: its bytes over its time span. */
function captureRate(path: string): { packets: number; bps: number } {
  const src = openCapture(path);
  let packets = 0;
  let bytes = 0;
  let first = 0;
  let last = 0;
  try {
    for (let r; (r = src.next());) {
      const t = r.tsSec + r.tsNsec / 1e9;
      if (packets === 0) first = t;
      last = t;
      packets++;
      bytes += r.capLen;
    }
  } finally {
    src.close();
  }
  return { packets, bps: last > first ? (bytes * 8) / (last - first) : 0 };
}

const fmtMs = (ms: number) => `${ms.toFixed(0)} ms`;
const fmtRate = (pps: number) => `${(pps / 1e6).toFixed(2)} Mpkt/s`;

/**
 * `npm run bench -- actions`: throughput of `tmesc run` with each action on,
 * against the same run without it; then one policy whose groups strip and
 * truncate, mask, and carry the tap's mark, against the pipeline of standard
 * tools a user would write for the parts they can do.
 */
export async function benchActions(): Promise<void> {
  const packets = Number(process.env.TMESC_BENCH_PACKETS ?? 500_000);
  const base = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  const dir = mkdtempSync(join(base, 'tmesc-bench-actions-'));
  const cacheBefore = process.env.TMESC_CACHE_DIR;
  process.env.TMESC_CACHE_DIR = join(dir, 'cache');
  try {
    const b = spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, encoding: 'utf8' });
    if (b.status !== 0) throw new Error(`npm run build failed:\n${b.stdout}${b.stderr}`);
    const cap = join(dir, 'cap.pcap');
    const g = generate({ output: cap, packets, seed: 11, encap: ENCAP });
    const { bps } = captureRate(cap);
    warmCapture = join(dir, 'warm.pcap');
    generate({ output: warmCapture, packets: WARM_PACKETS, seed: 11, encap: ENCAP });
    console.log(
      `actions (${cpus().length} CPUs, load average ${loadavg()[0].toFixed(2)} at the start: figures from a busy machine are noisy; capture ${g.packets} packets, ${(g.bytes / 1e6).toFixed(0)} MB, ${(bps / 1e6).toFixed(0)} Mbps over its time span, encap ${JSON.stringify(ENCAP)}; every packet to one group of one tool; median of ${RUNS} runs, cases taking turns)`,
    );
    benchEachAction(dir, cap, bps);
    console.log('');
    benchAgainstPipeline(dir, cap);
  } finally {
    if (cacheBefore === undefined) delete process.env.TMESC_CACHE_DIR;
    else process.env.TMESC_CACHE_DIR = cacheBefore;
    rmSync(dir, { recursive: true, force: true });
  }
}

function benchEachAction(dir: string, cap: string, captureBps: number): void {
  const cases: (ActionCase | undefined)[] = [undefined, ...ACTION_CASES.filter((c) => performs(c.step))];
  const missing = ACTION_CASES.filter((c) => !performs(c.step));
  const artifacts = cases.map((c, i) => compile(dir, `a${i}`, actionPolicy(cap, c, captureBps)));
  const wall: number[][] = cases.map(() => []);
  const inProcess: number[][] = cases.map(() => []);
  const last: RunStats[] = [];
  const out = join(dir, 'out');
  warmUp(artifacts, out);
  for (let run = 0; run < RUNS; run++)
    // each round in another order, so that a slow spell of the machine does not land on one case
    for (let k = 0; k < cases.length; k++) {
      const i = (k + run) % cases.length;
      const r = tmescRun(artifacts[i], out);
      wall[i].push(r.ms);
      inProcess[i].push(r.stats.seconds);
      last[i] = r.stats;
    }
  const plainPps = last[0].packetsRead / median(inProcess[0]);
  const plainWall = median(wall[0]);
  const rows = cases.map((c, i) => {
    const pps = last[i].packetsRead / median(inProcess[i]);
    return [
      c?.name ?? 'plain (no action)',
      fmtMs(median(wall[i])),
      fmtRate(pps),
      (pps / plainPps).toFixed(2),
      (median(wall[i]) / plainWall).toFixed(2),
      c ? whatItDid(last[i], c.step) : '',
    ];
  });
  console.log(
    table(
      ['action', 'tmesc run (wall)', 'in-process', 'throughput / plain', 'wall / plain', 'what the step did'],
      rows,
    ),
  );
  console.log(
    "throughput / plain: packets a second inside the run (reading, the step, writing) with the action, over the plain run's (1.00: the action costs nothing; 0.50: half the rate); wall / plain: the whole `tmesc run` command's time over the plain one's (start-up included)",
  );
  if (missing.length)
    console.log(`not performed by this build, so not measured: ${missing.map((c) => c.name).join('; ')}`);
}

/** The step's counters, the non-zero ones, for the table. */
function whatItDid(s: RunStats, step: StepName): string {
  const g = s.groups[0];
  const counts = Object.entries(g.actions[step] ?? {})
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k} ${n}`);
  const shaped = g.tools[0].shape;
  if (shaped) counts.push(`delay p99 ${(shaped.delayNs.p99 / 1000).toFixed(0)} us`);
  return counts.join(', ');
}

const FILTERS = { web: 'tcp port 80', dns: 'udp port 53' } as const;
/** Issue 12's measure: one tmesc pass takes at most a third of the standard tools' pipeline's time. */
const GOAL = 1 / 3;

/** The load average now, when the machine is busy (its wall times then say little). */
function load(): string {
  const l = loadavg()[0];
  return l >= cpus().length ? `; load average ${l.toFixed(1)} on ${cpus().length} CPUs now: wall times are noisy` : '';
}
const SNAP = 128;
const VLAN = 100;

/** Single-quoted for the shell. */
const sq = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;

/**
 * The shell script a user would write for the parts of the policy standard
 * tools can do (no strip, no mask: they have neither): `tcpdump -w` per
 * filtered group, `editcap -s` for the recorder's cut (it gets every packet,
 * so no tcpdump first), `tcprewrite --enet-vlan=add` for the mark on every
 * output, one after the other. Each command is wrapped in `step`, which adds
 * its wall time to `times` (a `date` either side: ~1 ms a step).
 */
function pipelineScript(cap: string, pl: string): { script: string; commands: string[] } {
  const vlanAdd = (name: string, input: string) =>
    `tcprewrite --enet-vlan=add --enet-vlan-tag=${VLAN} --enet-vlan-cfi=0 --enet-vlan-pri=0 -i ${input} -o ${name}.pcap`;
  const steps: [label: string, command: string][] = [
    ['tcpdump -w (web, dns)', `tcpdump -r ${sq(cap)} -w web-all.pcap ${sq(FILTERS.web)}`],
    ['tcpdump -w (web, dns)', `tcpdump -r ${sq(cap)} -w dns-all.pcap ${sq(FILTERS.dns)}`],
    ['editcap -s (rec)', `editcap -s ${SNAP} ${sq(cap)} rec-cut.pcap`],
    ['tcprewrite --enet-vlan=add (3 outputs)', vlanAdd('rec', 'rec-cut.pcap')],
    ['tcprewrite --enet-vlan=add (3 outputs)', vlanAdd('web', 'web-all.pcap')],
    ['tcprewrite --enet-vlan=add (3 outputs)', vlanAdd('dns', 'dns-all.pcap')],
  ];
  const script = [
    'set -e',
    `cd ${sq(pl)}`,
    'rm -f ./*.pcap times stderr',
    'step() { label=$1; shift; s=$(date +%s%N); "$@" 2>>stderr; echo "$(( $(date +%s%N) - s )) $label" >> times; }',
    ...steps.map(([label, command]) => `step ${sq(label)} ${command}`),
  ].join('\n');
  return { script, commands: steps.map(([, c]) => c) };
}

/**
 * One tmesc pass against the pipeline a user would write with standard
 * tools for the parts they can do, run in turns: a recorder that gets every
 * packet stripped and cut to 128 bytes, a DLP sensor that gets web traffic
 * masked (where this build performs mask; else unmasked, and the table says
 * so), a DNS probe; the tap's VLAN mark on all of them (a mark is the tap's,
 * so every group's replica carries it).
 */
function benchAgainstPipeline(dir: string, cap: string): void {
  const missingTools = ['tcpdump', 'editcap', 'tcprewrite', 'bash'].filter((t) => !hasTool(t));
  if (missingTools.length) {
    console.log(`tmesc against the standard tools: skipped (${missingTools.join(', ')} not installed)`);
    return;
  }
  const mask = performs('mask');
  const masking = 'mask card-number, credentials';
  const comparePolicy = (masked: boolean) => `policy "bench-compare"
tap t { source pcap "${cap}"; mark vlan ${VLAN} }
group rec { tool rec { output pcap "rec.pcap" } strip all; truncate frame ${SNAP} }
group web { tool web { output pcap "web.pcap" }${masked ? ` ${masking}` : ''} }
group dns { tool dns { output pcap "dns.pcap" } }
rule all from t match any to rec
rule web from t match ${FILTERS.web} to web
rule dns from t match ${FILTERS.dns} to dns
`;
  const artifact = compile(dir, 'compare', comparePolicy(mask));
  // the same pass with the web group unmasked: what the rest of the policy costs beside the masking (a reference row)
  const unmasked = mask ? compile(dir, 'compare-unmasked', comparePolicy(false)) : undefined;
  const tm = join(dir, 'tm');
  const pl = join(dir, 'pl');
  mkdirSync(pl, { recursive: true });
  const { script, commands } = pipelineScript(cap, pl);
  const scriptPath = join(dir, 'pipeline.sh');
  writeFileSync(scriptPath, script + '\n');
  const pipeline = (): { ms: number; cpuMs: number; steps: Record<string, number> } => {
    let r: Timed;
    try {
      r = timed('bash', [scriptPath]);
    } catch (e) {
      // the commands' standard error goes to a file, so that tcpdump's chatter stays out of the report
      const err = join(pl, 'stderr');
      throw new Error(`${(e as Error).message}${existsSync(err) ? readFileSync(err, 'utf8') : ''}`, { cause: e });
    }
    const steps: Record<string, number> = {};
    for (const line of readFileSync(join(pl, 'times'), 'utf8').trim().split('\n')) {
      const [ns, ...label] = line.split(' ');
      steps[label.join(' ')] = (steps[label.join(' ')] ?? 0) + Number(ns) / 1e6;
    }
    return { ms: r.ms, cpuMs: r.cpuMs, steps };
  };
  warmUp([artifact, ...(unmasked ? [unmasked] : [])], tm);
  // the group split's run too: a run with workers uses code the others do not
  if (mask) warmUp([artifact], tm, 1);
  const tmMs: number[] = [];
  const plMs: number[] = [];
  const tmCpu: number[] = [];
  const plCpu: number[] = [];
  const umMs: number[] = [];
  const umCpu: number[] = [];
  const spMs: number[] = [];
  const spCpu: number[] = [];
  const plSteps: Record<string, number[]> = {};
  let stats: RunStats | undefined;
  for (let run = 0; run < RUNS; run++) {
    const order = run % 2 === 0 ? ['tm', 'pl', 'sp', 'um'] : ['pl', 'sp', 'um', 'tm'];
    for (const which of order)
      if (which === 'tm') {
        const r = tmescRun(artifact, tm, 0);
        tmMs.push(r.ms);
        tmCpu.push(r.cpuMs);
        stats = r.stats;
      } else if (which === 'sp') {
        // the group split (runtime/parallel/group-split.ts): the masked group on a worker thread, the rest here
        if (!mask) continue;
        const r = tmescRun(artifact, tm, 1);
        spMs.push(r.ms);
        spCpu.push(r.cpuMs);
      } else if (which === 'um') {
        if (unmasked === undefined) continue;
        const r = tmescRun(unmasked, tm);
        umMs.push(r.ms);
        umCpu.push(r.cpuMs);
      } else {
        const p = pipeline();
        plMs.push(p.ms);
        plCpu.push(p.cpuMs);
        for (const [k, v] of Object.entries(p.steps)) (plSteps[k] ??= []).push(v);
      }
  }
  const ratio = median(tmMs) / median(plMs);
  const cpuRatio = median(tmCpu) / median(plCpu);
  const met = (r: number) => r <= GOAL;
  const goal = (r: number) => `goal <= ${GOAL.toFixed(2)}${met(r) ? ' (met)' : ' (NOT met)'}`;
  console.log(
    `one policy against the standard tools' pipeline, run in turns (groups: rec = every packet, strip all + truncate frame ${SNAP}; web = ${FILTERS.web}, ${mask ? masking : `${masking} NOT IN THIS BUILD (left unmasked)`}; dns = ${FILTERS.dns}; the tap's mark vlan ${VLAN} on every group's replica). The pipeline (bash, in ${pl}):`,
  );
  for (const c of commands) console.log(`    ${c}`);
  console.log(
    table(
      ['run', 'wall (median)', 'CPU user+sys (median)', 'does'],
      [
        [
          'tmesc run (one pass)',
          fmtMs(median(tmMs)),
          fmtMs(median(tmCpu)),
          `strip, cut, ${mask ? 'mask, ' : ''}mark, three outputs${mask ? '' : ' (mask: not in this build, web unmasked)'}`,
        ],
        ...Object.entries(plSteps).map(([k, v]) => [`  ${k}`, fmtMs(median(v)), '', '']),
        [
          'pipeline (the script)',
          fmtMs(median(plMs)),
          fmtMs(median(plCpu)),
          `cut, mark, three outputs (no strip${mask ? ', no mask' : ''}: the tools have none)`,
        ],
        ['tmesc / pipeline', ratio.toFixed(2), cpuRatio.toFixed(2), `wall ${goal(ratio)}; CPU ${goal(cpuRatio)}`],
        ...(spMs.length === 0
          ? []
          : [
              [
                'tmesc run --workers 1 (group split)',
                fmtMs(median(spMs)),
                fmtMs(median(spCpu)),
                'the same pass, web (masked) on a worker thread, rec and dns on the main one',
              ],
              [
                'split / pipeline',
                (median(spMs) / median(plMs)).toFixed(2),
                (median(spCpu) / median(plCpu)).toFixed(2),
                `wall ${goal(median(spMs) / median(plMs))}; CPU ${goal(median(spCpu) / median(plCpu))}`,
              ],
            ]),
        ...(unmasked === undefined
          ? []
          : [
              [
                'reference: tmesc run, web unmasked',
                fmtMs(median(umMs)),
                fmtMs(median(umCpu)),
                'strip, cut, mark, three outputs: the policy less its masking',
              ],
              [
                'reference / pipeline',
                (median(umMs) / median(plMs)).toFixed(2),
                (median(umCpu) / median(plCpu)).toFixed(2),
                'not the goal: what the masking adds is the difference',
              ],
            ]),
      ],
    ),
  );
  // the verdict in words, so that no one has to read it out of the table
  const verdict = met(ratio) && met(cpuRatio) ? 'MET' : met(ratio) || met(cpuRatio) ? 'PARTLY MET' : 'NOT MET';
  console.log(
    `goal (issue 12): one tmesc pass in at most a third of the pipeline's time (tmesc / pipeline <= ${GOAL.toFixed(2)}): ${verdict}: wall ${ratio.toFixed(2)}x (${met(ratio) ? 'met' : 'not met'}), CPU ${cpuRatio.toFixed(2)}x (${met(cpuRatio) ? 'met' : 'not met'})${load()}`,
  );
  if (spMs.length > 0) {
    const sr = median(spMs) / median(plMs);
    console.log(
      `with the group split (--workers 1): wall ${sr.toFixed(2)}x (${met(sr) ? 'met' : 'not met'}), CPU ${(median(spCpu) / median(plCpu)).toFixed(2)}x; ${median(spMs) < median(tmMs) ? 'faster' : 'not faster'} than one thread's wall (${fmtMs(median(spMs))} against ${fmtMs(median(tmMs))}; it can be only with a core free for the worker beside the main thread and V8's helpers)`,
    );
  }
  const g = stats!.groups;
  console.log(
    `packets per output, tmesc / pipeline: ${g.map((x) => `${x.name} ${x.delivered} / ${countPackets(join(pl, `${x.name}.pcap`))}`).join(', ')} (tcpdump matches outer headers only; tmesc also looks inside VLAN, MPLS and tunnels)`,
  );
  if (mask) {
    const m = g.find((x) => x.name === 'web')?.actions.mask ?? {};
    const counts = Object.entries(m).filter(([, n]) => n > 0);
    console.log(`mask in the web group: ${counts.map(([k, n]) => `${k} ${n}`).join(', ') || 'nothing counted'}`);
  }
}

function countPackets(path: string): number {
  const src = openCapture(path);
  let n = 0;
  try {
    while (src.next()) n++;
  } finally {
    src.close();
  }
  return n;
}
