import { CaptureError } from '../runtime/capture/errors.js';
import { OutputFile } from '../runtime/capture/output-file.js';
import { UsageError } from './io.js';

/**
 * Writes a whole text output (compile -o) as the run writes captures: a
 * regular file under an unpredictable temporary name beside it, renamed into
 * place when complete (a crash never leaves half a file, a planted link is
 * never followed); a FIFO or device (/dev/stdout) straight into it, after
 * waiting for a FIFO's reader. See OutputFile.
 */
export async function writeOutput(path: string, text: string, note: (message: string) => void): Promise<void> {
  try {
    const out = await OutputFile.openWaiting(path, note);
    try {
      const bytes = Buffer.from(text, 'utf8');
      out.writeSync(bytes, 0, bytes.length, 0);
    } catch (e) {
      out.discard();
      throw e;
    }
    out.commit();
  } catch (e) {
    if (e instanceof CaptureError) throw new UsageError(e.message);
    throw e;
  }
}
