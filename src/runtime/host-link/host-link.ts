import { basename, dirname, join, resolve } from 'node:path';
import type { Artifact, ArtifactGroup } from '../../artifact/types.js';
import { stepsOf } from '../../artifact/steps.js';
import { ETHERTYPE } from '../../fields/ethertype.js';
import { LINKTYPE } from '../../fields/fields.js';
import { ActionConfigError } from '../actions/action.js';
import { planChains } from '../actions/chain.js';
import { finerThanMicroseconds, headerInterfaces, openCapture } from '../capture/index.js';
import { emptyRecord, type PacketRecord } from '../capture/record.js';
import { type PacketOutput, Pipeline } from '../engine/pipeline.js';
import type { PacketPathChoice } from '../engine/packet-path-choice.js';
import type { OutputSpec } from '../output/output-spec.js';
import { ToolOutput } from '../output/tool-output.js';
import { makeDirectories } from '../output/make-directories.js';
import type { DropReason, RunStats } from '../stats/stats.js';
import { ActionsNotPerformed, RunError, unimplementedActions } from '../run/run.js';
import { DEFAULT_SNAPLEN } from '../run/tap-inputs.js';
import { closeEachAsync } from '../close-each.js';

/**
 * The host's side of an OpenFlow switch's host link (`tmesc compile --emit
 * openflow`, docs/openflow.md): what the code table of the compiler's report
 * says each VLAN of the link carries, by index into the artifact.
 */
export interface HostLinkPlan {
  /** To the host: per VLAN code, the tap the packet came from and whether the host decides every group (else its own). */
  toHost: Map<number, { tap: number; all: boolean }>;
  /** Per group: 1 where the host delivers it for packets the switch decided (the host's groups). */
  hostGroups: Uint8Array;
  /** From the host, per switch group: the VLAN code of its returns by tap (-1: none); undefined for the host's groups. */
  groupReturn: (Int32Array | undefined)[];
  /** From the host, per group and tool: the VLAN code of a host group's tool on a switch port (-1: a tool of the host's). */
  toolReturn: Int32Array[];
}

export interface HostLinkOptions {
  /** What the switch sent the host: a capture of the host link. */
  input: string;
  /** Where the host's answer goes: a capture of what it sends the switch. */
  returnPath: string;
  /** As run's --out-dir, for the host's own tools. */
  outDir?: string;
  packetPath?: PacketPathChoice;
  note?: (message: string) => void;
  warn?: (message: string) => void;
}

/** What the host link carried, beside the run's own counters. */
export interface HostLinkStats {
  input: string;
  returnPath: string;
  /** Packets of the link read. */
  read: number;
  /** Per VLAN code to the host: packets. */
  toHost: { vid: number; tap: string; all: boolean; packets: number }[];
  /** Packets carrying no code the report gives the link to the host (untagged, another VLAN, not Ethernet): dropped. */
  unknown: number;
  /** Packets of a host-groups code that no host group takes (the switch's pre-filter over-approximates): dropped. */
  noHostGroup: number;
  /** Packets written to the return link, per code. */
  returned: { vid: number; packets: number }[];
  /**
   * Returns not sent, not in returned: offline none; live those the return ring refused (counted dropped,
   * output-full, in their group) and those its sender then did not send (the return link tool's counters).
   */
  notReturned: number;
  /** Live: the host's own returns seen going out on the link's interface (passed over, not read). */
  echoed?: number;
}

function groupsIn(s: RunStats): number {
  let n = 0;
  for (const g of s.groups) n += g.in;
  return n;
}

/** A switch group as the host does its part: the strip (the switch balances, truncates and marks), to one return. */
function switchPart(g: ArtifactGroup): ArtifactGroup {
  const actions = { strip: g.actions.strip, masks: [], replaces: [] };
  return {
    ...g,
    tools: [{ ...g.tools[0], name: `${g.name} (to the switch)`, rateBps: undefined }],
    actions,
    // the switch pushes the tap's marks (the return's code says which): none here
    steps: stepsOf(actions).filter((s) => s !== 'mark'),
  };
}

