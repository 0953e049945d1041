/**
 * A timer block: many timers on one cascaded timer wheel, as the
 * execution-engine post asks (and as Linux kept them before 4.8, and VPP's
 * tw_timer does). Time is in ticks, whole numbers that only move forward;
 * what a tick is worth is the owner's choice (see Timers).
 *
 * Five levels: 256 slots of one tick, then four levels of 64 slots, each
 * slot of a level spanning a whole turn of the level below (2^8, 2^14, 2^20,
 * 2^26 ticks): 2^32 ticks ahead in all (49 days of 1 ms ticks; further
 * timers wait in the farthest slot and are placed again when it cascades).
 * A timer goes in the finest level whose reach covers it; when a level's
 * slot comes up, its timers move down (cascade), so each fires in the tick
 * it is due. Start and stop are O(1); a timer cascades at most four times.
 *
 * Timers are numbers into typed arrays (no object per timer, no allocation
 * to start, stop or fire one; the arrays double when full). A timer is
 * created once and started, stopped and restarted any number of times; it
 * stays created after it fires, so an owner keeps one per session, entry or
 * queue.
 *
 * Firing is bounded: `expire(now, max)` fires at most `max` timers, so that
 * a storm of timers due at once cannot hold packets up; the rest stay due
 * and fire on the next calls, in order, before the wheel moves on (VPP's
 * tw_timer_expire_timers stops after max_expirations the same way, but only
 * between ticks; here the bound holds within a tick too).
 */

const L0_BITS = 8;
const LN_BITS = 6;
const LEVELS = 5;
const L0_SLOTS = 1 << L0_BITS;
const LN_SLOTS = 1 << LN_BITS;
/** Slot lists: level 0's, then 64 per higher level, then the list of timers due and not fired yet. */
const SLOTS = L0_SLOTS + (LEVELS - 1) * LN_SLOTS;
const DUE = SLOTS;
/** Ticks one slot of level k spans (level 0: 1). */
const SPAN = [1, 2 ** 8, 2 ** 14, 2 ** 20, 2 ** 26];
/** Ticks a level reaches ahead. */
const REACH = [2 ** 8, 2 ** 14, 2 ** 20, 2 ** 26, 2 ** 32];
/** Where a level's slots start among all slot lists. */
const BASE = [0, L0_SLOTS, L0_SLOTS + LN_SLOTS, L0_SLOTS + 2 * LN_SLOTS, L0_SLOTS + 3 * LN_SLOTS];

const IDLE = -1;
const FREE = -2;
const NIL = -1;

/** Called for each timer that fires: the timer and the number given at create. */
export type ExpireHandler = (timer: number, data: number) => void;

export class TimerBlock {
  /** Timers running (in a slot or due). */
  private running = 0;
  /** Every tick up to this one was processed: timers due by it fired, or wait in the due list. */
  private nowTick: number;
  private expiry = new Float64Array(64);
  private next = new Int32Array(64);
  private prev = new Int32Array(64);
  /** The slot list a timer is in: a slot, DUE, IDLE (created, not running) or FREE. */
  private where = new Int32Array(64).fill(FREE);
  private data = new Float64Array(64);
  private readonly head = new Int32Array(SLOTS + 1).fill(NIL);
  private readonly tail = new Int32Array(SLOTS + 1).fill(NIL);
  /** One bit per slot that holds a timer. */
  private readonly occupied = new Uint32Array(SLOTS / 32);
  private freeList = NIL;
  private created = 0;
  private high = 0;
  /** The earliest expiry, computed when asked and kept until a timer starts, stops or fires. */
  private earliest: number | undefined = undefined;
  private earliestKnown = false;

  constructor(
    private readonly onExpire: ExpireHandler,
    /** The tick the block starts at: timers started now fire at `startTick + delay`. */
    startTick = 0,
  ) {
    this.nowTick = startTick;
  }

  /** The last tick processed. */
  get now(): number {
    return this.nowTick;
  }

  /** Timers created (running or idle). */
  get size(): number {
    return this.created;
  }

  /** Timers running. */
  get pending(): number {
    return this.running;
  }

  /** A new timer, idle; `data` comes back to the expire handler (an index into the owner's table, say). */
  create(data = 0): number {
    let t = this.freeList;
    if (t !== NIL) this.freeList = this.next[t];
    else {
      if (this.high === this.where.length) this.grow();
      t = this.high++;
    }
    this.where[t] = IDLE;
    this.data[t] = data;
    this.created++;
    return t;
  }

  /** Stops the timer if it runs and frees it: its number may be given to the next create. */
  destroy(t: number): void {
    this.check(t);
    this.stop(t);
    this.where[t] = FREE;
    this.next[t] = this.freeList;
    this.freeList = t;
    this.created--;
  }

