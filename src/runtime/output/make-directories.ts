import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * mkdir -p, a level at a time. Node's mkdirSync(dir, { recursive: true })
 * loops for ever on the main thread where mkdir answers ENOENT under a parent
 * that exists (anywhere under /proc): the run would spin, deaf to signals.
 * Here that mkdir's error is thrown, naming the directory.
 */
export function makeDirectories(dir: string): void {
  const missing: string[] = [];
  for (let d = dir; !existsSync(d); d = dirname(d)) {
    missing.push(d);
    if (dirname(d) === d) break;
  }
  for (const d of missing.reverse()) {
    try {
      mkdirSync(d);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}
