import type { IRecognitionException, IToken, TokenType } from 'chevrotain';
import type { DiagnosticExtra } from '../diagnostics/bag.js';
import type { Span } from '../diagnostics/diagnostic.js';
import type { SourceFile } from '../diagnostics/source.js';
import { didYouMean } from '../diagnostics/suggest.js';
import * as T from './tokens.js';

/**
 * Better words for the commonest syntax error in a block: where the parser
 * wanted the closing `}`. Either the block's `}` is missing (the next
 * statement came first: point at the `{` it closes), or an item of the block
 * is misspelt or misplaced (say what the block holds, and the closest).
 */
interface Block {
  readonly what: string;
  readonly items: readonly string[];
}

const BLOCKS: Record<string, Block> = {
  groupDecl: {
    what: 'group',
    items: ['tool', 'balance', 'shape', 'strip', 'mask', 'replace', 'truncate', 'timestamp', 'dedup'],
  },
  tapDecl: { what: 'tap', items: ['source', 'inline', 'mark'] },
  toolDecl: { what: 'tool', items: ['output', 'rate'] },
};

/** The blocks an item keyword belongs in, for "'output' goes in a tool". */
const HOME = new Map<string, string>(Object.values(BLOCKS).flatMap((b) => b.items.map((i) => [i, b.what])));

const STATEMENTS = new Set<TokenType>([T.Policy, T.Include, T.Define, T.Tap, T.Group, T.Rule]);

/** What the parser expected when a token did not match, recorded by the message provider. */
const mismatches = new WeakMap<IToken, { expected: TokenType; ruleName: string }>();

export function recordMismatch(actual: IToken, expected: TokenType, ruleName: string): void {
  mismatches.set(actual, { expected, ruleName });
}

export interface BlockError {
  message: string;
  extra?: DiagnosticExtra;
}

/**
 * A better report of `e` when it is a block's missing or unexpected item, else
 * undefined. `tokens` are the statement's; `follower` is the first token after
 * it (the parser sees each statement alone, so a missing `}` meets its end).
 */
export function blockError(
  e: IRecognitionException,
  file: SourceFile,
  tokens: IToken[],
  follower?: IToken,
): BlockError | undefined {
  const info = e.token && mismatches.get(e.token);
  const t = e.token?.tokenType.name === 'EOF' && follower ? follower : e.token;
  const block = info && info.expected === T.RBrace ? BLOCKS[info.ruleName] : undefined;
  if (!t || !block) return undefined;
  const open = unclosedBrace(tokens, e.token);
  if (!open) return undefined;
  const i = tokens.indexOf(open);
  const name = tokens[i - 1]?.tokenType === T.Identifier ? ` '${tokens[i - 1].image}'` : '';
  const span = (tok: IToken): Span => ({ file, start: tok.startOffset, end: (tok.endOffset ?? tok.startOffset) + 1 });
  const opens = { message: `${block.what}${name} opens here`, span: span(open) };
  const holds = `a ${block.what} holds ${list(block.items)}, and '}' closes it`;
  const isEof = t.tokenType.name === 'EOF';
  const home = HOME.get(t.image);

  if (isEof || STATEMENTS.has(t.tokenType) || (home && home !== block.what && outer(block.what, home)))
    return {
      message: `expected '}' to close ${block.what}${name}, found ${isEof ? 'end of file' : `'${t.image}'`}`,
      extra: { related: [opens] },
    };
  if (home && home !== block.what)
    return {
      message: `'${t.image}' goes in a ${home}, not in a ${block.what}${home === 'tool' ? ': tool NAME { output ...; rate ... }' : ''}`,
      extra: { related: [opens] },
    };
  if (t.tokenType === T.Identifier) {
    const guess = didYouMean(t.image, block.items);
    return {
      message: `unknown ${block.what} setting '${t.image}'${guess ? `; did you mean '${guess}'?` : ''} (${holds})`,
      extra: guess ? { fix: { message: `replace with '${guess}'`, span: span(t), text: guess } } : undefined,
    };
  }
  return { message: `unexpected '${t.image}' in ${block.what}${name}; ${holds}`, extra: { related: [opens] } };
}

/** Whether `home` is a block that encloses `block` (a group item met inside a tool: the tool is not closed). */
function outer(block: string, home: string): boolean {
  return block === 'tool' && home === 'group';
}

/** The innermost `{` before `at` that no `}` closes. */
function unclosedBrace(tokens: IToken[], at: IToken): IToken | undefined {
  const stack: IToken[] = [];
  for (const tok of tokens) {
    if (at.tokenType.name !== 'EOF' && tok.startOffset >= at.startOffset) break;
    if (tok.tokenType === T.LBrace) stack.push(tok);
    else if (tok.tokenType === T.RBrace) stack.pop();
  }
  return stack[stack.length - 1];
}

function list(items: readonly string[]): string {
  return items.length === 1 ? items[0] : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}
