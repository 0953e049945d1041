import { mix32 } from '../balance/hash.js';
import type { PacketView } from '../decode/view.js';

/**
 * De-duplication: the same packet seen at two capture points within a time
 * window is delivered once. What differs between capture points is left out
 * of the comparison: the layer 2 header (MACs, VLAN tags, tap marks), the IP
 * TTL / hop limit and the IPv4 header checksum that changes with it.
 */
export function packetKey(v: PacketView, d: Uint8Array): number {
  const start = v.ipHdrOffset >= 0 ? v.ipHdrOffset : 0;
  const end = d.length;
  let h1 = 0x811c9dc5;
  let h2 = 0x1b873593;
  for (let i = start; i < end; i++) {
    const rel = i - start;
    let b = d[i];
    if (v.ipVersion === 4 && (rel === 8 || rel === 10 || rel === 11)) b = 0;
    else if (v.ipVersion === 6 && rel === 7) b = 0;
    h1 = Math.imul(h1 ^ b, 0x01000193);
    h2 = Math.imul(h2 ^ b, 0x5bd1e995);
  }
  // 52 bits of two independent hashes: collisions are negligible within a window
  return mix32(h1) * 0x100000 + (mix32(h2 ^ end) & 0xfffff);
}

/** What the pipeline asks of de-duplication; worker threads defer the answer to the ordered commit (runtime/parallel). */
export interface DedupStage {
  /** True when this packet was already delivered within the window. */
  isDuplicate(v: PacketView, d: Uint8Array, tsSec: number, tsNsec: number): boolean;
  /** Entries dropped before their window ended, the table being full. */
  readonly evicted: number;
  /**
   * The packet just let through was counted under the tap's mark (MARKED_AS) in a group without a chain: a stage
   * that decides later (DeferredDedup) notes it, so the count is taken back if the packet turns out a duplicate.
   */
  marked?(as: number): void;
}

/** What a packet's tap mark was counted as, in DedupStage.marked (0: not counted). */
export const MARKED_AS = Object.freeze({ none: 0, marked: 1, notEthernet: 2 });

/**
 * Entries one de-duplication table holds at most: 2^20, about 48 MB (a hash
 * table of twice as many slots and the insertion-order ring, 16 bytes an
 * entry each). A 10 ms window needs that many only above 100 M packets/s.
 */
export const DEDUP_MAX_ENTRIES = 1 << 20;

const FIRST_CAPACITY = 1024;

/**
 * The packets delivered within the window, by key. Bounded by time and by
 * count, whichever comes first: entries leave once the newest timestamp seen
 * is more than a window past them (in the order they came: a packet stamped
 * earlier than one before it waits behind it), and when `maxEntries` are
 * held the oldest leaves to make room, counted in `evicted`. So timestamps
 * that stand still or run backwards (a hostile or broken capture) cannot
 * grow it without bound.
 *
 * An open-addressing table of keys and times in typed arrays (linear
 * probing, deletion by backward shift) and a ring of (key, time) in arrival
 * order: no allocation per packet.
 */
export class Dedup implements DedupStage {
  evicted = 0;
  /** Keys + 1 (0: empty slot) and the time each was last delivered. */
  private keys = new Float64Array(FIRST_CAPACITY);
  private times = new Float64Array(FIRST_CAPACITY);
  private mask = FIRST_CAPACITY - 1;
  private shift = 32 - Math.log2(FIRST_CAPACITY);
  /**
   * Slots come from the key mixed with a secret of this process: traffic
   * crafted to share low key bits cannot line up long probe chains.
   */
  private readonly seed = globalThis.crypto.getRandomValues(new Uint32Array(1))[0];
  private entries = 0;
  private ringKeys = new Float64Array(FIRST_CAPACITY);
  private ringTimes = new Float64Array(FIRST_CAPACITY);
  private ringHead = 0;
  private ringCount = 0;
  private newest = -Infinity;
  /** Times are kept in ns from the first packet's second, so they stay exact in a double. */
  private baseSec = -1;

  constructor(
    readonly windowNs: number,
    readonly maxEntries: number = DEDUP_MAX_ENTRIES,
  ) {}

  /** Keys held. */
  get size(): number {
    return this.entries;
  }

