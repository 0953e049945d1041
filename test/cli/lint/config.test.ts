import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { applySeverities, ConfigError, findConfig, loadConfig } from '../../../src/cli/lint/config.js';
import { SourceFile } from '../../../src/diagnostics/source.js';
import { catalogueSeverity } from '../../../src/cli/lint/severity.js';

const TMP = mkdtempSync(join(tmpdir(), 'tmesc-config-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

function problems(text: string): string[] {
  const p = join(TMP, `c-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(p, text);
  try {
    loadConfig(p, () => 'c.json');
  } catch (e) {
    if (e instanceof ConfigError)
      return e.diagnostics.map(
        (d) =>
          `${d.code} ${d.span.file.position(d.span.start).line}:${d.span.file.position(d.span.start).column} ${d.message}`,
      );
    throw e;
  }
  return [];
}

describe('lint configuration', () => {
  it('is found in the policy directory or the nearest above it; two in one directory is an error', () => {
    mkdirSync(join(TMP, 'a', 'b', 'c'), { recursive: true });
    writeFileSync(join(TMP, 'a', '.tmesc.json'), '{}');
    expect(findConfig(join(TMP, 'a', 'b', 'c'))).toBe(join(TMP, 'a', '.tmesc.json'));
    writeFileSync(join(TMP, 'a', 'b', 'tmesc.config.json'), '{}');
    expect(findConfig(join(TMP, 'a', 'b', 'c'))).toBe(join(TMP, 'a', 'b', 'tmesc.config.json'));
    writeFileSync(join(TMP, 'a', 'b', '.tmesc.json'), '{}');
    expect(() => findConfig(join(TMP, 'a', 'b', 'c'))).toThrow(/both here/);
  });

  it('takes codes or names, and sets their severities (off removes)', () => {
    const p = join(TMP, 'ok.json');
    writeFileSync(
      p,
      JSON.stringify({
        rules: { TMES0500: 'off', 'mixed-and-or': 'error', TMES0704: 'warning' },
        failLevel: 'warning',
      }),
    );
    const c = loadConfig(p);
    expect(c.failLevel).toBe('warning');
    const file = new SourceFile('p.tmes', 'x');
    const d = (code: string) => ({
      code,
      severity: catalogueSeverity(code),
      message: '',
      span: { file, start: 0, end: 0 },
    });
    expect(
      applySeverities([d('TMES0500'), d('TMES0310'), d('TMES0704'), d('TMES0501')], c).map(
        (x) => `${x.code} ${x.severity}`,
      ),
    ).toEqual(['TMES0310 error', 'TMES0704 warning', 'TMES0501 warning']);
  });

  it('schema problems name the file, line, column and JSON path; unknown members and codes get the closest one', () => {
    expect(problems('{\n  "rules": { "TMES0500": "of" },\n  "failLvel": "error"\n}')).toEqual([
      "TMES0950 3:3 $: unknown member 'failLvel'; did you mean 'failLevel'?",
      'TMES0950 2:26 $.rules.TMES0500: must be one of "off", "info", "warning", "error"',
    ]);
    expect(problems('{ "rules": { "unused-defintion": "off", "TMES9999": "off" } }')).toEqual([
      "TMES0950 1:14 $.rules[\"unused-defintion\"]: no diagnostic has the code or name 'unused-defintion'; did you mean 'unused-definition'? (docs/diagnostics.md lists them)",
      "TMES0950 1:41 $.rules.TMES9999: no diagnostic has the code or name 'TMES9999' (docs/diagnostics.md lists them)",
    ]);
    expect(problems('{ "rules": ')).toEqual(['TMES0950 1:12 $: not valid JSON: ValueExpected']);
  });

  it('refuses to lower an error: a policy with one cannot run', () => {
    expect(problems('{ "rules": { "unknown-name": "off", "TMES0305": "warning", "TMES0200": "error" } }')).toEqual([
      'TMES0950 1:14 $.rules["unknown-name"]: TMES0200 (unknown-name) is an error: a policy with it cannot be compiled or run, so it cannot be set to off',
      'TMES0950 1:37 $.rules.TMES0305: TMES0305 (cidr-host-bits) is an error: a policy with it cannot be compiled or run, so it cannot be set to warning',
    ]);
  });
});
