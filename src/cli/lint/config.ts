import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { CODES, type CodeInfo } from '../../diagnostics/codes.js';
import type { Diagnostic, Severity } from '../../diagnostics/diagnostic.js';
import { SourceFile } from '../../diagnostics/source.js';
import { didYouMean } from '../../diagnostics/suggest.js';
import { jsonPath, JsonFileError, readJson } from '../json-file.js';
import { CONFIG_SCHEMA, type FAIL_LEVELS, type SEVERITY_SETTINGS } from './config-schema.js';
import type { LintCode } from './codes.js';
import { catalogueSeverity } from './severity.js';

/** The names a configuration file may have, in the order they are looked for in a directory. */
export const CONFIG_NAMES = ['.tmesc.json', 'tmesc.config.json'] as const;

export type SeveritySetting = (typeof SEVERITY_SETTINGS)[number];
export type FailLevel = (typeof FAIL_LEVELS)[number];

export interface LintConfig {
  /** The file it was read from (absolute), or undefined for the defaults. */
  readonly path?: string;
  readonly severities: ReadonlyMap<string, SeveritySetting>;
  readonly failLevel?: FailLevel;
  /** The baseline it names, absolute. */
  readonly baseline?: string;
}

export const DEFAULT_CONFIG: LintConfig = { severities: new Map() };

interface ConfigFile {
  rules?: Record<string, SeveritySetting>;
  failLevel?: FailLevel;
  baseline?: string;
}

/** A configuration that cannot be used: its problems as TMES0950 diagnostics in the file. */
export class ConfigError extends Error {
  constructor(readonly diagnostics: Diagnostic[]) {
    super(diagnostics.map((d) => d.message).join('\n'));
  }
}

/**
 * The configuration that applies to a policy: the nearest .tmesc.json or
 * tmesc.config.json in its directory or a directory above it, as ESLint and
 * Prettier find theirs. Two in one directory is an error (which one was
 * meant?). A policy from standard input looks from the working directory.
 */
export function findConfig(policyDir: string): string | undefined {
  let dir = resolve(policyDir);
  for (;;) {
    const found = CONFIG_NAMES.map((n) => join(dir, n)).filter((p) => isFile(p));
    if (found.length > 1) {
      const file = new SourceFile(found[1], safeRead(found[1]));
      throw new ConfigError([
        configDiagnostic(file, 0, `${found[0]} and ${found[1]} are both here: keep one configuration per directory`),
      ]);
    }
    if (found.length === 1) return found[0];
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

function isFile(p: string): boolean {
  try {
    return existsSync(p) && statSync(p).isFile();
  } catch {
    return false;
  }
}

function safeRead(p: string): string {
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return '';
  }
}

function configDiagnostic(file: SourceFile, offset: number, message: string): Diagnostic {
  const code: LintCode = 'TMES0950';
  return {
    code,
    severity: catalogueSeverity(code),
    message,
    span: { file, start: offset, end: offset },
  };
}

/** The code a configuration key or a suppression names: TMES0500 or unused-definition. */
export function codeNamed(key: string): CodeInfo | undefined {
  const byCode = CODES.get(key);
  if (byCode) return byCode;
  for (const c of CODES.values()) if (c.name === key) return c;
  return undefined;
}

export function suggestCode(key: string): string | undefined {
  const all = [...CODES.values()];
  return didYouMean(key, /^TMES/i.test(key) ? all.map((c) => c.code) : all.map((c) => c.name));
}

/**
 * Reads a configuration file: its schema (schemas/config-1.json), then what a
 * schema cannot say: every key names a known code, and no code whose severity
 * is error is lowered (an error makes the policy unrunnable; turning it off
 * would only hide why compile and run refuse it). Every problem is reported.
 */
export function loadConfig(path: string, displayPath: (abs: string) => string = (p) => p): LintConfig {
  const abs = resolve(path);
  const shown = displayPath(abs);
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (e) {
    const file = new SourceFile(shown, '');
    throw new ConfigError([configDiagnostic(file, 0, `cannot read the configuration: ${(e as Error).message}`)]);
  }
  const file = new SourceFile(shown, text);
  let data: ConfigFile;
  try {
    data = readJson<ConfigFile>(shown, text, CONFIG_SCHEMA);
  } catch (e) {
    if (!(e instanceof JsonFileError)) throw e;
    throw new ConfigError(e.problems.map((p) => configDiagnostic(file, p.offset, `${p.path}: ${p.message}`)));
  }
  const problems: Diagnostic[] = [];
  const severities = new Map<string, SeveritySetting>();
  for (const [key, setting] of Object.entries(data.rules ?? {})) {
    const at = keyOffset(text, key);
    const info = codeNamed(key);
    const path = jsonPath(['rules', key]);
    if (!info) {
      const close = suggestCode(key);
      problems.push(
        configDiagnostic(
          file,
          at,
          `${path}: no diagnostic has the code or name '${key}'${close ? `; did you mean '${close}'?` : ''} (docs/diagnostics.md lists them)`,
        ),
      );
      continue;
    }
    if (info.severity === 'error' && setting !== 'error') {
      problems.push(
        configDiagnostic(
          file,
          at,
          `${path}: ${info.code} (${info.name}) is an error: a policy with it cannot be compiled or run, so it cannot be set to ${setting}`,
        ),
      );
      continue;
    }
    if (severities.has(info.code) && severities.get(info.code) !== setting)
      problems.push(configDiagnostic(file, at, `${path}: ${info.code} (${info.name}) is set twice, differently`));
    severities.set(info.code, setting);
  }
  if (problems.length) throw new ConfigError(problems);
  return {
    path: abs,
    severities,
    failLevel: data.failLevel,
    baseline: data.baseline !== undefined ? resolve(dirname(abs), data.baseline) : undefined,
  };
}

/** Where "key" is written as a member name (for the diagnostic's place); 0 when not found. */
function keyOffset(text: string, key: string): number {
  const i = text.indexOf(JSON.stringify(key));
  return i < 0 ? 0 : i;
}

/** Diagnostics with the configured severities; those turned off are gone. Errors are never changed (loadConfig refuses). */
export function applySeverities(ds: readonly Diagnostic[], config: LintConfig): Diagnostic[] {
  if (!config.severities.size) return [...ds];
  const out: Diagnostic[] = [];
  for (const d of ds) {
    const s = config.severities.get(d.code);
    if (s === undefined || d.severity === 'error') out.push(d);
    else if (s !== 'off') out.push(s === d.severity ? d : { ...d, severity: s as Severity });
  }
  return out;
}

/** Whether a run with these findings fails at `level`: any finding at least that severe. */
export function failsAt(ds: readonly Diagnostic[], level: FailLevel): boolean {
  const rank: Record<Severity, number> = { info: 0, warning: 1, error: 2 };
  return ds.some((d) => rank[d.severity] >= rank[level]);
}
