import { unknownWord } from '../unknown-word.js';
import { defineAction } from './handler.js';

/** `balance session [symmetric|asymmetric] [inner]`: how the group's tools share its traffic. */
export const balance = defineAction({
  kind: 'Balance',
  keyword: 'balance',
  repeat: 'once',
  apply(a, { bag, balance }) {
    const [mode, ...opts] = a.words;
    if (mode.word !== 'session') {
      unknownWord(bag, mode.span, mode.word, 'balance mode', ['session']);
      return;
    }
    for (const o of opts) {
      if (o.word === 'symmetric') balance.symmetric = true;
      else if (o.word === 'asymmetric') balance.symmetric = false;
      else if (o.word === 'inner') balance.inner = true;
      else unknownWord(bag, o.span, o.word, 'balance option', ['symmetric', 'asymmetric', 'inner']);
    }
  },
});
