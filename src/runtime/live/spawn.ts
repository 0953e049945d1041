import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * A thread running one of the live scripts beside this module (`name`.js
 * when running compiled: dist/ or the CLI bundle, where the bundle puts the
 * entries beside its chunks). From TypeScript sources (the tests) it loads
 * `name`.ts through tsx, so tests exercise the code they import.
 */
export function spawnScript(name: string, from: string, workerData: unknown): Worker {
  if (!from.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, from), { workerData });
  // require.resolve gives tsx's CommonJS entry; its ES module twin sits beside it
  const tsx = pathToFileURL(
    createRequire(from)
      .resolve('tsx/esm/api')
      .replace(/\.cjs$/, '.mjs'),
  ).href;
  const entry = new URL(`./${name}.ts`, from).href;
  return new Worker(
    `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`,
    { eval: true, workerData },
  );
}
