/**
 * Fuzzing packets through every action (issue 19): generated traffic with
 * every encapsulation, on several link types, damaged at random (bytes set,
 * length and header-length fields rewritten, frames cut), then run through
 * groups that strip, truncate, timestamp (option and trailer), mark, mask,
 * balance, deduplicate and shape, alone and all together. Any crash, internal error
 * or hang fails, and so does a packet lost without a word: per group, what
 * came in is delivered or dropped with a reason, each tool's output file
 * holds exactly the packets its counter says, and every file reads back.
 *
 * Bounded by count, not time: TMESC_FUZZ_RUNS scales it (default 60 files),
 * TMESC_FUZZ_SEED replays a failure (fast-check prints the seed).
 */
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Artifact } from '../../../src/artifact/types.js';
import { LINKTYPE } from '../../../src/fields/fields.js';
import { generate } from '../../../src/gen/generate.js';
import { CaptureWriter } from '../../../src/runtime/capture/capture-writer.js';
import { openCapture } from '../../../src/runtime/capture/open.js';
import { runArtifact } from '../../../src/runtime/run/run.js';
import { artifactFor } from '../support/artifact.js';

const RUNS = Number(process.env.TMESC_FUZZ_RUNS ?? 60);
const SEED = process.env.TMESC_FUZZ_SEED === undefined ? 12 : Number(process.env.TMESC_FUZZ_SEED);

