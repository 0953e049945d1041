import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildArtifact } from '../../../src/artifact/build.js';
import type { Artifact } from '../../../src/artifact/types.js';
import { checkPolicyFile } from '../../../src/check/check.js';
import { compilePolicy } from '../../../src/ir/compile.js';
import { openCapture } from '../../../src/runtime/capture/index.js';
import { createClassifier } from '../../../src/runtime/classify/classifier.js';
import { decodeFrame } from '../../../src/runtime/decode/decode.js';
import { PacketView } from '../../../src/runtime/decode/view.js';
import { kernelFilters } from '../../../src/runtime/live/kernel-filter.js';
import { CORPUS_DIR, corpusManifest } from '../../support/corpus.js';
import { requirements } from '../../support/tools.js';

/**
 * The kernel filter keeps a superset of what the graph delivers: for every
 * Ethernet capture of the corpus (merged into one file), each packet tmesc
 * sends to some group from a tap is kept by `tcpdump -r` with that tap's
 * expression. Policies: one rule per filter tcpdump and tmesc both speak,
 * filters tmesc alone speaks (widened), and random policies of several rules
 * over two taps, with drops.
 *
 * Packets left out of the comparison: malformed ones and ones cut short by
 * the capture's snap length (a BPF filter that reads past the captured bytes
 * rejects the packet, whatever else the expression says; live capture takes
 * whole frames).
 */

const PRIMITIVES = [
  'tcp',
  'udp',
  'icmp',
  'icmp6',
  'arp',
  'ip',
  'ip6',
  'sctp',
  'port 80',
  'tcp port 80',
  'udp port 53',
  'src port 53',
  'dst portrange 1-1023',
  'portrange 1024-65535',
  'net 10.0.0.0/8',
  'src net 192.168.0.0/16',
  'dst net 224.0.0.0/4',
  'host 192.168.1.1',
  'ip6 net fe80::/10',
  'ip6 host 2001:db8::1',
  'broadcast',
  'multicast',
  'ether host ff:ff:ff:ff:ff:ff',
  'tcp[tcpflags] & tcp-syn != 0',
  'ip[8] < 64',
  'greater 1000',
  'less 80',
  'ip proto 47',
  'ip6 proto 17',
  'ether proto 0x0806',
  'vlan',
  'vlan 100',
  'mpls',
  'pppoes',
  'gre',
  'vxlan',
  'icmp[icmptype] == icmp-echo',
  'ip[1] & 0xfc == 0xb8',
  'udp[4:2] > 100',
  'fragment',
  'payload contains "HTTP"',
  'inner(tcp port 80)',
];

const tools = requirements({ tools: ['tcpdump', 'mergecap'], corpus: true });