  /**
   * Starts the timer to fire `delay` ticks from now (at least one: a timer
   * never fires in the tick that started it, so a handler restarting its own
   * timer cannot keep one expire call going). A running timer is restarted.
   */
  start(t: number, delay: number): void {
    this.check(t);
    const e = this.nowTick + (delay >= 1 ? Math.floor(delay) : 1);
    if (this.where[t] !== IDLE) {
      this.unlink(t);
      // it may have been the earliest
      this.earliestKnown = false;
    } else {
      this.running++;
      if (this.earliestKnown && (this.earliest === undefined || e < this.earliest)) this.earliest = e;
    }
    this.expiry[t] = e;
    this.place(t, this.nowTick + 1);
  }

  /** Starts it to fire at a tick (the next tick if that one has passed). */
  startAt(t: number, tick: number): void {
    this.start(t, tick - this.nowTick);
  }

  /** The same as start: stop if running, then start. */
  restart(t: number, delay: number): void {
    this.start(t, delay);
  }

  /** Stops the timer; returns whether it was running. */
  stop(t: number): boolean {
    this.check(t);
    if (this.where[t] === IDLE) return false;
    this.unlink(t);
    this.where[t] = IDLE;
    this.running--;
    this.earliestKnown = false;
    return true;
  }

  isRunning(t: number): boolean {
    return this.where[t] >= 0;
  }

  /** The tick a running timer fires at. */
  expiryOf(t: number): number {
    return this.expiry[t];
  }

  dataOf(t: number): number {
    return this.data[t];
  }

  /**
   * The tick the earliest running timer is due (the current tick when some
   * are due and not fired), or undefined when none runs: what bounds the
   * engine's wait for events.
   */
  nextExpiry(): number | undefined {
    if (this.running === 0) return undefined;
    if (this.head[DUE] !== NIL) return this.nowTick;
    if (!this.earliestKnown) {
      this.earliest = this.findEarliest();
      this.earliestKnown = true;
    }
    return this.earliest;
  }

  /**
   * Moves time to `now` (ticks; earlier than the last is ignored) and fires
   * the timers due by then, earliest first, at most `max` of them. Returns
   * how many fired; when that is `max`, more may be due (`nextExpiry()` says).
   */
  expire(now: number, max = Infinity): number {
    let fired = this.fireDue(max);
    while (fired < max && this.nowTick < now) {
      if (this.running === 0) {
        this.nowTick = now;
        break;
      }
      let tick = this.nowTick + 1;
      // nothing to do at the next tick: on to the next tick where a slot fires or cascades
      if (tick % L0_SLOTS !== 0 && this.head[tick % L0_SLOTS] === NIL) tick = this.nextEvent();
      if (tick > now) {
        this.nowTick = now;
        break;
      }
      if (tick % L0_SLOTS === 0) this.cascade(tick);
      this.nowTick = tick;
      this.splice(tick % L0_SLOTS, DUE);
      fired += this.fireDue(max - fired);
    }
    return fired;
  }

  /**
   * The next tick at which an occupied slot fires (level 0) or cascades
   * (levels above): ticks in between hold nothing, and the wheel jumps them.
   */
  private nextEvent(): number {
    let best = Infinity;
    const from = (this.nowTick + 1) % L0_SLOTS;
    let s = this.firstSet(0, from, L0_SLOTS);
    if (s >= 0) return this.nowTick + 1 + (s - from);
    s = this.firstSet(0, 0, from);
    if (s >= 0) best = this.nowTick + 1 + (L0_SLOTS - from) + s;
    for (let k = 1; k < LEVELS; k++) {
      const c = Math.ceil((this.nowTick + 1) / SPAN[k]);
      const first = c % LN_SLOTS;
      let index = this.firstSet(BASE[k], first, LN_SLOTS);
      let j = index - first;
      if (index < 0) {
        index = this.firstSet(BASE[k], 0, first);
        j = LN_SLOTS - first + index;
      }
      if (index < 0) continue;
      const at = (c + j) * SPAN[k];
      if (at < best) best = at;
    }
    return best;
  }

  private fireDue(max: number): number {
    let fired = 0;
    while (fired < max) {
      const t = this.head[DUE];
      if (t === NIL) break;
      this.unlink(t);
      this.where[t] = IDLE;
      this.running--;
      this.earliestKnown = false;
      fired++;
      this.onExpire(t, this.data[t]);
    }
    return fired;
  }

  /** The slot lists of levels 1.. whose turn comes at `tick` (a multiple of 256) move down. */
  private cascade(tick: number): void {
    for (let k = 1; k < LEVELS; k++) {
      const index = Math.floor(tick / SPAN[k]) % LN_SLOTS;
      const slot = BASE[k] + index;
      let t = this.head[slot];
      this.head[slot] = this.tail[slot] = NIL;
      this.clearBit(slot);
      while (t !== NIL) {
        const n = this.next[t];
        this.place(t, tick);
        t = n;
      }
      // the next level's turn comes only when this one wrapped
      if (index !== 0) break;
    }
  }

