import type { ArtifactGroup } from '../../artifact/types.js';
import { SHAPE_MAX_DRAIN_SECONDS, shapeBufferBytes, shapeDrainSeconds } from '../../policy/shaping.js';
import { DelayHistogram } from '../stats/delay-histogram.js';
import { delaySummary, type ShapeStats } from '../stats/stats.js';
import {
  type ActionContext,
  type ActionCounters,
  type ActionModule,
  type ActionStep,
  ActionConfigError,
  Verdict,
} from './action.js';
import { Replica, Scratch } from './replica.js';
import { OVERFLOW, Shaper } from './shaper.js';

export interface ShapeConfig {
  burstBytes: number;
  bufferBytes: number;
  /** Per tool of the group, its rate. */
  rates: number[];
}

/** Past this many ns from the origin, times move to a later origin (numbers stay exact well past it: 2^53 ns). */
const REBASE_NS = 2 ** 50;

/**
 * shape: each tool of the group gets a token bucket of the group's burst,
 * filled at the tool's rate, and a buffer of the same size where packets
 * wait for tokens (policy/shaping.ts). A replica leaves at once when its
 * tool's bucket holds its length and nothing waits; otherwise it is held
 * and released when the bucket has refilled, with that time as its
 * timestamp, as a shaper in front of the tool would release it; when the
 * buffer cannot hold it, it is dropped (counted in the group's
 * `dropped.shaping` and said on stderr). Each tool's output stays in time
 * order.
 *
 * The shaper's clock is packet time: the latest arrival the group has seen.
 * Held replicas are released when a later replica of the group arrives
 * after their departure, at the end of the input, and, live, when the wall
 * clock passes their departure (tick(), every few ms from a timer of the
 * worker: Shaper reads no clock of its own).
 *
 * Times are whole nanoseconds from the group's first packet, in the
 * resolution the tool's output stores (microseconds for most pcap files), so
 * the times written are exactly those the bucket ran at. A packet's length
 * is the bytes the tool receives (its capture length after the steps
 * before), as capinfos counts a file's data rate.
 */
export const shape: ActionModule<ShapeConfig> = {
  name: 'shape',
  reasons: ['passed', 'delayed', 'buffer-full', 'larger-than-burst'],
  warnings: {
    'buffer-full':
      "were dropped by shaping: they had to wait for tokens and their tool's shaping buffer (the burst size) was full",
    'larger-than-burst':
      "were longer than the shaping burst: each left when its tool's bucket was full, above the tool's rate for that packet",
  },
  stateful: true,
  dropReason: 'shaping',
  init(g: ArtifactGroup): ShapeConfig {
    const burstBytes = g.actions.shape!.burstBytes;
    const rates = g.tools.map((t) => {
      if (t.rateBps === undefined)
        throw new ActionConfigError(`group '${g.name}' is shaped, but tool '${t.name}' has no rate to shape to`);
      const drain = shapeDrainSeconds(burstBytes, t.rateBps);
      if (drain > SHAPE_MAX_DRAIN_SECONDS)
        throw new ActionConfigError(
          `group '${g.name}': tool '${t.name}' would take ${Math.round(drain)} s to drain its shaping buffer at its rate (at most ${SHAPE_MAX_DRAIN_SECONDS} s)`,
        );
      return t.rateBps;
    });
    return { burstBytes, bufferBytes: shapeBufferBytes(burstBytes), rates };
  },
  contextInit: (config, ctx) => new ShapeStep(config, ctx),
};

/**
 * The shape step of one group on one thread. A class, with the clock and the
 * delay sums in fields and typed arrays: numbers that change per packet and
 * are not small integers would be boxed anew on every store in a closure's
 * variables.
 */
class ShapeStep implements ActionStep {
  private readonly stats: ShapeStats[];
  private readonly hist: DelayHistogram[];
  private readonly ticks: Int32Array;
  /** Per tool: the delays' sum and maximum (ns). */
  private readonly delayTotal: Float64Array;
  private readonly delayMax: Float64Array;
  /** Made at each tool's first packet: its bucket starts full then. */
  private readonly shapers: (Shaper<Held> | undefined)[];
  private readonly held = new HeldReplicas();
  private readonly c: ActionCounters;
  private readonly emit = (h: Held, departure: number): void => this.leave(h, departure);
  private originSec = 0;
  private started = false;
  /** [0]: the latest arrival, ns from originSec: packet time (a typed array: a field would box it on each store). */
  private readonly clock = new Float64Array(1);
  /** Replicas waiting, over all tools. */
  private waiting = 0;

