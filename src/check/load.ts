import { realpathSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import type { DiagnosticBag } from '../diagnostics/bag.js';
import { SourceFile } from '../diagnostics/source.js';
import type { IncludeDecl, PolicyFile } from '../syntax/ast.js';
import { parseSource } from '../syntax/parse.js';
import { includedPolicyText } from './policy-text.js';
import {
  FileTooLarge,
  formatBytes,
  MAX_FILE_BYTES,
  MAX_TOTAL_BYTES,
  NotRegularFile,
  OutsideRoots,
  readPolicyBytes,
  type ReadHow,
} from './read-policy-file.js';

export interface LoadedFile {
  source: SourceFile;
  ast: PolicyFile;
  /** Library files are included by another file. */
  isRoot: boolean;
}

export interface LoadResult {
  files: LoadedFile[];
  brokenNames: Set<string>;
}

/** The root file itself could not be read: a usage / I/O error, not a finding. */
export class PolicyReadError extends Error {}

/**
 * Reads a file's bytes; the default opens and checks the descriptor
 * (read-policy-file.ts). A replacement (the policy cache records what it
 * reads) must keep to `how` the same way.
 */
export type ReadFile = (path: string, how?: ReadHow) => Buffer | string;

/** The checked read (read-policy-file.ts); without `how`, as a top-level policy. */
export const readPolicyFile: ReadFile = (path, how = { include: false, maxBytes: MAX_FILE_BYTES }) =>
  readPolicyBytes(path, how);

export interface LoadOptions {
  read?: ReadFile;
  displayPath?: (abs: string) => string;
  /** Directories includes may also read from (--include-root, TMESC_INCLUDE_PATH). */
  includeRoots?: readonly string[];
  /** The working directory, whose tree includes may read from; process.cwd() by default. */
  cwd?: string;
  /** Limits, for tests and embedders: MAX_FILE_BYTES and MAX_TOTAL_BYTES by default. */
  maxFileBytes?: number;
  maxTotalBytes?: number;
}

/**
 * Reads a policy and, depth first, every file it includes (once each, paths
 * relative to the including file), with an explicit stack, so includes nest
 * as deep as they like. A problem with an include is a diagnostic at the
 * include that caused it, and loading goes on with the rest:
 * a missing file (TMES0100), a cycle (TMES0101), anything but a regular file
 * (TMES0110), a file too large (TMES0111), a file outside the directories
 * includes may read (TMES0112: the top-level policy's directory, the working
 * directory and the include roots, after following symbolic links), or a file
 * that is not a policy (TMES0113, its content never shown).
 */
export function loadPolicy(rootPath: string, bag: DiagnosticBag, options: LoadOptions = {}): LoadResult {
  const read = options.read ?? readPolicyFile;
  const displayPath = options.displayPath ?? ((p: string) => p);
  const maxFile = options.maxFileBytes ?? MAX_FILE_BYTES;
  const maxTotal = options.maxTotalBytes ?? MAX_TOTAL_BYTES;
  const files: LoadedFile[] = [];
  const brokenNames = new Set<string>();
  /** Files read, by their real path. */
  const done = new Set<string>();

  const abs = resolve(rootPath);
  let bytesRead = 0;
  let text: string;
  try {
    const body = read(abs, { include: false, maxBytes: Math.min(maxFile, maxTotal) });
    text = typeof body === 'string' ? body : body.toString('utf8');
    bytesRead += Buffer.byteLength(text);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new PolicyReadError(
      `${rootPath}: ${
        code === 'ENOENT'
          ? 'no such file'
          : code === 'EISDIR'
            ? 'is a directory'
            : e instanceof FileTooLarge
              ? `is larger than ${formatBytes(e.limit)}, the most a policy file may hold`
              : (e as Error).message
      }`,
    );
  }
  const rootReal = realOrSelf(abs);
  const roots = [dirname(abs), dirname(rootReal), options.cwd ?? process.cwd(), ...(options.includeRoots ?? [])].map(
    (r) => realOrSelf(resolve(r)),
  );

  const allowed = (p: string) => roots.some((r) => isWithin(p, r));

  interface Frame {
    path: string;
    real: string;
    includes: IncludeDecl[];
    next: number;
  }
  const stack: Frame[] = [];
  const enter = (path: string, real: string, text: string, isRoot: boolean) => {
    const source = new SourceFile(displayPath(path), text);
    const { ast, brokenNames: broken } = parseSource(source, bag);
    for (const n of broken) brokenNames.add(n);
    files.push({ source, ast, isRoot });
    done.add(real);
    const includes = ast.statements.filter((s): s is IncludeDecl => s.kind === 'Include');
    stack.push({ path, real, includes, next: 0 });
  };
  enter(abs, rootReal, text, true);

  while (stack.length) {
    const top = stack[stack.length - 1];
    if (top.next >= top.includes.length) {
      stack.pop();
      continue;
    }
    const st = top.includes[top.next++];
    const named = `'${st.path.value}'`;
    const target = resolve(dirname(top.path), st.path.value);
    // a reader of its own (tests, the language server's unsaved documents) may know files the disk does not
    const real = realOrUndefined(target) ?? (options.read ? target : undefined);
    const shown = displayPath(real ?? target);
    const outside = (p: string) =>
      bag.add(
        'TMES0112',
        st.path.span,
        `cannot include ${named}: ${displayPath(p)} is outside the directories includes may read (${[...new Set(roots)].map(displayPath).join(', ')}); allow its directory with --include-root DIR or TMESC_INCLUDE_PATH`,
      );
    if (!allowed(real ?? target)) {
      outside(real ?? target);
      continue;
    }
    const cycleAt = stack.findIndex((f) => f.real === real);
    if (cycleAt >= 0) {
      const chain = [...stack.slice(cycleAt).map((f) => f.path), target].map(displayPath).join(' -> ');
      bag.add('TMES0101', st.path.span, `include cycle: ${chain}`);
      continue;
    }
    if (real && done.has(real)) continue;
    let body: Buffer | string;
    const maxBytes = Math.min(maxFile, maxTotal - bytesRead);
    try {
      if (!real) throw Object.assign(new Error('no such file'), { code: 'ENOENT' });
      body = read(real, { include: true, maxBytes, within: allowed });
    } catch (e) {
      if (e instanceof OutsideRoots) outside(e.realPath);
      else if (e instanceof NotRegularFile)
        bag.add('TMES0110', st.path.span, `cannot include ${named}: ${shown} ${e.message}`);
      else if (e instanceof FileTooLarge)
        bag.add(
          'TMES0111',
          st.path.span,
          maxBytes < maxFile
            ? `cannot include ${named}: with it the policy and its includes would hold more than ${formatBytes(maxTotal)}, the most they may together`
            : `cannot include ${named}: ${shown} is larger than ${formatBytes(maxFile)}, the most a policy file may hold`,
        );
      else {
        const reason = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message;
        bag.add('TMES0100', st.path.span, `cannot include ${named} (${shown}): ${reason}`);
      }
      continue;
    }
    const decoded = includedPolicyText(typeof body === 'string' ? Buffer.from(body, 'utf8') : body);
    if ('notPolicy' in decoded) {
      bag.add(
        'TMES0113',
        st.path.span,
        `cannot include ${named}: ${shown} is not a policy file (${decoded.notPolicy}); its content is not shown`,
      );
      continue;
    }
    bytesRead += Buffer.byteLength(decoded.text);
    enter(target, real!, decoded.text, false);
  }
  return { files, brokenNames };
}

/** Whether a path lies in a directory's tree (or is the directory). */
function isWithin(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel === '' || (!isAbsolute(rel) && rel !== '..' && !rel.startsWith(`..${sep}`));
}

function realOrUndefined(path: string): string | undefined {
  try {
    return realpathSync.native(path);
  } catch {
    return undefined;
  }
}

function realOrSelf(path: string): string {
  return realOrUndefined(path) ?? path;
}
