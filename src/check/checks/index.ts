import type { Check } from '../context.js';
import { duplicateRule } from './duplicate-rule.js';
import { duplicateSetting } from './duplicate-setting.js';
import { emptyGroup } from './empty-group.js';
import { inlineSamePort } from './inline-same-port.js';
import { interfaceReused } from './interface-reused.js';
import { mixedAndOr } from './mixed-and-or.js';
import { notRunYet } from './not-run-yet.js';
import { outputIsInput } from './output-is-input.js';
import { policyHeader } from './policy-header.js';
import { precisionOnInterface } from './precision-on-interface.js';
import { rates } from './rates.js';
import { repeatedTarget } from './repeated-target.js';
import { shapeBurst } from './shape-burst.js';
import { shapeDrain } from './shape-drain.js';
import { sharedOutput } from './shared-output.js';
import { sourceInterfaceCount } from './source-interface-count.js';
import { tapWithoutSource } from './tap-without-source.js';
import { toolWithoutOutput } from './tool-without-output.js';
import { unusedDefinition } from './unused-definition.js';
import { unusedGroup } from './unused-group.js';
import { unusedTap } from './unused-tap.js';

/** The lint checks, run in this order after the policy is built. */
export const CHECKS: readonly Check[] = Object.freeze([
  policyHeader,
  duplicateRule,
  tapWithoutSource,
  sourceInterfaceCount,
  inlineSamePort,
  emptyGroup,
  toolWithoutOutput,
  precisionOnInterface,
  duplicateSetting,
  sharedOutput,
  outputIsInput,
  interfaceReused,
  rates,
  shapeBurst,
  shapeDrain,
  repeatedTarget,
  mixedAndOr,
  notRunYet,
  unusedDefinition,
  unusedTap,
  unusedGroup,
]);