  constructor(
    private readonly config: ShapeConfig,
    private readonly ctx: ActionContext,
  ) {
    this.c = ctx.counters;
    const n = config.rates.length;
    this.stats = config.rates.map((rateBps, i) => {
      const s: ShapeStats = {
        burstBytes: config.burstBytes,
        bufferBytes: config.bufferBytes,
        rateBps,
        passed: 0,
        delayed: 0,
        dropped: 0,
        oversize: 0,
        maxQueuedBytes: 0,
        delayNs: { mean: 0, p50: 0, p90: 0, p99: 0, max: 0, total: 0 },
        histogram: [],
      };
      ctx.stats.tools[i].shape = s;
      return s;
    });
    this.hist = config.rates.map(() => new DelayHistogram());
    this.ticks = Int32Array.from(config.rates, (_, i) => ctx.resolutionNs(i));
    this.delayTotal = new Float64Array(n);
    this.delayMax = new Float64Array(n);
    this.shapers = new Array<Shaper<Held> | undefined>(n).fill(undefined);
  }

  /** A packet of (tsSec, tsNsec) arrives: the clock moves to it; its time since the first packet's second. */
  private arrive(tsSec: number, tsNsec: number): number {
    if (!this.started) {
      this.started = true;
      this.originSec = tsSec;
    }
    return this.advance((tsSec - this.originSec) * 1e9 + tsNsec);
  }

  /** The tool's shaper, made at its first packet's arrival. */
  private shaperOf(tool: number, arrival: number): Shaper<Held> {
    const config = this.config;
    return (this.shapers[tool] ??= new Shaper<Held>(
      config.rates[tool],
      config.burstBytes,
      config.bufferBytes,
      this.ticks[tool],
      arrival,
    ));
  }

  apply(r: Replica): Verdict {
    const raw = this.arrive(r.tsSec, r.tsNsec);
    const clock = this.clock[0];
    if (this.waiting > 0) this.releaseDue();
    const tool = r.tool;
    const tick = this.ticks[tool];
    const arrival = onTick(raw, tick);
    const now = onTick(clock, tick);
    const config = this.config;
    const s = this.shaperOf(tool, arrival);
    const st = this.stats[tool];
    const c = this.c;
    const bytes = r.length;
    const departure = s.admit(bytes, arrival, now);
    if (departure === OVERFLOW) {
      c['buffer-full']++;
      st.dropped++;
      return Verdict.Drop;
    }
    const oversize = bytes > config.burstBytes;
    if (oversize) {
      c['larger-than-burst']++;
      st.oversize++;
    }
    if (departure <= now && departure === arrival) {
      // no delay: the histogram's zeros are the passed count, added at the end
      if (!oversize) c.passed++;
      st.passed++;
      return Verdict.Pass;
    }
    this.record(tool, departure - raw);
    if (!oversize) c.delayed++;
    st.delayed++;
    if (departure <= now) {
      // leaves now, after an earlier packet of the tool that left later than this one arrived (a capture out of order)
      setTime(r, this.originSec, departure);
      return Verdict.Pass;
    }
    s.hold(this.held.take(r), bytes, departure);
    this.waiting++;
    if (s.queuedBytes > st.maxQueuedBytes) st.maxQueuedBytes = s.queuedBytes;
    return Verdict.Hold;
  }

  /**
   * apply() of a replica of `bytes` (its length after the steps before) to
   * tool 0, arriving at (tsSec, tsNsec), when it leaves on arrival with
   * nothing waiting: counted as apply() counts it, true (it goes out as it
   * is). Otherwise false, with nothing counted or taken: the replica goes
   * through apply(), which comes to the same clock (the arrival moved it
   * already). For the packets the generated path writes from the walk
   * (runtime/engine/walked-steps.ts), which have no replica.
   */
  passes(tsSec: number, tsNsec: number, bytes: number): boolean {
    const raw = this.arrive(tsSec, tsNsec);
    if (this.waiting > 0) return false;
    const tick = this.ticks[0];
    const arrival = onTick(raw, tick);
    const config = this.config;
    if (!this.shaperOf(0, arrival).passes(bytes, arrival, onTick(this.clock[0], tick))) return false;
    const st = this.stats[0];
    if (bytes > config.burstBytes) {
      this.c['larger-than-burst']++;
      st.oversize++;
    } else this.c.passed++;
    st.passed++;
    return true;
  }

