import type { IRecognitionException, IToken, TokenType } from 'chevrotain';
import type { DiagnosticBag } from '../diagnostics/bag.js';
import type { Span } from '../diagnostics/diagnostic.js';
import type { SourceFile } from '../diagnostics/source.js';
import type { PolicyFile } from './ast.js';
import { blockError } from './block-errors.js';
import { filterTypo } from './filter-typos.js';
import { AstBuilder, type Reporter } from './build-ast.js';
import type { StatementCstNode } from './cst.generated.js';
import { tokenize } from './lexer.js';
import { MAX_ERRORS_PER_STATEMENT, MAX_NESTING, MAX_REPORTED_SYNTAX_ERRORS } from './limits.js';
import { setStatementFollower } from './messages.js';
import { parser, TooManyErrors } from './parser.js';
import * as T from './tokens.js';

export interface ParseResult {
  ast: PolicyFile;
  /** Names of declarations that failed to parse: references to them are not reported again. */
  brokenNames: Set<string>;
}

/** Every statement starts with one of these reserved words, and nothing else uses them. */
const STATEMENT_START = new Set<TokenType>([T.Policy, T.Include, T.Define, T.Tap, T.Group, T.Rule]);

/**
 * Lexes and parses one file; errors go to the bag, and the AST holds every
 * statement that parsed.
 *
 * Statements delimit themselves (each starts with a reserved word), so the
 * file is cut into statements and each is parsed on its own: a broken
 * statement costs only itself, recovery work stays proportional to the
 * statement, and a statement that nests past MAX_NESTING is reported
 * (TMES0040) and skipped before the recursive-descent parser could run out of
 * stack on it. A file reports its first MAX_REPORTED_SYNTAX_ERRORS problems
 * and counts the rest in one note (TMES0041).
 */
export function parseSource(file: SourceFile, bag: DiagnosticBag): ParseResult {
  const reporter = new CappedReporter(bag);
  const tokens = tokenize(file, reporter);
  const chunks = splitStatements(tokens);
  const builder = new AstBuilder(file, reporter);
  const brokenNames = new Set<string>();
  const seen = new Set<number>();
  for (let i = 0; i < chunks.length; i++) {
    const chunk = chunks[i];
    const tooDeep = nestingPastLimit(chunk);
    if (tooDeep) {
      reporter.add(
        'TMES0040',
        tokenSpan(file, tooDeep),
        `this statement nests more than ${MAX_NESTING} levels deep here (parentheses, brackets, not and unary minus each add a level, inner( two), and is skipped; chains of one operator need no parentheses, and definitions can name the parts`,
      );
      declaredNames(chunk, brokenNames);
      continue;
    }
    const follower = chunks[i + 1]?.[0];
    setStatementFollower(follower);
    let errors: IRecognitionException[];
    let statements: StatementCstNode[] = [];
    let gaveUp = false;
    try {
      const cst = parser.parseTokens(chunk, MAX_ERRORS_PER_STATEMENT, reporter.full);
      statements = cst.children.statement ?? [];
    } catch (e) {
      if (!(e instanceof TooManyErrors)) throw e;
      gaveUp = true;
    } finally {
      setStatementFollower(undefined);
      errors = parser.errors;
    }
    for (const e of errors) {
      const span = errorSpan(file, e, follower, tokens);
      // Recovery can report twice at one spot; once is enough.
      if (seen.has(span.start)) continue;
      seen.add(span.start);
      const block = blockError(e, file, chunk, follower) ?? filterTypo(e, file, chunk);
      reporter.add('TMES0010', span, block?.message ?? e.message, block?.extra);
    }
    if (gaveUp) {
      // the statement is dropped: at least one more error went unrecorded
      reporter.countHidden(tokenSpan(file, chunk[0]));
      declaredNames(chunk, brokenNames);
    } else builder.add(statements);
  }
  const ast = builder.file();
  for (const n of builder.brokenNames) brokenNames.add(n);
  reporter.finish();
  return { ast, brokenNames };
}

/**
 * Passes on the first MAX_REPORTED_SYNTAX_ERRORS diagnostics of a file and
 * counts the rest, which finish() reports as one note at the first of them.
 */
