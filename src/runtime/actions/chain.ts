import type { StepName } from '../../artifact/steps.js';
import { stepsOf } from '../../artifact/steps.js';
import type { Artifact, ArtifactGroup } from '../../artifact/types.js';
import type { PacketRecord } from '../capture/index.js';
import type { PacketView } from '../decode/view.js';
import type { GroupStats } from '../stats/stats.js';
import type { Walk } from '../walk/walk.js';
import { type ActionModule, type ActionStep, ActionConfigError, Verdict } from './action.js';
import { ACTIONS } from './registry.js';
import { Replica, Scratch } from './replica.js';
import type { TruncateConfig } from './truncate.js';

/** Steps the pipeline itself performs for every group: dedup before the chain, output after it. */
const PIPELINE_STEPS: readonly StepName[] = ['dedup', 'output'];
/** Steps that never change a replica: a group with only these needs no chain. */
const PLAIN_STEPS: readonly StepName[] = ['dedup', 'balance', 'mark', 'output'];

/** The steps a group runs, as its artifact lists them (artifacts from before steps existed: STEP_ORDER's). */
export function groupSteps(g: ArtifactGroup): readonly StepName[] {
  return g.steps ?? stepsOf(g.actions);
}

/**
 * Whether the group's replicas go through a chain. Groups without actions
 * that change packets take the pipeline's own path (balance, the tap's mark
 * shared by every such group, write), which is the hot path and stays as it was.
 */
export function needsChain(g: ArtifactGroup): boolean {
  return groupSteps(g).some((s) => !PLAIN_STEPS.includes(s));
}

/** The group's steps this runtime has no module for: running would deliver what the policy says must change. */
export function missingSteps(g: ArtifactGroup): StepName[] {
  return needsChain(g) ? groupSteps(g).filter((s) => !PIPELINE_STEPS.includes(s) && !ACTIONS[s]) : [];
}

/** Whether some group keeps state across packets (streams, buckets): such a run stays on one thread. */
export function needsOneThread(a: Artifact): boolean {
  return a.groups.some((g) => needsChain(g) && groupSteps(g).some((s) => ACTIONS[s]?.stateful));
}

/**
 * Whether a live run may shard the group's sessions to several workers:
 * every stateful step keeps per-session state (ActionModule.perSession).
 */
export function shardsBySession(a: Artifact): boolean {
  return !a.groups.some(
    (g) => needsChain(g) && groupSteps(g).some((s) => ACTIONS[s]?.stateful && !ACTIONS[s]?.perSession),
  );
}

/** The modules of a group's chain, in order, with their settings: `init` runs here, once per artifact and thread. */
export interface ChainPlan {
  readonly modules: readonly { module: ActionModule; config: unknown }[];
}

/** Plans every group's chain (undefined for groups that need none); throws ActionConfigError on settings it cannot run. */
export function planChains(a: Artifact): (ChainPlan | undefined)[] {
  return a.groups.map((g) => {
    if (!needsChain(g)) return undefined;
    const modules: { module: ActionModule; config: unknown }[] = [];
    for (const s of groupSteps(g)) {
      if (PIPELINE_STEPS.includes(s)) continue;
      const module = ACTIONS[s];
      if (!module) throw new ActionConfigError(`group '${g.name}': the ${s} action is not implemented in this version`);
      modules.push({ module, config: module.init(g, a) });
    }
    return { modules };
  });
}

/** The counters every step of a group's chain counts into, all zero: part of the run's statistics. */
export function emptyActionCounters(g: ArtifactGroup, a: Artifact): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  // a group without a chain still gets the tap's marks (from the pipeline): its counters say so as a chain's would
  const steps = needsChain(g) ? groupSteps(g) : groupSteps(g).filter((s) => s === 'mark');
  for (const s of steps) {
    const m = ACTIONS[s];
    if (!m || m.reasons.length === 0 || (m.counted && !m.counted(g, a))) continue;
    const c: Record<string, number> = {};
    for (const r of m.reasons) c[r] = 0;
    out[s] = c;
  }
  return out;
}

/** The totals of every step of a group's chain that declares some, all zero: part of the run's statistics. */
export function emptyActionTotals(g: ArtifactGroup): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  if (!needsChain(g)) return out;
  for (const s of groupSteps(g)) {
    const m = ACTIONS[s];
    if (!m?.totals?.length) continue;
    const c: Record<string, number> = {};
    for (const r of m.totals) c[r] = 0;
    out[s] = c;
  }
  return out;
}

/**
 * N when the step at `i` is `truncate frame N`, past balance steps that
 * choose among one tool (they read nothing): ActionContext.cutAfter.
 */
function frameCutAt(modules: ChainPlan['modules'], i: number): number | undefined {
  while (modules[i]?.module.name === 'balance' && (modules[i].config as { tools: unknown[] }).tools.length <= 1) i++;
  const step = modules[i];
  if (step?.module.name !== 'truncate') return undefined;
  const c = step.config as TruncateConfig;
  return c.what === 'frame' ? c.bytes : undefined;
}

/** Writes a replica to the group's chosen tool; the pipeline's accounting. */
export type Deliver = (group: number, r: Replica) => void;

