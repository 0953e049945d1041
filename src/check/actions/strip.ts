import { STRIP_TARGETS } from '../names.js';
import { unknownWord } from '../unknown-word.js';
import { defineAction } from './handler.js';

/** `strip vxlan, gre, ...`: the encapsulations removed before delivery. */
export const strip = defineAction({
  kind: 'Strip',
  keyword: 'strip',
  policyKey: 'strip',
  repeat: 'many',
  apply(a, { bag, actions }) {
    for (const t of a.targets) {
      if (!STRIP_TARGETS.includes(t.word)) unknownWord(bag, t.span, t.word, 'strip target', STRIP_TARGETS);
      else if (!actions.strip.includes(t.word)) actions.strip.push(t.word);
    }
  },
});
