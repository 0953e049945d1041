import { createHash } from 'node:crypto';
import type { Diagnostic, Severity, Span } from '../diagnostic.js';
import type { RuleLookup, RuleMeta } from '../rule-meta.js';
import { displayPath, isAbsolutePath, pascalCase, sortDiagnostics, spanRange } from './util.js';
import { escapeJsonForTerminal } from './terminal.js';

const SARIF_SCHEMA_URI = 'https://json.schemastore.org/sarif-2.1.0.json';
const SARIF_VERSION = '2.1.0';
/** The uriBaseId of every artifact location: the root of the checked-out sources. */
const SRCROOT = '%SRCROOT%';

/** GitHub code scanning keeps at most this many tags per rule (it rejects more than 20). */
const MAX_TAGS = 20;
/** GitHub code scanning rejects a result with more than 1000 locations of one kind. */
const MAX_RELATED = 1000;

export interface SarifRenderOptions {
  /** Metadata for the rules of `tool.driver.rules`. Codes it does not know get a bare descriptor. */
  readonly lookupRule?: RuleLookup;
  /** Artifact URIs are made relative to this directory (normally the repository root). */
  readonly cwd?: string;
  /** `tool.driver.version`. */
  readonly toolVersion?: string;
  /** `tool.driver.informationUri`: an absolute URI of the tool's home page. */
  readonly informationUri?: string;
}

// A subset of the SARIF 2.1.0 object model: the parts this renderer writes.
export interface SarifMessage {
  text: string;
}
export interface SarifRegion {
  startLine: number;
  startColumn: number;
  endLine: number;
  endColumn: number;
}
export interface SarifArtifactLocation {
  uri: string;
  uriBaseId?: string;
}
export interface SarifPhysicalLocation {
  artifactLocation: SarifArtifactLocation;
  region: SarifRegion;
}
export interface SarifLocation {
  id?: number;
  physicalLocation: SarifPhysicalLocation;
  message?: SarifMessage;
}
export interface SarifReportingDescriptor {
  id: string;
  name?: string;
  shortDescription?: SarifMessage;
  fullDescription?: SarifMessage;
  help?: { text: string; markdown?: string };
  helpUri?: string;
  defaultConfiguration: { level: SarifLevel };
  properties?: { tags: string[] };
}
export interface SarifFix {
  description: SarifMessage;
  artifactChanges: {
    artifactLocation: SarifArtifactLocation;
    replacements: { deletedRegion: SarifRegion; insertedContent: { text: string } }[];
  }[];
}
export interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: SarifLevel;
  message: SarifMessage;
  locations: SarifLocation[];
  relatedLocations?: SarifLocation[];
  partialFingerprints: { primaryLocationLineHash: string };
  fixes?: SarifFix[];
}
export interface SarifLog {
  $schema: string;
  version: typeof SARIF_VERSION;
  runs: {
    tool: {
      driver: {
        name: string;
        informationUri?: string;
        version?: string;
        rules: SarifReportingDescriptor[];
      };
    };
    columnKind: 'utf16CodeUnits';
    results: SarifResult[];
  }[];
}

export type SarifLevel = 'error' | 'warning' | 'note';

function sarifLevel(severity: Severity): SarifLevel {
  return severity === 'error' ? 'error' : severity === 'warning' ? 'warning' : 'note';
}

/**
 * The artifact location of a file: a relative URI (forward slashes, each
 * segment percent-encoded) against `%SRCROOT%`, or, for a path that stays
 * absolute (no `cwd` given), a `file:` URI with no base.
 */
export function artifactLocation(file: string, cwd?: string): SarifArtifactLocation {
  const p = displayPath(file, cwd);
  if (isAbsolutePath(p)) {
    const segments = p.split('/').map((s, i) => (i === 0 && /^[A-Za-z]:$/.test(s) ? s : encodeURIComponent(s)));
    const joined = segments.join('/');
    return { uri: joined.startsWith('/') ? `file://${joined}` : `file:///${joined}` };
  }
  return { uri: p.split('/').map(encodeURIComponent).join('/'), uriBaseId: SRCROOT };
}

function region(span: Span): SarifRegion {
  const r = spanRange(span);
  return { startLine: r.line, startColumn: r.column, endLine: r.endLine, endColumn: r.endColumn };
}

function physicalLocation(span: Span, cwd: string | undefined): SarifPhysicalLocation {
  return { artifactLocation: artifactLocation(span.file.path, cwd), region: region(span) };
}

/**
 * The rule descriptor of a code. With metadata: `name` in PascalCase (SARIF
 * convention), title, help, default level, tags and help URI.
 */
