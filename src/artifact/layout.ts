/**
 * The artifact as text. By default readable: objects open onto one member a
 * line, indented by two spaces, except that whatever fits on one line within
 * `width` columns stays there (a graph node, a leaf, a tool, a list of
 * numbers), so a review or a `git diff` of two compiles shows the members
 * that changed and a graph reads one node a line, as the listing does; a
 * 10,000-rule graph is about 60,000 lines, not a million. `compact` is
 * JSON.stringify's one line, for machines and caches.
 */
export function formatArtifactJson(value: unknown, opts: { compact?: boolean; width?: number } = {}): string {
  if (opts.compact) return JSON.stringify(value) + '\n';
  return layout(value, '', opts.width ?? 100) + '\n';
}

function layout(v: unknown, indent: string, width: number): string {
  const flat = JSON.stringify(v);
  if (v === null || typeof v !== 'object') return flat;
  const inner = indent + '  ';
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    // numbers and strings stay on one line however long: one cut a line would say nothing more
    if (v.every((x) => x === null || typeof x !== 'object') || indent.length + flat.length <= width) return flat;
    return `[\n${v.map((x) => inner + layout(x, inner, width)).join(',\n')}\n${indent}]`;
  }
  const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
  if (entries.length === 0) return '{}';
  if (indent.length > 0 && indent.length + flat.length <= width) return flat;
  return `{\n${entries.map(([k, x]) => `${inner}${JSON.stringify(k)}: ${layout(x, inner, width)}`).join(',\n')}\n${indent}}`;
}
