import { defineCheck } from '../context.js';

/** A group no rule sends to: its tools receive nothing. */
export const unusedGroup = defineCheck({
  name: 'unused-group',
  codes: ['TMES0502'],
  needsEveryStatement: true,
  run({ policy, bag, rootIsLibrary }) {
    if (rootIsLibrary) return;
    const used = new Set<number>();
    for (const r of policy.rules) if (r.action === 'to') for (const g of r.groups) used.add(g);
    for (const g of policy.groups)
      if (!used.has(g.index)) bag.add('TMES0502', g.span, `no rule sends traffic to group '${g.name}'`);
  },
});
