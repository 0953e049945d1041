import { statSync } from 'node:fs';
import { delimiter, resolve } from 'node:path';
import { UsageError } from './io.js';

/** The commander option every command that reads a policy takes. */
export const INCLUDE_ROOT_FLAGS = '--include-root <dir>';
export const INCLUDE_ROOT_HELP =
  'also let includes read files under this directory (repeat for more; $TMESC_INCLUDE_PATH lists more, separated by :)';

export function collect(v: string, acc: string[]): string[] {
  return [...acc, v];
}

/**
 * The directories includes may read besides the policy's own and the working
 * directory: each --include-root, then each entry of TMESC_INCLUDE_PATH
 * (empty entries ignored), resolved against the working directory. A root
 * given on the command line must be a directory.
 */
export function includeRoots(given: readonly string[], cwd: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const roots: string[] = [];
  for (const d of given) {
    const abs = resolve(cwd, d);
    let isDir = false;
    try {
      isDir = statSync(abs).isDirectory();
    } catch {
      // reported below
    }
    if (!isDir) throw new UsageError(`--include-root ${d}: no such directory`);
    roots.push(abs);
  }
  for (const d of (env.TMESC_INCLUDE_PATH ?? '').split(delimiter)) if (d) roots.push(resolve(cwd, d));
  return roots;
}
