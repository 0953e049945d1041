import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LINKTYPE } from '../../../src/fields/fields.js';
import { generate } from '../../../src/gen/index.js';
import { CaptureWriter, openCapture } from '../../../src/runtime/capture/index.js';
import { PCAP_MAGIC_NS, PCAP_MAGIC_US } from '../../../src/runtime/capture/magic.js';
import { runArtifact } from '../../../src/runtime/run/run.js';
import { runCli } from '../../cli/helpers.js';
import { missingTools } from '../../support/tools.js';
import { artifactFor as artifactForIn } from '../support/artifact.js';

/**
 * How tool outputs are written: timestamps at the inputs' precision (or the
 * policy's), one pcapng interface per tap and link type named after the
 * tap, and packets a pcap file cannot hold said, not lost in silence.
 */
const dir = mkdtempSync(join(tmpdir(), 'tmesc-outputs-'));
const artifactFor = (body: string) => artifactForIn(dir, body);

const us = join(dir, 'us.pcap');
const ns = join(dir, 'ns.pcap');
generate({ output: us, packets: 500, seed: 3, resolution: 'us' });
generate({ output: ns, packets: 500, seed: 4, resolution: 'ns' });

function outDir(): string {
  const out = join(dir, `out-${Math.random().toString(36).slice(2)}`);
  mkdirSync(out);
  return out;
}

const magic = (path: string) => readFileSync(path).readUInt32LE(0);

function interfaces(path: string) {
  const src = openCapture(path);
  const names: (string | undefined)[] = [];
  let n = 0;
  for (let r; (r = src.next()); n++) names.push(r.interfaceName);
  src.close();
  return { interfaces: src.interfaces, names, packets: n };
}

const tshark = missingTools('tshark');
const capinfos = missingTools('capinfos');

describe('timestamp precision of pcap outputs', () => {
  it.each([0, 2])(
    "writes the inputs' precision: microseconds from microseconds, nanoseconds from nanoseconds, microseconds where taps mix (workers %i)",
    async (workers) => {
      const out = outDir();
      await runArtifact(
        artifactFor(`tap u { source pcap "${us}" }\ntap n { source pcap "${ns}" }
group gu { tool ou { output pcap "${out}/u.pcap" } }
group gn { tool on { output pcap "${out}/n.pcap" } }
group gm { tool om { output pcap "${out}/mixed.pcap" } }
rule u from u match any to gu
rule n from n match any to gn
rule m match any to gm`),
        { inputs: new Map(), workers },
      );
      expect(magic(join(out, 'u.pcap'))).toBe(PCAP_MAGIC_US);
      expect(magic(join(out, 'n.pcap'))).toBe(PCAP_MAGIC_NS);
      expect(magic(join(out, 'mixed.pcap'))).toBe(PCAP_MAGIC_US);
      // what tcpdump -w writes, readable by every tool
      if (!capinfos.skip) {
        const info = execFileSync('capinfos', ['-t', '-a', join(out, 'u.pcap')], { encoding: 'utf8' });
        expect(info).toMatch(/File type:\s+Wireshark\/tcpdump\/\.\.\. - pcap\n/);
      }
      // nanoseconds survive where every input has them
      const first = (p: string) => {
        const src = openCapture(p);
        const r = src.next()!;
        const t = [r.tsSec, r.tsNsec];
        src.close();
        return t;
      };
      expect(first(join(out, 'n.pcap'))).toEqual(first(ns));
    },
  );

  it('takes the policy\'s choice: output pcap "x" precision ns|us', async () => {
    const out = outDir();
    await runArtifact(
      artifactFor(`tap u { source pcap "${us}" }\ntap n { source pcap "${ns}" }
group a { tool a { output pcap "${out}/a.pcap" precision ns } }
group b { tool b { output pcap "${out}/b.pcap" precision us } }
group c { tool c { output pcapng "${out}/c.pcapng" precision ns } }
rule u from u match any to a
rule n from n match any to b, c`),
      { inputs: new Map(), workers: 0 },
    );
    expect(magic(join(out, 'a.pcap'))).toBe(PCAP_MAGIC_NS);
    expect(magic(join(out, 'b.pcap'))).toBe(PCAP_MAGIC_US);
    const c = interfaces(join(out, 'c.pcapng'));
    expect(c.interfaces.map((i) => i.tsResolExp)).toEqual([9]);
  });
});

describe('pcapng outputs: an interface per tap', () => {
  it.each([0, 2])(
    'declares one interface block per tap and link type, named after the tap, with its precision and snap length (workers %i)',
    async (workers) => {
      const out = outDir();
      const stats = await runArtifact(
        artifactFor(`tap core-a { source pcap "${us}"; mark vlan 7 }\ntap core-b { source pcap "${ns}" }
group rec { tool rec { output pcapng "${out}/rec.pcapng" } }
rule all match any to rec`),
        { inputs: new Map(), workers },
      );
      expect(stats.groups[0].delivered).toBe(1000);
      const got = interfaces(join(out, 'rec.pcapng'));
      expect(got.packets).toBe(1000);
      // in the order their first packets come
      const declared = got.interfaces.map((i) => [i.name, i.linkType, i.tsResolExp, i.snapLen]);
      expect(declared.sort()).toEqual([
        ['core-a', LINKTYPE.ETHERNET, 6, 262144 + 4],
        ['core-b', LINKTYPE.ETHERNET, 9, 262144],
      ]);
      expect(got.names.filter((n) => n === 'core-a')).toHaveLength(500);
      if (!tshark.skip) {
        const names = execFileSync(
          'tshark',
          ['-n', '-r', join(out, 'rec.pcapng'), '-T', 'fields', '-e', 'frame.interface_name'],
          { encoding: 'utf8' },
        )
          .trim()
          .split('\n');
        expect(names).toHaveLength(1000);
        expect(new Set(names)).toEqual(new Set(['core-a', 'core-b']));
      }
    },
  );
});

