import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkPolicyFile } from '../../src/check/check.js';
import { CHECKS } from '../../src/check/checks/index.js';
import type { Check } from '../../src/check/context.js';
import { BUILD_CODES, CHECKER_CODES, LOAD_CODES } from '../../src/check/stages.js';
import { LINT_CODES } from '../../src/cli/lint/codes.js';
import { CODES } from '../../src/diagnostics/codes.js';
import { graphChecks } from '../../src/ir/graph-check.js';
import { pcapLinkTypes } from '../../src/runtime/checks/pcap-link-types.js';
import { OPENFLOW_CODES } from '../../src/openflow/backend.js';
import { lintFixture } from './support/lint-fixture.js';

/**
 * Every check and every stage declares the codes it reports. Over every
 * fixture, each diagnostic must come from someone who declared its code,
 * and each declared code must be reported, by whoever declared it, in some
 * fixture: a declaration can neither lie nor go stale.
 */
const dir = join(import.meta.dirname, 'fixtures');
const fixtures = readdirSync(dir).filter((f) => f.endsWith('.tmes'));

const nameOf = (c: Check) => c.name ?? c.codes.join('+');
const declared = new Map<string, readonly string[]>([
  ['load', LOAD_CODES],
  ['build', BUILD_CODES],
  ['checker', CHECKER_CODES],
  ['lint', LINT_CODES],
  ...[...CHECKS, graphChecks, pcapLinkTypes].map((c): [string, readonly string[]] => [nameOf(c), c.codes]),
  ['openflow', OPENFLOW_CODES],
]);

/**
 * Codes no small fixture can trigger (the analysis budget, the optimizer's iteration cap), and those
 * no policy alone triggers: the OpenFlow backend's, about ports maps (test/openflow/fixtures.test.ts).
 */
const UNTRIGGERED = new Set<string>([
  'TMES0703',
  'TMES0704',
  // not-run-yet: run performs every action in this version (src/policy/pending-actions.ts is empty)
  'TMES0900',
  ...OPENFLOW_CODES,
]);

describe('declared diagnostic codes', () => {
  const emitted = new Map<string, Set<string>>();
  const strays: string[] = [];
  for (const f of fixtures) {
    // the fixture's own options (`# check-options: {...}`), as the fixture test reads them
    const options = /^# check-options: (.*)$/m.exec(readFileSync(join(dir, f), 'utf8'))?.[1];
    const r = checkPolicyFile(join(dir, f), {
      extraChecks: [graphChecks, pcapLinkTypes],
      ...(options ? (JSON.parse(options) as object) : {}),
    });
    for (const d of r.diagnostics) {
      const who = r.emitterOf(d);
      if (!declared.get(who)?.includes(d.code)) strays.push(`${f}: ${d.code} from '${who}'`);
      if (!emitted.has(who)) emitted.set(who, new Set());
      emitted.get(who)!.add(d.code);
    }
    // validate's lint stage (configuration, suppressions, baseline) over the same fixtures, with the files beside them
    const lint = lintFixture(join(dir, f));
    for (const d of lint.diagnostics.filter((d) => lint.emitterOf(d) === 'lint')) {
      if (!LINT_CODES.includes(d.code as (typeof LINT_CODES)[number])) strays.push(`${f}: ${d.code} from 'lint'`);
      if (!emitted.has('lint')) emitted.set('lint', new Set());
      emitted.get('lint')!.add(d.code);
    }
  }

  it('every checks and stage has a name of its own', () => {
    expect(declared.size).toBe(4 + CHECKS.length + 3);
  });

  it('every diagnostic comes from a check or stage that declares its code', () => {
    expect(strays).toEqual([]);
  });

  for (const [who, codes] of declared) {
    it(`every code '${who}' declares is reported by it in some fixture`, () => {
      const missing = codes.filter((c) => !UNTRIGGERED.has(c) && !emitted.get(who)?.has(c));
      expect(missing).toEqual([]);
    });
  }

  it('every code of the catalogue is declared by some check or stage', () => {
    const all = new Set([...declared.values()].flat());
    expect([...CODES.keys()].filter((c) => !all.has(c))).toEqual([]);
  });
});
