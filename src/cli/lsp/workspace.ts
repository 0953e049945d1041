import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** At most this many policy files are looked at in a workspace (a rename or references request reads them). */
export const WORKSPACE_FILE_LIMIT = 5000;

/**
 * The .tmes files under the workspace folders, for references and renames
 * that must reach policies no editor has open: every policy that includes a
 * library uses its names. Hidden directories and node_modules are skipped.
 */
export function policyFiles(roots: readonly string[], limit = WORKSPACE_FILE_LIMIT): string[] {
  const out: string[] = [];
  const todo = [...roots];
  const seen = new Set<string>();
  while (todo.length && out.length < limit) {
    const dir = todo.pop()!;
    if (seen.has(dir)) continue;
    seen.add(dir);
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      if (e.name.startsWith('.') || e.name === 'node_modules') continue;
      const p = join(dir, e.name);
      if (e.isDirectory()) todo.push(p);
      else if (e.isFile() && e.name.endsWith('.tmes')) out.push(p);
    }
  }
  return out.sort().slice(0, limit);
}

/** A file's identity on disk, to know when an index built from it is stale. */
export function stamp(path: string): string | undefined {
  try {
    const s = statSync(path);
    return `${s.mtimeMs}:${s.size}`;
  } catch {
    return undefined;
  }
}
