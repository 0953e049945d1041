import { quantity } from '../quantity.js';
import { unknownWord } from '../unknown-word.js';
import { DURATION_UNITS } from '../units.js';
import { defineAction } from './handler.js';

const DEFAULT_WINDOW_NS = 10e6;

/** `dedup [window DURATION]`: a packet seen again within the window is dropped. */
export const dedup = defineAction({
  kind: 'Dedup',
  keyword: 'dedup',
  policyKey: 'dedup',
  repeat: 'once',
  apply(a, { bag, actions }) {
    let ns = DEFAULT_WINDOW_NS;
    if (a.what) {
      if (a.what.word !== 'window') {
        unknownWord(bag, a.what.span, a.what.word, 'dedup setting', ['window']);
        return;
      }
      const v = quantity(bag, a.amount!, DURATION_UNITS, 'dedup window', 'TMES0304');
      if (v === undefined) return;
      if (v < 1e3 || v > 10e9) {
        bag.add('TMES0304', a.amount!.span, 'dedup window must be between 1 us and 10 s');
        return;
      }
      ns = v;
    }
    actions.dedup = { windowNs: Math.round(ns) };
  },
});
