import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { applyBaseline, baselineText, loadBaseline } from '../../../src/cli/lint/baseline.js';
import { DEFAULT_CONFIG } from '../../../src/cli/lint/config.js';
import { lintPolicy } from '../../../src/cli/lint/lint.js';
import { applyEdits, fixesByFile } from '../../../src/cli/lint/fix.js';
import { graphChecks } from '../../../src/ir/graph-check.js';

/**
 * While a policy has errors the checker holds back the findings that may be
 * wrong (TMES0901). They are still there: a suppression or a baseline entry
 * for one is in use, not stale, and --fix must not remove the suppression
 * (it would come back as a finding once the error is fixed).
 */
const TMP = mkdtempSync(join(tmpdir(), 'tmesc-held-back-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

const CLEAN = [
  'policy "held"',
  'define ports SPARE = 8080  # tmesc-ignore TMES0500: kept for the lab policy',
  'define ports OLD = 8081',
  'tap t { source pcap "in.pcap" }',
  'group g { tool o { output pcap "o.pcap" } }',
  'rule r from t match tcp to g',
  '',
].join('\n');
// a rule lost to a syntax error: the unused definitions may be used by it, so they are held back
const BROKEN = CLEAN + 'rule u from t match port OLD or to\n';

function lint(text: string) {
  const path = join(TMP, 'p.tmes');
  writeFileSync(path, text);
  return lintPolicy(path, { extraChecks: [graphChecks], config: DEFAULT_CONFIG });
}

describe('findings held back while the policy has errors', () => {
  it('the clean policy reports OLD unused and SPARE silenced', () => {
    const r = lint(CLEAN);
    expect(r.heldBack).toEqual([]);
    expect(r.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual(["TMES0500 'OLD' is defined but never used"]);
  });

  it('a suppression of a held-back finding is not reported as silencing nothing, and --fix keeps it', () => {
    const r = lint(BROKEN);
    expect(r.heldBack.map((d) => d.code)).toEqual(['TMES0500', 'TMES0500']);
    const codes = r.diagnostics.map((d) => d.code);
    expect(codes).toContain('TMES0901');
    expect(codes).not.toContain('TMES0952');
    const fixes = fixesByFile(r.diagnostics, true).get(join(TMP, 'p.tmes')) ?? [];
    expect(applyEdits(BROKEN, fixes).text).toContain('# tmesc-ignore TMES0500: kept for the lab policy');
  });

  it('a baseline entry of a held-back finding is not stale', () => {
    const path = join(TMP, 'baseline.json');
    writeFileSync(path, baselineText(lint(CLEAN).diagnostics, path, TMP).text);
    const baseline = loadBaseline(path, 'baseline.json');
    const r = lint(BROKEN);
    const left = applyBaseline(r.diagnostics, baseline, TMP, undefined, r.heldBack).map((d) => d.code);
    expect(left).not.toContain('TMES0953');
    // without the held-back findings the entry would look stale: the test would catch a regression
    expect(applyBaseline(r.diagnostics, baseline, TMP).map((d) => d.code)).toContain('TMES0953');
  });
});
