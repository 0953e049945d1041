import type { Artifact } from '../../artifact/types.js';
import { type ActionChain, buildChains, emptyActionCounters } from '../actions/chain.js';
import type { Replica } from '../actions/replica.js';
import { LINKTYPE } from '../../fields/fields.js';
import { Rendezvous, weightsOf } from '../balance/rendezvous.js';
import { sessionHash32 } from '../balance/session-hash.js';
import type { PacketRecord } from '../capture/index.js';
import { createClassifier, type Classifier } from '../classify/classifier.js';
import { RuleCounter } from '../classify/rule-counter.js';
import { Dedup, type DedupStage } from '../dedup/dedup.js';
import { decodeFrame } from '../decode/decode.js';
import { PacketView } from '../decode/view.js';
import { pushVlan } from '../mark/vlan-push.js';
import { type DropReason, emptyDrops, type GroupStats, type RunStats, type TapStats } from '../stats/stats.js';

/** Where a group's tool gets its packets: a file here, a worker's share of a batch in runtime/parallel. */
export interface PacketOutput {
  readonly path: string;
  /** Why write refuses packets, when not for their link type (a live output's full ring). */
  readonly refusedAs?: DropReason;
  /** Returns false (and writes nothing) when the output cannot hold the packet's link type. */
  write(
    data: Uint8Array,
    tsSec: number,
    tsNsec: number,
    wireLen: number,
    linkType: number,
    tap: number,
    comment: string | undefined,
  ): boolean;
  /** The timestamp resolution the output stores, in ns (1 or 1000; default 1). */
  readonly resolutionNs?: number;
}

/** All counters at zero, shaped after the policy: what pipelines count into and parallel runs sum into. */
export function newRunStats(
  artifact: Artifact,
  outputs: readonly { readonly path: string }[][],
  tapFiles: string[][],
): RunStats {
  return {
    policy: artifact.policy.name,
    seconds: 0,
    packetsRead: 0,
    unmatched: 0,
    taps: artifact.taps.map((t, i): TapStats => ({
      name: t.name,
      files: tapFiles[i] ?? [],
      packets: 0,
      bytes: 0,
      malformed: 0,
      truncatedRecords: 0,
      captureWarnings: 0,
    })),
    rules: RuleCounter.zeroStats(artifact),
    groups: artifact.groups.map((gr, gi): GroupStats => ({
      name: gr.name,
      in: 0,
      delivered: 0,
      dropped: emptyDrops(),
      failover: 0,
      dedupEvicted: 0,
      tools: gr.tools.map((t, ti) => ({
        name: t.name,
        output: outputs[gi][ti].path,
        packets: 0,
        bytes: 0,
        refused: 0,
        refusedLinkTypes: [],
      })),
      actions: emptyActionCounters(gr, artifact),
    })),
    unmarked: 0,
  };
}

export interface PipelineOptions {
  /** The de-duplication stage of group g (default: a Dedup over its window). */
  dedup?: (group: number, windowNs: number) => DedupStage;
  /** Live runs: whether a tool's link is up; sessions of a tool that is down go to the group's others. */
  toolUp?: (group: number, tool: number) => boolean;
  /** Entries each default Dedup may hold (default DEDUP_MAX_ENTRIES). */
  dedupMaxEntries?: number;
  /** Called the first time a tool's output refuses a link type (a pcap file holds one). */
  onRefused?: (group: number, tool: number, linkType: number) => void;
}

/**
 * What happens to one packet: decode into the reused view, classify once for
 * all rules and groups, then for each group it goes to: de-duplicate, choose
 * a tool by session, apply the tap's mark, write. Everything here is per
 * worker: no global state, per-session state keyed by the session hash.
 */
export class Pipeline {
  private readonly view = new PacketView();
  private readonly classifier: Classifier;
  private readonly groupsOf: Int32Array[];
  private readonly ruleCounter: RuleCounter | undefined;
  private readonly balancers: (Rendezvous | undefined)[];
  private readonly balanceInner: boolean[];
  private readonly dedups: (DedupStage | undefined)[];
  private readonly markBuf = new Uint8Array(262144 + 4);
  readonly stats: RunStats;

