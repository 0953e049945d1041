import type { ArtifactGroup } from '../../artifact/types.js';
import { SHAPE_MAX_DRAIN_SECONDS, shapeBufferBytes, shapeDrainSeconds } from '../../policy/shaping.js';
import { DelayHistogram } from '../stats/delay-histogram.js';
import { delaySummary, type ShapeStats } from '../stats/stats.js';
import { type ActionModule, ActionConfigError, Verdict } from './action.js';
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
 * after their departure, and at the end of the input. Live, a timer set at
 * each tool's nextDeparture() would drive release() instead (Shaper reads no
 * clock of its own).
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
  contextInit(config, ctx) {
    const c = ctx.counters;
    const n = config.rates.length;
    const stats: ShapeStats[] = config.rates.map((rateBps, i) => {
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
    const hist = config.rates.map(() => new DelayHistogram());
    const ticks = config.rates.map((_, i) => ctx.resolutionNs(i));
    // made at the group's first packet: the bucket starts full then
    const shapers: (Shaper<Held> | undefined)[] = new Array<Shaper<Held> | undefined>(n).fill(undefined);
    const held = new HeldReplicas();
    let originSec = 0;
    let started = false;
    let clock = 0;
    let waiting = 0;

    const emit = (h: Held, departure: number): void => {
      waiting--;
      setTime(h.r, originSec, departure);
      ctx.resume(h.r);
      held.give(h);
    };
    const releaseDue = (): void => {
      for (let i = 0; i < n; i++) {
        const s = shapers[i];
        if (s !== undefined && s.waiting > 0) s.release(clock, emit);
      }
    };
    const record = (tool: number, delay: number): void => {
      hist[tool].add(delay);
      const d = stats[tool].delayNs;
      d.total += delay;
      if (delay > d.max) d.max = delay;
    };

    return {
      apply(r: Replica): Verdict {
        if (!started) {
          started = true;
          originSec = r.tsSec;
        }
        let raw = (r.tsSec - originSec) * 1e9 + r.tsNsec;
        if (raw > clock) {
          clock = raw;
          if (clock > REBASE_NS) {
            // a capture longer than 13 days: the origin moves up, so times stay exact
            const shift = Math.floor(clock / 1e9) * 1e9;
            originSec += shift / 1e9;
            clock -= shift;
            raw -= shift;
            for (const s of shapers) s?.shift(shift);
          }
        }
        if (waiting > 0) releaseDue();
        const tool = r.tool;
        const tick = ticks[tool];
        const arrival = tick === 1 ? raw : Math.floor(raw / tick) * tick;
        const now = tick === 1 ? clock : Math.floor(clock / tick) * tick;
        const s = (shapers[tool] ??= new Shaper<Held>(
          config.rates[tool],
          config.burstBytes,
          config.bufferBytes,
          tick,
          arrival,
        ));
        const st = stats[tool];
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
        if (departure <= now) {
          // leaves now; its own time unless an earlier packet of the tool left after it (a capture out of order)
          if (departure === arrival) {
            record(tool, 0);
            if (!oversize) c.passed++;
            st.passed++;
            return Verdict.Pass;
          }
          record(tool, departure - raw);
          if (!oversize) c.delayed++;
          st.delayed++;
          setTime(r, originSec, departure);
          return Verdict.Pass;
        }
        record(tool, departure - raw);
        if (!oversize) c.delayed++;
        st.delayed++;
        s.hold(held.take(r), bytes, departure);
        waiting++;
        if (s.queuedBytes > st.maxQueuedBytes) st.maxQueuedBytes = s.queuedBytes;
        return Verdict.Hold;
      },
      finish(): void {
        for (const s of shapers) s?.drain(emit);
        stats.forEach((st, i) => {
          st.histogram = hist[i].sparse();
          st.delayNs = delaySummary(st.histogram, st.delayNs.total, st.delayNs.max);
        });
      },
    };
  },
};

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
