/**
 * Byte buffers lent to per-stream state for as long as it needs them (a
 * line's start being read, a digit run being checked), so that thousands of
 * idle streams hold none. One pool per size; single-threaded, like a step.
 */
const pools = new Map<number, Uint8Array[]>();
/** Buffers kept per size for reuse; more are left to the garbage collector. */
const KEEP = 256;

export function takeBytes(size: number): Uint8Array {
  return pools.get(size)?.pop() ?? new Uint8Array(size);
}

export function giveBytes(b: Uint8Array): void {
  let p = pools.get(b.length);
  if (p === undefined) pools.set(b.length, (p = []));
  if (p.length < KEEP) p.push(b);
}
