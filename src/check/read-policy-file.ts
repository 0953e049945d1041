import { closeSync, constants, fstatSync, openSync, readlinkSync, readSync, type Stats } from 'node:fs';

/** A policy file holds at most this many bytes (TMES0111; the top-level file: a read error). */
export const MAX_FILE_BYTES = 8 * 1024 * 1024;
/** A policy and every file it includes hold at most this many bytes together (TMES0111). */
export const MAX_TOTAL_BYTES = 32 * 1024 * 1024;

/** How a file is read: an include only from a regular file, and never more than maxBytes. */
export interface ReadHow {
  include: boolean;
  maxBytes: number;
  /**
   * Where an include may lie. The caller checked the path it resolved; this
   * checks the file actually opened (where the system tells, /proc/self/fd),
   * so a directory swapped for a link in between changes nothing.
   */
  within?: (realPath: string) => boolean;
}

/** The file opened lies outside the directories includes may read. */
export class OutsideRoots extends Error {
  constructor(readonly realPath: string) {
    super(`is outside the directories includes may read`);
  }
}

/** The file is not a regular file (a directory, a device, a FIFO, a socket): includes refuse it. */
export class NotRegularFile extends Error {
  constructor(readonly what: string) {
    super(`is ${what}, not a regular file`);
  }
}

/** The file holds more than the bytes it may. */
export class FileTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`is larger than ${formatBytes(limit)}`);
  }
}

export function formatBytes(n: number): string {
  return n % (1024 * 1024) === 0 ? `${n / (1024 * 1024)} MiB` : n % 1024 === 0 ? `${n / 1024} KiB` : `${n} bytes`;
}

/**
 * Reads a policy file's bytes. The file is opened once and everything is
 * decided on the open descriptor (fstat), so what is checked is what is read.
 * An include is opened without blocking (a FIFO nobody writes would hang the
 * open) and must be a regular file; a top-level policy may be a pipe
 * (`tmesc validate /dev/stdin`). Either way at most maxBytes are read, so
 * /dev/zero or a file that grows ends in FileTooLarge, not in a hang.
 */
export function readPolicyBytes(path: string, how: ReadHow): Buffer {
  // an include is opened by its real path, so its last component is no link: refuse one planted since
  const flags =
    constants.O_RDONLY | (how.include ? constants.O_NONBLOCK | constants.O_NOCTTY | constants.O_NOFOLLOW : 0);
  const fd = openSync(path, flags);
  try {
    if (how.within) {
      const opened = openedPath(fd);
      if (opened !== undefined && !how.within(opened)) throw new OutsideRoots(opened);
    }
    const st = fstatSync(fd);
    if (how.include && !st.isFile()) throw new NotRegularFile(kindOf(st));
    if (st.isDirectory()) throw Object.assign(new Error(`EISDIR: is a directory`), { code: 'EISDIR' });
    if (st.isFile() && st.size > how.maxBytes) throw new FileTooLarge(how.maxBytes);
    const chunks: Buffer[] = [];
    let total = 0;
    // a regular file's size can lie (/proc) or change while it is read: read until EOF, never past the limit
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(1 << 20, how.maxBytes + 1 - total));
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      chunks.push(n === chunk.length ? chunk : chunk.subarray(0, n));
      total += n;
      if (total > how.maxBytes) throw new FileTooLarge(how.maxBytes);
    }
    return Buffer.concat(chunks, total);
  } finally {
    closeSync(fd);
  }
}

/** The path of an open descriptor, where the system can tell (Linux); undefined elsewhere. */
function openedPath(fd: number): string | undefined {
  try {
    return readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return undefined;
  }
}

function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isSocket()) return 'a socket';
  return 'a special file';
}
