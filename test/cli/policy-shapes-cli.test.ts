/**
 * The CLI on generated policies of many shapes and sizes
 * (test/runtime/support/policy-fuzz.ts): `tmesc validate`, `compile --emit
 * js|listing|openflow` and `tmesc run --packet-path generated|decoder` over
 * captures made by `tmesc gen` (and a raw IP one), in-process through the
 * CLI's entry point. No internal error, no stack trace, exit 0; the two
 * packet paths write the same files byte for byte and the same counters.
 * (The run's three ways over every link type: test/runtime/engine/policy-shapes-run.test.ts.)
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LINKTYPE } from '../../src/fields/fields.js';
import { fuzzPolicy, LIBRARY } from '../runtime/support/policy-fuzz.js';
import { generatedFrames, otherLinkFrames } from '../runtime/walk/frames.js';
import { runCli } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'tmesc-policy-shapes-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'lib.tmes'), LIBRARY);

const FORBIDDEN = [/internal error/i, /^\s+at .+:\d+:\d+\)?$/m, /RangeError|TypeError|ReferenceError|SyntaxError/];

function expectClean(r: { code: number; out: string; err: string }, what: string): void {
  for (const f of FORBIDDEN) expect(r.err, what).not.toMatch(f);
  expect(r.code, `${what}: ${r.err}`).toBe(0);
}

// the taps' captures: `tmesc gen` traffic (tunnels, VLANs, IPv6), and raw IP packets for a second link type
const gen = await runCli(
  [
    'gen',
    '--packets',
    '800',
    '--seed',
    '9',
    '--ipv6',
    '0.3',
    '--encap',
    'vlan=0.15,qinq=0.05,mpls=0.1,gre=0.1,vxlan=0.1,gtpu=0.1',
    '--credentials',
    '0.2',
    '-o',
    join(dir, 'in-0.pcap'),
  ],
  dir,
);
const raw = otherLinkFrames(generatedFrames(300, 4)).filter((f) => f.linkType === LINKTYPE.RAW);
{
  const head = Buffer.alloc(24);
  head.writeUInt32LE(0xa1b2c3d4, 0);
  head.writeUInt16LE(2, 4);
  head.writeUInt16LE(4, 6);
  head.writeUInt32LE(65535, 16);
  head.writeUInt32LE(LINKTYPE.RAW, 20);
  const parts = [head];
  raw.forEach((f, i) => {
    const h = Buffer.alloc(16);
    h.writeUInt32LE(1_700_000_000, 0);
    h.writeUInt32LE(i * 7, 4);
    h.writeUInt32LE(f.data.length, 8);
    h.writeUInt32LE(f.data.length, 12);
    parts.push(h, Buffer.from(f.data));
  });
  writeFileSync(join(dir, 'in-1.pcap'), Buffer.concat(parts));
}

let policies = 0;
/** The policy file of fuzzPolicy(seed, rules); tap 2 reads both captures. */
function policyFile(seed: number, rules: number, kind?: 'udp-ports' | 'ports' | 'mixed'): string {
  const p = fuzzPolicy(seed, rules, { kind, taps: 1 + (seed % 3) });
  const text = p.body.replace('"in-2.pcap"', '"in-0.pcap", "in-1.pcap"');
  const file = join(dir, `p${policies++}.tmes`);
  writeFileSync(file, `policy "fuzz-${seed}-${rules}"\n${text}`);
  return file;
}

function outputs(out: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const walk = (d: string, rel: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }))
      if (e.isDirectory()) walk(join(d, e.name), `${rel}${e.name}/`);
      else files.set(`${rel}${e.name}`, readFileSync(join(d, e.name)));
  };
  walk(out, '');
  return files;
}

describe('the CLI on generated policies of many shapes and sizes', () => {
  it('tmesc gen made the captures', () => {
    expectClean(gen, 'gen');
    expect(raw.length).toBeGreaterThan(100);
  });

  const CASES: [number, number, 'udp-ports' | 'ports' | 'mixed'][] = [
    [1, 1, 'udp-ports'],
    [2, 8, 'udp-ports'],
    [4, 5, 'mixed'],
    [5, 30, 'mixed'],
    [7, 400, 'ports'],
  ];

  it('validate, compile --emit js, listing and openflow: no crash', async () => {
    for (const [seed, n, kind] of CASES) {
      const p = policyFile(seed, n, kind);
      const what = `${kind} ${n} rules, seed ${seed}`;
      const v = await runCli(['validate', p], dir);
      for (const f of FORBIDDEN) expect(v.err + v.out, `validate ${what}`).not.toMatch(f);
      expect(v.code, `validate ${what}: ${v.out}${v.err}`).toBeLessThan(2);
      for (const emit of ['js', 'listing']) {
        const r = await runCli(['compile', '--emit', emit, p, '-o', join(dir, `c.${emit}`)], dir);
        expectClean(r, `compile --emit ${emit} ${what}`);
      }
      // a ports map cabling every tap and tool to a port, and a host
      const text = readFileSync(p, 'utf8');
      const map = [
        ...[...text.matchAll(/^tap (\S+)/gm)].map((m, i) => `tap ${m[1]} port ${1 + i}`),
        ...[...text.matchAll(/tool (\S+) \{/g)].map((m, i) => `tool ${m[1]} port ${10 + i}`),
        'host broker port 200 vlans 3000-3999',
      ];
      writeFileSync(join(dir, 'fuzz.ports'), map.join('\n') + '\n');
      const of = await runCli(
        ['compile', '--emit', 'openflow', '--ports', join(dir, 'fuzz.ports'), p, '-o', join(dir, `of-${seed}`)],
        dir,
      );
      expectClean(of, `compile --emit openflow ${what}`);
    }
  });

  it('tmesc run --packet-path generated and decoder: the same files and counters', async () => {
    for (const [seed, n, kind] of CASES) {
      const p = policyFile(seed, n, kind);
      const what = `${kind} ${n} rules, seed ${seed}`;
      const runs = [];
      for (const path of ['generated', 'decoder']) {
        const out = join(dir, `run-${seed}-${path}`);
        mkdirSync(out);
        const r = await runCli(
          [
            'run',
            '--no-cache',
            '--no-progress',
            '--workers',
            '0',
            '--stats',
            'json',
            '--packet-path',
            path,
            p,
            '--out-dir',
            out,
          ],
          dir,
        );
        expectClean(r, `run ${path} ${what}`);
        const stats = JSON.parse(r.out) as Record<string, unknown>;
        delete stats.seconds;
        runs.push({ files: outputs(out), stats: JSON.stringify(stats).replaceAll(out, 'OUT') });
      }
      expect(runs[0].stats, what).toBe(runs[1].stats);
      expect([...runs[0].files.keys()], what).toEqual([...runs[1].files.keys()]);
      for (const [f, b] of runs[0].files) expect(b.equals(runs[1].files.get(f) as Buffer), `${what}: ${f}`).toBe(true);
      expect(runs[0].files.size, what).toBeGreaterThan(0);
    }
  });
});
