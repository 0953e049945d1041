import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * Where the chevrotain that tmesc loads lies: its package entry, the one-file
 * build beside it (which chevrotain.ts prefers) and its package.json. Kept
 * apart from chevrotain.ts, which loads the library, so that the policy cache
 * can name the parser it depends on without paying to load it; resolved on
 * first use, so that importing this costs nothing.
 */
export function chevrotainFiles(): { entry: string; bundle: string; packageJson: string } {
  const entry = createRequire(import.meta.url).resolve('chevrotain');
  return {
    entry,
    bundle: join(dirname(entry), '..', 'chevrotain.min.mjs'),
    packageJson: join(dirname(entry), '..', '..', 'package.json'),
  };
}
