import { existsSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { applyBaseline, BaselineError, loadBaseline } from '../../../src/cli/lint/baseline.js';
import { ConfigError, DEFAULT_CONFIG, loadConfig } from '../../../src/cli/lint/config.js';
import { lintPolicy } from '../../../src/cli/lint/lint.js';
import type { Diagnostic } from '../../../src/diagnostics/diagnostic.js';
import { graphChecks } from '../../../src/ir/graph-check.js';
import { pcapLinkTypes } from '../../../src/runtime/checks/pcap-link-types.js';

export interface FixtureRun {
  diagnostics: Diagnostic[];
  /** Who reported a diagnostic: the checker's stages and checks by their names, 'lint' for the lint stage. */
  emitterOf: (d: Diagnostic) => string;
}

/** The files beside a fixture that validate is given with it: NAME.config.json (--config), NAME.baseline.json (--baseline). */
export function sidecars(fixture: string): { config?: string; baseline?: string } {
  const base = fixture.replace(/\.tmes$/, '');
  const config = `${base}.config.json`;
  const baseline = `${base}.baseline.json`;
  return { config: existsSync(config) ? config : undefined, baseline: existsSync(baseline) ? baseline : undefined };
}

/**
 * A fixture as `tmesc validate` reports it: the checker with the graph and
 * link-type checks, `# tmesc-ignore` comments, and the configuration and
 * baseline beside it when it has them (none found up the tree otherwise). A
 * configuration or baseline that is not valid is all that is reported, as
 * validate reports nothing else then.
 */
export function lintFixture(path: string): FixtureRun {
  const side = sidecars(path);
  const lint = (ds: Diagnostic[]): FixtureRun => ({ diagnostics: ds, emitterOf: () => 'lint' });
  let config = DEFAULT_CONFIG;
  if (side.config)
    try {
      config = loadConfig(side.config);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      return lint(e.diagnostics);
    }
  // a fixture may set options of the check (`# check-options: {"maxFileBytes": 256}`), to reach a limit cheaply
  const options = /^# check-options: (.*)$/m.exec(readFileSync(path, 'utf8'))?.[1];
  const r = lintPolicy(path, {
    extraChecks: [graphChecks, pcapLinkTypes],
    config,
    ...(options ? (JSON.parse(options) as object) : {}),
  });
  let diagnostics = r.diagnostics;
  if (side.baseline)
    try {
      const checked = new Set([...r.files.values()].map((f) => f.abs));
      diagnostics = applyBaseline(
        diagnostics,
        loadBaseline(side.baseline, side.baseline),
        dirname(path),
        checked,
        r.heldBack,
      );
    } catch (e) {
      if (!(e instanceof BaselineError)) throw e;
      return lint(e.diagnostics);
    }
  const fromChecker = new Set(r.check.diagnostics);
  return { diagnostics, emitterOf: (d) => (fromChecker.has(d) ? r.check.emitterOf(d) : 'lint') };
}
