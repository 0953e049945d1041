import type { Check } from '../context.js';
import { interfaceReused } from './interface-reused.js';
import { mixedAndOr } from './mixed-and-or.js';
import { outputIsInput } from './output-is-input.js';
import { policyHeader } from './policy-header.js';
import { rates } from './rates.js';
import { repeatedTarget } from './repeated-target.js';
import { sharedOutput } from './shared-output.js';
import { unusedDefinition, unusedGroup, unusedTap } from './unused.js';

/** The lint checks, run in this order after the policy is built. */
export const CHECKS: readonly Check[] = Object.freeze([
  policyHeader,
  sharedOutput,
  outputIsInput,
  interfaceReused,
  rates,
  repeatedTarget,
  mixedAndOr,
  unusedDefinition,
  unusedTap,
  unusedGroup,
]);
