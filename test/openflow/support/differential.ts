import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildArtifact } from '../../../src/artifact/build.js';
import type { Artifact } from '../../../src/artifact/types.js';
import { checkPolicyFile } from '../../../src/check/check.js';
import { DiagnosticBag } from '../../../src/diagnostics/bag.js';
import { SourceFile } from '../../../src/diagnostics/source.js';
import { ABSENT } from '../../../src/fields/fields.js';
import { compilePolicy } from '../../../src/ir/compile.js';
import { compileToOpenFlow, type OpenFlowOutput } from '../../../src/openflow/backend.js';
import type { Policy } from '../../../src/policy/policy.js';
import { sessionHash } from '../../../src/runtime/balance/session-hash.js';
import { type CorpusPacket, decoded, decodedFrame, GroupSteps, pushTag, readTxPcap, runtimeGroups } from './oracle.js';
import { OvsSandbox, ovsRequirements, until } from './ovs.js';
import { traceAll, type Traced } from './trace.js';

/**
 * The OpenFlow program on a real Open vSwitch (userspace datapath, the
 * test's own ovsdb-server and ovs-vswitchd), over a set of Ethernet frames
 * (the corpus's, or frames the test makes): for every packet, ofproto/trace
 * says which groups the switch sends it to, and that must be the groups
 * tmesc's runtime classifier sends it to (those of the switch's groups; the
 * host's get a copy). A packet the switch hands to the host whole is decided
 * by the host (here, the runtime), which returns it for each switch group;
 * the return is traced too. Then the packets go through the datapath itself,
 * and what each tool port transmits must be byte for byte what tmesc's own
 * steps (strip, balance, truncate, mark) make of them, each session on one
 * tool.
 */
const FIXTURES = join(import.meta.dirname, '..', 'fixtures');
const BRIDGE = 'ofb1';
/** Packets handed to the datapath before waiting for it to have received them (its dummy queue holds 100). */
const CHUNK = 48;

export interface DifferentialOptions {
  /** What the packets are, for the suites' titles and log lines. */
  what: string;
  /** The packets, each with its tap (an index below `taps`, the policy's number of taps). */
  packets: (taps: number) => CorpusPacket[];
  /** Whether the suite needs the corpus (it skips without). */
  corpus: boolean;
  /** At least this many packets (a source that silently shrank would test little). */
  minPackets: number;
  /** At most this many malformed packets Open vSwitch may parse otherwise (0 where the test made them all). */
  maxMalformed: number;
  /** The policies, their graph whole or in parts, their fields in headers or registers. */
  cases: readonly { name: string; split: 'whole' | 'parts'; fieldsIn: 'headers' | 'registers' }[];
  /** Whether every tool of a balanced group must get some packet (the balancing exercised). */
  everyTool?: boolean;
  /** Per packet the test made, what it must show (the punt reasons and groups the frames were made for). */
  check?: (fx: Fixture) => void;
  /** Where a case's policy and ports map are (default: test/openflow/fixtures/NAME.tmes and NAME.ports). */
  files?: (name: string) => { policy: string; ports: string };
}

export interface Fixture {
  policy: Policy;
  artifact: Artifact;
  out: OpenFlowOutput;
  packets: CorpusPacket[];
  /** Per packet, the groups the runtime delivers it to. */
  groups: number[][];
  traces: Traced[];
  /** What the host returns for the packets handed to it whole (one per switch group), and their traces. */
  returns: { p: CorpusPacket; g: number; data: Buffer }[];
  returnTraces: Traced[];
  ports: number[];
  host: number;
  /**
   * Packets tmesc's decoder finds malformed and the switch delivers elsewhere (to other switch
   * groups, or no copy for a host group that wants it): Open vSwitch parses a broken header
   * differently (an IPv4 header failing its length checks leaves it no network layer, where
   * tmesc reads the fields that are there). Counted, not failed.
   */
  malformed: Set<number>;
  /** Packets sent into the datapath, and what all ports transmitted once it was done. */
  injected: number;
  transmitted: number;
}

