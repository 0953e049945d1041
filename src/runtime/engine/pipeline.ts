import type { Artifact } from '../../artifact/types.js';
import { type ActionChain, buildChains, emptyActionCounters, emptyActionTotals, planChains } from '../actions/chain.js';
import type { Replica } from '../actions/replica.js';
import { LINKTYPE } from '../../fields/fields.js';
import { Rendezvous, weightsOf } from '../balance/rendezvous.js';
import { sessionHash32 } from '../balance/session-hash.js';
import { type PacketRecord, recordFrame } from '../capture/index.js';
import { NO_CUT } from '../capture/edited-records.js';
import { addComment } from '../capture/packet-comments.js';
import { createClassifier, type Classifier } from '../classify/classifier.js';
import { createPacketPath, type PacketPath } from '../classify/packet-path.js';
import { RuleCounter } from '../classify/rule-counter.js';
import { Dedup, type DedupStage, MARKED_AS } from '../dedup/dedup.js';
import { decodeFrame } from '../decode/decode.js';
import { PacketView } from '../decode/view.js';
import { insertTags, vlanTags } from '../mark/vlan-tags.js';
import { emptyDrops, type GroupStats, type RunStats, type TapStats, type ToolStats } from '../stats/stats.js';
import { walkSessionHash32 } from '../walk/session.js';
import type { ChunkLoop, PcapRecordFormat } from '../capture/chunk-loop.js';
import { type LoopEdit, PacketChunkLoop, type RunTaker } from './chunk-loop.js';
import { packetPathChoice, type PacketPathChoice } from './packet-path-choice.js';
import { type RecordOutput, walkableGroup, WalkedSteps, walkFedGroup } from './walked-steps.js';

/**
 * Where a group's tool gets its packets: a file here, a worker's share of a
 * batch in runtime/parallel. Its writeRecord and refusedAs are RecordOutput's
 * (walked-steps.ts).
 */
export interface PacketOutput extends RecordOutput {
  readonly path: string;
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
  /**
   * write() with `tags` inserted after the frame's 12 address bytes as it is
   * written (the tap's VLAN mark): no tagged copy of the frame is made first.
   * Outputs without it are given the tagged copy.
   */
  writeTagged?(
    data: Uint8Array,
    tags: Uint8Array,
    tsSec: number,
    tsNsec: number,
    wireLen: number,
    linkType: number,
    tap: number,
    comment: string | undefined,
  ): boolean;
  /** The timestamp resolution the output stores, in ns (1 or 1000; default 1). */
  readonly resolutionNs?: number;
  /** writeTagged leaves the tags out (the host link's returns for a switch group: the switch marks): not counted. */
  readonly dropsTags?: boolean;
}

/** A packet that came with comments went to an output that cannot hold them (PacketOutput.dropsComments). */
function lostComment(ts: ToolStats, out: PacketOutput): void {
  ts.commentsLost = (ts.commentsLost ?? 0) + 1;
  out.commentLost?.();
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
      actionTotals: emptyActionTotals(gr),
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
  /** Which packet path classifies (default: TMESC_PACKET_PATH, else auto; see packet-path-choice.ts). */
  packetPath?: PacketPathChoice;
  /** Packets per look at how many needed the decoder on the generated path, under auto (default ADAPT_WINDOW); for tests. */
  adaptWindow?: number;
  /**
   * Whether records come with their `data` view (default true). False: only
   * `bytes` and `dataOffset` are read (readers' `views: false`), and the
   * frame's own array is made for what needs one (the decoder, a write,
   * dedup, action steps), once a packet; on the generated path most
   * packets need none.
   */
  recordViews?: boolean;
}

/**
 * Under auto, the generated path is left for the decoder path when more than
 * half the packets of a window needed the decoder's view anyway (tunnel
 * traffic whose tunnels or inner packets the policy reads, packets for a
 * masking group): walking them first only adds the walk. A packet whose
 * steps in some group were done from the walk does not count: the decoder
 * path would run that group's chain for it. It is tried again after
 * ADAPT_BACKOFF windows. Both paths give each packet the same treatment, so
 * switching between packets changes nothing but the work done.
 */
const ADAPT_WINDOW = 8192;
const ADAPT_BACKOFF = 16;

