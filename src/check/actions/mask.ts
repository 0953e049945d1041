import { BUILTIN_MASKS } from '../names.js';
import { defineAction } from './handler.js';
import { patternOf } from './pattern-ref.js';

/** `mask card-number, /re/ with "#"`: matching payload bytes overwritten, length kept. */
export const mask = defineAction({
  kind: 'Mask',
  keyword: 'mask',
  policyKey: 'masks',
  repeat: 'many',
  apply(a, { bag, symbols, actions }) {
    for (const t of a.targets) {
      const fill = t.fill?.value ?? '*';
      if ([...fill].length !== 1) {
        bag.add('TMES0311', t.fill!.span, `mask fill must be exactly one character, not "${fill}"`);
        continue;
      }
      if (fill.charCodeAt(0) > 0xff) {
        bag.add(
          'TMES0460',
          t.fill!.span,
          `mask fill "${fill}" takes more than one byte; masking keeps lengths, so the fill must be an ASCII character or \\xHH`,
        );
        continue;
      }
      if (t.pattern.kind === 'Word' && BUILTIN_MASKS.includes(t.pattern.word)) {
        actions.masks.push({ kind: t.pattern.word as 'card-number', fill });
        continue;
      }
      const re = patternOf(t.pattern, bag, symbols);
      if (re) actions.masks.push({ kind: 'regex', source: re.source, flags: re.flags, fill });
    }
  },
});