/**
 * A group's steps on one thread. push() runs a packet's replica through
 * them and delivers it unless a step dropped or held it; a held replica
 * comes back through the holding step's resume and goes on from the step
 * after it.
 */
export class ActionChain {
  private readonly steps: ActionStep[] = [];
  private readonly drops: (keyof GroupStats['dropped'] | undefined)[] = [];
  /** Each step's module name. */
  private readonly names: StepName[] = [];
  /** The steps that release on the clock (ActionStep.tick). */
  private readonly tickers: ActionStep[] = [];
  /** Per step: whether it may read the replica's bytes without asking (all but balance, mask and readsNoBytes: Replica.bytes). */
  private readonly readsBytes: boolean[] = [];

  constructor(
    artifact: Artifact,
    private readonly group: number,
    plan: ChainPlan,
    private readonly stats: GroupStats,
    private readonly replica: Replica,
    private readonly deliver: Deliver,
    resolutionNs: (group: number, tool: number) => number = () => 1,
  ) {
    plan.modules.forEach(({ module, config }, i) => {
      const counters = stats.actions[module.name] ?? {};
      const totals = (stats.actionTotals ??= {})[module.name] ?? {};
      this.steps.push(
        module.contextInit(config, {
          artifact,
          group,
          counters,
          totals,
          resume: (r) => this.runFrom(i + 1, r),
          lastStep: i === plan.modules.length - 1,
          cutAfter: frameCutAt(plan.modules, i + 1),
          stats,
          resolutionNs: (tool) => resolutionNs(group, tool),
          drop: () => {
            if (module.dropReason) this.stats.dropped[module.dropReason]++;
          },
        }),
      );
      this.drops.push(module.dropReason);
      this.names.push(module.name);
    });
    for (const s of this.steps) if (s.tick) this.tickers.push(s);
    this.names.forEach((n, i) =>
      this.readsBytes.push(n !== 'balance' && n !== 'mask' && this.steps[i].readsNoBytes !== true),
    );
  }

  /** The step of this name, where the chain has one (the walk's shortcut to a step's state: walked-steps.ts). */
  step(name: StepName): ActionStep | undefined {
    const i = this.names.indexOf(name);
    return i < 0 ? undefined : this.steps[i];
  }

  /**
   * Whether the chain may take a replica without its bytes (pushLazy, not
   * framed): its first step past balance (which reads no bytes) is mask,
   * which asks for them (Replica.bytes) where it reads or keeps them.
   */
  takesUnframed(): boolean {
    const first = this.names.findIndex((n) => n !== 'balance');
    return first >= 0 && this.names[first] === 'mask';
  }

  /** Whether some step releases held replicas on the clock. */
  get ticks(): boolean {
    return this.tickers.length > 0;
  }

  /** The clock reached this time with no packet: each step hands on what is due (ActionStep.tick). */
  tick(tsSec: number, tsNsec: number): void {
    for (const s of this.tickers) s.tick!(tsSec, tsNsec);
  }

  push(rec: PacketRecord, view: PacketView, tap: number): void {
    const r = this.replica;
    r.start(rec, view, tap);
    this.runFrom(0, r);
  }

  /**
   * push() with the packet decoded only if a step reads the decode, by the
   * walk (Replica.startLazy); steps may read the walk's offsets instead (Replica.walked).
   * Not `framed`: the replica has no bytes of its own until one asks
   * (Replica.bytes); only where takesUnframed(): the chain makes them before
   * any step but balance and mask.
   */
  pushLazy(rec: PacketRecord, walk: Walk, tap: number, framed = true): void {
    const r = this.replica;
    r.startLazy(rec, walk, tap, framed);
    this.runFrom(0, r);
  }

  private runFrom(first: number, r: Replica): void {
    const steps = this.steps;
    for (let i = first; i < steps.length; i++) {
      // a replica started without its bytes (pushLazy, not framed) has them before a step that may read them
      if (r.unframed && this.readsBytes[i]) r.bytes();
      const v = steps[i].apply(r);
      if (v === Verdict.Pass) continue;
      if (v === Verdict.Drop) {
        const reason = this.drops[i];
        if (reason) this.stats.dropped[reason]++;
      }
      return;
    }
    this.deliver(this.group, r);
  }

  /** End of input: each step hands on what it holds, in order, so later steps see it too. */
  finish(): void {
    for (const s of this.steps) s.finish?.();
  }
}

/** Every group's chain for one thread (undefined where a group needs none), sharing one replica and its scratch. */
export function buildChains(
  a: Artifact,
  stats: readonly GroupStats[],
  deliver: Deliver,
  plans: readonly (ChainPlan | undefined)[] = planChains(a),
  /** The timestamp resolution of each tool's output, in ns (default 1). */
  resolutionNs?: (group: number, tool: number) => number,
): (ActionChain | undefined)[] {
  // scratch only where some group changes packets: two frame-sized buffers per thread
  const replica = plans.some((p) => p) ? new Replica(new Scratch()) : undefined;
  return plans.map((p, g) => (p ? new ActionChain(a, g, p, stats[g], replica!, deliver, resolutionNs) : undefined));
}