/** The frame argument of rule counters that read no packet. */
const EMPTY = new Uint8Array(0);

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
  /** The counters as the packet path keeps them: the rules' are exact only after collect(). */
  readonly stats: RunStats;
  /** The generated packet path, when it classifies this run's packets (else the decoder does, into `view`). */
  private readonly packetPath: PacketPath | undefined;
  /** Which path classifies this pipeline's packets (under auto, generated may hand windows of packets to the decoder). */
  readonly path: 'generated' | 'decoder';
  /** Under auto: the packet path is watched, and left for the decoder's while it would cost more. */
  private readonly adaptive: boolean;
  private readonly adaptWindow: number;
  private onWalk = true;
  private adaptLeft = 0;
  private adaptViewed = 0;
  /** Times auto left the generated path for the decoder's (for tests and benchmarks). */
  switches = 0;
  private readonly recordViews: boolean;

  constructor(
    private readonly artifact: Artifact,
    /** outputs[group][tool] */
    private readonly outputs: PacketOutput[][],
    tapFiles: string[][],
    options: PipelineOptions = {},
  ) {
    const g = artifact.graph;
    this.packetPath = usePacketPath(artifact, options.packetPath ?? packetPathChoice());
    this.classifier = this.packetPath?.viewClassifier ?? createClassifier(g);
    this.path = this.packetPath ? 'generated' : 'decoder';
    this.adaptive = this.packetPath !== undefined && (options.packetPath ?? packetPathChoice()) === 'auto';
    this.adaptWindow = options.adaptWindow ?? ADAPT_WINDOW;
    this.adaptLeft = this.adaptWindow;
    this.recordViews = options.recordViews ?? true;
    this.groupsOf = [];
    this.balancers = artifact.groups.map((gr) => {
      if (gr.tools.length <= 1) return undefined;
      const weights = weightsOf(gr.tools.map((t) => t.rateBps));
      return new Rendezvous(gr.tools.map((t, i) => ({ name: t.name, weight: weights[i] })));
    });
    this.balanceInner = artifact.groups.map((gr) => gr.balance.inner);
    this.tapComments = artifact.taps.map((t) => `tap ${t.name}`);
    this.tapTags = artifact.taps.map((t) => vlanTags(t.marks));
    this.tapMarkComments = artifact.taps.map((t, i) =>
      t.marks.some((m) => m.kind === 'comment') ? this.tapComments[i] : undefined,
    );
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
    // steps the generated path does from the walk for plain packets (not for live runs: tools go down)
    this.walkedSteps = artifact.groups.map((gr, gi) =>
      this.packetPath !== undefined && this.chains[gi] !== undefined && !options.toolUp && walkableGroup(gr)
        ? new WalkedSteps(
            artifact,
            gi,
            this.stats.groups[gi],
            outputs[gi][0],
            (lt) => this.refuse(gi, 0, lt),
            this.chains[gi]!.step('shape'),
          )
        : undefined,
    );
    // chains the walk hands a packet to without an array of its frame (mask first reads the walk's buffer; the
    // replica's bytes are made only when held or written; an unchanged packet goes out as its record)
    this.unframed = this.chains.map(
      (c, gi) => c !== undefined && walkFedGroup(artifact.groups[gi]) && c.takesUnframed(),
    );
    // the generated path, unwatched: handle() is handleWalked itself (no call in between, ~60 instructions a packet)
    if (this.packetPath !== undefined && !this.adaptive) this.handle = this.handleWalked;
  }

  /** Per group, its action steps (runtime/actions/); undefined for groups whose steps change nothing. */
  private readonly chains: (ActionChain | undefined)[];
  /** Per group with a chain, its steps as the generated path does them for plain packets (walked-steps.ts). */
  private readonly walkedSteps: (WalkedSteps | undefined)[];
  /** Per group: its chain takes the walk's packets with no frame array (ActionChain.pushLazy, not framed). */
  private readonly unframed: boolean[];

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
    const out = this.outputs[g][tool];
    const tags = r.tags;
    const rec = r.record;
    const length = r.length;
    if (
      // no step changed the packet being pushed (a masked packet the scanners left alone, unheld): its record goes
      // as it lies in the read buffer, with the records around it, as on the plain path (no frame view, no copy of
      // its own); the output takes the tags, the wire length and the comment as writeRecord does the tap's marks
      rec !== undefined &&
      !r.changed &&
      rec.runs !== undefined &&
      out.writeRecord !== undefined &&
      r.tsSec === rec.tsSec &&
      r.tsNsec === rec.tsNsec
        ? out.writeRecord(rec, r.wireLen, r.tap, r.comment, tags)
        : tags === undefined
          ? out.write(r.frame(), r.tsSec, r.tsNsec, r.wireLen, r.linkType, r.tap, r.comment)
          : this.writeTagged(out, r.frame(), tags, r.tsSec, r.tsNsec, r.wireLen, r.linkType, r.tap, r.comment)
    ) {
      gs.delivered++;
      gs.tools[tool].packets++;
      gs.tools[tool].bytes += tags === undefined || out.dropsTags ? length : length + tags.length;
      if (r.commented && out.dropsComments) lostComment(gs.tools[tool], out);
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

  /**
   * The counters, with what the stages kept apart (de-duplication entries evicted early, rule counts kept per
   * result): read them through this, during a run too, not through `stats`.
   */
  collect(): RunStats {
    if (this.ruleCounter) this.ruleCounter.settle(this.stats.rules!);
    this.dedups.forEach((d, g) => {
      if (d) this.stats.groups[g].dedupEvicted = d.evicted;
    });
    return this.stats;
  }

  /**
   * The groups this packet may go to (1) when only some may: the host end of
   * an OpenFlow switch's host link, where the switch delivered the others
   * (runtime/host-link). Set before handle(); undefined: every group.
   */
  only: Uint8Array | undefined;

  /**
   * Called once for a packet that some group left out by `only` would get
   * (a group split hands it to the thread of those groups: runtime/parallel/group-split.ts).
   */
  elsewhere: ((rec: PacketRecord, tap: number) => void) | undefined;

  /** Result index -> groups, cached as typed arrays the first time a result is seen. */
  private groups(r: number): Int32Array {
    return (this.groupsOf[r] ??= Int32Array.from(this.classifier.results[r].groups));
  }

  handle(rec: PacketRecord, tap: number): void {
    const pp = this.packetPath;
    if (pp !== undefined) {
      if (this.onWalk) {
        const walked = this.handleWalked(rec, tap);
        // a packet needed the decoder when its view was made and no group's steps were done from the walk: a packet
        // both walked (a recorder's strip and cut) and viewed (a masking group's) costs the decoder path a chain more
        if (this.adaptive) this.adaptWalked(!walked && pp.walk.viewed);
        return;
      }
      if (--this.adaptLeft === 0) {
        this.onWalk = true;
        this.adaptLeft = this.adaptWindow;
      }
    }
    const view = this.view;
    const data = this.recordViews ? rec.data : (rec.data = recordFrame(rec));
    view.tap = tap;
    decodeFrame(view, data, rec.capLen, rec.wireLen, rec.linkType);
    const st = this.stats;
    st.packetsRead++;
    const ts = st.taps[tap];
    ts.packets++;
    ts.bytes += rec.capLen;
    // the frame's own headers (docs/cli.md, "The packet path"): what the generated path's walk checks
    if (view.headersMalformed !== 0) ts.malformed++;
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
    const only = this.only;
    let away = false;
    for (let i = 0; i < groups.length; i++) {
      const g = groups[i];
      if (only !== undefined && only[g] === 0) {
        if (!away && this.elsewhere !== undefined) this.elsewhere(rec, tap);
        away = true;
        continue;
      }
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
      // the session's hash, taken only for a balanced group
      let h = 0;
      if (this.balancers[g]) {
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
      }
      const tool = this.toolFor(g, gs, h);
      if (tool < 0) continue;
      if (!marked) {
        this.mark(rec, tap);
        marked = true;
      }
      this.write(g, tool, rec, data, tap);
    }
  }

  /**
   * The tool of group `g` for a packet of session hash `h` (unread unless the
   * group balances): its balancer's pick, or while that tool is down the
   * session's next choice among those up (counted failover); -1 when no tool
   * is up, counted as a tool-down drop.
   */
  private toolFor(g: number, gs: GroupStats, h: number): number {
    const bal = this.balancers[g];
    if (!bal) {
      if (this.toolUp && !this.toolUp(g, 0)) {
        gs.dropped['tool-down']++;
        return -1;
      }
      return 0;
    }
    const tool = bal.pick(h);
    if (!this.toolUp || this.toolUp(g, tool)) return tool;
    const up = bal.pickAmong(h, this.upIn[g]);
    if (up < 0) gs.dropped['tool-down']++;
    else gs.failover++;
    return up;
  }

  /**
   * handle() on the generated packet path: the walk and the graph over the
   * bytes, no view; the decoder's view of the packet is made only for what
   * reads one (tunnel fields the graph tests, counting tables, dedup, action
   * steps), once. Counts and writes exactly as handle() does. True when
   * some group's steps were done from the walk (walked-steps.ts).
   */
  private handleWalked(rec: PacketRecord, tap: number): boolean {
    const pp = this.packetPath!;
    // classified where the reader left the bytes: no array of the frame's own, unless a stage below needs one (w.frame())
    const r = pp.classify(rec.bytes, rec.dataOffset, rec.capLen, rec.wireLen, rec.linkType, tap);
    const w = pp.walk;
    const st = this.stats;
    st.packetsRead++;
    const ts = st.taps[tap];
    ts.packets++;
    ts.bytes += rec.capLen;
    // the frame's own headers, as the walk checked them: no decode of a tunnel candidate for its verdict
    if (w.bad !== 0) ts.malformed++;
    const groups = this.groups(r);
    const rc = this.ruleCounter;
    // counting tables in the packet path's code, from the bytes; else on the view, made for the results that walk them
    if (rc) {
      if (pp.tableLeaf !== undefined) rc.countWalked(r, pp.tableLeaf, st.rules!);
      else if (rc.readsPacket(r)) rc.count(r, w.view(), w.frame(), st.rules!);
      else rc.count(r, this.view, EMPTY, st.rules!);
    }
    if (groups.length === 0) {
      st.unmatched++;
      return false;
    }
    // as in handle(): signed int32 hashes, computed once for all the packet's groups
    let outer = 0;
    let inner = 0;
    let hashed = 0;
    let marked = false;
    let walked = false;
    const only = this.only;
    let away = false;
    for (let i = 0; i < groups.length; i++) {
      const g = groups[i];
      if (only !== undefined && only[g] === 0) {
        if (!away && this.elsewhere !== undefined) this.elsewhere(rec, tap);
        away = true;
        continue;
      }
      const gs = st.groups[g];
      gs.in++;
      const dd = this.dedups[g];
      if (dd && dd.isDuplicate(w.view(), w.frame(), rec.tsSec, rec.tsNsec)) {
        gs.dropped.duplicate++;
        continue;
      }
      const chain = this.chains[g];
      if (chain !== undefined) {
        const ws = this.walkedSteps[g];
        if (ws !== undefined && ws.deliver(w, rec, tap)) {
          walked = true;
          continue;
        }
        // decoded only if a step reads the decode (mark and shape do not)
        if (this.recordViews) chain.pushLazy(rec, w, tap);
        else if (this.unframed[g]) chain.pushLazy(rec, w, tap, false);
        else {
          // the steps start from rec.data
          rec.data = w.frame();
          chain.pushLazy(rec, w, tap);
        }
        continue;
      }
      // the session's hash, taken only for a balanced group
      let h = 0;
      if (this.balancers[g]) {
        if (this.balanceInner[g]) {
          if ((hashed & 2) === 0) {
            inner = walkSessionHash32(w, true);
            hashed |= 2;
          }
          h = inner;
        } else {
          if ((hashed & 1) === 0) {
            outer = walkSessionHash32(w, false);
            hashed |= 1;
          }
          h = outer;
        }
      }
      const tool = this.toolFor(g, gs, h);
      if (tool < 0) continue;
      if (!marked) {
        this.mark(rec, tap);
        marked = true;
      }
      // no array of the frame: write() copies the record where it can, else makes one
      this.write(g, tool, rec, undefined, tap);
    }
    return walked;
  }

  /**
   * The generated packet path as one loop over the records of a pcap read
   * chunk (runtime/engine/chunk-loop.ts), for tap `tap`'s reader of records
   * `format`; undefined where the per-record path takes every packet. Decided
   * once: the loop runs where the packet path is generated and no group has
   * dedup, no tool's link is watched, and the records are classic pcap ones
   * that outputs copy as they are. It delivers to groups whose tools'
   * outputs copy records (ToolOutput), edited as they are copied where the
   * tap marks or the group's steps are those the walk does (walked-steps.ts
   * loopEdit: strip of VLAN tags and MPLS stacks, truncate frame, the mark;
   * not shape), and leaves other groups' packets to the per-record path;
   * choosing a balanced group's tool by the session hash from the walk's
   * offsets; a packet for an output that has not had this tap's first packet
   * yet, or whose rule counting reads the packet, goes the per-record way
   * (handle()), the same packet for packet.
   */
  chunkLoop(tap: number, format: PcapRecordFormat): ChunkLoop | undefined {
    const pp = this.packetPath;
    if (pp?.chunk === undefined || this.toolUp !== undefined || this.only !== undefined) return undefined;
    if (this.dedups.some((d) => d !== undefined)) return undefined;
    if (!PacketChunkLoop.fits(format)) return undefined;
    // edited records: the tap's marks for groups without steps, the steps done from the walk for the others
    const tags = this.tapTags[tap];
    const marks = tags !== undefined || this.tapMarkComments[tap] !== undefined;
    const edits = this.artifact.groups.map((_, g): LoopEdit | undefined => {
      if (this.chains[g] !== undefined) return this.walkedSteps[g]?.loopEdit(tap);
      if (!marks) return undefined;
      const mc = this.stats.groups[g].actions.mark;
      // the loop takes only the records the tags go into: all marked
      return {
        tags,
        cut: NO_CUT,
        counted: (records) => {
          if (mc !== undefined) mc.marked += records;
        },
      };
    });
    // a group whose steps the loop cannot do: its packets go the per-record way
    const outputs = this.outputs.map((tools, g) =>
      tools.every(isRunTaker) && (this.chains[g] === undefined || edits[g] !== undefined) ? tools : undefined,
    );
    if (outputs.every((o) => o === undefined)) return undefined;
    const w = pp.walk;
    const rc = this.ruleCounter;
    return new PacketChunkLoop({
      chunk: pp.chunk,
      tap,
      format,
      results: pp.results,
      perRecord: (r) => rc !== undefined && rc.readsPacket(r),
      outputs,
      edits,
      // as handleWalked: the session hash from the walk's offsets (the view's, for a tunnel's inner session)
      pickTool: (g) => this.balancers[g]!.pick(walkSessionHash32(w, this.balanceInner[g])),
      stats: this.stats,
      ruleCounter: rc,
      taken: (records, viewed) => {
        if (this.adaptive) this.adaptMany(records, viewed);
      },
      allowed: () => (!this.adaptive ? Infinity : this.onWalk ? this.adaptLeft : 0),
    });
  }

  /** Counts a packet of the generated path that needed the decoder's view; at the end of a window, decides the next. */
  private adaptWalked(viewed: boolean): void {
    this.adaptMany(1, viewed ? 1 : 0);
  }

  /** adaptWalked() for `records` packets, `viewed` of them with the decoder's view (a window ends at the last). */
  private adaptMany(records: number, viewed: number): void {
    this.adaptViewed += viewed;
    this.adaptLeft -= records;
    if (this.adaptLeft !== 0) return;
    if (this.adaptViewed * 2 > this.adaptWindow) {
      this.onWalk = false;
      this.switches++;
      this.adaptLeft = this.adaptWindow * ADAPT_BACKOFF;
    } else this.adaptLeft = this.adaptWindow;
    this.adaptViewed = 0;
  }

  /**
   * Writes the marked packet to group g's tool: a reader's record as it is
   * where the output copies records in runs (no array of the frame made),
   * else its captured bytes (`frame`, made here when the caller has none).
   */
  private write(g: number, tool: number, rec: PacketRecord, frame: Uint8Array | undefined, tap: number): void {
    const gs = this.stats.groups[g];
    // the tap's marks, counted per group as a chain's mark step counts them
    const markedAs = this.markedAs;
    if (markedAs !== undefined) {
      const mc = gs.actions.mark;
      if (mc !== undefined) mc[markedAs]++;
      // a de-duplication decided later (on worker threads) takes the count back for a duplicate
      this.dedups[g]?.marked?.(markedAs === 'marked' ? MARKED_AS.marked : MARKED_AS.notEthernet);
    }
    const out = this.outputs[g][tool];
    const tags = this.markedTags;
    if (
      out.writeRecord !== undefined && rec.runs !== undefined
        ? out.writeRecord(rec, this.markedWireLen, tap, this.markedComment, tags)
        : tags === undefined
          ? out.write(
              frame ?? recordFrame(rec),
              rec.tsSec,
              rec.tsNsec,
              this.markedWireLen,
              rec.linkType,
              tap,
              this.markedComment,
            )
          : this.writeTagged(
              out,
              frame ?? recordFrame(rec),
              tags,
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
      gs.tools[tool].bytes += tags === undefined || out.dropsTags ? rec.capLen : rec.capLen + tags.length;
      if (rec.comment !== undefined && out.dropsComments) lostComment(gs.tools[tool], out);
    } else {
      const why = out.refusedAs;
      if (why) gs.dropped[why]++;
      else this.refuse(g, tool, rec.linkType);
    }
  }

  /** A frame and the tags to insert after its addresses: written as one where the output can, else as a tagged copy. */
  private writeTagged(
    out: PacketOutput,
    frame: Uint8Array,
    tags: Uint8Array,
    tsSec: number,
    tsNsec: number,
    wireLen: number,
    linkType: number,
    tap: number,
    comment: string | undefined,
  ): boolean {
    if (out.writeTagged) return out.writeTagged(frame, tags, tsSec, tsNsec, wireLen, linkType, tap, comment);
    const tagged = insertTags(frame, tags, this.markBuf);
    return out.write(tagged, tsSec, tsNsec, wireLen, linkType, tap, comment);
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
  /** The tags the tap's marks put after the packet's addresses (undefined: none), its wire length and comment with them. */
  private markedTags: Uint8Array | undefined;
  private markedWireLen = 0;
  private markedComment: string | undefined;
  /** The mark counter the packet goes under in each group it is written to (undefined: its tap marks nothing). */
  private markedAs: 'marked' | 'not-ethernet' | undefined;
  private readonly tapComments: string[];
  /** Per tap, the bytes its VLAN marks insert (vlanTags), and its comment where it marks with one. */
  private readonly tapTags: (Uint8Array | undefined)[];
  private readonly tapMarkComments: (string | undefined)[];

  /** Applies the tap's marks to rec (once per packet, for all groups); the tags go in as outputs write it. */
  private mark(rec: PacketRecord, tap: number): void {
    const tags = this.tapTags[tap];
    this.markedComment = addComment(rec.comment, this.tapMarkComments[tap]);
    this.markedWireLen = rec.wireLen;
    this.markedTags = undefined;
    if (tags === undefined) {
      this.markedAs = this.tapMarkComments[tap] !== undefined ? 'marked' : undefined;
      return;
    }
    if (rec.linkType === LINKTYPE.ETHERNET && rec.capLen >= 14) {
      this.markedTags = tags;
      this.markedWireLen = rec.wireLen + tags.length;
      this.markedAs = 'marked';
    } else {
      this.stats.unmarked += tags.length >>> 2;
      this.markedAs = 'not-ethernet';
    }
  }
}

function isRunTaker(o: PacketOutput): o is PacketOutput & RunTaker {
  const t = o as Partial<RunTaker>;
  return typeof t.takesRuns === 'function' && typeof t.takeRun === 'function';
}

/**
 * The generated packet path for this artifact, or undefined where the
 * decoder path classifies. `auto` takes it where it does less work than the
 * decoder for every packet: the graph has generated code (counting tables
 * included), and some group's packets need no view (a group without
 * dedup, and without action steps or with only those walked-steps.ts does
 * from the walk, or a chain the walk feeds: mask, walkFedGroup); the others
 * get the view for their own packets only.
 * `generated` takes it whenever the graph has code
 * (view readers then get the decoder's view, made lazily); `decoder` never.
 */
function usePacketPath(a: Artifact, choice: PacketPathChoice): PacketPath | undefined {
  if (choice === 'decoder') return undefined;
  if (choice === 'auto') {
    // a group with dedup or steps the walk cannot do (replace, strip before mask, ...) reads the view of every
    // packet it gets: the decoder path, unless another group's packets need none (no steps, steps the walk does for
    // plain packets, or a chain fed by the walk's offsets: mask's plain TCP segments; walked-steps.ts); then those
    // stay on the generated path and the view is made for the others' only
    const plans = planChains(a);
    const viewsAll = (gr: Artifact['groups'][number], i: number) =>
      gr.actions.dedup !== undefined || (plans[i] !== undefined && !walkableGroup(gr) && !walkFedGroup(gr));
    if (a.groups.length > 0 && a.groups.every(viewsAll)) return undefined;
  }
  // the chunk loop of a policy that balances no group leaves the session hash out
  const pp = createPacketPath(a.graph, { codegen: { balanced: a.groups.some((gr) => gr.tools.length > 1) } });
  return pp.kind === 'generated' ? pp : undefined;
}