/** The same IPv4 packets on four link types: Ethernet, BSD loopback (null), Linux cooked (SLL), raw IP. */
function fourLinkTypes(): Record<string, string> {
  const eth = join(dir, 'eth4.pcap');
  generate({
    output: eth,
    packets: 400,
    seed: 9,
    mix: { tcp: 1, dns: 0, udp: 0, icmp: 0, arp: 0, multicast: 0, broadcast: 0 },
    ipv6Fraction: 0,
  });
  const src = openCapture(eth);
  const ips: { ip: Buffer; sec: number; nsec: number }[] = [];
  for (let r; (r = src.next()) && ips.length < 4;)
    if (r.data.length > 14 && r.data[12] === 0x08 && r.data[13] === 0x00)
      ips.push({ ip: Buffer.from(r.data.subarray(14)), sec: r.tsSec, nsec: r.tsNsec });
  src.close();
  const frames: Record<string, [number, (ip: Buffer) => Buffer]> = {
    ethernet: [
      LINKTYPE.ETHERNET,
      (ip) => Buffer.concat([Buffer.from('02000000000202000000000108 00'.replace(/ /g, ''), 'hex'), ip]),
    ],
    null: [LINKTYPE.NULL, (ip) => Buffer.concat([Buffer.from([2, 0, 0, 0]), ip])],
    sll: [
      LINKTYPE.LINUX_SLL,
      (ip) => Buffer.concat([Buffer.from('0000000100060200000000010000 0800'.replace(/ /g, ''), 'hex'), ip]),
    ],
    raw: [LINKTYPE.RAW, (ip) => ip],
  };
  const paths: Record<string, string> = {};
  for (const [name, [lt, frame]] of Object.entries(frames)) {
    const p = join(dir, `${name}.pcap`);
    const w = new CaptureWriter(p, { format: 'pcap', linkType: lt });
    for (const x of ips) w.writePacket(0, frame(x.ip), x.sec, x.nsec);
    w.close();
    paths[name] = p;
  }
  return paths;
}

describe('link types a pcap file cannot hold', () => {
  const caps = fourLinkTypes();
  const policy = (out: string) => `policy "lt"
tap eth { source pcap "${caps.ethernet}" }
tap lo { source pcap "${caps.null}" }
tap cooked { source pcap "${caps.sll}" }
tap raw { source pcap "${caps.raw}" }
group ids { tool ids { output pcap "${out}/ids.pcap" } }
group rec { tool rec { output pcapng "${out}/rec.pcapng" } }
rule all match any to ids, rec
`;

  it.each([0, 2])(
    'are dropped with a warning on stderr and in the summary; pcapng keeps all 16 (workers %i)',
    async (workers) => {
      const out = outDir();
      const p = join(out, 'p.tmes');
      writeFileSync(p, policy(out));
      const r = await runCli(['run', p, '--no-progress', '--no-cache', '--workers', String(workers)]);
      expect(r.code, r.err).toBe(0);
      // said when it happens, once per link type
      const warnings = r.err.split('\n').filter((l) => l.startsWith('tmesc: warning: '));
      expect(warnings).toHaveLength(3);
      expect(warnings[0]).toContain("tool 'ids' writes a pcap file");
      expect(warnings[0]).toContain('Ethernet (1)');
      expect(r.err).toContain('BSD loopback (null) (0)');
      expect(r.err).toContain('Linux cooked (SLL) (113)');
      expect(r.err).toContain('raw IP (101)');
      // and in the summary, with the count
      expect(r.out).toContain('group ids: 16 in, 4 delivered, 12 link-type-mismatch dropped');
      expect(r.out).toMatch(/warning: 12 packets not written: a pcap file holds one link type/);
      const rec = interfaces(join(out, 'rec.pcapng'));
      expect(rec.packets).toBe(16);
      expect(rec.interfaces.map((i) => [i.name, i.linkType])).toEqual([
        ['eth', LINKTYPE.ETHERNET],
        ['lo', LINKTYPE.NULL],
        ['cooked', LINKTYPE.LINUX_SLL],
        ['raw', LINKTYPE.RAW],
      ]);
    },
  );

  it('validate and compile say so before anything runs (TMES0440, at the tool output)', async () => {
    const out = outDir();
    const p = join(out, 'p.tmes');
    writeFileSync(p, policy(out));
    const v = await runCli(['validate', p]);
    expect(v.code).toBe(0);
    expect(v.out).toMatch(/p\.tmes:6:24: warning TMES0440:/);
    expect(v.out).toContain(
      "tool 'ids' writes pcap, which holds one link type, but can receive Ethernet (1) from tap eth",
    );
    const c = await runCli(['compile', p, '-o', join(out, 'p.json')]);
    expect(c.code).toBe(0);
    expect(c.err).toContain('TMES0440');
  });
});
