import { defineCheck } from '../context.js';

/** A tap needs somewhere to capture from. */
export const tapWithoutSource = defineCheck({
  name: 'tap-without-source',
  codes: ['TMES0404'],
  run({ symbols, bag }) {
    for (const tap of symbols.taps.values())
      if (!tap.items.some((i) => i.kind === 'Source' || i.kind === 'Inline'))
        bag.add(
          'TMES0404',
          tap.name.span,
          `tap '${tap.name.name}' has no source; add source interface "...", source pcap "...", or inline "a" <-> "b"`,
        );
  },
});