/** Features of a packet that may make the switch hand it to the host (what it cannot see or strip). */
export function puntReasons(p: CorpusPacket): string[] {
  const v = decoded(p);
  const why: string[] = [];
  if (v.vlanCount >= 2 || v.outerEtherType === 0x9100) why.push('vlan-stack');
  if (v.vlanCount === 1) why.push('vlan-tpid');
  if (v.mplsCount > 0) why.push('mpls');
  if (v.pppoeSession !== ABSENT || v.etherType === 0x8864 || v.outerEtherType === 0x8864) why.push('pppoe');
  if (v.etherType >= 0 && v.etherType <= 0x5ff) why.push('llc');
  if (v.tunnel > 0 || [47, 4, 41, 115].includes(v.ipProto)) why.push('tunnel');
  if (v.ipProto === 17 && [1701, 2152, 3544, 4789, 6081].some((x) => x === v.srcPort || x === v.dstPort))
    why.push('udp-tunnel-port');
  // IPv6 headers Open vSwitch does not walk past: Mobility, and a later fragment's fragment header
  const l3 = 14 + 4 * Math.max(v.vlanCount, 0);
  if (v.ipVersion === 6 && v.vlanCount <= 1 && p.data[l3 + 6] === 135) why.push('ipv6-mobility');
  if (v.ipVersion === 6 && v.fragment === 2) why.push('ipv6-later-fragment');
  return why;
}

/** A frame without its outermost 802.1Q tag (the host's return tag, which the switch pops first). */
function stripTag(frame: Buffer): Buffer {
  return Buffer.concat([frame.subarray(0, 12), frame.subarray(16)]);
}

/**
 * The session as Open vSwitch's symmetric dp_hash sees it (lib/flow.c,
 * flow_hash_symmetric_l3l4 without UDP ports): IPv4 or IPv6 (behind at most
 * one VLAN tag) by address pair, protocol and, for TCP and SCTP (whole or
 * first fragments), port pair; anything else by MAC pair, VLAN and EtherType.
 * `loose`: where tmesc's own session reaches further (it keeps fragments
 * and ARP with their addresses' session).
 */
function switchSession(frame: Buffer): { sw: string; loose: boolean } {
  const v = decodedFrame(frame);
  const pair = (a: string, b: string) => (a < b ? `${a}|${b}` : `${b}|${a}`);
  const ip = v.vlanCount <= 1 && v.mplsCount === 0 && (v.etherType === 0x0800 || v.etherType === 0x86dd) && v.ipVersion;
  if (ip) {
    const addr = (src: boolean) =>
      v.ipVersion === 4
        ? String(src ? v.ip4Src : v.ip4Dst)
        : (src ? [v.ip6Src0, v.ip6Src1, v.ip6Src2, v.ip6Src3] : [v.ip6Dst0, v.ip6Dst1, v.ip6Dst2, v.ip6Dst3]).join(':');
    // a first fragment's ports are parsed (and hashed), a later one's are not; an IPv6 later fragment's protocol is
    // its fragment header's (44) to Open vSwitch: the switch hashes a fragmented session's fragments apart
    const proto = v.ipVersion === 6 && v.fragment === 2 ? 44 : v.ipProto;
    const ports = v.fragment !== 2 && (proto === 6 || proto === 132) ? pair(String(v.srcPort), String(v.dstPort)) : '';
    return { sw: `ip ${pair(addr(true), addr(false))} ${proto} ${ports}`, loose: v.fragment !== 0 };
  }
  return { sw: `l2 ${pair(String(v.ethSrc), String(v.ethDst))} ${v.vlan0} ${v.etherType}`, loose: true };
}

/** Sends packets into the datapath through their ports, a chunk at a time, each chunk received before the next. */
async function inject(o: OvsSandbox, packets: { inPort: number; data: Buffer }[]): Promise<number> {
  const ports = [...new Set(packets.map((p) => p.inPort))];
  const received = async () => {
    const s = await o.portStats(BRIDGE);
    return ports.reduce((a, port) => a + (s.get(port)?.rx ?? 0), 0);
  };
  const before = await received();
  for (let i = 0; i < packets.length; i += CHUNK) {
    const chunk = packets.slice(i, i + CHUNK);
    await o.unixctl.batch(
      chunk.map((x) => ({
        method: 'netdev-dummy/receive',
        params: [OvsSandbox.portName(BRIDGE, x.inPort), x.data.toString('hex')],
      })),
      8,
    );
    const want = before + i + chunk.length;
    await until(async () => ((await received()) >= want ? true : undefined));
  }
  return packets.length;
}

