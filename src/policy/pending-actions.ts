import type { GroupActions } from './policy.js';

/**
 * The group actions `tmesc run` does not perform yet: the one list both sides
 * read. The runtime refuses a policy that asks for one (it would deliver
 * packets the policy says must be changed: sensitive data could leak
 * unmasked), and `validate` warns where each is written (TMES0900). When a
 * transform lands, delete its entry here; the refusal and the warning follow.
 */
// typed wide, not `as const`: once the list is empty a literal type would be `never` and break the build
export const PENDING_ACTIONS: readonly (keyof GroupActions)[] = [];

export type PendingAction = (typeof PENDING_ACTIONS)[number];

/** How each action is spelled in a policy. */
export const ACTION_KEYWORDS: { readonly [K in keyof GroupActions]-?: string } = {
  strip: 'strip',
  masks: 'mask',
  replaces: 'replace',
  truncate: 'truncate',
  timestamp: 'timestamp',
  shape: 'shape',
  dedup: 'dedup',
};

export function isPending(key: keyof GroupActions): key is PendingAction {
  return (PENDING_ACTIONS as readonly string[]).includes(key);
}

/** The pending actions a group asks for (a list action counts when it is not empty). */
export function pendingActionsOf(actions: GroupActions): PendingAction[] {
  return PENDING_ACTIONS.filter((k) => {
    const v = actions[k];
    return Array.isArray(v) ? v.length > 0 : v !== undefined;
  });
}
