import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkPolicyFile } from '../../src/check/check.js';
import { graphChecks } from '../../src/ir/graph-check.js';
import { pcapLinkTypes } from '../../src/runtime/checks/pcap-link-types.js';
import { CODES } from '../../src/diagnostics/codes.js';
import { locate } from '../../src/diagnostics/diagnostic.js';

/**
 * One fixture per diagnostic code. Each fixture states what it must produce in
 * `# expect: CODE line:col` comments; the test demands exactly that set, so a
 * check that fires too often or in the wrong place fails as surely as one
 * that does not fire.
 */
const dir = join(import.meta.dirname, 'fixtures');
const fixtures = readdirSync(dir).filter((f) => f.endsWith('.tmes'));

function expectations(text: string): string[] {
  return [...text.matchAll(/^# expect: (TMES\d{4}) (\d+):(\d+)$/gm)].map((m) => `${m[1]} ${m[2]}:${m[3]}`).sort();
}

describe('checker fixtures', () => {
  for (const f of fixtures) {
    it(f, () => {
      const path = join(dir, f);
      // a fixture may set options of the check (`# check-options: {"maxFileBytes": 256}`), to reach a limit cheaply
      const options = /^# check-options: (.*)$/m.exec(readFileSync(path, 'utf8'))?.[1];
      const result = checkPolicyFile(path, {
        extraChecks: [graphChecks, pcapLinkTypes],
        ...(options ? JSON.parse(options) : {}),
      });
      const got = result.diagnostics
        .filter((d) => d.span.file.path === path)
        .map((d) => {
          const l = locate(d);
          return `${d.code} ${l.line}:${l.column}`;
        });
      expect(got.sort()).toEqual(expectations(readFileSync(path, 'utf8')));
    });
  }

  it('has a fixture for every front-end code', () => {
    const covered = new Set(fixtures.map((f) => f.slice(0, 8)));
    const frontEnd = [...CODES.keys()].filter((c) => c !== 'TMES0703' && c !== 'TMES0704');
    expect(frontEnd.filter((c) => !covered.has(c))).toEqual([]);
  });
});
