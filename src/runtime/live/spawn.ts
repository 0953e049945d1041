import { type ChildProcess, spawn, type StdioOptions } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/** tsx's loader, for scripts run from TypeScript sources (the tests), so they exercise the code they import. */
function tsxLoader(from: string): string {
  return pathToFileURL(createRequire(from).resolve('tsx')).href;
}

/**
 * A thread running one of the live scripts beside this module (`name`.js
 * when running compiled: dist/ or the CLI bundle, where the bundle puts the
 * entries beside its chunks). From TypeScript sources it loads `name`.ts
 * through tsx.
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

/**
 * A process running one of the live scripts beside this module, as
 * spawnScript finds it, with this Node and these arguments. Started through
 * sh with core dumps off: a port process aborts (inside cap) when its
 * interface goes down, which is expected and must not leave a core each time.
 */
export function spawnProcess(name: string, from: string, args: string[], stdio: StdioOptions): ChildProcess {
  const node = [process.execPath];
  let script: string;
  if (from.endsWith('.ts')) {
    node.push('--import', tsxLoader(from));
    script = fileURLToPath(new URL(`./${name}.ts`, from));
  } else script = fileURLToPath(new URL(`./${name}.js`, from));
  if (existsSync('/bin/sh'))
    return spawn('/bin/sh', ['-c', 'ulimit -c 0 2>/dev/null; exec "$@"', 'sh', ...node, script, ...args], { stdio });
  return spawn(node[0], [...node.slice(1), script, ...args], { stdio });
}
