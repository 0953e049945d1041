import { defineAction } from './handler.js';
import { patternOf } from './pattern-ref.js';

/** `replace /re/ with "text"`: matching payload bytes rewritten. */
export const replace = defineAction({
  kind: 'Replace',
  keyword: 'replace',
  policyKey: 'replaces',
  repeat: 'many',
  apply(a, { bag, symbols, actions }) {
    const re = patternOf(a.pattern, bag, symbols);
    if (re) actions.replaces.push({ source: re.source, flags: re.flags, text: a.text.value });
  },
});
