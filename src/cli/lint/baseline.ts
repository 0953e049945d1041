import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { findNodeAtLocation, parseTree } from 'jsonc-parser';
import { CODES } from '../../diagnostics/codes.js';
import type { Diagnostic } from '../../diagnostics/diagnostic.js';
import { SourceFile } from '../../diagnostics/source.js';
import { JsonFileError, readJson } from '../json-file.js';
import { BASELINE_SCHEMA, BASELINE_SCHEMA_ID } from './baseline-schema.js';
import { constructAt } from './constructs.js';
import type { LintCode } from './codes.js';
import { catalogueSeverity } from './severity.js';

export interface BaselineEntry {
  code: string;
  name?: string;
  file: string;
  subject: string;
  lineHash: string;
  count: number;
  message?: string;
}

interface BaselineFile {
  $schema?: string;
  formatVersion: 1;
  findings: BaselineEntry[];
}

export interface Baseline {
  path: string;
  source: SourceFile;
  entries: BaselineEntry[];
}

/** A baseline that cannot be used: TMES0955 diagnostics in it. */
export class BaselineError extends Error {
  constructor(readonly diagnostics: Diagnostic[]) {
    super(diagnostics.map((d) => d.message).join('\n'));
  }
}

/**
 * A finding's key: its code, its file relative to the baseline's directory,
 * the text it points at (a rule or definition name), and a hash of the
 * statement or block item it is in (a rule, a definition, a tool's rate; for
 * a tap, group or tool itself, its words before the `{`) as tokens, so
 * without layout or comments. Lines move as a file is edited around them,
 * and fmt realigns them and breaks long rules over several lines; none of
 * that changes the key. A finding outside any statement keys on its line.
 */
export function keyOf(d: Diagnostic, baseDir: string, cwd: string): Omit<BaselineEntry, 'count'> {
  const file = d.span.file;
  const abs = file.path.startsWith('<') ? file.path : resolve(cwd, file.path);
  const rel = abs.startsWith('<') ? abs : relative(baseDir, abs).split(sep).join('/');
  // the statement or block item the finding is in, as tokens (layout and comments aside); else its line
  const line = constructAt(file, d.span.start)?.key ?? normalizedLine(file.lineText(file.position(d.span.start).line));
  const subject = file.text
    .slice(d.span.start, Math.max(d.span.start, d.span.end))
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 120);
  const lineHash = createHash('sha256').update(line).digest('hex').slice(0, 16);
  return { code: d.code, name: CODES.get(d.code)?.name, file: rel, subject, lineHash, message: d.message };
}

/** The line's code: whitespace runs as one space, no comment (a # outside quotes and /patterns/ starts one). */
function normalizedLine(line: string): string {
  let quote = '';
  let out = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      out += c;
      if (c === '\\') out += line[++i] ?? '';
      else if (c === quote) quote = '';
      continue;
    }
    if (c === '#') break;
    if (c === '"') quote = c;
    out += c;
  }
  return out.replace(/\s+/g, ' ').trim();
}

const same = (a: Omit<BaselineEntry, 'count'>, b: Omit<BaselineEntry, 'count'>) =>
  a.code === b.code && a.file === b.file && a.subject === b.subject && a.lineHash === b.lineHash;

/** The baseline file for these findings: every finding that is not an error, counted by key, in a stable order. */
export function baselineText(ds: readonly Diagnostic[], path: string, cwd: string): { text: string; count: number } {
  const baseDir = dirname(resolve(cwd, path));
  const entries: BaselineEntry[] = [];
  let count = 0;
  for (const d of ds) {
    if (catalogueSeverity(d.code) === 'error' || d.code === 'TMES0953') continue;
    const k = keyOf(d, baseDir, cwd);
    const e = entries.find((x) => same(x, k));
    if (e) e.count++;
    else entries.push({ ...k, count: 1 });
    count++;
  }
  entries.sort((a, b) =>
    a.file !== b.file
      ? a.file < b.file
        ? -1
        : 1
      : a.code !== b.code
        ? a.code < b.code
          ? -1
          : 1
        : a.subject < b.subject
          ? -1
          : 1,
  );
  const file: BaselineFile = {
    $schema: BASELINE_SCHEMA_ID,
    formatVersion: 1,
    findings: entries.map((e) => ({
      code: e.code,
      name: e.name,
      file: e.file,
      subject: e.subject,
      lineHash: e.lineHash,
      count: e.count,
      message: e.message,
    })),
  };
  return { text: JSON.stringify(file, null, 2) + '\n', count };
}

export function loadBaseline(path: string, shown: string): Baseline {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const source = new SourceFile(shown, '');
    throw new BaselineError([diag('TMES0955', source, 0, `cannot read the baseline: ${(e as Error).message}`)]);
  }
  const source = new SourceFile(shown, text);
  try {
    const data = readJson<BaselineFile>(shown, text, BASELINE_SCHEMA);
    return { path: isAbsolute(path) ? path : resolve(path), source, entries: data.findings };
  } catch (e) {
    if (!(e instanceof JsonFileError)) throw e;
    throw new BaselineError(e.problems.map((p) => diag('TMES0955', source, p.offset, `${p.path}: ${p.message}`)));
  }
}

function diag(code: LintCode, file: SourceFile, offset: number, message: string): Diagnostic {
  return { code, severity: catalogueSeverity(code), message, span: { file, start: offset, end: offset } };
}

/**
 * Leaves out the findings the baseline knows (up to each entry's count) and
 * reports each entry that no longer finds as many as it counts (TMES0953, at
 * the entry in the baseline file), among the files `checked` (absolute paths)
 * when given. Errors are never left out. `heldBack` are findings the checker
 * held back while a policy has errors: not shown, but their entries are not stale.
 */
export function applyBaseline(
  ds: readonly Diagnostic[],
  baseline: Baseline,
  cwd: string,
  checked?: ReadonlySet<string>,
  heldBack: readonly Diagnostic[] = [],
): Diagnostic[] {
  const baseDir = dirname(baseline.path);
  const left = baseline.entries.map((e) => e.count);
  const known = (d: Diagnostic): boolean => {
    const k = keyOf(d, baseDir, cwd);
    const i = baseline.entries.findIndex((e, j) => left[j] > 0 && same(e, k));
    if (i >= 0) left[i]--;
    return i >= 0;
  };
  const kept = ds.filter((d) => catalogueSeverity(d.code) === 'error' || !known(d));
  // a finding held back while the policy has errors is still there: its entry is not stale
  for (const d of heldBack) if (catalogueSeverity(d.code) !== 'error') known(d);
  const tree = parseTree(baseline.source.text);
  baseline.entries.forEach((e, i) => {
    if (left[i] === 0) return;
    // an entry of a file this run did not check is not stale: it was not looked for
    if (checked && !checked.has(resolve(baseDir, e.file))) return;
    const node = tree && findNodeAtLocation(tree, ['findings', i]);
    const found = e.count - left[i];
    kept.push({
      ...diag(
        'TMES0953',
        baseline.source,
        node?.offset ?? 0,
        `$.findings[${i}]: ${e.code} in ${e.file} at '${e.subject}' is known ${e.count === 1 ? 'once' : `${e.count} times`} but found ${found === 0 ? 'no more' : `${found} time${found === 1 ? '' : 's'}`}: fixed, or its line edited; rewrite the baseline (--write-baseline)`,
      ),
      span: { file: baseline.source, start: node?.offset ?? 0, end: (node?.offset ?? 0) + (node?.length ?? 0) },
    });
  });
  return kept;
}