class CappedReporter implements Reporter {
  private reported = 0;
  private hidden = 0;
  private firstHidden: Span | undefined;

  constructor(private readonly bag: DiagnosticBag) {}

  /** No more diagnostics will be shown, only counted. */
  get full(): boolean {
    return this.reported >= MAX_REPORTED_SYNTAX_ERRORS;
  }

  add(...args: Parameters<DiagnosticBag['add']>): void {
    if (this.reported < MAX_REPORTED_SYNTAX_ERRORS) {
      this.reported++;
      this.bag.add(...args);
    } else this.countHidden(args[1]);
  }

  countHidden(span: Span): void {
    this.hidden++;
    this.firstHidden ??= span;
  }

  finish(): void {
    if (!this.hidden || !this.firstHidden) return;
    this.bag.add(
      'TMES0041',
      this.firstHidden,
      `${this.hidden} more syntax ${this.hidden === 1 ? 'error' : 'errors'} from here on ${this.hidden === 1 ? 'is' : 'are'} not shown: tmesc reports the first ${MAX_REPORTED_SYNTAX_ERRORS} of a file; fix those and run again`,
    );
  }
}

/** The file's tokens, cut before each statement keyword. */
function splitStatements(tokens: IToken[]): IToken[][] {
  const out: IToken[][] = [];
  let cur: IToken[] = [];
  for (const t of tokens) {
    if (STATEMENT_START.has(t.tokenType) && cur.length) {
      out.push(cur);
      cur = [];
    }
    cur.push(t);
  }
  if (cur.length) out.push(cur);
  return out;
}

/**
 * The first token at which a statement nests deeper than MAX_NESTING, or
 * undefined. A bracket counts a level, and so does each `not`, `!`, `inner`
 * or unary minus before it or before an operand: each is a level of the
 * parser's recursion or of the tree it builds.
 */
function nestingPastLimit(tokens: IToken[]): IToken | undefined {
  let depth = 0;
  let run = 0;
  const opened: number[] = [];
  for (const t of tokens) {
    const type = t.tokenType;
    if (type === T.Not || type === T.Bang || type === T.Inner || type === T.Minus) {
      if (depth + ++run > MAX_NESTING) return t;
    } else if (type === T.LParen || type === T.LBracket) {
      const levels = run + 1;
      opened.push(levels);
      depth += levels;
      run = 0;
      if (depth > MAX_NESTING) return t;
    } else if (type === T.RParen || type === T.RBracket) {
      depth -= opened.pop() ?? 0;
      run = 0;
    } else run = 0;
  }
  return undefined;
}

/** The names a statement would declare (itself, and a group's tools), so references to them are not reported. */
function declaredNames(chunk: IToken[], into: Set<string>): void {
  const kw = chunk[0]?.tokenType;
  const at = kw === T.Define ? 2 : kw === T.Tap || kw === T.Group || kw === T.Rule ? 1 : -1;
  const name = at >= 0 ? chunk[at] : undefined;
  if (name?.tokenType === T.Identifier) into.add(name.image);
  if (kw === T.Group)
    for (let i = 1; i + 1 < chunk.length; i++)
      if (chunk[i].tokenType === T.Tool && chunk[i + 1].tokenType === T.Identifier) into.add(chunk[i + 1].image);
}

function tokenSpan(file: SourceFile, t: IToken): Span {
  return { file, start: t.startOffset, end: (t.endOffset ?? t.startOffset) + 1 };
}

function errorSpan(file: SourceFile, e: IRecognitionException, follower: IToken | undefined, tokens: IToken[]): Span {
  const t = e.token;
  if (t && !Number.isNaN(t.startOffset) && t.tokenType.name !== 'EOF') {
    // endOffset, not the image: a repaired unterminated string's image is longer than its text
    return { file, start: t.startOffset, end: (t.endOffset ?? t.startOffset) + 1 };
  }
  // At the end of the statement: the error is at what follows it.
  if (follower) return tokenSpan(file, follower);
  // At end of file: point just after the last real token, where the missing piece belongs.
  const last = tokens[tokens.length - 1];
  const at = last ? (last.endOffset ?? last.startOffset) + 1 : 0;
  return { file, start: at, end: at };
}
