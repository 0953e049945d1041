import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export { CORPUS_DIR } from '../../../support/corpus.js';
import { CORPUS_DIR } from '../../../support/corpus.js';

const found = new Map<string, boolean>();

export function hasTool(name: string): boolean {
  let ok = found.get(name);
  if (ok === undefined) {
    try {
      execFileSync('which', [name], { stdio: 'ignore' });
      ok = true;
    } catch {
      ok = false;
    }
    found.set(name, ok);
  }
  return ok;
}

/** For describe.skipIf(): the reason goes into the suite name so a skipped run says why. */
export function missingTools(...names: string[]): { skip: boolean; note: string } {
  const missing = names.filter((n) => !hasTool(n));
  return {
    skip: missing.length > 0,
    note: missing.length > 0 ? ` [skipped: ${missing.join(', ')} not installed]` : '',
  };
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

export interface ManifestRow {
  file: string;
  bytes: number;
  linkType: string;
  packets: number;
  categories: string[];
}

export function corpusManifest(): ManifestRow[] {
  const lines = readFileSync(join(CORPUS_DIR, 'MANIFEST.tsv'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');
  const header = lines[0].split('\t');
  const col = (name: string): number => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`MANIFEST.tsv has no ${name} column`);
    return i;
  };
  const [file, bytes, linkType, packets, categories] = ['file', 'bytes', 'link_type', 'packets', 'categories'].map(col);
  return lines.slice(1).map((l) => {
    const c = l.split('\t');
    return {
      file: c[file],
      bytes: Number(c[bytes]),
      linkType: c[linkType],
      packets: Number(c[packets]),
      categories: c[categories].split(',').filter((x) => x !== ''),
    };
  });
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
