import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Ring, type RingRecord } from '../../../src/runtime/live/ring.js';

const rec = (): RingRecord => ({ offset: 0, capLen: 0, meta: 0, tsSec: 0, tsNsec: 0, wireLen: 0, aux: 0 });

describe('Ring: packets between two threads through shared memory', () => {
  it('hands records over in order, whole, across wraps; refuses when full and never overwrites', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            push: fc.boolean(),
            len: fc.integer({ min: 0, max: 700 }),
            from: fc.integer({ min: 0, max: 5 }),
          }),
          { maxLength: 300 },
        ),
        (ops) => {
          const ring = Ring.create(2048);
          const sent: number[][] = [];
          let next = 0;
          const r = rec();
          for (const op of ops) {
            if (op.push) {
              const data = Uint8Array.from({ length: op.len }, (_, i) => (next + i) & 255);
              const fits = ring.capacity - ring.used >= Ring.footprint(op.len);
              // whole arrays, and out of the middle of a Buffer (as the supervisor copies a stream's frames)
              const ok =
                op.from === 0
                  ? ring.push(data, 0, op.len, next, next * 2, next * 3, op.len + 4, 7)
                  : ring.push(
                      Buffer.concat([Buffer.alloc(op.from, 0xee), data, Buffer.alloc(3, 0xee)]),
                      op.from,
                      op.len,
                      next,
                      next * 2,
                      next * 3,
                      op.len + 4,
                      7,
                    );
              // a record that fits only after a wrap may be refused; one that fits nowhere always is
              if (!fits) expect(ok).toBe(false);
              if (ok) sent.push([next, op.len]);
              next++;
            } else if (ring.peek(r)) {
              const [id, len] = sent.shift()!;
              expect([r.meta, r.capLen, r.tsSec, r.tsNsec, r.wireLen, r.aux]).toEqual([
                id,
                len,
                id * 2,
                id * 3,
                len + 4,
                7,
              ]);
              const got = ring.bytes.subarray(r.offset, r.offset + r.capLen);
              expect(Array.from(got)).toEqual(Array.from({ length: len }, (_, i) => (id + i) & 255));
              ring.release(r);
            } else expect(sent.length).toBe(0);
          }
          while (ring.peek(r)) {
            expect(r.meta).toBe(sent.shift()![0]);
            ring.release(r);
          }
          expect(sent).toEqual([]);
          expect(ring.used).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a consumer waiting on the doorbell wakes for a record and for ring()', () => {
    const ring = Ring.create(4096);
    // nothing there: the wait times out
    ring.wait(1);
    expect(ring.isEmpty()).toBe(true);
    ring.push(new Uint8Array(10), 0, 10, 1, 0, 0, 10);
    // a record is there: no wait at all
    ring.wait(undefined);
    const r = rec();
    expect(ring.peek(r)).toBe(true);
  });
});