function vlanTag(vid: number): Uint8Array {
  return Uint8Array.of(ETHERTYPE.VLAN >>> 8, ETHERTYPE.VLAN & 0xff, (vid >>> 8) & 0x0f, vid & 0xff);
}

/** What the return outputs wrote (per code) and what the link refused. */
export class ReturnTally {
  readonly returned = new Map<number, number>();
  notReturned = 0;
}

/** Where returns are written: the return capture (ToolOutput) offline, the host interface's send ring live. */
export interface ReturnLink {
  readonly path: string;
  /** Why write refuses (a live ring's: output-full); a file's write refuses only a link type it cannot hold. */
  readonly refusedAs?: DropReason;
  write(
    data: Uint8Array,
    tsSec: number,
    tsNsec: number,
    wireLen: number,
    linkType: number,
    tap: number,
    comment: string | undefined,
    tags: Uint8Array,
  ): boolean;
}

/**
 * The return link as a group's tool output: each packet tagged with its code
 * (a switch group's by tap, outermost and alone: the switch pushes the tap's
 * marks; a host tool's outermost over the marks it already has).
 */
export class ReturnOutput implements PacketOutput {
  readonly path: string;
  constructor(
    private readonly link: ReturnLink,
    private readonly tally: ReturnTally,
    /** Per tap, the code; -1: the tap has none. */
    private readonly codes: Int32Array,
    /** A switch group's return: the tap's marks are the switch's to push. */
    private readonly dropMarks: boolean,
  ) {
    this.path = link.path;
    this.dropsTags = dropMarks;
  }

  /** The group's bytes are counted as the switch gets them: without the tap's marks. */
  readonly dropsTags: boolean;

  /** Why the last write refused: no code for the packet (not Ethernet), or the link's reason (a full ring). */
  get refusedAs(): DropReason {
    return this.refusal;
  }
  private refusal: DropReason = 'link-type-mismatch';

  write(data: Uint8Array, tsSec: number, tsNsec: number, wireLen: number, linkType: number, tap: number): boolean {
    const vid = this.codeFor(data, linkType, tap);
    if (vid < 0) return false;
    return this.sent(vid, this.link.write(data, tsSec, tsNsec, wireLen + 4, linkType, 0, undefined, vlanTag(vid)));
  }

  /** A return is counted returned once the link took it; refused, it is counted not returned (its group drops it). */
  private sent(vid: number, ok: boolean): boolean {
    const t = this.tally;
    if (ok) t.returned.set(vid, (t.returned.get(vid) ?? 0) + 1);
    else {
      t.notReturned++;
      this.refusal = this.link.refusedAs ?? 'link-type-mismatch';
    }
    return ok;
  }

  writeTagged(
    data: Uint8Array,
    tags: Uint8Array,
    tsSec: number,
    tsNsec: number,
    wireLen: number,
    linkType: number,
    tap: number,
    comment: string | undefined,
  ): boolean {
    if (this.dropMarks) return this.write(data, tsSec, tsNsec, wireLen - tags.length, linkType, tap);
    const vid = this.codeFor(data, linkType, tap);
    if (vid < 0) return false;
    const both = new Uint8Array(4 + tags.length);
    both.set(vlanTag(vid));
    both.set(tags, 4);
    return this.sent(vid, this.link.write(data, tsSec, tsNsec, wireLen + 4, linkType, 0, comment, both));
  }

  /** The VLAN code a tap's packet goes back under; -1 (not written) without one or on a non-Ethernet frame. */
  private codeFor(data: Uint8Array, linkType: number, tap: number): number {
    const vid = this.codes[tap];
    if (vid < 0 || linkType !== LINKTYPE.ETHERNET || data.length < 14) {
      this.refusal = 'link-type-mismatch';
      return -1;
    }
    return vid;
  }
}

