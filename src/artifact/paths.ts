import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import type { Span } from '../diagnostics/diagnostic.js';
import type { Artifact } from './types.js';

/**
 * Paths in an artifact are the policy's: a path the policy wrote relative
 * (to the file that wrote it) is stored relative to the root policy's
 * directory, one it wrote absolute stays absolute. `base` says where that
 * directory is, relative to the artifact's own, so that the artifact runs
 * wherever the tree it was compiled in is (a checkout, a deploy directory),
 * and never carries the compiling machine's absolute paths.
 */

/** A path with forward slashes, as stored (the same on every system). */
export const portable = (p: string): string => p.split(sep).join('/');

/** `to` relative to `from`, with forward slashes; '.' for the directory itself. */
export function relativePath(from: string, to: string): string {
  return portable(relative(from, to)) || '.';
}

const ESCAPES: Record<string, string> = { '\\': '\\', '"': '"', n: '\n', r: '\r', t: '\t' };

/**
 * The string literals of the declaration whose name `span` is (tap NAME
 * { ... }), unescaped as the language does: from the name to the brace that
 * closes its block, past comments and strings.
 */
function literals(span: Span): string[] {
  const text = span.file.text;
  const out: string[] = [];
  let depth = 0;
  for (let i = span.end; i < text.length; i++) {
    const c = text[i];
    if (c === '#') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '"') {
      let s = '';
      for (i++; i < text.length && text[i] !== '"' && text[i] !== '\n'; i++) {
        if (text[i] !== '\\') {
          s += text[i];
          continue;
        }
        const e = text[++i];
        if (e === 'x' && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
          s += String.fromCharCode(parseInt(text.slice(i + 1, i + 3), 16));
          i += 2;
        } else s += ESCAPES[e] ?? e;
      }
      out.push(s);
    } else if (c === '{') depth++;
    else if (c === '}' && --depth <= 0) break;
  }
  return out;
}

/**
 * How the artifact stores `abs`, a path the declaration named at `span` wrote (the
 * checker resolved it against that file's directory): relative to
 * `policyDir` when the policy wrote it relative, absolute when it wrote it so.
 */
export function storedPath(abs: string, span: Span, policyDir: string): string {
  const declDir = dirname(resolve(span.file.path));
  const written = literals(span).find((l) => resolve(declDir, l) === abs);
  if (written === undefined || isAbsolute(written)) return abs;
  return relativePath(policyDir, abs);
}

/**
 * The artifact with its relative paths (tap captures, pcap and pcapng
 * outputs) made absolute against `dir`, the directory they are relative to:
 * what the runtime reads and writes. Absolute paths and interface names are
 * left as they are, so artifacts written before paths were relative run as
 * they did.
 */
export function resolveArtifactPaths(a: Artifact, dir: string): Artifact {
  const at = (p: string) => resolve(dir, p);
  return {
    ...a,
    taps: a.taps.map((t) =>
      t.source.kind === 'files' ? { ...t, source: { ...t.source, paths: t.source.paths.map(at) } } : t,
    ),
    groups: a.groups.map((g) => ({
      ...g,
      tools: g.tools.map((t) =>
        t.output.kind === 'interface' ? t : { ...t, output: { ...t.output, target: at(t.output.target) } },
      ),
    })),
  };
}

/** The directory an artifact's relative paths are relative to: its `base`, from the artifact file's directory. */
export function artifactBaseDir(a: Artifact, artifactDir: string): string {
  return resolve(artifactDir, a.base ?? '.');
}
