/**
 * Closing what a run opened (sources, outputs): every one is closed even
 * when an earlier one throws, or the later outputs would never be flushed
 * nor their files finished, and the later sources never released. The
 * errors are reported together once all are done.
 */

/** Several closes failed: `errors` holds each, in the order met; the message names every one. */
export class CloseErrors extends Error {
  constructor(readonly errors: unknown[]) {
    super(`${errors.length} files failed as they were closed:\n${errors.map((e) => `  ${messageOf(e)}`).join('\n')}`);
    this.name = 'CloseErrors';
  }
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** What the errors met while closing come to: nothing, the one error as it was thrown, or CloseErrors naming all. */
function outcome(errors: unknown[]): void {
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new CloseErrors(errors);
}

/** Calls `close` on every item (undefined ones skipped), then throws what failed (see outcome). */
export function closeEach<T>(items: Iterable<T | undefined>, close: (item: T) => void): void {
  const errors: unknown[] = [];
  for (const item of items) {
    if (item === undefined) continue;
    try {
      close(item);
    } catch (e) {
      errors.push(e);
    }
  }
  outcome(errors);
}

/** closeEach for closes that finish later: one after the other, in order, as the callers did before. */
export async function closeEachAsync<T>(
  items: Iterable<T | undefined>,
  close: (item: T) => Promise<void>,
): Promise<void> {
  const errors: unknown[] = [];
  for (const item of items) {
    if (item === undefined) continue;
    try {
      await close(item);
    } catch (e) {
      errors.push(e);
    }
  }
  outcome(errors);
}
