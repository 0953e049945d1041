import { describe, expect, it } from 'vitest';
import { CloseErrors, closeEach, closeEachAsync } from '../../src/runtime/close-each.js';

/** closeEach: every item is closed whatever the others do, and every failure comes back. */
describe('closeEach', () => {
  const items = ['a', 'b', 'c', undefined, 'd'];
  const failing = (bad: string[]) => (x: string) => {
    if (bad.includes(x)) throw new Error(`${x} failed`);
  };

  it('closes every item after one throws, and throws that error as it was', () => {
    const closed: string[] = [];
    const fail = failing(['a']);
    let thrown: unknown;
    try {
      closeEach(items, (x) => {
        closed.push(x);
        fail(x);
      });
    } catch (e) {
      thrown = e;
    }
    expect(closed).toEqual(['a', 'b', 'c', 'd']);
    expect(thrown).toBeInstanceOf(Error);
    expect(thrown).not.toBeInstanceOf(CloseErrors);
    expect((thrown as Error).message).toBe('a failed');
  });

  it('reports every failure, in order, when several throw', () => {
    const closed: string[] = [];
    const fail = failing(['a', 'c', 'd']);
    let thrown: unknown;
    try {
      closeEach(items, (x) => {
        closed.push(x);
        fail(x);
      });
    } catch (e) {
      thrown = e;
    }
    expect(closed).toEqual(['a', 'b', 'c', 'd']);
    expect(thrown).toBeInstanceOf(CloseErrors);
    const e = thrown as CloseErrors;
    expect(e.errors.map((x) => (x as Error).message)).toEqual(['a failed', 'c failed', 'd failed']);
    for (const m of ['a failed', 'c failed', 'd failed']) expect(e.message).toContain(m);
  });

  it('closes one after the other when closes finish later, and reports every failure', async () => {
    const order: string[] = [];
    let open = 0;
    const close = async (x: string) => {
      open++;
      expect(open, 'one close at a time').toBe(1);
      await new Promise((r) => setImmediate(r));
      order.push(x);
      open--;
      failing(['b', 'd'])(x);
    };
    await expect(closeEachAsync(items, close)).rejects.toThrow(CloseErrors);
    expect(order).toEqual(['a', 'b', 'c', 'd']);
    await expect(closeEachAsync(['a', 'c'], close)).resolves.toBeUndefined();
  });
});
