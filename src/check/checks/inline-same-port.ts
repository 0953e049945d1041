import { defineCheck } from '../context.js';

/** An inline tap bridges two ports; the same port on both sides would loop traffic back. */
export const inlineSamePort = defineCheck({
  name: 'inline-same-port',
  codes: ['TMES0403'],
  run({ symbols, bag }) {
    for (const tap of symbols.taps.values())
      for (const item of tap.items)
        if (item.kind === 'Inline' && item.left.value === item.right.value)
          bag.add(
            'TMES0403',
            item.span,
            `inline tap '${tap.name.name}' bridges '${item.left.value}' to itself; name two different interfaces`,
          );
  },
});