/** The host's copy of the artifact: switch groups reduced to their strip and one output, to the switch. */
export function hostArtifact(a: Artifact, plan: HostLinkPlan): Artifact {
  return { ...a, groups: a.groups.map((g, gi) => (plan.groupReturn[gi] ? switchPart(g) : g)) };
}

/** Every VLAN code the host sends the switch. */
export function returnCodes(plan: HostLinkPlan): Set<number> {
  const codes = new Set<number>();
  for (const g of plan.groupReturn) if (g) for (const v of g) if (v >= 0) codes.add(v);
  for (const t of plan.toolReturn) for (const v of t) if (v >= 0) codes.add(v);
  return codes;
}

/** Whether a group's tool is sent back to the switch (a switch group's, or a host tool on a switch port). */
export function returnedTool(plan: HostLinkPlan, group: number, tool: number): boolean {
  return plan.groupReturn[group] !== undefined || plan.toolReturn[group][tool] >= 0;
}

/**
 * The outputs that go back over the link, per group and tool (undefined:
 * the host's own tool, the caller's output): the same codes offline and live.
 */
export function returnOutputs(
  a: Artifact,
  plan: HostLinkPlan,
  link: ReturnLink,
  tally: ReturnTally,
): (ReturnOutput | undefined)[][] {
  return a.groups.map((g, gi) => {
    const back = plan.groupReturn[gi];
    if (back) return [new ReturnOutput(link, tally, back, true)];
    return g.tools.map((_, ti) => {
      const vid = plan.toolReturn[gi][ti];
      return vid >= 0 ? new ReturnOutput(link, tally, new Int32Array(a.taps.length).fill(vid), false) : undefined;
    });
  });
}

/** What the link's reader counted, in a form that crosses threads and adds up. */
export interface HostLinkCounts {
  read: number;
  /** Live: the host's own returns, seen going out on the link's interface (passed over). */
  echoed: number;
  perCode: [number, number][];
  unknown: number;
  noHostGroup: number;
  returned: [number, number][];
  notReturned: number;
}

/**
 * Each packet of the link as the switch sent it: its code off (its tap, and
 * which groups are the host's to decide), then the run's Pipeline on it with
 * those groups. The one reader of the link, offline and live.
 */
export class HostLinkReader {
  read = 0;
  unknown = 0;
  noHostGroup = 0;
  readonly perCode = new Map<number, number>();
  private readonly all: Uint8Array;
  private readonly rec = emptyRecord();

  constructor(
    private readonly plan: HostLinkPlan,
    private readonly pipeline: Pipeline,
    groups: number,
    /** Live: pass over the host's own returns (the frames under its codes to the switch). */
    skipReturns = false,
  ) {
    this.all = new Uint8Array(groups).fill(1);
    if (skipReturns) this.fromHost = returnCodes(plan);
  }

  /**
   * Live, the link's interface shows the host's own returns too (sent by
   * another handle; a kernel filter on direction delays the last frame until
   * the next): frames under a code from the host are those, passed over.
   */
  echoed = 0;
  private readonly fromHost?: Set<number>;

  handle(r: PacketRecord): void {
    const d = r.data;
    const tagged =
      r.linkType === LINKTYPE.ETHERNET && r.capLen >= 18 && d[12] === ETHERTYPE.VLAN >>> 8 && d[13] === 0x00;
    const vid = tagged ? ((d[14] & 0x0f) << 8) | d[15] : -1;
    if (this.fromHost?.has(vid)) {
      this.echoed++;
      return;
    }
    this.read++;
    const code = tagged ? this.plan.toHost.get(vid) : undefined;
    if (!code) {
      this.unknown++;
      return;
    }
    this.perCode.set(vid, (this.perCode.get(vid) ?? 0) + 1);
    // the code off: the packet as it came from its tap
    const rec = this.rec;
    const frame = new Uint8Array(r.capLen - 4);
    frame.set(d.subarray(0, 12));
    frame.set(d.subarray(16, r.capLen), 12);
    rec.data = frame;
    rec.bytes = frame;
    rec.dataOffset = 0;
    rec.capLen = frame.length;
    rec.wireLen = r.wireLen - 4;
    rec.tsSec = r.tsSec;
    rec.tsNsec = r.tsNsec;
    rec.linkType = r.linkType;
    rec.packetNumber = r.packetNumber;
    rec.byteOffset = r.byteOffset;
    rec.comment = r.comment;
    const pipeline = this.pipeline;
    pipeline.only = code.all ? this.all : this.plan.hostGroups;
    if (code.all) pipeline.handle(rec, code.tap);
    else {
      // a copy the switch's pre-filter let through (it over-approximates the host's tests): counted when no host group takes it
      const before = groupsIn(pipeline.stats) + pipeline.stats.unmatched;
      pipeline.handle(rec, code.tap);
      if (groupsIn(pipeline.stats) + pipeline.stats.unmatched === before) this.noHostGroup++;
    }
  }