  /**
   * Live runs: the wall clock reached (sec, nsec) with no packet of the
   * group since. Replicas whose departure has come leave now, as a shaper in
   * front of the tool would let them go, instead of waiting for the group's
   * next packet.
   */
  tick(sec: number, nsec: number): void {
    if (this.waiting === 0) return;
    this.advance((sec - this.originSec) * 1e9 + nsec);
    this.releaseDue();
  }

  /** Moves the clock to `raw` (ns from the origin) if later; returns `raw`, rebased with the origin. */
  private advance(raw: number): number {
    if (raw > this.clock[0]) {
      this.clock[0] = raw;
      if (raw > REBASE_NS) {
        // a capture longer than 13 days: the origin moves up, so times stay exact
        const shift = Math.floor(raw / 1e9) * 1e9;
        this.originSec += shift / 1e9;
        this.clock[0] -= shift;
        raw -= shift;
        for (const s of this.shapers) s?.shift(shift);
      }
    }
    return raw;
  }

  finish(): void {
    for (const s of this.shapers) s?.drain(this.emit);
    this.stats.forEach((st, i) => {
      this.hist[i].addZeros(st.passed);
      st.histogram = this.hist[i].sparse();
      st.delayNs = delaySummary(st.histogram, this.delayTotal[i], this.delayMax[i]);
    });
  }

  private record(tool: number, delay: number): void {
    this.hist[tool].add(delay);
    this.delayTotal[tool] += delay;
    if (delay > this.delayMax[tool]) this.delayMax[tool] = delay;
  }

  private releaseDue(): void {
    const shapers = this.shapers;
    for (let i = 0; i < shapers.length; i++) {
      const s = shapers[i];
      if (s !== undefined && s.waiting > 0) s.release(this.clock[0], this.emit);
    }
  }

  private leave(h: Held, departure: number): void {
    this.waiting--;
    setTime(h.r, this.originSec, departure);
    this.ctx.resume(h.r);
    this.held.give(h);
  }
}

/** Sets a replica's timestamp to `ns` after the start of second `originSec`. */
function setTime(r: Replica, originSec: number, ns: number): void {
  const sec = Math.floor(ns / 1e9);
  r.tsSec = originSec + sec;
  r.tsNsec = ns - sec * 1e9;
}

/** A replica waiting in a shaper, with the bytes it was copied into. */
interface Held {
  r: Replica;
  buf: Uint8Array;
}

/**
 * Copies of the replicas that wait, reused: their byte arrays by power-of-two
 * size, so the memory held is at most about twice what the buffers hold at
 * their fullest, and nothing is allocated per packet once it has been.
 * Released replicas go to the output one at a time, so they share one
 * scratch for any step after shape.
 */
class HeldReplicas {
  private scratch: Scratch | undefined;
  private readonly free: Held[] = [];
  private readonly bufs: Uint8Array[][] = [];

  take(r: Replica): Held {
    const cls = sizeClass(r.length);
    const h = this.free.pop() ?? { r: new Replica((this.scratch ??= new Scratch())), buf: EMPTY };
    h.buf = this.bufs[cls]?.pop() ?? new Uint8Array(2 ** cls);
    h.r.copyFrom(r, h.buf);
    return h;
  }

  give(h: Held): void {
    (this.bufs[sizeClass(h.buf.length)] ??= []).push(h.buf);
    h.buf = EMPTY;
    this.free.push(h);
  }
}

const EMPTY = new Uint8Array(0);

/** The power of two (at least 2^6) that holds `n` bytes. */
function sizeClass(n: number): number {
  let k = 6;
  while (2 ** k < n) k++;
  return k;
}

/** `ns` down to a multiple of the tool's clock tick (its output's time resolution). */
function onTick(ns: number, tick: number): number {
  return tick === 1 ? ns : Math.floor(ns / tick) * tick;
}
