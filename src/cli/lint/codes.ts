import type { Code } from '../../diagnostics/codes.js';

/**
 * The codes the lint stage reports (the configuration, suppressions and the
 * baseline), as each check and the checker's stages declare theirs in
 * src/check/: its reports are typed to these, and test/check/declared-codes
 * holds it to them over every fixture.
 */
export const LINT_CODES = [
  'TMES0950',
  'TMES0951',
  'TMES0952',
  'TMES0953',
  'TMES0954',
  'TMES0955',
] as const satisfies readonly Code[];

export type LintCode = (typeof LINT_CODES)[number];