  /** Puts a running timer (expiry set) in its slot, as seen from `base`, the next tick to process. */
  private place(t: number, base: number): void {
    const e = this.expiry[t];
    let d = e - base;
    let slot: number;
    if (d < 0) slot = DUE;
    else if (d < REACH[0]) slot = e % L0_SLOTS;
    else {
      let k = 1;
      while (k < LEVELS - 1 && d >= REACH[k]) k++;
      // beyond the wheel's reach: the farthest slot, placed again when it cascades
      const at = d >= REACH[k] ? base + REACH[k] - 1 : e;
      d = at;
      slot = BASE[k] + (Math.floor(d / SPAN[k]) % LN_SLOTS);
    }
    this.link(t, slot);
  }

  private link(t: number, slot: number): void {
    this.where[t] = slot;
    this.next[t] = NIL;
    const last = this.tail[slot];
    this.prev[t] = last;
    if (last === NIL) {
      this.head[slot] = t;
      if (slot !== DUE) this.occupied[slot >>> 5] |= 1 << (slot & 31);
    } else this.next[last] = t;
    this.tail[slot] = t;
  }

  private unlink(t: number): void {
    const slot = this.where[t];
    const p = this.prev[t];
    const n = this.next[t];
    if (p === NIL) this.head[slot] = n;
    else this.next[p] = n;
    if (n === NIL) this.tail[slot] = p;
    else this.prev[n] = p;
    if (this.head[slot] === NIL && slot !== DUE) this.clearBit(slot);
  }

  /** Moves every timer of list `from` to the end of list `to`. */
  private splice(from: number, to: number): void {
    const h = this.head[from];
    if (h === NIL) return;
    for (let t = h; t !== NIL; t = this.next[t]) this.where[t] = to;
    const last = this.tail[to];
    if (last === NIL) this.head[to] = h;
    else {
      this.next[last] = h;
      this.prev[h] = last;
    }
    this.tail[to] = this.tail[from];
    this.head[from] = this.tail[from] = NIL;
    this.clearBit(from);
  }

  private clearBit(slot: number): void {
    this.occupied[slot >>> 5] &= ~(1 << (slot & 31));
  }

  /** The first set bit in [from, to) of the occupancy bitmap, or -1. */
  private firstSet(offset: number, from: number, to: number): number {
    for (let i = from; i < to;) {
      const bit = offset + i;
      const word = this.occupied[bit >>> 5] >>> (bit & 31);
      if (word === 0) {
        i += 32 - (bit & 31);
        continue;
      }
      const j = i + (31 - Math.clz32(word & -word));
      return j < to ? j : -1;
    }
    return -1;
  }

  /**
   * The earliest expiry: level 0's first occupied slot after now gives a
   * tick; in each higher level, the occupied slots are scanned in the order
   * they cascade for as long as they can hold something earlier.
   */
  private findEarliest(): number | undefined {
    let best = Infinity;
    const from = (this.nowTick + 1) % L0_SLOTS;
    let s = this.firstSet(0, from, L0_SLOTS);
    if (s >= 0) best = this.nowTick + 1 + (s - from);
    else {
      s = this.firstSet(0, 0, from);
      if (s >= 0) best = this.nowTick + 1 + (L0_SLOTS - from) + s;
    }
    for (let k = 1; k < LEVELS; k++) {
      // slots in the order they cascade, from the first multiple of the level's span after now: a
      // slot holds the level's timers of its span, so the first occupied one has the level's
      // earliest; only timers beyond the wheel's reach (in the top level) sit before their span,
      // and the scan goes on while a slot's span can still hold something earlier than the best
      const c = Math.ceil((this.nowTick + 1) / SPAN[k]);
      for (let j = 0; j < LN_SLOTS && (c + j) * SPAN[k] < best; j++) {
        const slot = BASE[k] + ((c + j) % LN_SLOTS);
        for (let t = this.head[slot]; t !== NIL; t = this.next[t]) if (this.expiry[t] < best) best = this.expiry[t];
      }
    }
    return best === Infinity ? undefined : best;
  }

  private check(t: number): void {
    if (!(t >= 0 && t < this.high) || this.where[t] === FREE) throw new RangeError(`timer ${t} does not exist`);
  }

  private grow(): void {
    const n = this.where.length * 2;
    const f = (a: Float64Array) => {
      const b = new Float64Array(n);
      b.set(a);
      return b;
    };
    const i = (a: Int32Array, fill = 0) => {
      const b = new Int32Array(n).fill(fill);
      b.set(a);
      return b;
    };
    this.expiry = f(this.expiry);
    this.data = f(this.data);
    this.next = i(this.next);
    this.prev = i(this.prev);
    this.where = i(this.where, FREE);
  }
}
