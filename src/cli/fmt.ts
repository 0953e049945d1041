import { createTwoFilesPatch } from 'diff';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { renderText } from '../diagnostics/render/index.js';
import { escapeForTerminal } from '../diagnostics/render/terminal.js';
import { writeOutput } from './files.js';
import { formatPolicy } from './format/format.js';
import { displayPath, EXIT, UsageError, type Io } from './io.js';
import { readStdin, STDIN, STDIN_NAME, stdinOnce } from './stdin.js';

export interface FmtOptions {
  check?: boolean;
  /** Show what would change as a unified diff (as gofmt -d, terraform fmt -diff); changes nothing. */
  diff?: boolean;
}

/**
 * tmesc fmt: rewrites each policy in the canonical layout (as terraform fmt
 * and gofmt -w do) and names the files it changed; `--check` changes nothing,
 * names the files that would change and exits 1 if any would. `-` formats
 * standard input to standard output. A directory means every .tmes file
 * under it. A file with syntax errors is left alone: its errors go to
 * standard error and the exit code is 2, as for a file that cannot be read.
 * `--diff` shows what would change as a unified diff and changes nothing
 * (exit 1 if anything would change).
 */
export async function fmt(args: string[], opts: FmtOptions, io: Io): Promise<number> {
  stdinOnce(args);
  const show = displayPath(io.cwd);
  let changed = 0;
  let trouble = 0;
  for (const path of expand(args, io.cwd)) {
    const name = path === STDIN ? STDIN_NAME : show(path);
    // a file name is shown as policy text is: its control characters never reach the terminal as such
    const shown = escapeForTerminal(name);
    let text: string;
    try {
      text = path === STDIN ? readStdin(io) : readFileSync(path, 'utf8');
    } catch (e) {
      if (e instanceof UsageError) throw e;
      io.err(`tmesc: ${escapeForTerminal(`${name}: ${(e as Error).message}`)}\n`);
      trouble++;
      continue;
    }
    const r = formatPolicy(name, text);
    if (!r.ok) {
      io.err(renderText(r.diagnostics, { fileCount: 1 }));
      io.err(`tmesc: ${shown} has syntax errors; it is not formatted\n`);
      trouble++;
      continue;
    }
    if (opts.diff) {
      if (r.text !== text) {
        changed++;
        io.out(unifiedDiff(name, text, r.text));
      }
      continue;
    }
    if (path === STDIN) {
      if (!opts.check) io.out(r.text);
      else if (r.text !== text) {
        io.out(`${shown}\n`);
        changed++;
      }
      continue;
    }
    if (r.text === text) continue;
    changed++;
    io.out(`${shown}\n`);
    if (!opts.check) await writeOutput(path, r.text, (m) => io.err(`tmesc: note: ${m}\n`));
  }
  if (trouble) return EXIT.usage;
  return (opts.check || opts.diff) && changed ? EXIT.findings : EXIT.ok;
}

/**
 * The change as a unified diff, `a/FILE` to `b/FILE` as git shows one (so
 * `git apply` and `patch -p1` take it), three lines of context. The text is
 * policy text: its control characters are shown as stand-ins.
 */
function unifiedDiff(name: string, before: string, after: string): string {
  const patch = createTwoFilesPatch(`a/${name}`, `b/${name}`, before, after, undefined, undefined, { context: 3 });
  // jsdiff starts with an Index/==== header git does not write
  return escapeForTerminal(patch.replace(/^={10,}\n/m, '').replace(/^Index: .*\n/, ''), '\n\t');
}

/** Files as given; a directory gives its .tmes files, at any depth, in name order (hidden directories and node_modules skipped). */
function expand(args: string[], cwd: string): string[] {
  const out: string[] = [];
  for (const a of args) {
    if (a === STDIN) {
      out.push(a);
      continue;
    }
    const abs = resolve(cwd, a);
    let isDir = false;
    try {
      isDir = statSync(abs).isDirectory();
    } catch {
      // reported when it is read
    }
    if (isDir) out.push(...walk(abs));
    else out.push(abs);
  }
  return out;
}

function walk(dir: string): string[] {
  const out: string[] = [];
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const e of entries) {
    if (e.name.startsWith('.') || e.name === 'node_modules') continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else if (e.isFile() && e.name.endsWith('.tmes')) out.push(p);
  }
  return out;
}
