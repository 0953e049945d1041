import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

// explain --pcap FILE --frame N reads captured frames as run does: over a whole generated capture,
// the groups and rules explain names for each frame add up to run's statistics.

const TMP = mkdtempSync(join(tmpdir(), 'tmesc-explain-pcap-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));
const CAP = join(TMP, 'mix.pcap');
const OTHER = join(TMP, 'other.pcap');
const EMPTY = join(TMP, 'empty.pcap');
const PACKETS = 400;

const POLICY = join(TMP, 'p.tmes');
beforeAll(async () => {
  const encap = 'vlan=0.2,qinq=0.05,mpls=0.1,gre=0.1,vxlan=0.1,gtpu=0.1';
  for (const [file, seed] of [
    [CAP, '3'],
    [OTHER, '4'],
  ]) {
    const g = await runCli([
      'gen',
      '-o',
      file,
      '-n',
      String(PACKETS),
      '--seed',
      seed,
      '--encap',
      encap,
      '--ipv6',
      '0.3',
    ]);
    expect(g.code, g.err).toBe(0);
  }
  expect((await runCli(['gen', '-o', EMPTY, '-n', '0'])).code).toBe(0);
  writeFileSync(
    POLICY,
    `policy "pcap"
tap s { source pcap "${CAP}" }
tap other { source pcap "${OTHER}" }
group web { tool w1 { output pcap "w1.pcap" } tool w2 { output pcap "w2.pcap" } }
group dns { tool d { output pcap "d.pcap" } }
group tunnels { tool t { output pcap "t.pcap" } }
group tagged { tool v { output pcap "v.pcap" } }
rule web from s match tcp port 80 or tcp port 8080 to web
rule dns from s match udp port 53 to dns
rule tunnels from s match ip proto 47 or udp port 4789 or udp port 2152 to tunnels
rule tagged from any match vlan to tagged
rule no-tagged-dns from s match vlan and udp port 53 drop dns
`,
  );
});

interface Json {
  packets: {
    input: { pcap: string; frame: number };
    tap: string;
    matchingRules: { name: string }[];
    goesTo: { group: string }[];
  }[];
}

describe('tmesc explain --pcap FILE --frame N', () => {
  it("every frame of a capture: explain's groups and rules add up to run's statistics", async () => {
    const e = await runCli(['explain', POLICY, '--pcap', CAP, '--frame', `1-${PACKETS}`, '--format', 'json']);
    expect(e.code, e.err).toBe(0);
    const j = JSON.parse(e.out) as Json;
    expect(j.packets).toHaveLength(PACKETS);
    expect(j.packets.map((p) => p.input.frame)).toEqual(Array.from({ length: PACKETS }, (_, i) => i + 1));
    // the tap that reads the file, found in the policy
    expect(new Set(j.packets.map((p) => p.tap))).toEqual(new Set(['s']));
    const groups = new Map<string, number>();
    const rules = new Map<string, number>();
    for (const p of j.packets) {
      for (const g of p.goesTo) groups.set(g.group, (groups.get(g.group) ?? 0) + 1);
      for (const r of p.matchingRules) rules.set(r.name, (rules.get(r.name) ?? 0) + 1);
    }
    // run over the same file, the other tap given nothing
    const r = await runCli([
      'run',
      POLICY,
      '--input',
      `s=${CAP}`,
      '--input',
      `other=${EMPTY}`,
      '--out-dir',
      join(TMP, 'out'),
      '--stats',
      'json',
      '--no-progress',
    ]);
    expect(r.code, r.err).toBe(0);
    const s = JSON.parse(r.out) as {
      rules: { name: string; matches: number }[];
      groups: { name: string; in: number }[];
    };
    for (const g of s.groups) expect(groups.get(g.name) ?? 0, g.name).toBe(g.in);
    for (const x of s.rules) expect(rules.get(x.name) ?? 0, x.name).toBe(x.matches);
    expect(groups.get('tunnels')).toBeGreaterThan(0);
    expect(groups.get('web')).toBeGreaterThan(0);
  });

  it('text: names the frame, the decoded packet and where it goes', async () => {
    const r = await runCli(['explain', POLICY, '--pcap', CAP, '--frame', '1,3']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(
      new RegExp(
        `^frame: ${CAP.replace(/[.]/g, '\\.')} #1 \\(Ethernet, \\d+ bytes on the wire, \\d+ captured\\)\\ndecoded: `,
      ),
    );
    expect(r.out).toMatch(/\n\nframe: .* #3 /);
  });

  it('frames past the end, a file no tap reads, and --frame without --pcap are usage errors', async () => {
    const past = await runCli(['explain', POLICY, '--pcap', CAP, '--frame', `${PACKETS + 1}`]);
    expect(past.code).toBe(2);
    expect(past.err).toContain(`has ${PACKETS} packets: no frame ${PACKETS + 1}`);
    // the tap is the one that reads the file; a file no tap reads needs --tap when there are several
    const other = await runCli(['explain', POLICY, '--pcap', OTHER, '--frame', '1']);
    expect(other.code, other.err).toBe(0);
    expect(other.out).toContain('\ntap: other\n');
    const copy = join(TMP, 'copy.pcap');
    copyFileSync(CAP, copy);
    const none = await runCli(['explain', POLICY, '--pcap', copy, '--frame', '1']);
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/several taps \(s, other\): say which one .*copy\.pcap came from: give --tap NAME/);
    expect((await runCli(['explain', POLICY, '--pcap', copy, '--frame', '1', '--tap', 's'])).code).toBe(0);
    expect((await runCli(['explain', POLICY, '--frame', '1'])).err).toMatch(/--frame numbers a packet of --pcap FILE/);
    expect((await runCli(['explain', POLICY, '--pcap', CAP])).err).toMatch(/--pcap FILE needs --frame N/);
    expect((await runCli(['explain', POLICY, '--pcap', CAP, '--frame', '0'])).err).toMatch(
      /--frame takes packet numbers from 1/,
    );
  });
});
