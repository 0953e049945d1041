import type { PacketView } from '../decode/view.js';

/** Where a link key (tcp-stream.ts linkKey(): tap * 2^26 + VLAN ids) splits into two 32-bit words for the hash. */
const LINK_SPLIT = 2 ** 26;

/**
 * One TCP connection in a SessionTable: its two endpoints (address and
 * port, the one that sorts first is side 0), the caller's state, and its
 * place in the table's chains.
 */
export class Session<T> {
  /** Side 0 then side 1: IPv4 in word 0 only. */
  readonly addr = new Uint32Array(8);
  port0 = 0;
  port1 = 0;
  v6 = false;
  /** Its link (tcp-stream.ts linkKey(): the tap, the outer two VLAN ids). */
  link = 0;
  /** Packet time (seconds) of the last packet. */
  lastSeen = 0;
  /** Hash chain. */
  chain: Session<T> | undefined = undefined;
  /** Least recently seen first. */
  older: Session<T> | undefined = undefined;
  newer: Session<T> | undefined = undefined;
  hash = 0;

  constructor(public state: T) {}
}

export interface SessionTableOptions<T> {
  /** Sessions kept at most; the least recently seen goes first. */
  readonly max: number;
  /** A session not seen for this long (packet time, seconds) is forgotten. */
  readonly idleSeconds: number;
  /** State for a new session. */
  make(): T;
  /** Called before a session is forgotten (idle, or to make room): hand on what it holds. */
  onEvict(s: Session<T>): void;
}

/**
 * TCP connections by their addresses, ports and link (the tap and the outer
 * two VLAN ids, as mask's sessions: the same addresses and ports on two
 * VLANs or taps are two sessions, each renumbered by its own changes),
 * either direction alike, each with the caller's state; bounded in count and forgotten when idle,
 * least recently seen first. The hash chains and the recency list are
 * intrusive, so a lookup allocates nothing and a new session one object
 * (plus its state).
 */
export class SessionTable<T> {
  private readonly buckets = new Map<number, Session<T>>();
  private oldest: Session<T> | undefined = undefined;
  private newest: Session<T> | undefined = undefined;
  private count = 0;
  /** The side the last looked-up packet came from (0 or 1). */
  side = 0;
  /** Whether the last lookup made the session. */
  created = false;
  /** Sessions forgotten to make room or after idling. */
  evicted = 0;
  private readonly key = new Uint32Array(8);

  constructor(private readonly options: SessionTableOptions<T>) {}

  get size(): number {
    return this.count;
  }

  /** The session of a TCP (or UDP) packet on `link` (linkKey()), made if new; `side` says which endpoint sent it. */
  lookup(v: PacketView, now: number, link: number): Session<T> {
    this.expire(now);
    const k = this.key;
    const v6 = v.ipVersion === 6;
    let sp = v.srcPort;
    let dp = v.dstPort;
    if (v6) {
      k[0] = v.ip6Src0;
      k[1] = v.ip6Src1;
      k[2] = v.ip6Src2;
      k[3] = v.ip6Src3;
      k[4] = v.ip6Dst0;
      k[5] = v.ip6Dst1;
      k[6] = v.ip6Dst2;
      k[7] = v.ip6Dst3;
    } else {
      k[0] = v.ip4Src;
      k[4] = v.ip4Dst;
      k[1] = k[2] = k[3] = k[5] = k[6] = k[7] = 0;
    }
    // side 0 is the endpoint that sorts first (address, then port)
    let side = 0;
    for (let i = 0; i < 4; i++) {
      if (k[i] !== k[4 + i]) {
        side = k[i] > k[4 + i] ? 1 : 0;
        break;
      }
      if (i === 3 && sp > dp) side = 1;
    }
    if (side === 1) {
      for (let i = 0; i < 4; i++) {
        const t = k[i];
        k[i] = k[4 + i];
        k[4 + i] = t;
      }
      const t = sp;
      sp = dp;
      dp = t;
    }
    this.side = side;
    let h = (v6 ? 0x9e3779b9 : 0) ^ Math.imul(sp, 0x85ebca6b) ^ Math.imul(dp ^ 0x5bd1e995, 0xc2b2ae35);
    for (let i = 0; i < 8; i++) h = Math.imul(h ^ k[i], 0x01000193) ^ (h >>> 15);
    // the link key is below 2^53: its high and low 26 bits (the tap, the VLAN ids)
    h = Math.imul(h ^ (link % LINK_SPLIT), 0x01000193) ^ (h >>> 15);
    h = Math.imul(h ^ Math.floor(link / LINK_SPLIT), 0x01000193) ^ (h >>> 15);
    h |= 0;
    for (let s = this.buckets.get(h); s !== undefined; s = s.chain) {
      if (s.v6 !== v6 || s.port0 !== sp || s.port1 !== dp || s.link !== link) continue;
      const a = s.addr;
      if (
        a[0] === k[0] &&
        a[4] === k[4] &&
        a[1] === k[1] &&
        a[2] === k[2] &&
        a[3] === k[3] &&
        a[5] === k[5] &&
        a[6] === k[6] &&
        a[7] === k[7]
      ) {
        this.touch(s, now);
        this.created = false;
        return s;
      }
    }
    if (this.count >= this.options.max && this.oldest) this.evict(this.oldest);
    const s = new Session(this.options.make());
    s.addr.set(k);
    s.port0 = sp;
    s.port1 = dp;
    s.v6 = v6;
    s.link = link;
    s.hash = h;
    s.chain = this.buckets.get(h);
    this.buckets.set(h, s);
    this.count++;
    s.lastSeen = now;
    this.link(s);
    this.created = true;
    return s;
  }

  /** Every session, least recently seen first. */
  *sessions(): IterableIterator<Session<T>> {
    for (let s = this.oldest; s !== undefined; s = s.newer) yield s;
  }

  /** Forgets a session (the caller has handed on what it held). */
  remove(s: Session<T>): void {
    let p = this.buckets.get(s.hash);
    if (p === s) {
      if (s.chain) this.buckets.set(s.hash, s.chain);
      else this.buckets.delete(s.hash);
    } else {
      while (p && p.chain !== s) p = p.chain;
      if (p) p.chain = s.chain;
    }
    s.chain = undefined;
    this.unlink(s);
    this.count--;
  }

  private expire(now: number): void {
    const limit = now - this.options.idleSeconds;
    while (this.oldest && this.oldest.lastSeen < limit) this.evict(this.oldest);
  }

  private evict(s: Session<T>): void {
    this.options.onEvict(s);
    this.remove(s);
    this.evicted++;
  }

  private touch(s: Session<T>, now: number): void {
    // packet times may step back a little (taps merged, clocks apart): recency never goes backwards
    if (now > s.lastSeen) s.lastSeen = now;
    if (s === this.newest) return;
    this.unlink(s);
    this.link(s);
  }

  private link(s: Session<T>): void {
    s.older = this.newest;
    s.newer = undefined;
    if (this.newest) this.newest.newer = s;
    else this.oldest = s;
    this.newest = s;
  }

  private unlink(s: Session<T>): void {
    if (s.older) s.older.newer = s.newer;
    else this.oldest = s.newer;
    if (s.newer) s.newer.older = s.older;
    else this.newest = s.older;
    s.older = s.newer = undefined;
  }
}
