import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../../src/cli/lint/config.js';
import { applyEdits, fixesByFile, SAFE_FIXES } from '../../../src/cli/lint/fix.js';
import { lintPolicy } from '../../../src/cli/lint/lint.js';
import type { Diagnostic } from '../../../src/diagnostics/diagnostic.js';
import { graphChecks } from '../../../src/ir/graph-check.js';
import { pcapLinkTypes } from '../../../src/runtime/checks/pcap-link-types.js';

/**
 * validate --fix over every checker fixture that carries a fix, in a copy:
 * the rounds validate runs (fix, validate again) come to rest within its
 * limit, a second --fix finds nothing, safe fixes change no other finding (a
 * safe fix keeps what the policy means), and no fix adds an error.
 */
const SRC = join(import.meta.dirname, '..', '..', 'check', 'fixtures');
const TMP = mkdtempSync(join(tmpdir(), 'tmesc-fix-fixtures-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

const ROUNDS = 10;

function lint(path: string) {
  return lintPolicy(path, { extraChecks: [graphChecks, pcapLinkTypes], config: DEFAULT_CONFIG });
}

/** validate --fix's loop: the rounds it took and whether it came to rest. */
function fixAll(path: string, unsafe: boolean): { rounds: number; settled: boolean } {
  for (let round = 0; round < ROUNDS; round++) {
    const r = lint(path);
    let applied = 0;
    for (const [shown, fixes] of fixesByFile(r.diagnostics, unsafe)) {
      const f = r.files.get(shown);
      if (!f) continue;
      const out = applyEdits(f.text, fixes);
      if (out.text === f.text) continue;
      writeFileSync(f.abs, out.text);
      applied += out.applied;
    }
    if (!applied) return { rounds: round, settled: true };
  }
  return { rounds: ROUNDS, settled: false };
}

/** The findings as a multiset of code and message, positions aside (edits move them). */
const findings = (ds: readonly Diagnostic[], skip: ReadonlySet<string>) =>
  ds
    .filter((d) => !skip.has(d.code))
    .map((d) => `${d.code} ${d.message}`)
    .sort();

const errors = (ds: readonly Diagnostic[]) => ds.filter((d) => d.severity === 'error').length;

describe('validate --fix over the checker fixtures', () => {
  const withFixes = readdirSync(SRC).filter(
    (f) => f.endsWith('.tmes') && lint(join(SRC, f)).diagnostics.some((d) => d.fix),
  );

  it('finds fixtures with safe and unsafe fixes to try', () => {
    const codes = new Set(
      withFixes.flatMap((f) =>
        lint(join(SRC, f))
          .diagnostics.filter((d) => d.fix)
          .map((d) => d.code),
      ),
    );
    expect([...codes].filter((c) => SAFE_FIXES.has(c)).length).toBeGreaterThanOrEqual(2);
    expect([...codes].filter((c) => !SAFE_FIXES.has(c)).length).toBeGreaterThanOrEqual(3);
  });

  for (const unsafe of [false, true])
    it(`${unsafe ? '--unsafe-fixes' : 'safe fixes'}: settle, are idempotent${unsafe ? '' : ', change no other finding'}, add no error`, () => {
      for (const f of withFixes) {
        const dir = mkdtempSync(join(TMP, 'f-'));
        cpSync(SRC, dir, { recursive: true });
        const path = join(dir, f);
        const before = lint(path).diagnostics;
        const { settled } = fixAll(path, unsafe);
        expect(settled, f).toBe(true);
        const text = readFileSync(path, 'utf8');
        // idempotent: a second --fix changes nothing
        expect(fixAll(path, unsafe).rounds, f).toBe(0);
        expect(readFileSync(path, 'utf8'), f).toBe(text);
        const after = lint(path).diagnostics;
        expect(errors(after), f).toBeLessThanOrEqual(errors(before));
        if (!unsafe) {
          expect(findings(after, SAFE_FIXES), f).toEqual(findings(before, SAFE_FIXES));
          expect(
            after.filter((d) => d.fix && SAFE_FIXES.has(d.code)),
            f,
          ).toEqual([]);
        }
      }
    });
});
