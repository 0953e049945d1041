import type { IRecognitionException, IToken } from 'chevrotain';
import type { DiagnosticBag } from '../diagnostics/bag.js';
import type { SourceFile } from '../diagnostics/source.js';
import type { PolicyFile } from './ast.js';
import { blockError } from './block-errors.js';
import { AstBuilder } from './build-ast.js';
import { tokenize } from './lexer.js';
import { parser } from './parser.js';

export interface ParseResult {
  ast: PolicyFile;
  /** Names of declarations that failed to parse: references to them are not reported again. */
  brokenNames: Set<string>;
}

function errorSpan(file: SourceFile, e: IRecognitionException, tokens: IToken[]) {
  const t = e.token;
  if (t && !Number.isNaN(t.startOffset) && t.tokenType.name !== 'EOF') {
    // endOffset, not the image: a repaired unterminated string's image is longer than its text
    return { file, start: t.startOffset, end: (t.endOffset ?? t.startOffset) + 1 };
  }
  // At end of file: point just after the last real token, where the missing piece belongs.
  const last = tokens[tokens.length - 1];
  const at = last ? (last.endOffset ?? last.startOffset) + 1 : 0;
  return { file, start: at, end: at };
}

/** Lexes and parses one file; all errors go to the bag, and the AST holds every statement that parsed. */
export function parseSource(file: SourceFile, bag: DiagnosticBag): ParseResult {
  const tokens = tokenize(file, bag);
  parser.input = tokens;
  const cst = parser.file();
  const seen = new Set<number>();
  for (const e of parser.errors) {
    const span = errorSpan(file, e, tokens);
    // Recovery can report twice at one spot; once is enough.
    if (seen.has(span.start)) continue;
    seen.add(span.start);
    const block = blockError(e, file, tokens);
    bag.add('TMES0010', span, block?.message ?? e.message, block?.extra);
  }
  const builder = new AstBuilder(file, bag);
  const ast = builder.build(cst);
  return { ast, brokenNames: builder.brokenNames };
}