describe.skipIf(tools.skip)(`kernel filters keep what the graph delivers${tools.note}`, () => {
  let work: string;
  let merged: string;
  /** Per packet of the merged capture: comparable key, or undefined when left out. */
  let packets: { key: string | undefined; data: Uint8Array; capLen: number; wireLen: number; linkType: number }[];
  let checked = 0;
  let keptByFilters = 0;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'tmesc-bpf-'));
    merged = join(work, 'merged.pcap');
    const files = corpusManifest()
      .filter((r) => r.linkType === 'ether' && !r.categories.includes('malformed'))
      .map((r) => join(CORPUS_DIR, r.file));
    execFileSync('mergecap', ['-a', '-F', 'pcap', '-w', merged, ...files]);
    const src = openCapture(merged);
    const view = new PacketView();
    packets = [];
    for (let r; (r = src.next());) {
      const data = r.data.slice();
      decodeFrame(view, data, r.capLen, r.wireLen, r.linkType);
      const whole = r.capLen === r.wireLen && !view.malformed;
      packets.push({
        key: whole ? `${r.tsSec}.${Math.floor(r.tsNsec / 1000)}:${Buffer.from(data).toString('hex')}` : undefined,
        data,
        capLen: r.capLen,
        wireLen: r.wireLen,
        linkType: r.linkType,
      });
    }
    src.close();
  });

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  function compile(body: string): Artifact {
    const p = join(work, 'p.tmes');
    writeFileSync(p, `policy "bpf"\n${body}\n`);
    const r = checkPolicyFile(p);
    const errors = r.diagnostics.filter((d) => d.severity === 'error');
    if (errors.length) throw new Error(`${body}: ${errors.map((d) => d.message).join('; ')}`);
    return buildArtifact(r.policy, compilePolicy(r.policy), 'test');
  }

  /** Keys of the packets tcpdump keeps with the expression (counted). */
  function tcpdumpKeeps(expression: string): Map<string, number> {
    const out = join(work, 'kept.pcap');
    const td = spawnSync('tcpdump', ['-r', merged, '-w', out, expression], { encoding: 'utf8' });
    if (td.status !== 0) throw new Error(`tcpdump rejects ${JSON.stringify(expression)}: ${td.stderr}`);
    const kept = new Map<string, number>();
    const src = openCapture(out);
    for (let r; (r = src.next());) {
      const k = `${r.tsSec}.${Math.floor(r.tsNsec / 1000)}:${Buffer.from(r.data).toString('hex')}`;
      kept.set(k, (kept.get(k) ?? 0) + 1);
    }
    src.close();
    return kept;
  }

  /** Packets some rule sends to a group from tap `tap`, tmesc's classifier deciding, and not kept by the filter. */
  function missed(a: Artifact, tap: number, kept: Map<string, number>): string[] {
    const cls = createClassifier(a.graph);
    const view = new PacketView();
    const lost: string[] = [];
    packets.forEach((p, i) => {
      if (!p.key) return;
      view.tap = tap;
      decodeFrame(view, p.data, p.capLen, p.wireLen, p.linkType);
      if (cls.results[cls.classify(view, p.data)].groups.length === 0) return;
      checked++;
      const n = kept.get(p.key) ?? 0;
      if (n > 0) kept.set(p.key, n - 1);
      else lost.push(`packet ${i + 1}`);
    });
    return lost;
  }

  function check(body: string): void {
    const a = compile(body);
    for (const f of kernelFilters(a)) {
      const kept = tcpdumpKeeps(f.expression);
      for (const n of kept.values()) keptByFilters += n;
      const tap = a.taps.findIndex((t) => t.name === f.tap);
      expect(missed(a, tap, kept), `${body}\n-> ${f.tap}: ${f.expression}`).toEqual([]);
    }
  }

  const oneTap = (filter: string) =>
    `tap t { source pcap "in.pcap" }\ngroup g { tool o { output pcap "out.pcap" } }\nrule r match ${filter} to g`;

  for (const p of PRIMITIVES)
    it(`one rule: ${p}, and not ${p}`, () => {
      check(oneTap(p));
      check(oneTap(`not (${p})`));
    });

  it('random policies: several rules over two taps, drops included', () => {
    const filter: fc.Arbitrary<string> = fc.letrec<{ f: string }>((tie) => ({
      f: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.constantFrom(...PRIMITIVES),
        fc.tuple(tie('f'), tie('f')).map(([a, b]) => `(${a}) and (${b})`),
        fc.tuple(tie('f'), tie('f')).map(([a, b]) => `(${a}) or (${b})`),
        tie('f').map((a) => `not (${a})`),
      ),
    })).f;
    const rule = fc.record({
      filter,
      from: fc.constantFrom('a', 'b', 'any'),
      drop: fc.boolean(),
      group: fc.constantFrom('g1', 'g2'),
    });
    fc.assert(
      fc.property(fc.array(rule, { minLength: 1, maxLength: 5 }), (rules) => {
        const body = [
          'tap a { source pcap "a.pcap" }',
          'tap b { source pcap "b.pcap" }',
          'group g1 { tool o1 { output pcap "o1.pcap" } }',
          'group g2 { tool o2 { output pcap "o2.pcap" } }',
          ...rules.map(
            (r, i) => `rule r${i} from ${r.from} match ${r.filter} ${r.drop && i > 0 ? 'drop' : 'to'} ${r.group}`,
          ),
        ].join('\n');
        check(body);
      }),
      { numRuns: 25, seed: 4242 },
    );
  });

  it('compared real traffic', () => {
    expect(packets.filter((p) => p.key).length).toBeGreaterThan(2000);
    expect(checked).toBeGreaterThan(50_000);
    expect(keptByFilters).toBeGreaterThan(checked);
  });
});

describe.skipIf(requirements({ tools: ['tcpdump'] }).skip)('tcpdump -d accepts every expression', () => {
  it('the example policies', () => {
    const root = join(import.meta.dirname, '..', '..', '..');
    const ethernet = join(root, 'samples', 'sample.pcap');
    for (const name of ['quickstart', 'datacenter', 'mobile-core', 'wan-inline']) {
      const r = checkPolicyFile(join(root, 'rules', 'examples', `${name}.tmes`));
      const a = buildArtifact(r.policy, compilePolicy(r.policy), 'test');
      for (const f of kernelFilters(a)) {
        const td = spawnSync('tcpdump', ['-d', '-r', ethernet, f.expression], { encoding: 'utf8' });
        expect(td.status, `${name} ${f.tap}: ${td.stderr}`).toBe(0);
        expect(td.stdout).toMatch(/ret/);
      }
    }
  });
});
