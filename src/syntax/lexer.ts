import type { IToken } from 'chevrotain';
import { Lexer } from './chevrotain.js';
import type { DiagnosticBag } from '../diagnostics/bag.js';
import type { SourceFile } from '../diagnostics/source.js';
import { allTokens, BadRegex, BadString, RegexLit, StringLit } from './tokens.js';

/** The lexer's own validations run in the grammar test (makeLexer(true)); skipping them saves start-up time. */
export function makeLexer(checkTokens = false): Lexer {
  return new Lexer(allTokens, {
    ensureOptimizations: checkTokens,
    skipValidations: !checkTokens,
    // diagnostics work out lines from offsets when shown (SourceFile), so tokens carry offsets only
    positionTracking: 'onlyOffset',
  });
}

const lexer = makeLexer();

/**
 * Tokenizes a file. Lexical errors become diagnostics and lexing goes on, so
 * one run reports everything; an unterminated string or pattern is handed to
 * the parser as if it were closed, so it does not cascade into syntax errors.
 */
export function tokenize(file: SourceFile, bag: Pick<DiagnosticBag, 'add'>): IToken[] {
  const result = lexer.tokenize(file.text);
  for (const e of result.errors) {
    const ch = file.text.slice(e.offset, e.offset + e.length);
    const shown = ch.length > 20 ? ch.slice(0, 20) + '…' : ch;
    bag.add(
      'TMES0001',
      { file, start: e.offset, end: e.offset + Math.max(1, e.length) },
      `unexpected character${e.length > 1 ? 's' : ''} '${shown}'`,
    );
  }
  for (const t of result.tokens) {
    // the lexer tracks start offsets only (lines and columns would double a token's size)
    t.endOffset = t.startOffset + t.image.length - 1;
    if (t.tokenType === BadString) {
      bag.add('TMES0002', { file, start: t.startOffset, end: t.endOffset! + 1 }, 'string has no closing quote', {
        fix: { message: 'close the string', span: { file, start: t.endOffset! + 1, end: t.endOffset! + 1 }, text: '"' },
      });
      t.tokenType = StringLit;
      t.tokenTypeIdx = StringLit.tokenTypeIdx!;
      (t as { image: string }).image = t.image + '"';
    } else if (t.tokenType === BadRegex) {
      bag.add('TMES0003', { file, start: t.startOffset, end: t.endOffset! + 1 }, 'pattern has no closing /');
      t.tokenType = RegexLit;
      t.tokenTypeIdx = RegexLit.tokenTypeIdx!;
      (t as { image: string }).image = t.image + '/';
    }
  }
  return result.tokens;
}
