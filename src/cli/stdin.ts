import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ReadFile } from '../check/load.js';
import { displayPath, UsageError, type Io } from './io.js';

/**
 * `-` for a file names standard input, as in cat, diff and tcpdump -r. A
 * policy read from it has no directory of its own: its includes and the
 * relative paths in it (captures, outputs) are taken from the working
 * directory.
 */
export const STDIN = '-';
/** How messages name standard input. */
export const STDIN_NAME = '<stdin>';

/** Refuses a command line that reads standard input twice (the second read would find it empty). */
export function stdinOnce(paths: readonly (string | undefined)[]): void {
  if (paths.filter((p) => p === STDIN).length > 1)
    throw new UsageError(`standard input ('${STDIN}') can be read once; it is named more than once`);
}

/** All of standard input; an error reading it is a usage error naming it. */
export function readStdin(io: Io): string {
  try {
    return io.readStdin ? io.readStdin() : readFileSync(0, 'utf8');
  } catch (e) {
    throw new UsageError(`${STDIN_NAME}: ${(e as Error).message}`);
  }
}

/**
 * The reader and display names a policy check needs for `path`: for `-`,
 * the root (the first read, at the working directory's `-`) comes from
 * standard input and is shown as <stdin>; every other file is read by `read`.
 */
export function policyReader(
  path: string,
  io: Io,
  // the checker's own (check/load.ts readPolicyFile), passed in: run --artifact loads this module, not the checker
  read: ReadFile,
): { read: ReadFile; displayPath: (abs: string) => string } {
  const show = displayPath(io.cwd);
  if (path !== STDIN) return { read, displayPath: show };
  const root = resolve(STDIN);
  let rootRead = false;
  return {
    read: (p, how) => {
      if (p !== root || rootRead) return read(p, how);
      rootRead = true;
      return readStdin(io);
    },
    displayPath: (abs) => (abs === root ? STDIN_NAME : show(abs)),
  };
}
