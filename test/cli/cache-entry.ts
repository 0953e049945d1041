import { createHash } from 'node:crypto';

/** A policy cache entry (src/cli/policy-cache.ts) as the tests read and rewrite it. */
export interface CacheEntry {
  artifact: string;
  artifactSha256: string;
  [member: string]: unknown;
}

/** An entry file's text as an object: its first line, and the artifact's text (the rest) as `artifact`. */
export function parseEntry(text: string): CacheEntry {
  const nl = text.indexOf('\n');
  return { ...(JSON.parse(text.slice(0, nl)) as object), artifact: text.slice(nl + 1) } as CacheEntry;
}

/** The text of an entry file: the entry but its artifact on one line, then the artifact's text. */
export function entryText(entry: CacheEntry): string {
  const { artifact, ...header } = entry;
  return `${JSON.stringify(header)}\n${artifact}`;
}

/** The entry's artifact, parsed. */
export const entryArtifact = (entry: CacheEntry) => JSON.parse(entry.artifact);

/**
 * The entry's text with its artifact changed and the artifact's sha256 made to match, as its owner (or
 * another user, where the cache directory lets them write) could write it: everything the cache checks
 * still holds, so only its other checks (ownership, the files) can refuse it.
 */
export function withArtifact(entry: CacheEntry, change: (artifact: Record<string, unknown>) => unknown): string {
  return withArtifactText(entry, JSON.stringify(change(entryArtifact(entry))));
}

/** The entry's text with this artifact text, and its sha256 to match. */
export function withArtifactText(entry: CacheEntry, artifact: string): string {
  return entryText({ ...entry, artifact, artifactSha256: createHash('sha256').update(artifact).digest('hex') });
}
