import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPolicyFile } from '../../src/check/check.js';
import { DiagnosticBag } from '../../src/diagnostics/bag.js';
import { SourceFile } from '../../src/diagnostics/source.js';
import { compileToOpenFlow, type OpenFlowOutput } from '../../src/openflow/backend.js';
import type { Policy } from '../../src/policy/policy.js';
import { openCapture } from '../../src/runtime/capture/index.js';
import { runCli } from '../cli/helpers.js';
import { corpusPackets, decoded, readTxPcap } from './support/oracle.js';
import { OvsSandbox, ovsRequirements, until } from './support/ovs.js';

/**
 * The whole loop, switch and host: the fabric program (and review.tmes's) on a real Open vSwitch
 * (userspace datapath) takes the corpus's packets from its taps; what it
 * sends the host port is the host link's capture, which `tmesc run --ports
 * MAP --host-link` (the built CLI's code, in this process) turns into the
 * host's tools' files and a return capture; that goes back into the
 * switch's host port. Every tool must then have exactly the packets, byte
 * for byte, that a plain `tmesc run` of the policy over the same taps gives
 * it: a tool on a switch port what its port transmitted, a tool of the host
 * its file. A balanced group's tools are compared as one (the switch's select
 * group and tmesc's rendezvous hashing choose tools differently; docs/openflow.md).
 */
const FIXTURES = join(import.meta.dirname, 'fixtures');
const BRIDGE = 'ofh1';
const CHUNK = 48;
/** A VSS-Monitoring timestamp trailer: 4 bytes of seconds, 4 of nanoseconds, 1 of port stamp (the tap). */
const TRAILER = 9;

const need = ovsRequirements(true);

/** A pcap file (Ethernet, microseconds) of these frames, the n-th stamped n ms after the epoch. */
function writePcap(path: string, frames: Buffer[]): void {
  const head = Buffer.alloc(24);
  head.writeUInt32LE(0xa1b2c3d4, 0);
  head.writeUInt16LE(2, 4);
  head.writeUInt16LE(4, 6);
  head.writeUInt32LE(262144, 16);
  head.writeUInt32LE(1, 20);
  const parts: Buffer[] = [head];
  frames.forEach((f, i) => {
    const h = Buffer.alloc(16);
    h.writeUInt32LE(Math.floor(i / 1000), 0);
    h.writeUInt32LE((i % 1000) * 1000, 4);
    h.writeUInt32LE(f.length, 8);
    h.writeUInt32LE(f.length, 12);
    parts.push(h, f);
  });
  writeFileSync(path, Buffer.concat(parts));
}

/** The frames of a capture tmesc wrote, as hex. */
function framesOf(path: string): string[] {
  const src = openCapture(path);
  const out: string[] = [];
  try {
    for (let r; (r = src.next());) out.push(Buffer.from(r.data.subarray(0, r.capLen)).toString('hex'));
  } finally {
    src.close();
  }
  return out;
}

/** Sends frames into the datapath through a port, a chunk at a time, each chunk received before the next. */
async function inject(o: OvsSandbox, port: number, frames: Buffer[]): Promise<void> {
  const received = async () => (await o.portStats(BRIDGE)).get(port)?.rx ?? 0;
  const before = await received();
  for (let i = 0; i < frames.length; i += CHUNK) {
    const chunk = frames.slice(i, i + CHUNK);
    await o.unixctl.batch(
      chunk.map((f) => ({
        method: 'netdev-dummy/receive',
        params: [OvsSandbox.portName(BRIDGE, port), f.toString('hex')],
      })),
      8,
    );
    const want = before + i + chunk.length;
    await until(async () => ((await received()) >= want ? true : undefined));
  }
}

