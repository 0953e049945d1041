import { quantity } from '../quantity.js';
import { unknownWord } from '../unknown-word.js';
import { SIZE_UNITS } from '../units.js';
import { defineAction } from './handler.js';

/** `shape burst SIZE`: bursts conditioned down to each tool's rate. */
export const shape = defineAction({
  kind: 'Shape',
  keyword: 'shape',
  policyKey: 'shape',
  repeat: 'once',
  apply(a, { bag, actions }) {
    if (a.what.word !== 'burst') {
      unknownWord(bag, a.what.span, a.what.word, 'shape setting', ['burst']);
      return;
    }
    const bytes = quantity(bag, a.amount, SIZE_UNITS, 'burst size', 'TMES0304');
    if (bytes === undefined) return;
    if (bytes < 1500 || bytes > 1e9)
      bag.add('TMES0304', a.amount.span, `burst size must be between 1500 B (one full frame) and 1 GB`);
    else actions.shape = { burstBytes: Math.round(bytes) };
  },
});
