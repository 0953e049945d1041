import type { Artifact, ArtifactGroup } from '../../artifact/types.js';
import type { StepName } from '../../artifact/steps.js';
import type { DropReason, GroupStats } from '../stats/stats.js';
import type { Replica } from './replica.js';

/** What a step did with a replica. */
export const enum Verdict {
  /** Go on to the next step (changed or not). */
  Pass = 0,
  /** Not delivered; counted in the group's drops under the module's dropReason. */
  Drop = 1,
  /** The step keeps a copy and hands it on later through ActionContext.resume; nothing more now. */
  Hold = 2,
}

/** The counters of one step: how many replicas went each way, by reason (the names in ActionModule.reasons). */
export type ActionCounters = Record<string, number>;

/** What a step gets from its chain when it is made, on the thread that runs it. */
export interface ActionContext {
  readonly artifact: Artifact;
  readonly group: number;
  /** The step's counters, already in the run's statistics: increment them. */
  readonly counters: ActionCounters;
  /** The step's totals (ActionModule.totals), in the run's statistics too. */
  readonly totals: ActionCounters;
  /** Hands a held replica to the steps after this one (and then to the output). */
  resume(r: Replica): void;
  /** The group's statistics (per-tool figures such as shape's live there). */
  readonly stats: GroupStats;
  /** The timestamp resolution tool `tool`'s output stores, in ns (1 or 1000): a step that moves timestamps keeps to it. */
  resolutionNs(tool: number): number;
  /** Whether no step follows this one in the group's chain (only the output): mark then leaves its tags to the output. */
  readonly lastStep?: boolean;
  /**
   * Set when the next step is `truncate frame N` (N here): it keeps only the
   * first N bytes and reads none, so a step that rewrites the frame may leave
   * the bytes past N unwritten (its length and counters stay whole).
   */
  readonly cutAfter?: number;
  /** A held replica the step will not hand on: counted in the group's drops under the module's dropReason. */
  drop(): void;
}

/** One step of a group's chain on one thread. */
export interface ActionStep {
  apply(r: Replica): Verdict;
  /**
   * The capture's clock reached (tsSec, tsNsec) with no packet of the group
   * since: hand on (ctx.resume) what is due by then, as a packet arriving at
   * that time would. Live runs call it from a timer of each worker every
   * LIVE_TICK_MS with the wall clock frames are stamped with, so a hold-back
   * or a shaping queue drains when its group's traffic stops; runs over
   * capture files never call it (their clock is packet time). Times given
   * never go back.
   */
  tick?(tsSec: number, tsNsec: number): void;
  /** End of the input: hand on everything held. */
  finish?(): void;
  /**
   * shape's apply() for a packet with no replica, written from the walk
   * (runtime/engine/walked-steps.ts) to tool 0: true when it leaves as it
   * is (counted); false, with nothing changed, when it must go through
   * apply().
   */
  passes?(tsSec: number, tsNsec: number, bytes: number): boolean;
  /**
   * apply() reads none of the replica's bytes (mark as the last step: the
   * output writes its tags): a replica started without its bytes
   * (Replica.startLazy, not framed) goes through it without them, as through
   * mask, and an unchanged one leaves as its record (no frame array a packet).
   */
  readonly readsNoBytes?: boolean;
}

/**
 * An action: one file under runtime/actions/, listed in registry.ts. The
 * chain knows nothing of what actions do; it runs the artifact's steps in
 * their order, so mask, replace and shape plug in by adding a module.
 */
export interface ActionModule<Config = unknown> {
  readonly name: StepName;
  /**
   * Every reason the step counts, in the order the summary lists them; each
   * replica the step sees is counted under exactly one.
   */
  readonly reasons: readonly string[];
  /**
   * The reasons that would surprise a user (a packet the action could not
   * handle, delivered unchanged), with the sentence stderr says after the
   * count: `3 packets` + `were delivered unstripped: ...`.
   */
  readonly warnings?: Readonly<Record<string, string>>;
  /**
   * State kept across packets (TCP streams, token buckets) needs every
   * replica of the group in capture order on one thread: such a group runs
   * without worker threads.
   */
  readonly stateful?: boolean;
  /**
   * Quantities the step adds up besides its replicas (bytes masked,
   * sessions tracked), in the order the summary lists them: the group's
   * `actionTotals`. Not reasons: a replica is not counted under them.
   */
  readonly totals?: readonly string[];
  /** Whether the group's stats carry this step's counters (default: always); mark's only where a tap has marks. */
  counted?(group: ArtifactGroup, artifact: Artifact): boolean;
  /** How a Drop is counted in the group's drops. */
  readonly dropReason?: DropReason;
  /**
   * The state is per session (TCP streams keyed by both directions' addresses
   * and ports): the replicas of one session in order suffice. A live run
   * shards sessions to its workers by the symmetric session hash, so such a
   * step runs on every worker; a stateful step without it (a tool's token
   * bucket) makes a live run use one worker.
   */
  readonly perSession?: boolean;
  /**
   * Once, from the artifact: the settings the step runs with (plain data).
   * Pure; throws ActionConfigError for settings this runtime cannot run.
   */
  init(group: ArtifactGroup, artifact: Artifact): Config;
  /** Per thread: the step, with its own scratch state. */
  contextInit(config: Config, ctx: ActionContext): ActionStep;
}

/** Settings in an artifact that this runtime cannot run (written by a newer compiler, or edited). */
export class ActionConfigError extends Error {}