  constructor(
    private readonly artifact: Artifact,
    /** outputs[group][tool] */
    private readonly outputs: PacketOutput[][],
    tapFiles: string[][],
    options: PipelineOptions = {},
  ) {
    const g = artifact.graph;
    this.classifier = createClassifier(g);
    this.groupsOf = [];
    this.balancers = artifact.groups.map((gr) => {
      if (gr.tools.length <= 1) return undefined;
      const weights = weightsOf(gr.tools.map((t) => t.rateBps));
      return new Rendezvous(gr.tools.map((t, i) => ({ name: t.name, weight: weights[i] })));
    });
    this.balanceInner = artifact.groups.map((gr) => gr.balance.inner);
    this.tapComments = artifact.taps.map((t) => `tap ${t.name}`);
    const dedup = options.dedup ?? ((_g: number, windowNs: number) => new Dedup(windowNs, options.dedupMaxEntries));
    this.dedups = artifact.groups.map((gr, gi) =>
      gr.actions.dedup ? dedup(gi, gr.actions.dedup.windowNs) : undefined,
    );
    this.onRefused = options.onRefused;
    this.stats = newRunStats(artifact, outputs, tapFiles);
    this.toolUp = options.toolUp;
    this.upIn = artifact.groups.map((_, gi) => (t: number) => options.toolUp!(gi, t));
    this.ruleCounter = this.stats.rules ? new RuleCounter(artifact, this.classifier) : undefined;
    this.chains = buildChains(
      artifact,
      this.stats.groups,
      (gi, r) => this.deliverReplica(gi, r),
      undefined,
      (gi, ti) => outputs[gi][ti].resolutionNs ?? 1,
    );
  }

  /** Per group, its action steps (runtime/actions/); undefined for groups whose steps change nothing. */
  private readonly chains: (ActionChain | undefined)[];

  /** A replica that went through its group's steps, written to the tool the chain chose. */
  private deliverReplica(g: number, r: Replica): void {
    const gs = this.stats.groups[g];
    let tool = r.tool;
    if (this.toolUp && !this.toolUp(g, tool)) {
      // as on the plain path: the session's next choice among the tools up (when it goes out, for a held replica)
      const bal = this.balancers[g];
      tool = bal ? bal.pickAmong(r.session, this.upIn[g]) : -1;
      if (tool < 0) {
        gs.dropped['tool-down']++;
        return;
      }
      gs.failover++;
    }
    const frame = r.frame();
    const out = this.outputs[g][tool];
    if (out.write(frame, r.tsSec, r.tsNsec, r.wireLen, r.linkType, r.tap, r.comment)) {
      gs.delivered++;
      gs.tools[tool].packets++;
      gs.tools[tool].bytes += frame.length;
    } else if (out.refusedAs) gs.dropped[out.refusedAs]++;
    else this.refuse(g, tool, r.linkType);
  }

  /** End of input: steps hand on what they held back. */
  finish(): void {
    for (const c of this.chains) c?.finish();
  }

  /** Whether some group's steps release held replicas on the clock: a live run then calls tick() on a timer. */
  get ticks(): boolean {
    return this.chains.some((c) => c?.ticks);
  }

  /** The clock reached this time with no packet (live runs, from a timer): steps hand on what is due. */
  tick(tsSec: number, tsNsec: number): void {
    for (const c of this.chains) c?.tick(tsSec, tsNsec);
  }

  private readonly toolUp: PipelineOptions['toolUp'];
  private readonly upIn: ((tool: number) => boolean)[];
  private readonly onRefused: PipelineOptions['onRefused'];

  /** The counters, with what the stages kept apart (de-duplication entries evicted early). */
  collect(): RunStats {
    this.dedups.forEach((d, g) => {
      if (d) this.stats.groups[g].dedupEvicted = d.evicted;
    });
    return this.stats;
  }

  /** Result index -> groups, cached as typed arrays the first time a result is seen. */
  private groups(r: number): Int32Array {
    return (this.groupsOf[r] ??= Int32Array.from(this.classifier.results[r].groups));
  }

