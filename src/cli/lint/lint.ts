import { realpathSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { checkPolicyFile, type CheckOptions, type CheckResult } from '../../check/check.js';
import { compareDiagnostics, type Diagnostic } from '../../diagnostics/diagnostic.js';
import { applySeverities, DEFAULT_CONFIG, findConfig, loadConfig, type LintConfig } from './config.js';
import { rememberTrees } from './constructs.js';
import { applySuppressions } from './suppressions.js';

export interface LintOptions extends CheckOptions {
  /** The configuration to use (--config), instead of the one found from the policy's directory. */
  config?: LintConfig;
  /** Configurations already read, by path (one run reads each once). */
  configCache?: Map<string, LintConfig>;
}

export interface LintResult {
  check: CheckResult;
  /** The findings as configured: severities applied, suppressions honoured and reported. */
  diagnostics: Diagnostic[];
  /** The checker's findings held back while the policy has errors, as configured: a baseline entry for one is not stale. */
  heldBack: Diagnostic[];
  config: LintConfig;
  /** Every file read, by the path the diagnostics name it by, with its absolute path and text. */
  files: Map<string, { abs: string; text: string }>;
}

/**
 * One policy through the checker and the lint configuration: the checker's
 * findings, with the severities of the configuration that applies (found up
 * the tree from the policy, or given), less what `# tmesc-ignore` comments
 * silence, plus the suppressions' own findings. A configuration that is not
 * valid throws ConfigError. The baseline applies over a whole run (validate).
 */
export function lintPolicy(path: string, opts: LintOptions = {}): LintResult {
  const show = opts.displayPath ?? ((p: string) => p);
  // each file as the diagnostics name it, and where it is: --fix writes there
  const where = new Map<string, string>();
  const check = checkPolicyFile(path, {
    ...opts,
    displayPath: (abs) => {
      const shown = show(abs);
      if (!where.has(shown)) where.set(shown, abs);
      return shown;
    },
  });
  const files = new Map(
    check.files.map((f): [string, { abs: string; text: string }] => [
      f.source.path,
      { abs: realOrSelf(where.get(f.source.path) ?? f.source.path), text: f.source.text },
    ]),
  );
  const config = opts.config ?? configFor(path, opts);
  // the checker's syntax trees serve the suppressions' and the baseline's statements (constructs.ts)
  rememberTrees(check.files);
  const sources = check.files.map((f) => f.source);
  const configured = applySeverities(check.diagnostics, config);
  const heldBack = applySeverities(check.heldBack, config);
  const diagnostics = applySeverities(applySuppressions(configured, sources, heldBack), config).sort(
    compareDiagnostics,
  );
  return { check, diagnostics, heldBack, config, files };
}

/** A file's real path (a symbolic link is written through, never replaced); the path itself when it has none. */
function realOrSelf(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

function configFor(path: string, opts: LintOptions): LintConfig {
  const dir = path === '-' ? resolve(opts.cwd ?? '.') : dirname(resolve(opts.cwd ?? '.', path));
  const found = findConfig(dir);
  if (!found) return DEFAULT_CONFIG;
  const cached = opts.configCache?.get(found);
  if (cached) return cached;
  const config = loadConfig(found, opts.displayPath);
  opts.configCache?.set(found, config);
  return config;
}
