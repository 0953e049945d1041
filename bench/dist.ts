import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Benchmarks time the built code users run (dist/, from tsc), not the
 * TypeScript source as a loader transforms it on the fly: the two differ by
 * up to 2x here. The build runs once per `npm run bench`.
 */
let built = false;
const root = fileURLToPath(new URL('..', import.meta.url));

function ensureBuilt(): void {
  if (built) return;
  const r = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('npm run build failed; the benchmarks run the built code');
  built = true;
}

/** Imports a module of dist/ by its path under src/, typed as the source module. */
export async function fromDist<T>(srcRelative: string): Promise<T> {
  ensureBuilt();
  return (await import(new URL(`../dist/${srcRelative.replace(/\.ts$/, '.js')}`, import.meta.url).href)) as T;
}
