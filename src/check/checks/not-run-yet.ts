import { ACTION_KEYWORDS, isPending } from '../../policy/pending-actions.js';
import { ACTIONS, type ActionHandler } from '../actions/index.js';
import { defineCheck } from '../context.js';

/**
 * Group actions `tmesc run` does not perform yet (policy/pending-actions.ts,
 * the list the runtime refuses by). The policy is valid and compiles, so this
 * is a warning, not an error: validate answers "is this policy right", and
 * it is; but run will refuse it, and saying so only when run starts would
 * come too late for the CI that validated it. One warning per action line,
 * where it is written.
 */
export const notRunYet = defineCheck({
  name: 'not-run-yet',
  codes: ['TMES0900'],
  run({ symbols, policy, bag }) {
    for (const decl of symbols.groups.values()) {
      const group = policy.groups.find((g) => g.name === decl.name.name);
      if (!group) continue;
      const seen = new Set<string>();
      for (const a of decl.actions) {
        const h = ACTIONS[a.kind] as ActionHandler;
        const key = h.policyKey;
        if (!key || !isPending(key)) continue;
        if (h.repeat !== 'many' && seen.has(key)) continue; // a second line is duplicate-setting's; the first is what applies
        seen.add(key);
        const asked = group.actions[key];
        if (Array.isArray(asked) ? asked.length === 0 : asked === undefined) continue; // nothing valid to perform
        bag.add(
          'TMES0900',
          a.span,
          `tmesc run does not perform '${ACTION_KEYWORDS[key]}' yet, and refuses to run a policy that asks for it rather than deliver packets to group '${decl.name.name}' unchanged; compile, explain and diff handle it`,
        );
      }
    }
  },
});
