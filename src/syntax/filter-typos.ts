import type { IRecognitionException, IToken } from 'chevrotain';
import type { Span } from '../diagnostics/diagnostic.js';
import type { SourceFile } from '../diagnostics/source.js';
import { didYouMean } from '../diagnostics/suggest.js';
import type { BlockError } from './block-errors.js';
import { FILTER_VOCABULARY } from './pcap-words.js';
import * as T from './tokens.js';

/**
 * A syntax error in a filter that a misspelt filter word explains: `prot 80`
 * or `hots 10.0.0.1` (a name, then a value the parser did not expect after
 * it), `udpp port 53`, `tcp adn port 80`. The misspelt word is a plain name
 * to the parser, so the error lands on the word after it, or on it: the
 * parser's message is kept, and the closest filter word is suggested, with a
 * fix, when a `match` or a `define` comes before it in the statement (a
 * filter) and the name is not itself a filter word.
 */
export function filterTypo(e: IRecognitionException, file: SourceFile, tokens: IToken[]): BlockError | undefined {
  const at = e.token === undefined ? -1 : tokens.indexOf(e.token);
  if (at < 0) return undefined;
  const inFilter = tokens.slice(0, at).some((t) => t.tokenType === T.Match || t.tokenType === T.Define);
  if (!inFilter) return undefined;
  for (const t of [tokens[at], tokens[at - 1]]) {
    if (t === undefined || t.tokenType !== T.Identifier) continue;
    const guess = didYouMean(t.image, FILTER_VOCABULARY);
    if (guess === undefined || guess === t.image) continue;
    const span: Span = { file, start: t.startOffset, end: (t.endOffset ?? t.startOffset) + 1 };
    return {
      message: `${e.message}; '${t.image}' is no filter word: did you mean '${guess}'?`,
      extra: { fix: { message: `replace '${t.image}' with '${guess}'`, span, text: guess } },
    };
  }
  return undefined;
}