function reportingDescriptor(code: string, meta: RuleMeta | undefined, fallback: Severity): SarifReportingDescriptor {
  if (!meta) return { id: code, defaultConfiguration: { level: sarifLevel(fallback) } };
  const tags = [...new Set(['tmes', ...(meta.tags ?? [])])].slice(0, MAX_TAGS);
  const markdown = meta.docsUrl ? `${meta.help}\n\n[Documentation](${meta.docsUrl})` : meta.help;
  return {
    id: code,
    name: pascalCase(meta.name),
    shortDescription: { text: meta.title },
    fullDescription: { text: meta.help },
    help: { text: meta.docsUrl ? `${meta.help}\n\nSee ${meta.docsUrl}` : meta.help, markdown },
    ...(meta.docsUrl ? { helpUri: meta.docsUrl } : {}),
    defaultConfiguration: { level: sarifLevel(meta.defaultSeverity) },
    properties: { tags },
  };
}

/**
 * The `primaryLocationLineHash` of each diagnostic (same order as the input):
 * a hash of the code and the trimmed text of the line the diagnostic starts
 * on, then `:` and which occurrence of that (code, line text) pair in the file
 * it is, counting from 1 in stable order. Moving a line leaves it unchanged;
 * editing the line changes it.
 */
function lineHashes(sorted: readonly Diagnostic[]): string[] {
  const seen = new Map<string, number>();
  return sorted.map((d) => {
    const line = d.span.file.position(d.span.start).line;
    const text = d.span.file.lineText(line).trim();
    const hash = createHash('sha256').update(`${d.code}\n${text}`, 'utf8').digest('hex').slice(0, 16);
    const key = `${d.span.file.path}\u0000${hash}`;
    const n = (seen.get(key) ?? 0) + 1;
    seen.set(key, n);
    return `${hash}:${n}`;
  });
}

/** SARIF message text with embedded links needs literal `\`, `[` and `]` escaped. */
function escapeLinkText(s: string): string {
  return s.replace(/[\\[\]]/g, (c) => `\\${c}`);
}

/** The SARIF log as an object (what {@link renderSarif} serialises). */
export function toSarifLog(diagnostics: readonly Diagnostic[], options: SarifRenderOptions = {}): SarifLog {
  const sorted = sortDiagnostics(diagnostics);
  const { cwd, lookupRule } = options;

  const firstSeverity = new Map<string, Severity>();
  for (const d of sorted) if (!firstSeverity.has(d.code)) firstSeverity.set(d.code, d.severity);
  const codes = [...firstSeverity.keys()].sort();
  const ruleIndex = new Map(codes.map((c, i) => [c, i]));
  const rules = codes.map((c) => reportingDescriptor(c, lookupRule?.(c), firstSeverity.get(c)!));

  const hashes = lineHashes(sorted);
  const results = sorted.map((d, i): SarifResult => {
    const related = (d.related ?? []).slice(0, MAX_RELATED);
    // Code scanning shows related locations only where the message links to them.
    const text =
      related.length === 0
        ? d.message
        : `${escapeLinkText(d.message)} (${related.map((r, k) => `[${escapeLinkText(r.message)}](${k + 1})`).join('; ')})`;
    const result: SarifResult = {
      ruleId: d.code,
      ruleIndex: ruleIndex.get(d.code)!,
      level: sarifLevel(d.severity),
      message: { text },
      locations: [{ physicalLocation: physicalLocation(d.span, cwd) }],
      partialFingerprints: { primaryLocationLineHash: hashes[i] },
    };
    if (related.length > 0) {
      result.relatedLocations = related.map((r, k) => ({
        id: k + 1,
        physicalLocation: physicalLocation(r.span, cwd),
        message: { text: r.message },
      }));
    }
    if (d.fix) {
      result.fixes = [
        {
          description: { text: d.fix.message },
          artifactChanges: [
            {
              artifactLocation: artifactLocation(d.fix.span.file.path, cwd),
              replacements: [{ deletedRegion: region(d.fix.span), insertedContent: { text: d.fix.text } }],
            },
          ],
        },
      ];
    }
    return result;
  });

  const driver: SarifLog['runs'][number]['tool']['driver'] = {
    name: 'tmesc',
    ...(options.informationUri ? { informationUri: options.informationUri } : {}),
    ...(options.toolVersion ? { version: options.toolVersion } : {}),
    rules,
  };

  return {
    $schema: SARIF_SCHEMA_URI,
    version: SARIF_VERSION,
    runs: [{ tool: { driver }, columnKind: 'utf16CodeUnits', results }],
  };
}

/** SARIF 2.1.0 for GitHub code scanning, pretty-printed with two spaces and a trailing newline. */
export function renderSarif(diagnostics: readonly Diagnostic[], options: SarifRenderOptions = {}): string {
  return escapeJsonForTerminal(JSON.stringify(toSarifLog(diagnostics, options), null, 2)) + '\n';
}
