import type { Code } from '../diagnostics/codes.js';

/**
 * The codes the stages before the checks report. Like each check's `codes`,
 * a test runs every fixture and holds each stage to its list.
 */

/** Reading, lexing and parsing the files and their includes (load.ts, syntax/). */
export const LOAD_CODES = [
  'TMES0001',
  'TMES0002',
  'TMES0003',
  'TMES0004',
  'TMES0010',
  'TMES0040',
  'TMES0041',
  'TMES0100',
  'TMES0101',
  'TMES0110',
  'TMES0111',
  'TMES0112',
  'TMES0113',
] as const satisfies readonly Code[];

/** Declaring names, resolving references, reading values and lowering filters (build-policy.ts and what it calls). */
export const BUILD_CODES = [
  'TMES0011',
  'TMES0200',
  'TMES0201',
  'TMES0202',
  'TMES0210',
  'TMES0211',
  'TMES0300',
  'TMES0301',
  'TMES0302',
  'TMES0303',
  'TMES0304',
  'TMES0305',
  'TMES0306',
  'TMES0307',
  'TMES0308',
  'TMES0309',
  'TMES0311',
  'TMES0312',
  'TMES0320',
  'TMES0321',
  'TMES0322',
  'TMES0340',
  'TMES0341',
  'TMES0460',
  'TMES0600',
  'TMES0601',
  'TMES0602',
  'TMES0603',
  'TMES0604',
  'TMES0605',
  'TMES0040',
  'TMES0800',
] as const satisfies readonly Code[];

/** check.ts itself: the note that some checks did not run. */
export const CHECKER_CODES = ['TMES0901'] as const satisfies readonly Code[];

export type BuildCode = (typeof BUILD_CODES)[number];
