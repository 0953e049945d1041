import { realpathSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * A key two paths share when they name one file, whatever symbolic links or
 * hard links lead there: the device and inode of a file that exists, else
 * the real path of the deepest directory that exists and the rest of the
 * path (a file not written yet).
 */
export function fileKey(path: string): string {
  try {
    const st = statSync(path);
    return `inode:${st.dev}:${st.ino}`;
  } catch {
    // not there yet
  }
  const rest = [basename(path)];
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    try {
      return `path:${join(realpathSync(dir), ...rest)}`;
    } catch {
      if (dirname(dir) === dir) return `path:${path}`;
      rest.unshift(basename(dir));
    }
  }
}
