import { execFile } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { CORPUS_NOTE, HAVE_CORPUS } from './corpus.js';

const run = promisify(execFile);

const found = new Map<string, boolean>();

/** Whether an executable of that name is on PATH, where the tests start it from. */
export function hasTool(name: string): boolean {
  let ok = found.get(name);
  if (ok === undefined) {
    ok = (process.env.PATH ?? '').split(delimiter).some((dir) => {
      if (dir === '') return false;
      const p = join(dir, name);
      try {
        accessSync(p, constants.X_OK);
        return statSync(p).isFile();
      } catch {
        return false;
      }
    });
    found.set(name, ok);
  }
  return ok;
}

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/** For describe.skipIf(): the reason goes into the suite name so a skipped run says why. */
export function missingTools(...names: string[]): { skip: boolean; note: string } {
  return requirements({ tools: names });
}

/**
 * What a suite needs (external tools, root, the capture corpus), as
 * describe.skipIf() takes it: `skip`, and a `note` for the suite's name that
 * says what is missing (empty when nothing is).
 */
export function requirements(needs: { tools?: string[]; root?: boolean; corpus?: boolean }): {
  skip: boolean;
  note: string;
} {
  const notes: string[] = [];
  const missing = (needs.tools ?? []).filter((n) => !hasTool(n));
  if (missing.length > 0) notes.push(` [skipped: ${missing.join(', ')} not installed]`);
  if (needs.root && !isRoot()) notes.push(' [skipped: needs root]');
  if (needs.corpus && !HAVE_CORPUS) notes.push(CORPUS_NOTE);
  return { skip: notes.length > 0, note: notes.join('') };
}

export async function tshark(args: string[]): Promise<string> {
  const { stdout } = await run('tshark', ['-n', ...args], { maxBuffer: 1 << 30, encoding: 'utf8' });
  return stdout;
}

/** frame.len, frame.cap_len, frame.time_epoch (+ extra fields), one line per packet. */
export function tsharkFrames(file: string, extra: string[] = []): Promise<string> {
  const fields = ['frame.len', 'frame.cap_len', 'frame.time_epoch', ...extra].flatMap((f) => ['-e', f]);
  return tshark(['-r', file, '-T', 'fields', ...fields]);
}

export async function capinfosCount(file: string): Promise<number> {
  const { stdout } = await run('capinfos', ['-T', '-M', '-r', '-c', file], { encoding: 'utf8' });
  return Number(stdout.trim().split('\t')[1]);
}

export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Lines of a tool's output without the final newline (trim() would also eat trailing tabs). */
export function lines(out: string): string[] {
  const l = out.split('\n');
  if (l[l.length - 1] === '') l.pop();
  return l;
}
