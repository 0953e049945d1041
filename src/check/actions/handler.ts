import type { Reporter } from '../../diagnostics/bag.js';
import type { Group, GroupActions } from '../../policy/policy.js';
import type * as A from '../../syntax/ast.js';
import type { BuildCode } from '../stages.js';
import type { Symbols } from '../symbols.js';

/** What an action handler reads and writes while its group is built. */
export interface ActionEnv {
  readonly bag: Reporter<BuildCode>;
  readonly symbols: Symbols;
  readonly group: A.GroupDecl;
  /** The group's actions and balancing, filled in by the handlers. */
  readonly actions: GroupActions;
  readonly balance: Group['balance'];
}

export type ActionKind = A.GroupAction['kind'];
export type ActionOf<K extends ActionKind> = Extract<A.GroupAction, { kind: K }>;

/**
 * One group action: how it is checked and what it puts into the policy.
 * The transforms of the runtime pair with these one to one.
 */
export interface ActionHandler<K extends ActionKind = ActionKind> {
  readonly kind: K;
  /** The keyword, as in the policy and in messages. */
  readonly keyword: string;
  /** Where it lands in the checked policy's actions (balance lands in the group's balancing instead). */
  readonly policyKey?: keyof GroupActions;
  /**
   * How often a group may give it: 'many' (strip, mask and replace lists
   * add up), or 'once', where a second line is reported by the
   * duplicate-setting check (as a conflict, TMES0411, when two would
   * contradict each other) and the builder keeps the first.
   */
  readonly repeat: 'many' | 'once' | 'once-conflict';
  readonly apply: (a: ActionOf<K>, env: ActionEnv) => void;
}

export function defineAction<K extends ActionKind>(h: ActionHandler<K>): ActionHandler<K> {
  return Object.freeze(h);
}
