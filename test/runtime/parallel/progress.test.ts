import { describe, expect, it } from 'vitest';
import { Progress } from '../../../src/runtime/parallel/progress.js';

describe('Progress (the main thread waiting on its workers)', () => {
  it('drainTo waits until few enough are in flight, woken by each poke', async () => {
    const p = new Progress();
    let inFlight = 3;
    let done = false;
    const wait = p.drainTo(1, () => inFlight).then(() => (done = true));
    await Promise.resolve();
    inFlight = 2;
    p.poke();
    await new Promise((r) => setImmediate(r));
    expect(done).toBe(false);
    inFlight = 1;
    p.poke();
    await wait;
    expect(done).toBe(true);
  });

  it('a failure ends the wait with the first error, and check throws it from then on', async () => {
    const p = new Progress();
    const wait = p.drainTo(0, () => 5);
    await Promise.resolve();
    p.fail(new Error('worker 1 died'));
    p.fail(new Error('worker 2 died'));
    await expect(wait).rejects.toThrow('worker 1 died');
    expect(() => p.check()).toThrow('worker 1 died');
  });

  it('a poke with no waiter is harmless, and check passes without a failure', () => {
    const p = new Progress();
    p.poke();
    expect(() => p.check()).not.toThrow();
  });
});
