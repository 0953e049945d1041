import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkPolicyFile } from '../../src/check/check.js';
import { DiagnosticBag } from '../../src/diagnostics/bag.js';
import { locate } from '../../src/diagnostics/diagnostic.js';
import { SourceFile } from '../../src/diagnostics/source.js';
import { compileToOpenFlow, OPENFLOW_CODES } from '../../src/openflow/backend.js';

/**
 * One ports map fixture per code of the OpenFlow backend (TMES0840-0859), as
 * the checker has one policy per code: `# policy: FILE` names the policy it
 * maps, `# expect: CODE [FILE:]LINE:COL` each diagnostic it must produce (in
 * the map, or in the policy file named), and nothing else may come.
 */
const dir = join(import.meta.dirname, 'fixtures');
const fixtures = readdirSync(dir).filter((f) => /^TMES\d{4}-.*\.ports$/.test(f));

function expectations(text: string): string[] {
  return [...text.matchAll(/^# expect: (TMES\d{4}) ((?:[\w.-]+:)?\d+:\d+)$/gm)].map((m) => `${m[1]} ${m[2]}`).sort();
}

describe('ports map fixtures', () => {
  for (const f of fixtures) {
    it(f, () => {
      const path = join(dir, f);
      const text = readFileSync(path, 'utf8');
      const policyFile = /^# policy: (\S+)$/m.exec(text)?.[1];
      if (!policyFile) throw new Error(`${f} names no policy`);
      const checked = checkPolicyFile(join(dir, policyFile));
      expect(checked.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      const bag = new DiagnosticBag();
      const out = compileToOpenFlow(checked.policy, new SourceFile(path, text), bag);
      const got = bag.items.map((d) => {
        const l = locate(d);
        return `${d.code} ${l.file === path ? '' : `${basename(l.file)}:`}${l.line}:${l.column}`;
      });
      expect(got.sort()).toEqual(expectations(text));
      // a program exactly when nothing is an error
      expect(out === undefined).toBe(bag.items.some((d) => d.severity === 'error'));
    });
  }

  it('has a fixture for every code of the backend', () => {
    const covered = new Set(fixtures.map((f) => f.slice(0, 8)));
    expect(OPENFLOW_CODES.filter((c) => !covered.has(c))).toEqual([]);
  });
});