  counts(tally: ReturnTally): HostLinkCounts {
    return {
      read: this.read,
      echoed: this.echoed,
      perCode: [...this.perCode],
      unknown: this.unknown,
      noHostGroup: this.noHostGroup,
      returned: [...tally.returned],
      notReturned: tally.notReturned,
    };
  }
}

/** The warning for returns the link refused. */
export function notReturnedText(link: string, n: number): string {
  return `${link}: ${n} packets to return to the switch not sent (the return link full, down or failing to send): dropped`;
}

/** The counts of several readers (a live run's workers) added up. */
export function addHostLinkCounts(into: HostLinkCounts, c: HostLinkCounts): HostLinkCounts {
  const add = (x: [number, number][], y: [number, number][]) => {
    const m = new Map(x);
    for (const [k, v] of y) m.set(k, (m.get(k) ?? 0) + v);
    return [...m];
  };
  return {
    read: into.read + c.read,
    echoed: into.echoed + c.echoed,
    perCode: add(into.perCode, c.perCode),
    unknown: into.unknown + c.unknown,
    noHostGroup: into.noHostGroup + c.noHostGroup,
    returned: add(into.returned, c.returned),
    notReturned: into.notReturned + c.notReturned,
  };
}

/**
 * Live: the returns the link's sender did not send (its link down, its
 * process behind or gone, send errors), per code, taken off `returned` and
 * counted `notReturned`: `returned` is then what went out.
 */
export function takeNotSent(c: HostLinkCounts, notSent: readonly [number, number][]): HostLinkCounts {
  const returned = new Map(c.returned);
  let taken = 0;
  for (const [code, n] of notSent) {
    const had = returned.get(code) ?? 0;
    const t = Math.min(had, n);
    if (had) returned.set(code, had - t);
    taken += t;
  }
  return { ...c, returned: [...returned].filter(([, n]) => n > 0), notReturned: c.notReturned + taken };
}

/** The link's stats as the run prints them (offline: files; live: the interface for both). */
export function hostLinkStats(
  a: Artifact,
  plan: HostLinkPlan,
  c: HostLinkCounts,
  input: string,
  returnPath: string,
  live = false,
): HostLinkStats {
  const perCode = new Map(c.perCode);
  return {
    ...(live && { echoed: c.echoed }),
    input,
    returnPath,
    read: c.read,
    toHost: [...plan.toHost].map(([vid, t]) => ({
      vid,
      tap: a.taps[t.tap].name,
      all: t.all,
      packets: perCode.get(vid) ?? 0,
    })),
    unknown: c.unknown,
    noHostGroup: c.noHostGroup,
    returned: [...c.returned].sort((x, y) => x[0] - y[0]).map(([vid, packets]) => ({ vid, packets })),
    notReturned: c.notReturned,
  };
}

/**
 * The host end of the link, offline: reads the capture of what the switch
 * sent the host, takes each packet's code off (its tap, and which groups
 * are the host's to decide), runs the policy on it as `tmesc run` does for
 * those groups, and writes what goes back to the switch, tagged, into one
 * capture: a switch group's packets as its strip leaves them, a host tool
 * on a switch port's as the tool gets them. The host's own tools get their
 * files as in a plain run.
 */
