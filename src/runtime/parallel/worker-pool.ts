import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type { Worker } from 'node:worker_threads';
import type { FromWorker, ToWorker } from './protocol.js';

/**
 * The worker script beside this module: worker.js when running compiled (dist/
 * or the CLI bundle). From TypeScript sources (the tests), the worker loads
 * worker.ts through tsx, so tests exercise the code they import.
 */
function spawn(): Worker {
  const here = import.meta.url;
  // loaded here, not imported: a run without workers (most, and every start-up of `tmesc run`) does not pay
  // for loading worker_threads (docs/design/measurements.md, "startup, session 6")
  const { Worker } = createRequire(here)('node:worker_threads') as typeof import('node:worker_threads');
  if (!here.endsWith('.ts')) return new Worker(new URL('./worker.js', here));
  // require.resolve gives tsx's CommonJS entry; its ES module twin sits beside it
  const tsx = pathToFileURL(
    createRequire(here)
      .resolve('tsx/esm/api')
      .replace(/\.cjs$/, '.mjs'),
  ).href;
  const entry = new URL('./worker.ts', here).href;
  return new Worker(
    `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`,
    { eval: true },
  );
}

export class WorkerFailure extends Error {}

/**
 * The worker threads of a run. They are started as early as possible (before
 * the policy is compiled), since loading the runtime in a fresh thread takes
 * tens of milliseconds that overlap the main thread's own start-up.
 */
export class WorkerPool {
  readonly workers: Worker[];
  /** Batches sent to each worker and not answered yet. */
  readonly outstanding: number[];
  private onMessage: ((w: number, m: FromWorker) => void) | undefined;
  private onFailure: ((e: Error) => void) | undefined;
  private failure: Error | undefined;
  private closed = false;

  constructor(readonly size: number) {
    this.workers = Array.from({ length: size }, (_, i) => {
      const w = spawn();
      w.on('message', (m: FromWorker) => {
        if (m.type === 'failed') this.fail(new WorkerFailure(`worker ${i}: ${m.message}`, { cause: m.stack }));
        else this.onMessage?.(i, m);
      });
      w.on('error', (e) => this.fail(e));
      w.on('exit', (code) => {
        if (!this.closed) this.fail(new WorkerFailure(`worker ${i} exited (code ${code}) in the middle of the run`));
      });
      // an idle pool must not keep the process alive (a run that decided to stay on one thread, say)
      w.unref();
      return w;
    });
    this.outstanding = new Array<number>(size).fill(0);
  }

  private fail(e: Error): void {
    if (this.closed) return;
    this.failure ??= e;
    this.onFailure?.(this.failure);
  }

  listen(onMessage: (w: number, m: FromWorker) => void, onFailure: (e: Error) => void): void {
    this.onMessage = onMessage;
    this.onFailure = onFailure;
    for (const w of this.workers) w.ref();
    if (this.failure) onFailure(this.failure);
  }

  post(w: number, m: ToWorker): void {
    this.workers[w].postMessage(m);
  }

  broadcast(m: ToWorker): void {
    for (const w of this.workers) w.postMessage(m);
  }

  /** The worker with the fewest batches outstanding. */
  leastBusy(): number {
    let best = 0;
    for (let i = 1; i < this.size; i++) if (this.outstanding[i] < this.outstanding[best]) best = i;
    return best;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