  handle(rec: PacketRecord, tap: number): void {
    const view = this.view;
    const data = rec.data;
    view.tap = tap;
    decodeFrame(view, data, rec.capLen, rec.wireLen, rec.linkType);
    const st = this.stats;
    st.packetsRead++;
    const ts = st.taps[tap];
    ts.packets++;
    ts.bytes += rec.capLen;
    if (view.malformed) ts.malformed++;
    const r = this.classifier.classify(view, data);
    const groups = this.groups(r);
    this.ruleCounter?.count(r, view, data, st.rules!);
    if (groups.length === 0) {
      st.unmatched++;
      return;
    }
    // the packet's session hashes, computed once for all its groups (signed int32: no heap number per packet)
    let outer = 0;
    let inner = 0;
    let hashed = 0;
    let marked = false;
    for (let i = 0; i < groups.length; i++) {
      const g = groups[i];
      const gs = st.groups[g];
      gs.in++;
      const dd = this.dedups[g];
      if (dd && dd.isDuplicate(view, data, rec.tsSec, rec.tsNsec)) {
        gs.dropped.duplicate++;
        continue;
      }
      const chain = this.chains[g];
      if (chain !== undefined) {
        chain.push(rec, view, tap);
        continue;
      }
      let tool = 0;
      const bal = this.balancers[g];
      if (bal) {
        let h: number;
        if (this.balanceInner[g]) {
          if ((hashed & 2) === 0) {
            inner = sessionHash32(view, true);
            hashed |= 2;
          }
          h = inner;
        } else {
          if ((hashed & 1) === 0) {
            outer = sessionHash32(view, false);
            hashed |= 1;
          }
          h = outer;
        }
        tool = bal.pick(h);
        if (this.toolUp && !this.toolUp(g, tool)) {
          // its tool is down: the session's next choice among those up, counted
          tool = bal.pickAmong(h, this.upIn[g]);
          if (tool < 0) {
            gs.dropped['tool-down']++;
            continue;
          }
          gs.failover++;
        }
      } else if (this.toolUp && !this.toolUp(g, 0)) {
        gs.dropped['tool-down']++;
        continue;
      }
      if (!marked) {
        this.mark(rec, tap);
        marked = true;
      }
      const frame = this.markedFrame;
      if (
        this.outputs[g][tool].write(
          frame,
          rec.tsSec,
          rec.tsNsec,
          this.markedWireLen,
          rec.linkType,
          tap,
          this.markedComment,
        )
      ) {
        gs.delivered++;
        gs.tools[tool].packets++;
        gs.tools[tool].bytes += frame.length;
      } else {
        const why = this.outputs[g][tool].refusedAs;
        if (why) gs.dropped[why]++;
        else this.refuse(g, tool, rec.linkType);
      }
    }
  }

  private refuse(g: number, tool: number, linkType: number): void {
    const gs = this.stats.groups[g];
    gs.dropped['link-type-mismatch']++;
    const ts = gs.tools[tool];
    ts.refused++;
    if (!ts.refusedLinkTypes.includes(linkType)) {
      ts.refusedLinkTypes.push(linkType);
      this.onRefused?.(g, tool, linkType);
    }
  }

  /** The packet as marked, for every group it goes to; set by mark() (fields, not an object per packet). */
  private markedFrame: Uint8Array = new Uint8Array(0);
  private markedWireLen = 0;
  private markedComment: string | undefined;
  private readonly tapComments: string[];

  /** The tap's marks, applied once per packet and shared by every group (writers copy the bytes). */
  private mark(rec: PacketRecord, tap: number): void {
    let frame = rec.data;
    let wireLen = rec.wireLen;
    let comment: string | undefined;
    const marks = this.artifact.taps[tap].marks;
    for (let i = 0; i < marks.length; i++) {
      const m = marks[i];
      if (m.kind === 'comment') comment = this.tapComments[tap];
      else if (rec.linkType === LINKTYPE.ETHERNET && frame.length >= 14) {
        frame = pushVlan(frame, this.markBuf, m.id, m.priority);
        wireLen += 4;
      } else this.stats.unmarked++;
    }
    this.markedFrame = frame;
    this.markedWireLen = wireLen;
    this.markedComment = comment;
  }
}
