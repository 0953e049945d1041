import { defineCheck } from '../context.js';

/** A tap no rule takes traffic from: its traffic goes nowhere. */
export const unusedTap = defineCheck({
  name: 'unused-tap',
  codes: ['TMES0501'],
  needsEveryStatement: true,
  run({ policy, bag, rootIsLibrary }) {
    if (rootIsLibrary) return;
    const used = new Set<number>();
    for (const r of policy.rules) {
      if (r.action !== 'to') continue;
      if (r.taps === 'any') return;
      for (const t of r.taps) used.add(t);
    }
    for (const t of policy.taps)
      if (!used.has(t.index)) bag.add('TMES0501', t.span, `no rule takes traffic from tap '${t.name}'`);
  },
});
