import { balance } from './balance.js';
import { dedup } from './dedup.js';
import type { ActionHandler, ActionKind } from './handler.js';
import { mask } from './mask.js';
import { replace } from './replace.js';
import { shape } from './shape.js';
import { strip } from './strip.js';
import { timestamp } from './timestamp.js';
import { truncate } from './truncate.js';

/** Every group action's handler, by syntax kind (a new action kind without a handler does not compile). */
export const ACTIONS: { readonly [K in ActionKind]: ActionHandler<K> } = Object.freeze({
  Balance: balance,
  Shape: shape,
  Strip: strip,
  Mask: mask,
  Replace: replace,
  Truncate: truncate,
  Timestamp: timestamp,
  Dedup: dedup,
});

export type { ActionEnv, ActionHandler, ActionKind } from './handler.js';