export async function runHostLink(
  a: Artifact,
  plan: HostLinkPlan,
  opts: HostLinkOptions,
): Promise<{ stats: RunStats; link: HostLinkStats }> {
  const pending = unimplementedActions(a);
  if (pending.length) throw new ActionsNotPerformed(`${pending.join('; ')}: not implemented in this version`);
  const host = hostArtifact(a, plan);
  try {
    planChains(host);
  } catch (e) {
    if (e instanceof ActionConfigError) throw new RunError(e.message);
    throw e;
  }
  const note = opts.note ?? (() => undefined);
  const input = resolve(opts.input);
  const returnPath = resolve(opts.returnPath);
  if (returnPath === input) throw new RunError(`the host return ${returnPath} would overwrite the host link's input`);
  const ifaces = headerInterfaces(input);
  const nanosecond = ifaces.length > 0 && ifaces.every(finerThanMicroseconds);
  const snapLen = ifaces.reduce((m, i) => Math.max(m, i.snapLen), 0) || DEFAULT_SNAPLEN;
  const spec = (path: string, format: 'pcap' | 'pcapng', extraTags: number[]): OutputSpec => ({
    path,
    format,
    nanosecond,
    taps: a.taps.map((t, i) => ({ name: t.name, snapLen: snapLen + 4 * extraTags[i], nanosecond })),
  });
  const vlanMarks = a.taps.map((t) => t.marks.filter((m) => m.kind === 'vlan').length);
  makeDirectories(dirname(returnPath));
  const link = new ToolOutput(
    spec(
      returnPath,
      'pcap',
      vlanMarks.map((n) => n + 1),
    ),
  );
  const tally = new ReturnTally();
  const seen = new Map<string, string>([[returnPath, 'the host return']]);
  const own: ToolOutput[] = [];
  const back = returnOutputs(host, plan, link, tally);
  const outputs: PacketOutput[][] = host.groups.map((g, gi) =>
    g.tools.map((t, ti) => {
      const r = back[gi][ti];
      if (r) return r;
      let path: string;
      if (t.output.kind === 'interface') {
        path = join(opts.outDir ?? 'tmesc-out', `${t.name}.pcapng`);
        note(`tool '${t.name}' outputs to interface ${t.output.target}; written to ${path}`);
      } else path = opts.outDir ? join(opts.outDir, basename(t.output.target)) : t.output.target;
      path = resolve(path);
      const other = seen.get(path);
      if (other) throw new RunError(`tools '${other}' and '${t.name}' would both write ${path}`);
      if (path === input) throw new RunError(`tool '${t.name}' would overwrite input ${path}`);
      seen.set(path, t.name);
      makeDirectories(dirname(path));
      const o = new ToolOutput(spec(path, t.output.kind === 'pcap' ? 'pcap' : 'pcapng', vlanMarks));
      own.push(o);
      return o;
    }),
  );
  const tapFiles = a.taps.map((_, i) => ([...plan.toHost.values()].some((c) => c.tap === i) ? [input] : []));
  const pipeline = new Pipeline(host, outputs, tapFiles, { packetPath: opts.packetPath });
  const reader = new HostLinkReader(plan, pipeline, a.groups.length);
  const src = openCapture(input);
  const t0 = performance.now();
  try {
    for (let r; (r = src.next());) reader.handle(r);
    pipeline.finish();
    await link.close();
    await closeEachAsync(own, (o) => o.close());
  } catch (e) {
    link.abort();
    for (const o of own) o.abort();
    throw e;
  } finally {
    src.close();
  }
  const stats = pipeline.collect();
  stats.seconds = (performance.now() - t0) / 1000;
  if (reader.unknown)
    opts.warn?.(`${input}: ${reader.unknown} packets carry no VLAN code the switch sends the host: dropped`);
  if (tally.notReturned) opts.warn?.(notReturnedText(returnPath, tally.notReturned));
  return { stats, link: hostLinkStats(a, plan, reader.counts(tally), input, returnPath) };
}
