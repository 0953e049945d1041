import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

// tmesc explain: described packets are built as real frames and read by the runtime's decoder,
// captured frames are read as run reads them, and the answer is the runtime's.

const TMP = mkdtempSync(join(tmpdir(), 'tmesc-explain-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

let n = 0;
function policy(body: string): string {
  const file = join(TMP, `p${n++}.tmes`);
  writeFileSync(file, `policy "explain-test"\n${body}`);
  return file;
}

const ONE_TAP = `tap t { source pcap "t.pcap" }
group g { tool w { output pcap "w.pcap" } }
group tunnels { tool tw { output pcap "tw.pcap" } }
`;

/** The JSON of an explain run that must succeed. */
async function explainJson(args: string[]) {
  const r = await runCli(['explain', ...args, '--format', 'json']);
  expect(r.code, r.err).toBe(0);
  return JSON.parse(r.out) as {
    formatVersion: number;
    packets: {
      input: { packet: string; built: string } | { pcap: string; frame: number };
      frame: { linkType: number; wireLen: number; capLen: number; hex: string };
      tap: string | null;
      fields: Record<string, number>;
      matchingRules: { name: string; file: string; line: number }[];
      goesTo: { group: string; tool: string }[];
    }[];
  };
}

describe('tmesc explain: consistent packets', () => {
  it('gre sets IP protocol 47, so `ip proto 47` matches, as it does in run', async () => {
    const p = policy(`${ONE_TAP}rule gre-any from t match ip proto 47 to tunnels\n`);
    for (const spec of ['gre', 'gre 7', 'gre 7 inner tcp 10.0.0.1:1 > 10.0.0.2:80', 'pptp 3', 'erspan 9']) {
      const j = await explainJson([p, '--packet', spec]);
      expect(j.packets[0].fields.ipProto, spec).toBe(47);
      expect(
        j.packets[0].matchingRules.map((r) => r.name),
        spec,
      ).toEqual(['gre-any']);
    }
  });

  it('vxlan has its outer IPv4 and UDP port 4789, and the VNI it was given', async () => {
    const p = policy(`${ONE_TAP}rule vx from t match ip and udp dst port 4789 and vxlan vni 42 to tunnels\n`);
    const j = await explainJson([p, '--packet', 'vxlan 42 inner tcp 172.16.0.1:1 > 172.16.0.2:80']);
    const f = j.packets[0].fields;
    expect(f).toMatchObject({ etherType: 0x800, ipProto: 17, dstPort: 4789, tunnel: 6, tunnelId: 42 });
    expect(f).toMatchObject({ 'inner.ipProto': 6, 'inner.dstPort': 80, 'inner.ip4Src': 0xac100001 });
    expect(j.packets[0].goesTo).toEqual([{ group: 'tunnels', tool: 'tw' }]);
    // each UDP tunnel by its port, each IP tunnel by its protocol
    const ports: [string, number][] = [
      ['geneve', 6081],
      ['gtp', 2152],
      ['l2tp', 1701],
      ['teredo', 3544],
    ];
    for (const [t, port] of ports) expect((await explainJson([p, '--packet', t])).packets[0].fields.dstPort).toBe(port);
    const protos: [string, number][] = [
      ['ipip', 4],
      ['6in4', 41],
      ['6to4', 41],
    ];
    for (const [t, proto] of protos)
      expect((await explainJson([p, '--packet', t])).packets[0].fields.ipProto).toBe(proto);
  });

  it('prints what it built: every assumption the description left to it', async () => {
    const r = await runCli(['explain', policy(`${ONE_TAP}rule all from t match ip to g\n`), '--packet', 'vxlan 5']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(
      'built: tap t 02:00:00:00:00:01 > 02:00:00:00:00:02 vxlan 5 udp 198.51.100.1:49152 > 198.51.100.2:4789 ttl 64 dscp 0 inner 02:00:00:00:01:01 > 02:00:00:00:01:02 proto 253 192.0.2.1 > 192.0.2.2 ttl 64 dscp 0 (a 84-byte Ethernet frame)',
    );
  });
});

describe('tmesc explain: taps', () => {
  const twoTaps = () =>
    policy(
      `tap core-a { source pcap "a.pcap" }\ntap core-b { source pcap "b.pcap" }\n${ONE_TAP.split('\n').slice(1).join('\n')}rule a from core-a match tcp to g\nrule b from core-b match tcp to tunnels\n`,
    );

  it('with several taps, a packet must say which one it came from', async () => {
    const p = twoTaps();
    const r = await runCli(['explain', p, '--packet', 'tcp 10.0.0.1:1 > 10.0.0.2:2']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/several taps \(core-a, core-b\): say which one the packet came from/);
    const a = await explainJson([p, '--packet', 'tap core-a tcp']);
    expect(a.packets[0].goesTo.map((g) => g.group)).toEqual(['g']);
    const b = await explainJson([p, '--tap', 'core-b', '--packet', 'tcp']);
    expect(b.packets[0].goesTo.map((g) => g.group)).toEqual(['tunnels']);
    // a description's own tap wins over --tap
    const c = await explainJson([p, '--tap', 'core-b', '--packet', 'tap core-a tcp']);
    expect(c.packets[0].tap).toBe('core-a');
  });

  it('an unknown tap is a usage error naming the taps', async () => {
    const p = twoTaps();
    const r = await runCli(['explain', p, '--packet', 'tap core-c tcp']);
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      "tmesc: --packet: the policy has no tap 'core-c' (taps: core-a, core-b)\n    tap core-c tcp\n        ^^^^^^\n",
    );
    const t = await runCli(['explain', p, '--tap', 'nope', '--packet', 'tcp']);
    expect(t.code).toBe(2);
    expect(t.err).toMatch(/--tap: the policy has no tap 'nope' \(taps: core-a, core-b\)/);
  });
});

describe('tmesc explain: several packets, JSON', () => {
  it('explains every --packet given, in order', async () => {
    const p = policy(`${ONE_TAP}rule web from t match tcp dst port 80 to g\n`);
    const r = await runCli(['explain', p, '--packet', 'tcp 10.0.0.1:1 > 10.0.0.2:80', '--packet', 'udp']);
    expect(r.code, r.err).toBe(0);
    const blocks = r.out.split('\n\n');
    expect(blocks).toHaveLength(2);
    expect(blocks[0]).toMatch(/^packet: tcp 10\.0\.0\.1:1 > 10\.0\.0\.2:80\n/);
    expect(blocks[0]).toContain('goes to: group g -> tool w');
    expect(blocks[1]).toMatch(/^packet: udp\n/);
    expect(blocks[1]).toContain('goes to: nothing');
  });

  it('--format json: one object per packet, with rules located in the policy', async () => {
    const p = policy(`${ONE_TAP}rule web from t match tcp dst port 80 to g\n`);
    const j = await explainJson([p, '--packet', 'tcp 10.0.0.1:1 > 10.0.0.2:80 flags syn', '--packet', 'icmp']);
    expect(j.formatVersion).toBe(1);
    expect(j.packets).toHaveLength(2);
    expect(j.packets[0]).toMatchObject({
      input: {
        packet: 'tcp 10.0.0.1:1 > 10.0.0.2:80 flags syn',
        built: 'tap t 02:00:00:00:00:01 > 02:00:00:00:00:02 tcp 10.0.0.1:1 > 10.0.0.2:80 flags syn ttl 64 dscp 0',
      },
      tap: 't',
      matchingRules: [{ name: 'web', file: p, line: 5 }],
      goesTo: [{ group: 'g', tool: 'w' }],
      fields: { ipProto: 6, dstPort: 80, tcpFlags: 2 },
    });
    expect(j.packets[0].frame.hex).toMatch(/^0200000000020200000000010800/);
    expect(j.packets[1].fields).toMatchObject({ ipProto: 1, icmpType: 8, icmpCode: 0 });
    expect(j.packets[1].goesTo).toEqual([]);
  });
});

describe('tmesc explain: mistakes in a description (exit 2, with a caret)', () => {
  const p = () => policy(`${ONE_TAP}rule all from t match ip to g\n`);
  it.each([
    ['payload "abc', 'unterminated string', 8, 12],
    ['tcp payload "\\q"', "unknown escape '\\q'", 13, 15],
    ['icmp type constructor', "unknown ICMP type 'constructor'", 10, 21],
    ['vxlan ff', "vxlan VNI needs a whole number (decimal or 0x hex), not 'ff'", 6, 8],
    ['tcp 10.0.0.1:99999 > 10.0.0.2:80', 'port 99999 is out of range', 4, 18],
    ['gre tcp', 'gre is carried directly in IP, not in tcp', 4, 7],
    ['tcp udp', "a packet has one protocol on top of IP: 'udp' after 'tcp'", 4, 7],
  ])('%s', async (spec, message, from, to) => {
    const r = await runCli(['explain', p(), '--packet', spec]);
    expect(r.code).toBe(2);
    expect(r.err).not.toMatch(/internal error/);
    const [first, line, caret] = r.err.split('\n');
    expect(first).toContain(`tmesc: --packet: ${message}`);
    expect(line).toBe(`    ${spec}`);
    expect(caret).toBe(`    ${' '.repeat(from)}${'^'.repeat(to - from)}`);
  });

  it('a description is checked before the policy is read', async () => {
    const r = await runCli(['explain', join(TMP, 'missing.tmes'), '--packet', 'vxlan ff']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/vxlan VNI needs a whole number/);
  });
});
