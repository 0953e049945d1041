import { defineCheck } from '../context.js';

/** A tap captures from one interface; several need one tap each (rules take traffic from several taps). */
export const sourceInterfaceCount = defineCheck({
  name: 'source-interface-count',
  codes: ['TMES0420'],
  run({ symbols, bag }) {
    for (const tap of symbols.taps.values())
      for (const item of tap.items)
        if (item.kind === 'Source' && item.type.word === 'interface' && item.paths.length !== 1)
          bag.add(
            'TMES0420',
            item.span,
            `source interface takes exactly one interface name, not ${item.paths.length}; declare one tap per interface`,
          );
  },
});
