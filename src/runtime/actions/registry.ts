import type { StepName } from '../../artifact/steps.js';
import type { ActionModule } from './action.js';
import { balance } from './balance.js';
import { mark } from './mark.js';
import { mask } from './mask.js';
import { replace } from './replace.js';
import { shape } from './shape.js';
import { strip } from './strip.js';
import { timestamp } from './timestamp.js';
import { truncate } from './truncate.js';

/**
 * The actions this runtime performs, by step name. A step the artifact
 * lists without a module here makes the run refuse the policy (it would
 * deliver packets the policy says must be changed). A new action is a new
 * file and one line here.
 */
export const ACTIONS: Partial<Record<StepName, ActionModule>> = {
  strip,
  balance,
  mask,
  truncate,
  mark,
  timestamp,
  replace,
  shape,
};
