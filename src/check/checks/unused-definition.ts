import { defineCheck } from '../context.js';

/** A definition nobody uses is dead weight or, more often, a typo where it was meant to be used. */
export const unusedDefinition = defineCheck({
  name: 'unused-definition',
  codes: ['TMES0500'],
  needsEveryStatement: true,
  run({ symbols, bag, rootIsLibrary }) {
    if (rootIsLibrary) return;
    for (const d of symbols.defines.values()) {
      if (d.library || symbols.used.has(d.decl)) continue;
      bag.add('TMES0500', d.decl.name.span, `'${d.decl.name.name}' is defined but never used`);
    }
  },
});
