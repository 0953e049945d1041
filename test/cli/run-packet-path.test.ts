import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../../src/gen/generate.js';
import { built, spawnTmesc } from './built.js';

/**
 * `tmesc run --packet-path generated` against `--packet-path decoder` (and
 * TMESC_PACKET_PATH): the same output files byte for byte and the same
 * statistics, on one thread and with workers, for a policy of balanced and
 * marked groups, a drop rule, a tunnel test, and groups whose stages read
 * the decoded packet (dedup, strip, truncate).
 */
const dir = mkdtempSync(join(tmpdir(), 'tmesc-run-packet-path-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const policy = join(dir, 'p.tmes');
beforeAll(() => {
  generate({
    output: join(dir, 'in.pcap'),
    packets: 6000,
    seed: 14,
    ipv6Fraction: 0.3,
    encap: { vlan: 0.15, qinq: 0.05, mpls: 0.05, gre: 0.05, vxlan: 0.05, gtpu: 0.05 },
  });
  writeFileSync(
    policy,
    `policy "p"
tap t { source pcap "in.pcap"; mark vlan 9 }
tap u { source pcap "in.pcap"; mark comment }
group ids {
  tool i1 { output pcap "ids1.pcap"; rate 1 Gbps }
  tool i2 { output pcapng "ids2.pcapng"; rate 2 Gbps }
  balance session symmetric
}
group mobile {
  tool m1 { output pcapng "m1.pcapng" }
  tool m2 { output pcapng "m2.pcapng" }
  balance session symmetric inner
}
group web { tool w { output pcapng "web.pcapng" } }
group ops {
  tool o { output pcapng "ops.pcapng" }
  dedup window 5 ms
  strip vlan, mpls, gre, vxlan, gtp
  truncate payload 16
}
rule a from t match tcp or udp port 53 or icmp6 to ids
rule b from any match inner(udp or tcp port 80) or gtp to mobile
rule c from u match tcp port 80 or tcp port 443 or vlan 100 to web
rule d from any match net 10.0.0.0/8 and not tcp[13] & 2 != 0 drop ids
rule e from any match ip6 or arp or mpls to ops
`,
  );
});

function run(
  name: string,
  args: string[],
  env: Record<string, string> = {},
): { files: Map<string, Buffer>; stats: unknown } {
  const out = join(dir, name);
  const r = spawnTmesc(['run', '--no-progress', '--stats', 'json', policy, '--out-dir', out, ...args], { env });
  expect(r.code, r.err).toBe(0);
  const stats = JSON.parse(r.out) as Record<string, unknown>;
  delete stats.seconds;
  const files = new Map(readdirSync(out).map((f) => [f, readFileSync(join(out, f))]));
  return { files, stats: JSON.parse(JSON.stringify(stats).replaceAll(out, 'OUT')) };
}

describe.skipIf(!built)('tmesc run: the generated and the decoder packet paths give the same run', () => {
  for (const workers of ['0', '2'])
    it(`--workers ${workers}: outputs byte for byte, statistics`, () => {
      const dec = run(`dec-${workers}`, ['--workers', workers, '--packet-path', 'decoder']);
      const gen = run(`gen-${workers}`, ['--workers', workers, '--packet-path', 'generated']);
      const env = run(`env-${workers}`, ['--workers', workers], { TMESC_PACKET_PATH: 'generated' });
      const auto = run(`auto-${workers}`, ['--workers', workers]);
      expect([...dec.files.keys()].sort()).toEqual([
        'ids1.pcap',
        'ids2.pcapng',
        'm1.pcapng',
        'm2.pcapng',
        'ops.pcapng',
        'web.pcapng',
      ]);
      for (const other of [gen, env, auto]) {
        expect(other.stats).toEqual(dec.stats);
        for (const [f, bytes] of dec.files) expect(other.files.get(f)?.equals(bytes), f).toBe(true);
      }
      // every group got packets, so the comparison says something
      const groups = (dec.stats as { groups: { delivered: number }[] }).groups;
      expect(groups.every((g) => g.delivered > 0)).toBe(true);
    });

  it('a wrong choice is a usage error, from the flag or the environment', () => {
    const flag = spawnTmesc(['run', '--no-progress', policy, '--out-dir', join(dir, 'x'), '--packet-path', 'fast']);
    expect(flag.code).toBe(2);
    expect(flag.err).toContain("'fast' is invalid");
    const env = spawnTmesc(['run', '--no-progress', policy, '--out-dir', join(dir, 'y')], {
      env: { TMESC_PACKET_PATH: 'fast' },
    });
    expect(env.code).toBe(2);
    expect(env.err).toBe('tmesc: TMESC_PACKET_PATH=fast: expected one of auto, generated, decoder\n');
  });
});
