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
}

export class Dedup implements DedupStage {
  private readonly seen = new Map<number, number>();
  private readonly queue: { key: number; at: number }[] = [];
  private head = 0;
  /** Times are kept in ns from the first packet's second, so they stay exact in a double. */
  private baseSec = -1;

  constructor(readonly windowNs: number) {}

  isDuplicate(v: PacketView, d: Uint8Array, tsSec: number, tsNsec: number): boolean {
    return this.isDuplicateKey(packetKey(v, d), tsSec, tsNsec);
  }

  /** The same, for a key packetKey() computed elsewhere (a worker thread). Packets must come in capture order. */
  isDuplicateKey(key: number, tsSec: number, tsNsec: number): boolean {
    if (this.baseSec < 0) this.baseSec = tsSec;
    const tsNs = (tsSec - this.baseSec) * 1e9 + tsNsec;
    this.expire(tsNs);
    const last = this.seen.get(key);
    if (last !== undefined && tsNs - last <= this.windowNs) return true;
    this.seen.set(key, tsNs);
    this.queue.push({ key, at: tsNs });
    return false;
  }

  private expire(now: number): void {
    const q = this.queue;
    while (this.head < q.length && now - q[this.head].at > this.windowNs) {
      const { key, at } = q[this.head++];
      if (this.seen.get(key) === at) this.seen.delete(key);
    }
    if (this.head > 4096 && this.head * 2 > q.length) {
      q.splice(0, this.head);
      this.head = 0;
    }
  }
}