const dir = mkdtempSync(join(tmpdir(), 'tmesc-fuzz-actions-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** How a generated Ethernet frame is carried on each link type the test writes. */
const LINKS: [linkType: number, frame: (eth: Uint8Array) => Uint8Array][] = [
  [LINKTYPE.ETHERNET, (e) => e],
  [LINKTYPE.RAW, (e) => e.subarray(14)],
  [
    LINKTYPE.LINUX_SLL,
    (e) => {
      const out = new Uint8Array(16 + e.length - 14);
      out.set([0, 0, 0, 1, 0, 6, ...e.subarray(6, 12), 0, 0, e[12], e[13]]);
      out.set(e.subarray(14), 16);
      return out;
    },
  ],
];

/** Groups that each apply one action, one that balances, and one that does everything (and the tools' settings). */
const GROUPS: [name: string, actions: string, tools: number, tool?: string][] = [
  ['stripped', 'strip all', 1],
  ['cut0', 'truncate payload 0', 1],
  ['frame60', 'truncate frame 60 B', 1],
  ['opt', 'timestamp ip-option ipv6 hop-by-hop other trailer', 1],
  ['trailers', 'timestamp trailer', 1],
  ['bal', 'strip vlan, mpls; balance session', 2],
  ['dup', 'dedup window 1 ms', 1],
  ['masked', 'mask card-number, credentials, /[0-9]{3,}|GET/ with "#"', 1],
  // the frames are ~100 bytes within 0.5 ms, picked out of time order: past the bucket's 1500
  // bytes they wait, past its buffer's 1500 more the buffer is full
  ['shaped', 'shape burst 1500 B', 1, 'rate 200 kbps'],
  ['rep', 'replace /[a-z]+/ with "x"; replace /e/ with "eee"', 1],
  [
    'everything',
    'dedup window 1 ms; strip all; balance session; mask card-number, credentials, /[0-9]{3,}|GET/; replace /[a-z]+/ with ""; truncate payload 16; timestamp ip-option',
    2,
  ],
];

const frames: { data: Uint8Array; sec: number; nsec: number }[] = [];
let artifact: Artifact;

beforeAll(() => {
  const gen = join(dir, 'gen.pcap');
  generate({
    output: gen,
    packets: 40,
    seed: 9,
    mix: { tcp: 4, dns: 2, udp: 1, icmp: 1, arp: 1 },
    encap: { vlan: 0.15, mpls: 0.1, gre: 0.1, vxlan: 0.1, gtpu: 0.1 },
  });
  const src = openCapture(gen);
  for (let r = src.next(); r; r = src.next())
    frames.push({ data: Uint8Array.from(r.data), sec: r.tsSec, nsec: r.tsNsec });
  src.close();
  const groups = GROUPS.map(
    ([name, actions, tools, tool]) =>
      `group ${name} {\n${Array.from({ length: tools }, (_, i) => `  tool ${name}${i} { output pcapng "${name}${i}.pcapng"${tool ? `; ${tool}` : ''} }`).join('\n')}\n  ${actions.split('; ').join('\n  ')}\n}`,
  ).join('\n');
  artifact = artifactFor(
    dir,
    `tap t { source pcap "${gen}"; mark vlan 7 }\n${groups}\n` +
      GROUPS.map(([name]) => `rule to-${name} from t match any to ${name}`).join('\n'),
  );
});

/** Ways to damage a frame, aimed at the lengths and offsets the actions trust. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('byte' as const), at: fc.nat(200), value: fc.nat(255) }),
  fc.record({ kind: fc.constant('word' as const), at: fc.nat(200), value: fc.nat(0xffff) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat(200) }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

function damage(frame: Uint8Array, ms: Mutation[]): Uint8Array {
  let f = Uint8Array.from(frame);
  for (const m of ms) {
    if (f.length === 0) break;
    const at = m.at % f.length;
    if (m.kind === 'byte') f[at] = m.value;
    else if (m.kind === 'word' && at + 1 < f.length) {
      f[at] = m.value >> 8;
      f[at + 1] = m.value & 0xff;
    } else if (m.kind === 'cut') f = f.subarray(0, Math.max(1, at));
  }
  return f;
}

function packetsIn(path: string): number {
  const src = openCapture(path);
  let n = 0;
  try {
    while (src.next()) n++;
  } finally {
    src.close();
  }
  return n;
}

function inTimeOrder(path: string): boolean {
  const src = openCapture(path);
  try {
    let last = -1n;
    for (let r = src.next(); r; r = src.next()) {
      const t = BigInt(r.tsSec) * 1_000_000_000n + BigInt(r.tsNsec);
      if (t < last) return false;
      last = t;
    }
    return true;
  } finally {
    src.close();
  }
}

let fileNo = 0;
/** Per group and step, the replicas its counters saw over all runs: the actions did run. */
const stepCounts = new Map<string, number>();

describe('packets through every action, damaged at random', () => {
  it('are delivered or dropped with a reason, and every output holds what its counter says', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat(LINKS.length - 1),
        fc.array(fc.tuple(fc.nat(1000), fc.array(mutation, { maxLength: 4 })), {
          minLength: 1,
          maxLength: 60,
          size: 'medium',
        }),
        async (link, picks) => {
          const n = fileNo++;
          const [linkType, carry] = LINKS[link];
          const input = join(dir, `in-${n}.pcap`);
          const w = new CaptureWriter(input, { format: 'pcap', resolution: 'ns', linkType });
          for (const [pick, ms] of picks) {
            const f = frames[pick % frames.length];
            w.writePacket(0, damage(carry(f.data), ms), f.sec, f.nsec);
          }
          w.close();
          const outDir = join(dir, `out-${n}`);
          const stats = await runArtifact(artifact, { inputs: new Map([['t', [input]]]), outDir, workers: 0 });
          expect(stats.taps[0].packets).toBe(picks.length);
          for (const g of stats.groups) {
            const dropped = Object.values(g.dropped).reduce((a, b) => a + b, 0);
            expect(g.in, `group ${g.name}`).toBe(picks.length);
            expect(g.in, `group ${g.name}`).toBe(g.delivered + dropped);
            for (const t of g.tools)
              expect(packetsIn(join(outDir, `${t.name}.pcapng`)), `tool ${t.name}`).toBe(t.packets);
            // a shaper releases in time order, whatever order the capture had
            if (g.name === 'shaped') expect(inTimeOrder(join(outDir, 'shaped0.pcapng'))).toBe(true);
            expect(g.tools.reduce((a, t) => a + t.packets, 0)).toBe(g.delivered);
            for (const [step, reasons] of Object.entries(g.actions)) {
              const key = `${g.name} ${step}`;
              stepCounts.set(key, (stepCounts.get(key) ?? 0) + Object.values(reasons).reduce((a, b) => a + b, 0));
              for (const [reason, n] of Object.entries(reasons))
                stepCounts.set(`${key} ${reason}`, (stepCounts.get(`${key} ${reason}`) ?? 0) + n);
            }
          }
          rmSync(outDir, { recursive: true, force: true });
          rmSync(input, { force: true });
        },
      ),
      { numRuns: RUNS, seed: SEED },
    );
    for (const step of [
      'stripped strip',
      'cut0 truncate',
      'frame60 truncate',
      'opt timestamp',
      'trailers timestamp',
      'masked mask',
      'masked mask masked',
      'everything mask masked',
      'rep replace',
      'shaped shape delayed',
      'shaped shape buffer-full',
    ])
      expect(stepCounts.get(step), step).toBeGreaterThan(0);
  });
});
