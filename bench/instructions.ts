import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { generate } from '../src/gen/index.js';
import { FILTERS } from '../test/runtime/classify/filters.js';
import { hasTool } from '../test/support/tools.js';
import { table } from './report.js';
import { ENCAP, policyOneGroup } from './runtime.js';

/** The one-filter policy over two taps that read the same capture. */
function policyTwoTaps(cap: string): string {
  return policyOneGroup(cap)
    .replace('\ngroup g', `\ntap t2 { source pcap "${cap}" }\ngroup g`)
    .replace('rule r from t ', 'rule r from t, t2 ');
}

/** TMESC_BENCH_KEEP=DIR: keep each run's callgrind output (with --dump-instr=yes) and V8 perf map there. */
const KEEP = process.env.TMESC_BENCH_KEEP;
const ROOT = resolve(import.meta.dirname, '..');
const RUN = join(ROOT, 'bench', 'instr-run.mjs');
// Three sizes: TurboFan's compile of the hot loop and the first major GCs fall in the first ~100k packets, but
// not always at the same point, so (I(300k) - I(100k)) can lose or gain a compile (session 4c: 979 against
// ~1,430 steady). The figure is (I(500k) - I(300k)) / 200k, past warm-up; the first difference is printed beside
// it, and the compiler's and GC's share of the figure is printed so that a shift shows.
const SIZES = [100_000, 300_000, 500_000] as const;
const [SMALL, MID, LARGE] = SIZES;

/**
 * User-space instructions a packet of `tmesc run` (one-filter policy, as in
 * the runtime bench), counted by callgrind with V8 made deterministic
 * (--predictable --single-threaded): the same build gives the same count to
 * within 0.1%, whatever else the machine is doing, where wall times on this
 * VM swing by 20-30%. The steady state is the difference between a 300k and a
 * 100k packet run, so start-up and JIT warm-up cancel out. The kernel's
 * copies are not counted (callgrind sees user space only). JIT code is named
 * through V8's perf map, so the table says which function the instructions
 * are in. Use it to judge a change to the per-packet path; use the runtime
 * bench for how that shows in wall time.
 */
