import { TokenBucket } from './token-bucket.js';

/** admit()'s answer for a packet the buffer cannot hold. */
export const OVERFLOW = -1;

/**
 * One tool's shaper: a token bucket and the FIFO buffer where packets wait
 * for tokens. A packet leaves at once when nothing waits and the bucket holds
 * its length; otherwise it waits behind the packets before it, until the
 * bucket refills, and is released then: its departure time, decided when it
 * arrives (FIFO: nothing that arrives later changes it). A packet that would
 * have to wait when the buffer cannot take its bytes is refused (OVERFLOW).
 *
 * Time is whole nanoseconds from the owner's origin, in steps of `tickNs`
 * (the resolution the tool's output stores, so that the times written are
 * the times the bucket was run at). `now` is the owner's clock; packets
 * whose departure has come are let go by release(now). With a capture the
 * clock is packet time (the latest arrival); live, a timer set at
 * nextDeparture() would call release: nothing here reads a clock.
 */
export class Shaper<T> {
  private readonly bucket: TokenBucket;
  /** Departures, lengths and items of the packets waiting, oldest first, as a ring. */
  private dep: Float64Array;
  private len: Float64Array;
  private items: (T | undefined)[];
  private head = 0;
  private count = 0;
  /** Bytes waiting. */
  queuedBytes = 0;
  /** The last departure granted, in a typed array (a field would box it on each store): departures never go back. */
  private readonly last = new Float64Array([-Infinity]);

  constructor(
    rateBps: number,
    readonly burstBytes: number,
    /** Bytes that may wait. */
    readonly bufferBytes: number,
    readonly tickNs: number,
    startNs: number,
  ) {
    this.bucket = new TokenBucket(rateBps, burstBytes, startNs);
    this.dep = new Float64Array(64);
    this.len = new Float64Array(64);
    this.items = new Array<T | undefined>(64);
  }

  /** Whether packets wait. */
  get waiting(): number {
    return this.count;
  }

  /** When the next waiting packet leaves; undefined when none waits. */
  nextDeparture(): number | undefined {
    return this.count > 0 ? this.dep[this.head] : undefined;
  }

  /**
   * A packet of `bytes` arrives at `arrivalNs` (a multiple of tickNs); `nowNs`
   * is the clock, at or after every arrival so far, with release(nowNs) done.
   * Returns its departure (at or after both): at or before nowNs it leaves
   * now, later it must be hold()-ed; OVERFLOW when the buffer is full.
   */
  admit(bytes: number, arrivalNs: number, nowNs: number): number {
    const last = this.last[0];
    const d = this.bucket.earliest(bytes, arrivalNs > last ? arrivalNs : last, this.tickNs);
    if (d > nowNs && this.queuedBytes + bytes > this.bufferBytes) return OVERFLOW;
    this.bucket.take(bytes, d);
    this.last[0] = d;
    return d;
  }

  /**
   * admit() of a packet that leaves on arrival, or nothing: when nothing
   * waits and the bucket holds `bytes` at `arrivalNs` (its departure is its
   * arrival, at or before `nowNs`), its tokens are taken and true returned,
   * as admit() would have; otherwise the shaper is left as it was (the
   * packet goes through admit() then). For packets written straight from
   * the walk (runtime/engine/walked-steps.ts).
   */
  passes(bytes: number, arrivalNs: number, nowNs: number): boolean {
    if (this.count !== 0) return false;
    const last = this.last[0];
    if (last > arrivalNs) return false;
    const d = this.bucket.earliest(bytes, arrivalNs, this.tickNs);
    if (d !== arrivalNs || d > nowNs) return false;
    this.bucket.take(bytes, d);
    this.last[0] = d;
    return true;
  }

  /** Keeps `item` (admitted with departure `departureNs`, after now) until release() reaches it. */
  hold(item: T, bytes: number, departureNs: number): void {
    if (this.count === this.dep.length) this.grow();
    const i = (this.head + this.count) % this.dep.length;
    this.dep[i] = departureNs;
    this.len[i] = bytes;
    this.items[i] = item;
    this.count++;
    this.queuedBytes += bytes;
  }

  /** Hands every waiting item whose departure is at or before `nowNs` to `emit`, in order. */
  release(nowNs: number, emit: (item: T, departureNs: number) => void): void {
    while (this.count > 0 && this.dep[this.head] <= nowNs) this.emitHead(emit);
  }

  /** End of input: every waiting item, in order. */
  drain(emit: (item: T, departureNs: number) => void): void {
    while (this.count > 0) this.emitHead(emit);
  }

  private emitHead(emit: (item: T, departureNs: number) => void): void {
    const h = this.head;
    const item = this.items[h]!;
    const d = this.dep[h];
    this.items[h] = undefined;
    this.queuedBytes -= this.len[h];
    this.head = (h + 1) % this.dep.length;
    this.count--;
    emit(item, d);
  }

  /** Moves the time origin `ns` later: every time held is `ns` smaller. */
  shift(ns: number): void {
    this.bucket.shift(ns);
    this.last[0] -= ns;
    for (let k = 0; k < this.count; k++) this.dep[(this.head + k) % this.dep.length] -= ns;
  }

  private grow(): void {
    const n = this.dep.length;
    const dep = new Float64Array(n * 2);
    const len = new Float64Array(n * 2);
    const items = new Array<T | undefined>(n * 2);
    for (let k = 0; k < this.count; k++) {
      const i = (this.head + k) % n;
      dep[k] = this.dep[i];
      len[k] = this.len[i];
      items[k] = this.items[i];
    }
    this.dep = dep;
    this.len = len;
    this.items = items;
    this.head = 0;
  }
}
