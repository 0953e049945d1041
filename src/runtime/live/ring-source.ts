import { emptyRecord, type PacketRecord } from '../capture/record.js';
import type { PacketPool } from '../engine/packet-pool.js';
import type { Source } from '../engine/poll-loop.js';
import type { Ring, RingRecord } from './ring.js';

/** What a ring source hands its packets to (the worker's Pipeline). */
export interface PacketHandler {
  handle(rec: PacketRecord, tap: number): void;
}

/**
 * One live tap's ring as a source of the worker's poll loop: at most `quota`
 * frames a call, the time budget looked at every 64. Each frame is copied
 * out of the ring into a buffer of the pool and handed on as an exact-length
 * view the buffer keeps (no allocation per packet once every frame size has
 * been seen), and the ring's bytes go back to the producer at once; the
 * buffer goes back to the pool when the packet's replicas are written (steps
 * that hold one keep a copy).
 */
export function ringSource(ring: Ring, name: string, handler: PacketHandler, pool: PacketPool): Source {
  const rec = emptyRecord();
  const r: RingRecord = { offset: 0, capLen: 0, meta: 0, tsSec: 0, tsNsec: 0, wireLen: 0, aux: 0 };
  return {
    name,
    poll(quota, deadline) {
      let n = 0;
      while (n < quota && ring.peek(r)) {
        const buf = pool.acquire();
        buf.reserve(r.capLen);
        ring.copyOut(r, buf.bytes, buf.words);
        rec.data = buf.view(r.capLen);
        rec.bytes = buf.bytes;
        rec.dataOffset = 0;
        rec.capLen = r.capLen;
        rec.wireLen = r.wireLen;
        rec.tsSec = r.tsSec;
        rec.tsNsec = r.tsNsec;
        rec.linkType = r.aux;
        ring.release(r);
        handler.handle(rec, r.meta);
        pool.release(buf);
        n++;
        // the time budget, looked at every 64 packets (a clock read costs more than a packet)
        if ((n & 63) === 0 && performance.now() >= deadline) break;
      }
      return { handled: n, more: !ring.isEmpty() };
    },
  };
}
