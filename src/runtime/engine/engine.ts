import type { PacketRecord } from '../capture/index.js';
import type { PacketSource } from './sources.js';

/**
 * The execution engine's loop, after the execution-engine post: every ready
 * source is called in turn and handles at most its quota of packets, so no
 * source starves the others; a source that reports 0 is done and deregisters.
 * One thread for now; workers shard by session hash later.
 */
export interface EngineOptions {
  quota: number;
  /** Called between rounds with the packets handled so far. */
  onProgress?: (packets: number) => void;
}

export class Engine {
  private readonly sources: PacketSource[] = [];

  register(s: PacketSource): void {
    this.sources.push(s);
  }

  run(handle: (rec: PacketRecord, tap: number) => void, opts: EngineOptions): number {
    let total = 0;
    let active = [...this.sources];
    while (active.length) {
      const still: PacketSource[] = [];
      for (const s of active) {
        const tap = s.tap;
        const n = s.poll(opts.quota, (rec) => handle(rec, tap));
        total += n;
        if (n > 0) still.push(s);
        else s.close();
      }
      active = still;
      opts.onProgress?.(total);
    }
    return total;
  }

  closeAll(): void {
    for (const s of this.sources) s.close();
  }
}
