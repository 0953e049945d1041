import type { Reporter } from '../diagnostics/bag.js';
import type { Span } from '../diagnostics/diagnostic.js';
import { didYouMean } from '../diagnostics/suggest.js';

/**
 * TMES0308 for a word a setting or test does not know: the closest accepted
 * word as a suggestion and a fix, and the whole list, so the user need not
 * open the docs. The one helper for every unknown option, unit, keyword.
 */
export function unknownWord(
  bag: Reporter<'TMES0308'>,
  span: Span,
  word: string,
  what: string,
  accepted: readonly string[],
): void {
  const guess = didYouMean(word, accepted);
  bag.add(
    'TMES0308',
    span,
    `unknown ${what} '${word}'${guess ? `; did you mean '${guess}'?` : ''}${accepted.length ? ` (accepted: ${accepted.join(', ')})` : ''}`,
    guess ? { fix: { message: `replace with '${guess}'`, span, text: guess } } : undefined,
  );
}
