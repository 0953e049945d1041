import { readFileSync } from 'node:fs';
import { isAbsolute, relative, sep } from 'node:path';

/** Where a command writes; tests pass their own to capture output without touching process. */
export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  cwd: string;
  isTTY: boolean;
  /** All of standard input, for a file named `-` (tests pass text; undefined reads the process's). */
  readStdin?: () => string;
}

/**
 * Standard output or error closed by its reader (`tmesc run ... | head`): the
 * command goes on and finishes its files, writing nothing more there, as a
 * filter in a pipeline should; without a listener Node throws EPIPE from the
 * stream and prints a stack trace. Other stream errors are still errors.
 */
const closed = { out: false, err: false };
let listening = false;
function watchPipes(): void {
  if (listening) return;
  listening = true;
  const onError = (which: 'out' | 'err') => (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE' || e.code === 'ERR_STREAM_DESTROYED') closed[which] = true;
    else throw e;
  };
  process.stdout.on('error', onError('out'));
  process.stderr.on('error', onError('err'));
}

export const processIo = (): Io => {
  watchPipes();
  return {
    out: (s) => void (closed.out || process.stdout.write(s)),
    err: (s) => void (closed.err || process.stderr.write(s)),
    cwd: process.cwd(),
    isTTY: !!process.stdout.isTTY,
    readStdin: readProcessStdin,
  };
};

function readProcessStdin(): string {
  try {
    return readFileSync(0, 'utf8');
  } catch (e) {
    // a non-blocking descriptor (stdin shared with a parent's event loop) reads again through its path
    if ((e as NodeJS.ErrnoException).code === 'EAGAIN') return readFileSync('/dev/stdin', 'utf8');
    throw e;
  }
}

/** Paths in messages are relative to the working directory when they are under it, as compilers print them. */
export function displayPath(cwd: string): (abs: string) => string {
  return (abs) => {
    const rel = relative(cwd, abs);
    return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel.split(sep).join('/') : abs;
  };
}

/** A usage or I/O problem: exit code 2, one line on stderr, no stack trace. */
export class UsageError extends Error {}

/** A policy a command needs valid has errors (already printed): exit code 1. */
export class PolicyInvalid extends Error {}

export const EXIT = { ok: 0, findings: 1, usage: 2 } as const;

export function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    return pkg.version;
  } catch {
    return '0.0.0';
  }
}