export async function benchInstructions(variant?: string): Promise<void> {
  // 'payload': a payload matches rule; any other text: the group's actions, as written in a policy
  const policyFor =
    variant === 'payload'
      ? policyPayload
      : variant === 'balance'
        ? policyBalance
        : variant === 'inner'
          ? policyInner
          : variant === 'counting'
            ? policyCounting
            : variant === 'compare'
              ? policyCompare
              : variant === 'compare-mask'
                ? (cap: string) => policyCompare(cap, true)
                : variant === 'compare-plain'
                  ? policyComparePlain
                  : variant
                    ? (cap: string) => policyActions(cap, variant)
                    : policyOneGroup;
  if (!hasTool('valgrind') || !hasTool('callgrind_annotate')) {
    console.log('instructions: skipped (valgrind not found; apt-get install valgrind)');
    return;
  }
  const b = spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, encoding: 'utf8' });
  if (b.status !== 0) throw new Error(`npm run build failed:\n${b.stdout}${b.stderr}`);
  const dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'tmesc-bench-instr-'));
  try {
    const count = (packets: number, taps: 1 | 2) => {
      const cap = join(dir, `c${packets}.pcap`);
      if (!existsSync(cap)) generate({ output: cap, packets, seed: 11, encap: ENCAP });
      const policy = join(dir, `p${packets}-${taps}.tmes`);
      writeFileSync(policy, taps === 1 ? policyFor(cap) : policyTwoTaps(cap));
      const artifact = join(dir, `p${packets}-${taps}.json`);
      const c = spawnSync('node', [join(ROOT, 'bin', 'tmesc.js'), 'compile', policy, '-o', artifact], {
        encoding: 'utf8',
      });
      if (c.status !== 0) throw new Error(`compile failed: ${c.stderr}`);
      const out = join(dir, `cg${packets}-${taps}.out`);
      const outDir = mkdtempSync(join(dir, 'out-'));
      // V8 writes its perf map to /tmp/perf-PID.map; TMPDIR does not move it, so it is picked up by pid below.
      // --perf-basic-prof also logs code events to isolate-*.log in the working directory: run in the temp dir.
      const r = spawnSync(
        'valgrind',
        [
          '--tool=callgrind',
          `--callgrind-out-file=${out}`,
          ...(KEEP ? ['--dump-instr=yes'] : []),
          'node',
          '--predictable',
          '--single-threaded',
          '--perf-basic-prof',
          RUN,
          artifact,
          outDir,
        ],
        { cwd: dir, encoding: 'utf8', maxBuffer: 64 << 20 },
      );
      if (r.status !== 0) throw new Error(`callgrind run failed: ${r.stderr.slice(-2000)}`);
      const pid = /==(\d+)== Callgrind/.exec(r.stderr)?.[1];
      const total = Number(/I\s+refs:\s+([\d,]+)/.exec(r.stderr)?.[1].replace(/,/g, ''));
      const mapFile = `/tmp/perf-${pid}.map`;
      const byFn = functions(out, existsSync(mapFile) ? readFileSync(mapFile, 'utf8') : '');
      if (KEEP) {
        mkdirSync(KEEP, { recursive: true });
        copyFileSync(out, join(KEEP, `${variant ?? 'one'}-${packets}-${taps}.callgrind`));
        if (existsSync(mapFile)) copyFileSync(mapFile, join(KEEP, `${variant ?? 'one'}-${packets}-${taps}.map`));
      }
      rmSync(mapFile, { force: true });
      return { total, byFn };
    };
    const per = (x: number, y: number, taps: number, n = LARGE - MID) => (y - x) / (n * taps);
    const a0 = count(SMALL, 1);
    const a = count(MID, 1);
    const b2 = count(LARGE, 1);
    console.log(
      `instructions (callgrind, user space, deterministic V8; ${variant === 'payload' ? 'policy with a payload matches rule' : variant === 'counting' ? '20-rule, 3-group policy (counting tables)' : variant === 'compare' ? "the actions bench's compare policy without mask (rec: strip all, truncate frame 128; web; dns; tap mark vlan 100)" : variant === 'compare-mask' ? "the actions bench's compare policy (rec: strip all, truncate frame 128; web: mask card-number, credentials; dns; tap mark vlan 100)" : variant === 'compare-plain' ? "the actions bench's compare policy's groups and rules without steps or mark (the plain pass)" : `one-filter policy${variant ? ` whose group does: ${variant}` : ''}`} over the runtime bench's traffic mix; per packet past warm-up = (I(${LARGE / 1000}k) - I(${MID / 1000}k)) / ${(LARGE - MID) / 1000}k)`,
    );
    console.log(
      `per packet: ${per(a.total, b2.total, 1).toFixed(0)} instructions (whole process: ${(a0.total / 1e6).toFixed(0)} M at ${SMALL / 1000}k packets, ${(a.total / 1e6).toFixed(0)} M at ${MID / 1000}k, ${(b2.total / 1e6).toFixed(0)} M at ${LARGE / 1000}k; (I(${MID / 1000}k) - I(${SMALL / 1000}k)) / ${(MID - SMALL) / 1000}k, warm-up not cancelled: ${per(a0.total, a.total, 1, MID - SMALL).toFixed(0)})`,
    );
    const vm = [...b2.byFn.keys(), ...a.byFn.keys()].filter((k, i, all) => all.indexOf(k) === i && V8_WORK.test(k));
    const vmPer = vm.reduce((t, k) => t + per(a.byFn.get(k) ?? 0, b2.byFn.get(k) ?? 0, 1), 0);
    console.log(
      `of which V8's compilers and GC (functions matching ${V8_WORK.source}): ${vmPer.toFixed(0)} a packet (near 0 when the difference is past warm-up)`,
    );
    const names = new Set([...a.byFn.keys(), ...b2.byFn.keys()]);
    const rows = [...names]
      .map((k) => [k, per(a.byFn.get(k) ?? 0, b2.byFn.get(k) ?? 0, 1)] as const)
      .filter(([, d]) => d >= 10)
      .sort((x, y) => y[1] - x[1])
      .slice(0, 20)
      .map(([k, d]) => [d.toFixed(0), k]);
    console.log(table(['per packet', 'function'], rows));
    // two taps reading the same capture, merged by timestamp: the cost of the merge on every packet
    if (variant?.startsWith('compare')) return;
    const a2 = count(MID, 2);
    const b3 = count(LARGE, 2);
    console.log(
      `two taps on the same capture (merged in time order): ${per(a2.total, b3.total, 2).toFixed(0)} instructions a packet read`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The payload variant: the one-filter policy plus a group fed by a payload
 * test that every TCP packet's payload is scanned for (rarely found: HTTP
 * Basic credentials), to count what a `payload matches` test costs a packet.
 */
function policyPayload(cap: string): string {
  return `${policyOneGroup(cap)}group creds {
  tool c { output pcap "creds.pcap" }
}
rule basic from t match tcp and payload matches /authorization: basic [a-z0-9+\\/=]+/i to creds
`;
}

/** The one-filter policy with its group balanced over two tools (a session hash a delivered packet). */
function policyBalance(cap: string): string {
  return policyOneGroup(cap).replace(
    'tool w { output pcap "g.pcap" }',
    'tool w { output pcap "g.pcap"; rate 1 Gbps }\n  tool w2 { output pcap "g2.pcap"; rate 1 Gbps }\n  balance session symmetric',
  );
}

/** The one-filter policy, its filter also looking inside tunnels (inner(...)). */
function policyInner(cap: string): string {
  return policyOneGroup(cap).replace(
    'match tcp dst port 80 or tcp src port 80',
    'match tcp port 80 or inner(tcp port 80)',
  );
}

/**
 * Twenty rules (the first filters of the differential tests) over three groups, so that rules are
 * counted apart from the graph's leaves (counting tables): what many rules
 * cost a packet.
 */
function policyCounting(cap: string): string {
  const rules = FILTERS.slice(0, 20)
    .map((f, i) => `rule r${i} from t match ${f} to g${i % 3}`)
    .join('\n');
  const groups = [0, 1, 2].map((g) => `group g${g} {\n  tool w${g} { output pcap "g${g}.pcap" }\n}`).join('\n');
  return `policy "bench-counting"\ntap t { source pcap "${cap}" }\n${groups}\n${rules}\n`;
}

/**
 * The actions bench's compare policy (bench/actions.ts), without its mask
 * unless `mask`: every packet to a recorder that strips and cuts, web and
 * DNS to their tools, the tap's VLAN mark on every replica.
 */
function policyCompare(cap: string, mask = false): string {
  return `policy "bench-compare"
tap t { source pcap "${cap}"; mark vlan 100 }
group rec { tool rec { output pcap "rec.pcap" } strip all; truncate frame 128 }
group web { tool web { output pcap "web.pcap" }${mask ? ' mask card-number, credentials' : ''} }
group dns { tool dns { output pcap "dns.pcap" } }
rule all from t match any to rec
rule web from t match tcp port 80 to web
rule dns from t match udp port 53 to dns
`;
}

/**
 * The compare policy's groups and rules with no steps and no mark: the
 * plain pass the unmasked compare policy is judged against (what its
 * strip, cut and mark cost is the difference).
 */
function policyComparePlain(cap: string): string {
  return policyCompare(cap).replace('; mark vlan 100', '').replace(' strip all; truncate frame 128', '');
}

/** The one-filter policy with actions in its group: what they cost a packet, against the plain run. */
function policyActions(cap: string, actions: string): string {
  // a shaped tool needs a rate: 10 Gbps, far above the capture's, so that nothing waits (the bucket's cost alone)
  const tool = /\bshape\b/.test(actions)
    ? 'tool w { output pcap "g.pcap"; rate 10 Gbps }'
    : 'tool w { output pcap "g.pcap" }';
  return policyOneGroup(cap).replace('tool w { output pcap "g.pcap" }', `${tool}\n  ${actions}`);
}

/** V8's own work that should cancel past warm-up: the optimizing compilers (TurboFan/Maglev), the GC. */
const V8_WORK = /v8::internal::(compiler|maglev|Heap|Scavenger|MarkCompact|Mark|Sweeper|Evacuat|Concurrent)/;

/** Instructions by function from a callgrind output; JIT code named through V8's perf map (`start size name` lines). */
function functions(callgrindOut: string, perfMap: string): Map<string, number> {
  const ranges = perfMap
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [a, s, ...n] = l.split(' ');
      return { start: parseInt(a, 16), end: parseInt(a, 16) + parseInt(s, 16), name: n.join(' ') };
    })
    .sort((x, y) => x.start - y.start);
  const nameAt = (addr: number): string => {
    let lo = 0;
    let hi = ranges.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (ranges[mid].start <= addr) lo = mid + 1;
      else hi = mid - 1;
    }
    const r = ranges[hi];
    return r && addr < r.end ? r.name : 'JIT code (unnamed)';
  };
  const ann = spawnSync('callgrind_annotate', ['--threshold=100', callgrindOut], {
    encoding: 'utf8',
    maxBuffer: 256 << 20,
  });
  const out = new Map<string, number>();
  let body = false;
  for (const line of ann.stdout.split('\n')) {
    if (line.includes('file:function')) {
      body = true;
      continue;
    }
    const m = body ? /^\s*([\d,]+)\s+\([^)]*\)\s+(.*)$/.exec(line) : null;
    if (!m) continue;
    const n = Number(m[1].replace(/,/g, ''));
    const jit = /^\?\?\?:0x([0-9a-f]+) \[\?\?\?\]$/.exec(m[2]);
    let name = jit ? nameAt(parseInt(jit[1], 16)) : m[2].replace(/^\?\?\?:/, '');
    name = name
      .replace(/file:\/\/\/.*?\/dist\//, '')
      .replace(/ \[[^\]]*\]$/, '')
      .slice(0, 90);
    out.set(name, (out.get(name) ?? 0) + n);
  }
  return out;
}