  isDuplicate(v: PacketView, d: Uint8Array, tsSec: number, tsNsec: number): boolean {
    return this.isDuplicateKey(packetKey(v, d), tsSec, tsNsec);
  }

  /**
   * The same, for a key packetKey() computed elsewhere (a worker thread). A
   * copy within the window either side is a duplicate: taps' clocks differ.
   */
  isDuplicateKey(key: number, tsSec: number, tsNsec: number): boolean {
    if (this.baseSec < 0) this.baseSec = tsSec;
    const t = (tsSec - this.baseSec) * 1e9 + tsNsec;
    if (t > this.newest) this.newest = t;
    this.expire();
    const k1 = key + 1;
    let slot = this.slotOf(k1);
    if (this.keys[slot] === k1 && Math.abs(t - this.times[slot]) <= this.windowNs) return true;
    // delivered: room first, so the table never holds more than maxEntries
    if (this.ringCount >= this.maxEntries) {
      this.pop(true);
      slot = this.slotOf(k1);
    } else if (this.ringCount === this.ringKeys.length) this.growRing();
    if (this.keys[slot] !== k1) {
      this.keys[slot] = k1;
      this.entries++;
    }
    this.times[slot] = t;
    const at = (this.ringHead + this.ringCount) % this.ringKeys.length;
    this.ringKeys[at] = k1;
    this.ringTimes[at] = t;
    this.ringCount++;
    if (this.entries * 2 > this.keys.length) this.grow();
    return false;
  }

  /** Where a key's probe starts: the top bits of a multiplicative hash of both halves and the seed. */
  private home(k1: number): number {
    const lo = k1 >>> 0;
    const hi = (k1 / 4294967296) >>> 0;
    return (Math.imul(lo ^ this.seed, 0x9e3779b1) ^ Math.imul(hi, 0x85ebca6b)) >>> this.shift;
  }

  private slotOf(k1: number): number {
    const keys = this.keys;
    const mask = this.mask;
    let i = this.home(k1);
    while (keys[i] !== 0 && keys[i] !== k1) i = (i + 1) & mask;
    return i;
  }

  private expire(): void {
    const limit = this.newest - this.windowNs;
    while (this.ringCount > 0 && this.ringTimes[this.ringHead] < limit) this.pop(false);
  }

  /** Drops the oldest arrival; its key leaves the table unless it was delivered again since. */
  private pop(early: boolean): void {
    const k1 = this.ringKeys[this.ringHead];
    const t = this.ringTimes[this.ringHead];
    this.ringHead = (this.ringHead + 1) % this.ringKeys.length;
    this.ringCount--;
    const slot = this.slotOf(k1);
    if (this.keys[slot] !== k1 || this.times[slot] !== t) return;
    this.remove(slot);
    if (early) this.evicted++;
  }

  private remove(slot: number): void {
    const keys = this.keys;
    const times = this.times;
    const mask = this.mask;
    let hole = slot;
    for (let j = (slot + 1) & mask; keys[j] !== 0; j = (j + 1) & mask) {
      const home = this.home(keys[j]);
      // the entry at j may fill the hole unless its home lies cyclically in (hole, j]
      const stays = hole <= j ? hole < home && home <= j : hole < home || home <= j;
      if (stays) continue;
      keys[hole] = keys[j];
      times[hole] = times[j];
      hole = j;
    }
    keys[hole] = 0;
    this.entries--;
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldTimes = this.times;
    this.keys = new Float64Array(oldKeys.length * 2);
    this.times = new Float64Array(oldKeys.length * 2);
    this.mask = this.keys.length - 1;
    this.shift--;
    for (let i = 0; i < oldKeys.length; i++) {
      if (oldKeys[i] === 0) continue;
      const slot = this.slotOf(oldKeys[i]);
      this.keys[slot] = oldKeys[i];
      this.times[slot] = oldTimes[i];
    }
  }

  private growRing(): void {
    const n = Math.min(this.ringKeys.length * 2, this.maxEntries);
    const keys = new Float64Array(n);
    const times = new Float64Array(n);
    for (let i = 0; i < this.ringCount; i++) {
      const at = (this.ringHead + i) % this.ringKeys.length;
      keys[i] = this.ringKeys[at];
      times[i] = this.ringTimes[at];
    }
    this.ringKeys = keys;
    this.ringTimes = times;
    this.ringHead = 0;
  }
}
