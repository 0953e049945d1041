/**
 * The main thread's wait on its workers: the first failure a worker reports, and one waiter (the run loop) woken by
 * each message that may have changed what is in flight. A failure is thrown where the run loop next checks, so the
 * run stops there with the worker's error instead of waiting for batches that will never come back.
 */
export class Progress {
  private failure: Error | undefined;
  private wake: (() => void) | undefined;

  /** Keeps the first failure and wakes the waiter. */
  fail(e: Error): void {
    this.failure ??= e;
    this.poke();
  }

  /** Throws the first failure, if there was one. */
  check(): void {
    if (this.failure) throw this.failure;
  }

  /** Wakes the waiter, if one waits. */
  poke(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  /** Resolves at the next poke. */
  next(): Promise<void> {
    return new Promise<void>((resolve) => (this.wake = resolve));
  }

  /** Waits until `inFlight()` is at most `n`, throwing a failure as soon as it is known. */
  async drainTo(n: number, inFlight: () => number): Promise<void> {
    while (inFlight() > n) {
      this.check();
      await this.next();
    }
    this.check();
  }
}
