import { defineCheck } from '../context.js';

/** Traffic sent to a group with no tool could go nowhere. */
export const emptyGroup = defineCheck({
  name: 'empty-group',
  codes: ['TMES0400'],
  run({ symbols, bag }) {
    for (const g of symbols.groups.values())
      // a tool lost to a syntax error is reported there; "no tool" would only cascade
      if (g.tools.length === 0 && !g.incomplete)
        bag.add('TMES0400', g.name.span, `group '${g.name.name}' has no tool; add tool NAME { output ... }`);
  },
});
