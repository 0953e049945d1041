import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { DiagnosticBag } from '../diagnostics/bag.js';
import { SourceFile } from '../diagnostics/source.js';
import type { PolicyFile } from '../syntax/ast.js';
import { parseSource } from '../syntax/parse.js';

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

export type ReadFile = (path: string) => string;
const defaultRead: ReadFile = (p) => readFileSync(p, 'utf8');

/**
 * Reads a policy and, depth first, every file it includes (once each, paths
 * relative to the including file). A missing file or a cycle is a diagnostic
 * at the include that caused it; loading goes on with the rest.
 */
export function loadPolicy(
  rootPath: string,
  bag: DiagnosticBag,
  read: ReadFile = defaultRead,
  displayPath: (abs: string) => string = (p) => p,
): LoadResult {
  const files: LoadedFile[] = [];
  const brokenNames = new Set<string>();
  const done = new Set<string>();
  const active: string[] = [];

  const visit = (abs: string, text: string, isRoot: boolean) => {
    const source = new SourceFile(displayPath(abs), text);
    const { ast, brokenNames: broken } = parseSource(source, bag);
    for (const n of broken) brokenNames.add(n);
    const loaded = { source, ast, isRoot };
    files.push(loaded);
    done.add(abs);
    active.push(abs);
    for (const st of ast.statements) {
      if (st.kind !== 'Include') continue;
      const target = resolve(dirname(abs), st.path.value);
      if (active.includes(target)) {
        const chain = [...active.slice(active.indexOf(target)), target].map(displayPath).join(' -> ');
        bag.add('TMES0101', st.path.span, `include cycle: ${chain}`);
        continue;
      }
      if (done.has(target)) continue;
      let body: string;
      try {
        body = read(target);
      } catch (e) {
        const reason = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message;
        bag.add('TMES0100', st.path.span, `cannot include '${st.path.value}' (${displayPath(target)}): ${reason}`);
        continue;
      }
      visit(target, body, false);
    }
    active.pop();
  };

  const abs = resolve(rootPath);
  let text: string;
  try {
    text = read(abs);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new PolicyReadError(
      `${rootPath}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (e as Error).message}`,
    );
  }
  visit(abs, text, true);
  return { files, brokenNames };
}
