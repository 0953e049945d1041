import { quantity } from '../quantity.js';
import { unknownWord } from '../unknown-word.js';
import { SIZE_UNITS } from '../units.js';
import { defineAction } from './handler.js';

/** `truncate payload N` / `truncate frame N`: packets cut to a length (snap length). */
export const truncate = defineAction({
  kind: 'Truncate',
  keyword: 'truncate',
  policyKey: 'truncate',
  repeat: 'once-conflict',
  apply(a, { bag, actions }) {
    const what = a.what.word;
    if (what !== 'payload' && what !== 'frame') {
      unknownWord(bag, a.what.span, what, 'truncate target', ['payload', 'frame']);
      return;
    }
    const bytes = quantity(bag, a.amount, SIZE_UNITS, 'truncate length', 'TMES0304', 'B');
    if (bytes === undefined) return;
    const min = what === 'frame' ? 14 : 0;
    if (!Number.isInteger(bytes) || bytes < min || bytes > 262144)
      bag.add('TMES0304', a.amount.span, `truncate ${what} takes ${min} to 262144 bytes`);
    else actions.truncate = { what, bytes };
  },
});
