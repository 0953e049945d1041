import { defineCheck } from '../context.js';

/** Balancing weights and shaping both come from tool rates, so a group should give all or none. */
export const rates = defineCheck({
  name: 'rates',
  codes: ['TMES0408', 'TMES0409'],
  run({ policy, bag }) {
    for (const g of policy.groups) {
      const without = g.tools.filter((t) => t.rateBps === undefined);
      if (g.actions.shape) {
        for (const t of without)
          bag.add(
            'TMES0409',
            t.span,
            `group '${g.name}' is shaped, but tool '${t.name}' has no rate to shape to; add rate N Gbps`,
          );
      } else if (without.length > 0 && without.length < g.tools.length) {
        for (const t of without)
          bag.add(
            'TMES0408',
            t.span,
            `tool '${t.name}' has no rate while others in group '${g.name}' do; it gets the average weight`,
          );
      }
    }
  },
});
