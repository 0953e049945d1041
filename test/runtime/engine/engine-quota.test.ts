import { describe, expect, it } from 'vitest';
import type { PacketRecord } from '../../../src/runtime/capture/index.js';
import { Engine } from '../../../src/runtime/engine/engine.js';
import type { PacketSource } from '../../../src/runtime/engine/sources.js';

/** A source of `n` packets stamped `t0 + i*step` ns, logging each poll's quota and time bound. */
function fake(tap: number, n: number, t0: number, step: number, log: [number, number, number][]): PacketSource {
  let i = 0;
  const rec = (k: number) => ({ tsSec: 0, tsNsec: t0 + k * step }) as unknown as PacketRecord;
  return {
    tap,
    poll(quota, on, untilSec = Infinity, untilNsec = 0) {
      log.push([tap, quota, untilSec]);
      let m = 0;
      while (m < quota && i < n) {
        const r = rec(i);
        if (r.tsSec > untilSec || (r.tsSec === untilSec && r.tsNsec > untilNsec)) break;
        on(r);
        i++;
        m++;
      }
      return m;
    },
    peek: () => (i < n ? rec(i) : null),
    waiting: undefined,
    progress: () => undefined,
    lease: () => undefined,
    close() {},
  };
}

describe('engine quota', () => {
  it('a lone tap is asked for the whole turn at once, unbounded in time', async () => {
    const log: [number, number, number][] = [];
    const e = new Engine();
    e.register(fake(0, 5000, 0, 10, log));
    const seen: number[] = [];
    await e.prime();
    expect(await e.run((r) => seen.push(r.tsNsec), { quota: 256 })).toBe(5000);
    expect(seen).toEqual(Array.from({ length: 5000 }, (_, k) => k * 10));
    expect(log.every(([, q, u]) => q >= 256 && u === Infinity)).toBe(true);
    expect(log[0][1]).toBe(2048);
    expect(log.length).toBeLessThan(10);
  });

  it('two taps still go by the quota, merged in time order with equal stamps in tap order', async () => {
    const log: [number, number, number][] = [];
    const e = new Engine();
    e.register(fake(0, 3000, 0, 20, log));
    e.register(fake(1, 3000, 0, 20, log));
    const seen: [number, number][] = [];
    await e.prime();
    expect(await e.run((r, tap) => seen.push([r.tsNsec, tap]), { quota: 256 })).toBe(6000);
    const want: [number, number][] = [];
    for (let k = 0; k < 3000; k++) want.push([k * 20, 0], [k * 20, 1]);
    expect(seen).toEqual(want);
    // while both have packets: the quota and a time bound; the tap left alone at the end takes the rest
    const bounded = log.filter(([, , u]) => u !== Infinity);
    expect(bounded.length).toBeGreaterThan(5000);
    expect(bounded.every(([, q, u]) => q === 256 && u === 0)).toBe(true);
    expect(log.length - bounded.length).toBeLessThanOrEqual(1);
  });

  it('calls pace at least every stretch of packets, a lone tap too (a paced output looks at its queue that often)', async () => {
    const log: [number, number, number][] = [];
    const e = new Engine();
    e.register(fake(0, 5000, 0, 10, log));
    let since = 0;
    let most = 0;
    let paces = 0;
    await e.prime();
    const n = await e.run(() => since++, {
      quota: 256,
      stretch: 256,
      pace: () => {
        most = Math.max(most, since);
        since = 0;
        paces++;
        return undefined;
      },
    });
    expect(n).toBe(5000);
    expect(most).toBe(256);
    expect(paces).toBeGreaterThanOrEqual(Math.ceil(5000 / 256));
  });
});