// fabric and review: the backend's own test policies; privacy, overlay, campus: issue 18's acceptance policies,
// written apart (host groups that mask, replace, cut payloads, stamp, shape, dedup; strips of VXLAN, GRE, MPLS)
for (const policyName of ['fabric', 'review', 'privacy', 'overlay', 'campus'])
  describe.skipIf(need.skip)(
    `the host link end to end: Open vSwitch and tmesc run --host-link (${policyName})${need.note}`,
    () => {
      let ovs: OvsSandbox | undefined;
      let policy: Policy;
      let out: OpenFlowOutput;
      let dir: string;
      let linkPackets = 0;
      let returned = 0;
      let hostStdout = '';

      beforeAll(async () => {
        const policyPath = join(FIXTURES, `${policyName}.tmes`);
        const portsPath = join(FIXTURES, `${policyName}.ports`);
        policy = checkPolicyFile(policyPath).policy;
        const bag = new DiagnosticBag();
        out = compileToOpenFlow(policy, new SourceFile(portsPath, readFileSync(portsPath, 'utf8')), bag)!;
        expect(bag.items.map((d) => d.message)).toEqual([]);
        // packets tmesc finds malformed are parsed otherwise by Open vSwitch (ovs-corpus.test.ts counts them): left out
        const packets = corpusPackets(policy.taps.length, Infinity, Infinity).filter((p) => !decoded(p).malformed);
        const prog = out.program;
        const host = prog.host!.port;
        const ports = [...prog.taps.values(), ...prog.toolPorts.values(), host].sort((a, b) => a - b);
        const o = (ovs = await OvsSandbox.start('tmesc-openflow-hostlink-'));
        dir = o.dir;
        await o.addBridge(BRIDGE, ports);
        writeFileSync(join(dir, 'groups.ofctl'), out.groups);
        writeFileSync(join(dir, 'flows.ofctl'), out.flows);
        writeFileSync(join(dir, 'report.json'), out.reportJson);
        await o.load(BRIDGE, join(dir, 'groups.ofctl'), join(dir, 'flows.ofctl'));

        // the taps' captures, for the plain run, and the same packets into the switch's tap ports
        const tapArgs: string[] = [];
        for (let t = 0; t < policy.taps.length; t++) {
          const frames = packets.filter((p) => p.tap === t).map((p) => p.data);
          const path = join(dir, `${policy.taps[t].name}.in.pcap`);
          writePcap(path, frames);
          tapArgs.push('--input', `${policy.taps[t].name}=${path}`);
          await inject(o, prog.taps.get(t)!, frames);
        }
        const plain = await runCli(['run', policyPath, '--no-cache', ...tapArgs, '--out-dir', join(dir, 'plain')]);
        expect(plain.code, plain.err).toBe(0);

        // what the switch sent the host, through the host end, and its answer back into the switch
        const link = readTxPcap(o.txPcap(BRIDGE, host));
        linkPackets = link.length;
        writePcap(join(dir, 'link.pcap'), link);
        const ret = join(dir, 'return.pcap');
        const h = await runCli([
          'run',
          policyPath,
          '--no-cache',
          // review: the host reads the report written with the switch's program; fabric: compiles it from the map
          ...(policyName === 'review' ? ['--report', join(dir, 'report.json')] : ['--ports', portsPath]),
          '--host-link',
          join(dir, 'link.pcap'),
          '--host-return',
          ret,
          '--out-dir',
          join(dir, 'host'),
        ]);
        expect(h.code, h.err).toBe(0);
        hostStdout = h.out;
        const back = framesOf(ret).map((x) => Buffer.from(x, 'hex'));
        returned = back.length;
        await inject(o, host, back);
      }, 600_000);

      afterAll(async () => {
        await ovs?.stop();
      });

      it('gives every tool the packets and bytes a plain tmesc run gives it', () => {
        const prog = out.program;
        const sorted = (l: string[]) => [...l].sort();
        const fileOf = (sub: string, tool: string) => {
          const t = policy.groups.flatMap((g) => g.tools).find((x) => x.name === tool)!;
          return join(dir, sub, t.output.target.split('/').pop()!);
        };
        const got = (tool: string): string[] => {
          const port = prog.toolPorts.get(tool);
          return port !== undefined
            ? readTxPcap(ovs!.txPcap(BRIDGE, port)).map((b) => b.toString('hex'))
            : framesOf(fileOf('host', tool));
        };
        const summary: string[] = [];
        let total = 0;
        for (const g of policy.groups) {
          // a timestamp trailer stamps when the packet was captured: the host's is when the host link's capture has
          // it, not the tap's, so the trailer's seconds and nanoseconds are left out; its port stamp (the tap) is not
          const ts = g.actions.timestamp;
          const stamped = ts && ts.ipv4 === 'trailer' && ts.ipv6 === 'trailer' && ts.other === 'trailer';
          const unstamped = (hex: string) =>
            stamped ? `${hex.slice(0, -2 * TRAILER)}${'00'.repeat(TRAILER - 1)}${hex.slice(-2)}` : hex;
          const want = g.tools.flatMap((t) => framesOf(fileOf('plain', t.name))).map(unstamped);
          const have = g.tools.flatMap((t) => got(t.name)).map(unstamped);
          const missing = want.filter((x) => !have.includes(x));
          const extra = have.filter((x) => !want.includes(x));
          expect(
            { missing: missing.length, extra: extra.length, firstMissing: missing[0], firstExtra: extra[0] },
            g.name,
          ).toEqual({ missing: 0, extra: 0, firstMissing: undefined, firstExtra: undefined });
          expect(sorted(have), g.name).toEqual(sorted(want));
          const bytes = want.reduce((s, x) => s + x.length / 2, 0);
          const side = out.report.groups.find((x) => x.name === g.name)!.side;
          summary.push(`${g.name} (${side}) ${want.length}/${bytes} B`);
          total += want.length;
        }
        console.log(
          `openflow host link: ${linkPackets} packets switch -> host (${/taken by no host group[^:]*: (\d+)/.exec(hostStdout)?.[1] ?? 0} taken by no host group), ${returned} host -> switch; ` +
            `every tool as a plain run: ${total} packets (${summary.join(', ')})`,
        );
        expect(linkPackets).toBeGreaterThan(0);
        expect(returned).toBeGreaterThan(0);
        expect(hostStdout).toMatch(/returned to the switch/);
        // everything the switch sends the host carries one of the report's codes
        expect(hostStdout).toContain(`host link ${join(dir, 'link.pcap')}: ${linkPackets} packets`);
        expect(hostStdout).not.toMatch(/no code of the link to the host/);
        // the host decided packets for switch groups (handed to it whole) and fed host tools on switch ports
        const ret = out.report.host!.fromHost;
        expect(hostStdout).toMatch(new RegExp(`VLAN (${ret.map((r) => r.vid).join('|')}): [1-9]`));
      });
    },
  );
