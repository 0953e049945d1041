import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CODES } from '../../src/diagnostics/codes.js';
import { locate } from '../../src/diagnostics/diagnostic.js';
import { OPENFLOW_CODES } from '../../src/openflow/backend.js';
import { lintFixture } from './support/lint-fixture.js';

/**
 * One fixture per diagnostic code. Each fixture states what it must produce in
 * `# expect: CODE line:col` comments (`# expect: CODE FILE:line:col` for a
 * finding in the configuration or baseline beside it); the test demands
 * exactly that set, so a check that fires too often or in the wrong place
 * fails as surely as one that does not fire.
 */
const dir = join(import.meta.dirname, 'fixtures');
const fixtures = readdirSync(dir).filter((f) => f.endsWith('.tmes'));

function expectations(fixture: string, text: string): string[] {
  return [...text.matchAll(/^# expect: (TMES\d{4}) (?:(\S+):)?(\d+):(\d+)$/gm)]
    .map((m) => `${m[1]} ${m[2] ?? fixture}:${m[3]}:${m[4]}`)
    .sort();
}

describe('checker fixtures', () => {
  for (const f of fixtures) {
    it(f, () => {
      const path = join(dir, f);
      // as validate reports it: the checker, # tmesc-ignore comments, the configuration and baseline beside it
      const got = lintFixture(path)
        .diagnostics.filter((d) => d.span.file.path === path || basename(d.span.file.path).startsWith(f.slice(0, -5)))
        .map((d) => {
          const l = locate(d);
          return `${d.code} ${basename(d.span.file.path)}:${l.line}:${l.column}`;
        });
      expect(got.sort()).toEqual(expectations(f, readFileSync(path, 'utf8')));
    });
  }

  it('has a fixture for every code but the analysis notes', () => {
    const covered = new Set(fixtures.map((f) => f.slice(0, 8)));
    // the OpenFlow backend's codes are about ports maps: their fixtures are in test/openflow/fixtures
    const openflow: readonly string[] = OPENFLOW_CODES;
    const frontEnd = [...CODES.keys()].filter((c) => c !== 'TMES0703' && c !== 'TMES0704' && !openflow.includes(c));
    expect(frontEnd.filter((c) => !covered.has(c))).toEqual([]);
  });
});