/** The packet the host returns for a switch group: as the group's strip leaves it, tagged for the group and the tap's marks. */
function returnedFor(artifact: Artifact, prog: OpenFlowOutput['program'], p: CorpusPacket, g: number): Buffer {
  const markClass = prog.markClasses.findIndex((c) => c.taps.includes(p.tap));
  const vid = prog.host!.codes.returnGroup.find((r) => r.group === g && r.markClass === markClass)!.vid;
  const stripped = artifact.groups[g].actions.strip.length
    ? new GroupSteps(artifact, g, ['strip']).run(p).bytes
    : p.data;
  return pushTag(stripped, vid);
}

// 'whole': the policy's own graph, each segment deciding its groups; 'parts': the policy in parts whose walks set to
// and drop bits that a later table combines (src/openflow/parts.ts), as the backend takes for large policies.
// 'registers': ports and IPv4 addresses moved into registers at ingress (one flow per value), else where parsed
export function describeOnOvs(opts: DifferentialOptions): void {
  const need = ovsRequirements(opts.corpus);
  for (const { name: policyName, split, fieldsIn: layout } of opts.cases)
    describe.skipIf(need.skip)(`OpenFlow on OVS, ${opts.what} (${policyName}, ${split}, ${layout})${need.note}`, () => {
      let ovs: OvsSandbox | undefined;
      let fx: Fixture;

      beforeAll(async () => {
        const files = opts.files?.(policyName) ?? {
          policy: join(FIXTURES, `${policyName}.tmes`),
          ports: join(FIXTURES, `${policyName}.ports`),
        };
        const policyPath = files.policy;
        const portsPath = files.ports;
        const checked = checkPolicyFile(policyPath);
        expect(checked.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
        const policy = checked.policy;
        const artifact = buildArtifact(policy, compilePolicy(policy), 'test');
        const bag = new DiagnosticBag();
        const out = compileToOpenFlow(policy, new SourceFile(portsPath, readFileSync(portsPath, 'utf8')), bag, {
          split,
          fieldsIn: layout,
        });
        expect(out?.program.fieldsIn).toBe(layout);
        expect(bag.items.map((d) => d.message)).toEqual([]);
        if (!out) throw new Error('no program');
        const packets = opts.packets(policy.taps.length);
        const groups = runtimeGroups(artifact, packets);
        const prog = out.program;
        const host = prog.host!.port;
        const ports = [...prog.taps.values(), ...prog.toolPorts.values(), host].sort((a, b) => a - b);
        const o = (ovs = await OvsSandbox.start('tmesc-openflow-'));
        await o.addBridge(BRIDGE, ports);
        writeFileSync(join(o.dir, 'groups.ofctl'), out.groups);
        writeFileSync(join(o.dir, 'flows.ofctl'), out.flows);
        await o.load(BRIDGE, join(o.dir, 'groups.ofctl'), join(o.dir, 'flows.ofctl'));

        // through the datapath first (its flows keep the recirculation contexts the traces resume), then traced
        const taps = packets.map((p) => ({ inPort: prog.taps.get(p.tap)!, data: p.data }));
        let injected = await inject(o, taps);
        const traces = await traceAll(o.unixctl, BRIDGE, taps);
        // the host's part for packets handed to it whole: tmesc decides, and returns them for the switch groups
        const sw = new Set(prog.plans.filter((p) => p.side === 'switch').map((p) => p.group));
        const returns: Fixture['returns'] = [];
        packets.forEach((p, i) => {
          if (!traces[i].outputs.some((x) => x.port === host && x.vid === prog.host!.codes.allGroups.get(p.tap)))
            return;
          for (const g of groups[i]) if (sw.has(g)) returns.push({ p, g, data: returnedFor(artifact, prog, p, g) });
        });
        const back = returns.map((r) => ({ inPort: host, data: r.data }));
        injected += await inject(o, back);
        const returnTraces = await traceAll(o.unixctl, BRIDGE, back);
        // every packet is received (inject waited for the ports' counters): the dummy ports are polled by
        // ovs-vswitchd's main thread, which takes a received batch through the datapath (upcalls, recirculation,
        // outputs) before it answers another OpenFlow request, so the transmit counters are final already
        const tx = await o.portStats(BRIDGE);
        const transmitted = ports.reduce((a, port) => a + (tx.get(port)?.tx ?? 0), 0);
        const sw0 = new Set(prog.plans.filter((p) => p.side === 'switch').map((p) => p.group));
        const ofg = new Map<number, number>();
        for (const [g, ids] of prog.ofGroupOf) for (const id of ids) ofg.set(id, g);
        const malformed = new Set<number>();
        packets.forEach((p, i) => {
          if (!decoded(p).malformed) return;
          const got = [...new Set(traces[i].groups.map((id) => ofg.get(id)))].sort().join();
          const want = groups[i]
            .filter((g) => sw0.has(g))
            .sort()
            .join();
          const punted = traces[i].outputs.some(
            (x) => x.port === host && x.vid === prog.host!.codes.allGroups.get(p.tap),
          );
          const hostCopy = traces[i].outputs.some(
            (x) => x.port === host && x.vid === prog.host!.codes.hostGroups.get(p.tap),
          );
          const hostWanted = groups[i].some((g) => !sw0.has(g));
          if (!punted && (got !== want || (hostWanted && !hostCopy))) malformed.add(i);
        });
        fx = {
          policy,
          artifact,
          out,
          packets,
          groups,
          traces,
          returns,
          returnTraces,
          ports,
          host,
          malformed,
          injected,
          transmitted,
        };
      }, 600_000);

      afterAll(async () => {
        await ovs?.stop();
      });

      const switchSide = () => new Set(fx.out.program.plans.filter((p) => p.side === 'switch').map((p) => p.group));
      // one OpenFlow group per switch group: the tap's marks are pushed by the TOOL flow (checked byte for byte below)
      const ofGroupIndex = () => {
        const m = new Map<number, { group: number }>();
        for (const [group, ids] of fx.out.program.ofGroupOf) for (const id of ids) m.set(id, { group });
        return m;
      };
      if (opts.check) it('delivers the packets made for each group and punt reason', () => opts.check!(fx));
      const where = (p: CorpusPacket) => `${p.file} #${p.number} (tap ${fx.policy.taps[p.tap].name})`;
      const names = (gs: Iterable<number>) => [...gs].map((g) => fx.policy.groups[g].name).sort();

      it('sends every packet to the groups the runtime delivers it to (ofproto/trace)', () => {
        const sw = switchSide();
        const ofg = ofGroupIndex();
        const codes = fx.out.program.host!.codes;
        const wrong: string[] = [];
        let punted = 0;
        let copies = 0;
        let extraCopies = 0;
        const reasons = new Map<string, number>();
        fx.packets.forEach((p, i) => {
          if (fx.malformed.has(i)) return;
          const t = fx.traces[i];
          const want = fx.groups[i];
          const toHost = t.outputs.filter((o) => o.port === fx.host);
          if (toHost.some((o) => o.vid === codes.allGroups.get(p.tap))) {
            punted++;
            if (t.groups.length || toHost.length !== 1)
              wrong.push(`${where(p)}: handed to the host, yet also ${t.datapath}`);
            // a tag's own EtherType (0x8100, 0x88a8) is no OpenFlow field: where a rule tests it, the switch hands
            // the host every tagged packet (the report's hostDecides says so)
            const tpid = fx.out.report.hostDecides.some((h) => h.test === 'the outer EtherType');
            const why = puntReasons(p).filter((r) => r !== 'vlan-tpid' || tpid);
            if (why.length === 0) wrong.push(`${where(p)}: handed to the host for no reason the switch has`);
            for (const w of why) reasons.set(w, (reasons.get(w) ?? 0) + 1);
            return;
          }
          const got = new Set<number>();
          for (const id of new Set(t.groups)) {
            const o = ofg.get(id);
            if (!o) wrong.push(`${where(p)}: group:${id} is no group of the program`);
            else got.add(o.group);
          }
          const expected = want.filter((g) => sw.has(g));
          if (names(got).join() !== names(expected).join())
            wrong.push(
              `${where(p)}: the switch delivers ${names(got).join(',') || 'nothing'}, the runtime ${names(expected).join(',') || 'nothing'}`,
            );
          const copy = toHost.filter((o) => o.vid === codes.hostGroups.get(p.tap)).length;
          const hostWanted = want.some((g) => !sw.has(g));
          if (copy > 1 || toHost.length !== copy) wrong.push(`${where(p)}: host outputs ${JSON.stringify(toHost)}`);
          if (hostWanted && copy !== 1)
            wrong.push(`${where(p)}: host groups ${names(want.filter((g) => !sw.has(g)))} get no copy`);
          if (copy) copies++;
          if (copy && !hostWanted) extraCopies++;
        });
        // what the host returns for switch groups goes to that group's OpenFlow group, marked for the tap
        fx.returns.forEach((r, i) => {
          const id = fx.out.program.ofGroupOf.get(r.g)![0];
          const got = [...new Set(fx.returnTraces[i].groups)];
          if (got.join() !== String(id))
            wrong.push(
              `${where(r.p)}: returned for ${fx.policy.groups[r.g].name}, the switch does ${fx.returnTraces[i].datapath}`,
            );
        });
        console.log(
          `openflow trace: ${fx.packets.length} packets from ${new Set(fx.packets.map((p) => p.file)).size} sources; ` +
            `${punted} handed to the host whole (${[...reasons].map(([w, n]) => `${w} ${n}`).join(', ')}; ${fx.returns.length} returns traced), ` +
            `${copies} copies to the host (${extraCopies} let through by the pre-filter though no host group wants them); ` +
            `${fx.malformed.size} malformed packets Open vSwitch parses otherwise`,
        );
        expect(wrong).toEqual([]);
        expect(fx.packets.length).toBeGreaterThanOrEqual(opts.minPackets);
        expect(fx.malformed.size).toBeLessThanOrEqual(opts.maxMalformed);
        expect(punted).toBeGreaterThan(0);
        // a policy whose groups are all the switch's sends the host only what the switch cannot decide
        if (fx.out.program.plans.some((p) => p.side === 'host')) expect(copies).toBeGreaterThan(0);
        else expect(copies).toBe(0);
      });

      it('gives the bytes tmesc gives (strip, truncate, marks) through the datapath, each session on one tool', () => {
        const o = ovs!;
        const prog = fx.out.program;
        const codes = prog.host!.codes;
        const sw = switchSide();
        const expectedByGroup = new Map<number, string[]>();
        const expectedHost: string[] = [];
        const sessionOf = new Map<string, { session: number; tool: number; sw: string; loose: boolean }>();
        // what a malformed packet (tmesc's decoder) leaves a tool: Open vSwitch hashes it without the network layer
        // it did not parse, so it may leave its session's tool; byte for byte compared still, not in the session check
        const brokenOut = new Set<string>();
        const steps = new Map<number, GroupSteps>();
        const stepsOf = (g: number) => {
          let s = steps.get(g);
          if (!s) {
            const a = fx.artifact.groups[g].actions;
            s = new GroupSteps(fx.artifact, g, [
              ...(a.strip.length ? (['strip'] as const) : []),
              'balance',
              ...(a.truncate ? (['truncate'] as const) : []),
              'mark',
            ]);
            steps.set(g, s);
          }
          return s;
        };
        // each delivery of a switch group, whether the switch decided it or the host returned it: tmesc's own steps
        // (for the malformed packets the switch classifies otherwise, the groups it chose)
        const ofg = ofGroupIndex();
        fx.packets.forEach((p, i) => {
          for (const x of fx.traces[i].outputs)
            if (x.port === fx.host) expectedHost.push(pushTag(p.data, x.vid!).toString('hex'));
          const delivered = fx.malformed.has(i)
            ? [...new Set(fx.traces[i].groups.map((id) => ofg.get(id)!.group))]
            : fx.groups[i];
          for (const g of delivered) {
            if (!sw.has(g)) continue;
            const r = stepsOf(g).run(p);
            const hex = r.bytes.toString('hex');
            if (decoded(p).malformed) brokenOut.add(`${g}:${hex}`);
            (expectedByGroup.get(g) ?? expectedByGroup.set(g, []).get(g)!).push(hex);
            // the switch hashes the packet as it enters the group: as it came, or as the host returned it
            const returned = fx.returns.find((x) => x.p === p && x.g === g);
            const hashed = switchSession(returned ? stripTag(returned.data) : p.data);
            sessionOf.set(`${g}:${hex}`, {
              session: sessionHash(decoded(p), fx.artifact.groups[g].balance.inner),
              tool: r.tool,
              ...hashed,
            });
          }
        });
        const expectedTotal = [...expectedByGroup.values()].reduce((a, l) => a + l.length, 0) + expectedHost.length;

        const read = (port: number): string[] => readTxPcap(o.txPcap(BRIDGE, port)).map((b) => b.toString('hex'));
        const sorted = (l: string[]) => [...l].sort();
        let sessions = 0;
        let agree = 0;
        let loose = 0;
        const report: string[] = [];
        for (const [g, want] of expectedByGroup) {
          const tools = fx.policy.groups[g].tools;
          const perTool = tools.map((t) => read(prog.toolPorts.get(t.name)!));
          const got = perTool.flat();
          const missing = want.filter((h) => !got.includes(h));
          const extra = got.filter((h) => !want.includes(h));
          expect(
            { missing: missing.length, extra: extra.length, firstMissing: missing[0], firstExtra: extra[0] },
            `group ${fx.policy.groups[g].name}`,
          ).toEqual({ missing: 0, extra: 0, firstMissing: undefined, firstExtra: undefined });
          expect(sorted(got), `group ${fx.policy.groups[g].name}`).toEqual(sorted(want));
          if (tools.length < 2) continue;
          if (opts.everyTool)
            expect(
              perTool.map((l) => l.length).filter((n) => n === 0).length,
              `${fx.policy.groups[g].name}: tools that got nothing`,
            ).toBe(0);
          // the switch's sessions (what its symmetric hash reads) each on one tool; tmesc's sessions too, but where
          // tmesc's session is wider than what the switch hashes (IP fragments, ARP by its addresses, non-IP)
          const bySwitch = new Map<string, Set<number>>();
          const byTmesc = new Map<number, { tools: Set<number>; runtime: number; loose: boolean }>();
          perTool.forEach((pkts, k) => {
            for (const hex of pkts) {
              if (brokenOut.has(`${g}:${hex}`)) continue;
              const s = sessionOf.get(`${g}:${hex}`)!;
              (bySwitch.get(s.sw) ?? bySwitch.set(s.sw, new Set()).get(s.sw)!).add(k);
              const t =
                byTmesc.get(s.session) ??
                byTmesc.set(s.session, { tools: new Set(), runtime: s.tool, loose: false }).get(s.session)!;
              t.tools.add(k);
              t.loose ||= s.loose;
            }
          });
          const name = fx.policy.groups[g].name;
          expect(
            [...bySwitch].filter(([, ks]) => ks.size > 1).map(([key]) => key),
            `${name}: sessions on two tools`,
          ).toEqual([]);
          const split = [...byTmesc.values()].filter((t) => t.tools.size > 1);
          expect(split.filter((t) => !t.loose).length, `${name}: tmesc sessions of whole IP packets on two tools`).toBe(
            0,
          );
          let same = 0;
          for (const t of byTmesc.values()) if (t.tools.size === 1 && t.tools.has(t.runtime)) same++;
          sessions += byTmesc.size;
          agree += same;
          loose += split.length;
          const expected = fx.out.report.groups.find((x) => x.name === name)!.balance!.expectedAgreement;
          report.push(`${name} ${same}/${byTmesc.size} (report.json expects ${(100 * expected).toFixed(1)}%)`);
        }
        // the host link: each packet as it came, tagged with its tap (and whether the host decides all its groups)
        expect(sorted(read(fx.host))).toEqual(sorted(expectedHost));
        expect(fx.transmitted).toBe(expectedTotal);
        void codes;
        console.log(
          `openflow datapath: ${fx.injected} packets in, ${fx.transmitted} out, byte for byte as tmesc's steps; ` +
            `sessions on the tool tmesc's rendezvous hashing picks: ${report.join(', ')} (${sessions} sessions, ${((100 * agree) / Math.max(sessions, 1)).toFixed(0)}% agree; ` +
            `${loose} of tmesc's sessions split where the switch hashes fragments or L2 apart)`,
        );
        // the balancing exercised wherever the switch balances a group
        if (report.length) expect(sessions).toBeGreaterThan(10);
      });
    });
}
