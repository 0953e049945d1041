import type { PacketRecord } from '../capture/index.js';
import { finishQuota, type PacketSource, progressOf, stoppedEarly } from './sources.js';

/**
 * The execution engine's loop, after the execution-engine post: every ready
 * source is called in turn and handles at most its quota of packets, so no
 * source starves the others; a source that reports 0 is done and deregisters.
 * One thread for now; workers shard by session hash later.
 */
export interface EngineOptions {
  quota: number;
  /** Called between rounds with the packets handled so far, and bytes read of all when every source knows its size. */
  onProgress?: (packets: number, bytes: { done: number; total: number } | undefined) => void;
}

/**
 * How many packets between returns to the event loop, where read-ahead and
 * write-behind completions are seen: about 1 MB of traffic, so buffers come
 * back well before they run out, for a few microseconds per turn.
 */
const PACKETS_PER_TURN = 2048;

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

export class Engine {
  private readonly sources: PacketSource[] = [];

  register(s: PacketSource): void {
    this.sources.push(s);
  }

  async run(handle: (rec: PacketRecord, tap: number) => void, opts: EngineOptions): Promise<number> {
    let total = 0;
    let sinceTurn = 0;
    let active = [...this.sources];
    while (active.length) {
      const still: PacketSource[] = [];
      let moved = 0;
      for (const s of active) {
        const tap = s.tap;
        const onPacket = (rec: PacketRecord) => handle(rec, tap);
        let n = s.poll(opts.quota, onPacket);
        if (stoppedEarly(s, n, opts.quota)) {
          n = await finishQuota(s, n, opts.quota, onPacket, (waiting) => {
            sinceTurn = 0;
            return waiting;
          });
        }
        moved += n;
        if (s.finished) s.close();
        else still.push(s);
      }
      active = still;
      total += moved;
      sinceTurn += moved;
      if (opts.onProgress) opts.onProgress(total, progressOf(this.sources));
      if (moved === 0 && active.length) {
        // every source waits for the disk
        await Promise.race(active.map((s) => s.waiting ?? turn()));
        sinceTurn = 0;
      } else if (sinceTurn >= PACKETS_PER_TURN) {
        await turn();
        sinceTurn = 0;
      }
    }
    return total;
  }

  closeAll(): void {
    for (const s of this.sources) s.close();
  }
}
