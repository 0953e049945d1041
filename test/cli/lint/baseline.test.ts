import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { applyBaseline, baselineText, loadBaseline } from '../../../src/cli/lint/baseline.js';
import type { Diagnostic } from '../../../src/diagnostics/diagnostic.js';
import { SourceFile } from '../../../src/diagnostics/source.js';
import { catalogueSeverity } from '../../../src/cli/lint/severity.js';

const TMP = mkdtempSync(join(tmpdir(), 'tmesc-baseline-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

function finding(file: SourceFile, code: string, needle: string, nth = 0): Diagnostic {
  let start = -1;
  for (let i = 0; i <= nth; i++) start = file.text.indexOf(needle, start + 1);
  return {
    code,
    severity: catalogueSeverity(code),
    message: `${code} ${needle}`,
    span: { file, start, end: start + needle.length },
  };
}

const TEXT = 'policy "p"\ndefine ports A = 80\ndefine ports B = 81\nrule r match tcp to gg\n';

function baselineOf(ds: Diagnostic[]) {
  const path = join(TMP, 'baseline.json');
  writeFileSync(path, baselineText(ds, path, TMP).text);
  return loadBaseline(path, 'baseline.json');
}

describe('baseline', () => {
  const file = new SourceFile(join(TMP, 'p.tmes'), TEXT);
  const known = [finding(file, 'TMES0500', 'A'), finding(file, 'TMES0500', 'B'), finding(file, 'TMES0200', 'gg')];
  const baseline = baselineOf(known);

  it('records every finding but errors, keyed by code, file, subject and line', () => {
    expect(baseline.entries.map((e) => [e.code, e.file, e.subject, e.count])).toEqual([
      ['TMES0500', 'p.tmes', 'A', 1],
      ['TMES0500', 'p.tmes', 'B', 1],
    ]);
  });

  it('knows its findings when lines move, are realigned or get a comment; errors are always reported', () => {
    const moved = new SourceFile(
      join(TMP, 'p.tmes'),
      '# a new first line\npolicy "p"\n\nrule r match tcp to gg\ndefine ports B  =  81   # realigned\ndefine ports A = 80\n',
    );
    const ds = [finding(moved, 'TMES0500', 'A'), finding(moved, 'TMES0500', 'B'), finding(moved, 'TMES0200', 'gg')];
    expect(applyBaseline(ds, baseline, TMP).map((d) => d.code)).toEqual(['TMES0200']);
  });

  it('an edited line is a new finding, and its entry is stale (TMES0953, at the entry)', () => {
    const edited = new SourceFile(join(TMP, 'p.tmes'), TEXT.replace('B = 81', 'B = 82'));
    const out = applyBaseline([finding(edited, 'TMES0500', 'A'), finding(edited, 'TMES0500', 'B')], baseline, TMP);
    expect(out.map((d) => d.code)).toEqual(['TMES0500', 'TMES0953']);
    const stale = out[1];
    expect(stale.span.file.path).toBe('baseline.json');
    expect(stale.message).toContain("$.findings[1]: TMES0500 in p.tmes at 'B' is known once but found no more");
    expect(stale.span.file.lineText(stale.span.file.position(stale.span.start).line).trim()).toBe('{');
  });

  it('counts: two findings with one key need a count of two; an entry of a file not checked is not stale', () => {
    const twice = new SourceFile(join(TMP, 'q.tmes'), 'define ports A = 80\ndefine ports A = 80\n');
    const ds = [finding(twice, 'TMES0500', 'A', 0), finding(twice, 'TMES0500', 'A', 1)];
    const b = baselineOf(ds);
    expect(b.entries.map((e) => e.count)).toEqual([2]);
    expect(applyBaseline(ds, b, TMP)).toEqual([]);
    expect(applyBaseline(ds.slice(0, 1), b, TMP).map((d) => d.message)).toEqual([
      expect.stringContaining('known 2 times but found 1 time'),
    ]);
    expect(applyBaseline([], b, TMP, new Set([join(TMP, 'other.tmes')]))).toEqual([]);
  });
});
