import type { PacketRecord } from '../capture/index.js';
import { type PacketSource, progressOf } from './sources.js';
import { closeEach } from '../close-each.js';

/**
 * The execution engine's loop, after the execution-engine post: sources
 * register with the engine, each call into a source handles at most a quota
 * of packets, and a source that has nothing more deregisters.
 *
 * Capture files are merged in time order, as mergecap merges them: each
 * source holds its next packet (its head), and the source whose head is the
 * earliest goes next, for as long as its packets come no later than the other
 * heads. Equal timestamps go in registration order (tap order in the policy),
 * so a run is reproducible whatever the I/O timing. A file that is not in time
 * order itself is merged on its heads, as mergecap does: a packet earlier than
 * the last one delivered goes out as soon as it is the earliest head. Memory
 * stays bounded: one packet held per source, on top of its read buffers.
 *
 * One loop serves both engines: this thread (runtime/run) and the worker
 * threads' dispatcher (runtime/parallel), which hooks `wait` and `pace`.
 * Each call into a source still hands out at most a quota of packets: live
 * sources (issue 13) deliver in arrival order and will be polled round-robin
 * by that quota, so that a flooding interface cannot starve a quiet one.
 */
export interface EngineOptions {
  /** Packets one call into a source may hand out. */
  quota: number;
  /** Called between stretches with the packets handed out so far, and bytes read of all when every source knows its size. */
  onProgress?: (packets: number, bytes: { done: number; total: number } | undefined) => void;
  /** Waits for a source's I/O to land; the default awaits `ready`. */
  wait?: (ready: Promise<void>) => Promise<unknown>;
  /** Called after each stretch of packets: a promise returned is awaited before reading on (back-pressure). */
  pace?: () => Promise<unknown> | undefined;
  /**
   * Packets handed out between two calls of `pace` at most (a turn's when
   * unset): what a paced output may queue between two looks is bounded by it.
   */
  stretch?: number;
  /**
   * Stops reading when aborted (the user's Ctrl-C on an offline run): the
   * run ends as at the end of its captures, with what was handed out so far.
   */
  stop?: AbortSignal;
}

/**
 * Packets handed out between returns to the event loop, where read-ahead and
 * write-behind completions are seen: about 1 MB of traffic, so buffers come
 * back well before they run out, for a few microseconds per turn.
 */
const PACKETS_PER_TURN = 2048;

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A registered source, its head (valid until its next poll) and the callback that hands its packets on. */
interface Lane {
  readonly source: PacketSource;
  head: PacketRecord | null;
  deliver: (rec: PacketRecord) => void;
}

const none = () => undefined;

/** What the engine hands each packet to: the record (valid during the call), its tap, and its source (for leases). */
export type Handler = (rec: PacketRecord, tap: number, source: PacketSource) => void;

export class Engine {
  private lanes: Lane[] = [];
  private readonly sources: PacketSource[] = [];

  /** Sources are merged in the order they register when their timestamps are equal. */
  register(s: PacketSource): void {
    this.sources.push(s);
    this.lanes.push({ source: s, head: null, deliver: none });
  }

  /**
   * Reads every source's first packet, waiting for I/O as needed: what a run
   * learns of its inputs (link types, timestamp precision) before it opens its
   * outputs. Capture errors at the start of a file surface here.
   */
  async prime(wait: (ready: Promise<void>) => Promise<unknown> = (r) => r): Promise<void> {
    for (let w = this.heads(); w; w = this.heads()) await wait(w);
  }

  /** Hands every packet of every source to `handle`, in time order; resolves with how many. */
  async run(handle: Handler, opts: EngineOptions): Promise<number> {
    this.bind(handle);
    const wait = opts.wait ?? ((r: Promise<void>) => r);
    let total = 0;
    let sinceTurn = 0;
    const stretch = Math.min(PACKETS_PER_TURN, opts.stretch ?? PACKETS_PER_TURN);
    for (;;) {
      if (opts.stop?.aborted) {
        // the sources not finished are closed here, as heads() closes the finished ones
        this.closeAll();
        this.lanes = [];
        break;
      }
      const blocked = this.heads();
      if (blocked) {
        await wait(blocked);
        sinceTurn = 0;
        continue;
      }
      if (this.lanes.length === 0) break;
      const moved = this.pump(Math.min(PACKETS_PER_TURN - sinceTurn, stretch), opts.quota);
      total += moved;
      sinceTurn += moved;
      opts.onProgress?.(total, progressOf(this.sources));
      const paced = opts.pace?.();
      if (paced) {
        await paced;
        sinceTurn = 0;
      } else if (sinceTurn >= PACKETS_PER_TURN) {
        await turn();
        sinceTurn = 0;
      }
    }
    return total;
  }

  /** Closes every source, also after one throws; then throws what failed (closeEach). */
  closeAll(): void {
    closeEach(this.sources, (s) => s.close());
  }

  /** The per-source callbacks, made outside any async function: they run once a packet. */
  private bind(handle: Handler): void {
    for (const lane of this.lanes) {
      const source = lane.source;
      const tap = source.tap;
      lane.deliver = (rec) => handle(rec, tap, source);
    }
  }

  /**
   * Gives every source its head; closes and drops the finished ones. Returns
   * what to wait for when a source must read first: no packet can be chosen
   * before every head is known.
   */
  private heads(): Promise<void> | undefined {
    let blocked: Promise<void> | undefined;
    this.lanes = this.lanes.filter((lane) => {
      lane.head ??= lane.source.peek();
      if (lane.head) return true;
      if (lane.source.waiting) {
        blocked ??= lane.source.waiting;
        return true;
      }
      lane.source.close();
      return false;
    });
    return blocked;
  }

  /**
   * Hands out about `budget` packets in time order, every source holding its
   * head; stops early when the source that went last needs I/O or finished.
   * A lone source is asked for the rest of the budget at once (at least `quota`).
   */
  private pump(budget: number, quota: number): number {
    const lanes = this.lanes;
    const n = lanes.length;
    let moved = 0;
    if (n === 1) {
      // one source: nothing to interleave with, so a call may take the whole
      // turn's budget (fewer returns through the per-call bookkeeping)
      const lane = lanes[0];
      while (moved < budget) {
        moved += lane.source.poll(Math.max(quota, budget - moved), lane.deliver);
        lane.head = lane.source.peek();
        if (!lane.head) break;
      }
      return moved;
    }
    while (moved < budget) {
      let best = 0;
      for (let i = 1; i < n; i++) {
        const h = lanes[i].head!;
        const b = lanes[best].head!;
        if (h.tsSec < b.tsSec || (h.tsSec === b.tsSec && h.tsNsec < b.tsNsec)) best = i;
      }
      // it goes on while its packets are no later than every other head, and
      // earlier than the heads of sources that come before it in tap order
      let untilSec = Infinity;
      let untilNsec = 0;
      for (let i = 0; i < n; i++) {
        if (i === best) continue;
        const h = lanes[i].head!;
        let sec = h.tsSec;
        let ns = h.tsNsec;
        if (i < best) {
          if (ns === 0) {
            sec--;
            ns = 999_999_999;
          } else ns--;
        }
        if (sec < untilSec || (sec === untilSec && ns < untilNsec)) {
          untilSec = sec;
          untilNsec = ns;
        }
      }
      const lane = lanes[best];
      moved += lane.source.poll(quota, lane.deliver, untilSec, untilNsec);
      lane.head = lane.source.peek();
      if (!lane.head) break;
    }
    return moved;
  }
}
