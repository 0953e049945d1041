import type { IRecognitionException, IToken, TokenType } from 'chevrotain';
import type { FileCstNode } from './cst.generated.js';
import { CstParser, EarlyExitException, NoViableAltException, tokenMatcher } from './chevrotain.js';
import { errorMessages } from './messages.js';
import { LINK_ALIASES, PCAP_AFTER_PROTO, PCAP_PRIMITIVES } from './pcap-words.js';
import * as T from './tokens.js';

/**
 * The grammar of .tmes (docs/language.md is its reference, grammar/ its
 * diagrams). Recovery is on: a broken statement is skipped up to the next
 * statement keyword and parsing goes on, so one run reports every error.
 *
 * Filters follow pcap-filter(7): `not` binds tightest; `and` and `or` have
 * equal precedence and group left to right (a checker warns when they mix
 * without parentheses).
 */
const RELOPS = new Set<TokenType>([T.EqEq, T.Equals, T.NotEq, T.Lt, T.LtEq, T.Gt, T.GtEq]);
const ARITH_TOKENS = new Set<TokenType>([
  T.NumberLit,
  T.Len,
  T.Identifier,
  T.Vlan,
  T.Colon,
  T.Plus,
  T.Minus,
  T.Star,
  T.Slash,
  T.Percent,
  T.Amp,
  T.Pipe,
  T.Caret,
  T.Shl,
  T.Shr,
]);
const ARITH_CATEGORIES = [T.ProtoKw, T.TunnelKw];
/** What may follow a link-layer alias for it to be a qualifier (fddi src, wlan host, link proto, tr broadcast). */
const LINK_QUALIFIED = new Set<TokenType>([
  T.Src,
  T.Dst,
  T.Host,
  T.Net,
  T.Port,
  T.Portrange,
  T.ProtoField,
  T.Broadcast,
  T.Multicast,
]);
const BINARY_OPS: TokenType[] = [T.Pipe, T.Caret, T.Amp, T.Shl, T.Shr, T.Plus, T.Minus, T.Star, T.Slash, T.Percent];

/** The parser gave a statement up after too many errors in it (see MAX_ERRORS_PER_STATEMENT). */
export class TooManyErrors extends Error {}

// Chevrotain methods tmesc hooks into; they are not in its typings.
interface Internals {
  SAVE_ERROR(this: CstParser, e: IRecognitionException): IRecognitionException;
  raiseNoAltException(this: CstParser, occurrence: number, errMsgTypes?: string): never;
  raiseEarlyExitException(this: CstParser, occurrence: number, prodType: number, userDefinedErrMsg?: string): never;
}
const chevrotain = CstParser.prototype as unknown as Internals;
const { SAVE_ERROR: saveError, raiseNoAltException: raiseNoAlt, raiseEarlyExitException: raiseEarlyExit } = chevrotain;

export class TmesParser extends CstParser {
  /** Errors the current input may still record before the parse is given up. */
  private errorBudget = Infinity;
  /** Errors will only be counted: skip working out what the parser expected (the costliest part of an error). */
  private quiet = false;
  /**
   * `checkGrammar` runs chevrotain's grammar validations (ambiguities,
   * left recursion): about 40 ms of every start-up, so they run in the
   * grammar test rather than on each command.
   */
  constructor(opts: { checkGrammar?: boolean } = {}) {
    super(T.allTokens, {
      recoveryEnabled: true,
      maxLookahead: 4,
      nodeLocationTracking: 'onlyOffset',
      errorMessageProvider: errorMessages,
      skipValidations: !opts.checkGrammar,
    });
    this.performSelfAnalysis();
  }

  /**
   * Parses tokens as a file, giving up (TooManyErrors) once they make more than
   * `maxErrors` errors: chevrotain's recovery nests a call for each error it
   * resynchronises over, so the budget bounds the stack as well as the work.
   */
  parseTokens(tokens: IToken[], maxErrors: number, quiet = false): FileCstNode {
    this.input = tokens;
    this.errorBudget = maxErrors;
    this.quiet = quiet;
    // recovery throws and catches an exception per error: stack traces are never shown, so capture none
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      return this.file() as FileCstNode;
    } finally {
      Error.stackTraceLimit = limit;
    }
  }

  protected SAVE_ERROR(e: IRecognitionException): IRecognitionException {
    if (--this.errorBudget < 0) throw new TooManyErrors();
    return saveError.call(this, e);
  }

  protected raiseNoAltException(occurrence: number, errMsgTypes?: string): never {
    if (this.quiet) throw this.SAVE_ERROR(new NoViableAltException('', this.LA(1), this.LA(0)));
    return this.withOneTokenPaths(() => raiseNoAlt.call(this, occurrence, errMsgTypes));
  }

  /**
   * chevrotain works out what an error expected as every path of the
   * parser's maxLookahead (4) tokens through the alternatives; through the
   * primitives' open-ended argument lists that is exponential (`match len to
   * g` took minutes). The messages name only each path's first token
   * (messages.ts), so one token of them says the same.
   */
  private withOneTokenPaths<R>(raise: () => R): R {
    const self = this as unknown as { maxLookahead: number };
    const k = self.maxLookahead;
    self.maxLookahead = 1;
    try {
      return raise();
    } finally {
      self.maxLookahead = k;
    }
  }

  protected raiseEarlyExitException(occurrence: number, prodType: number, userDefinedErrMsg?: string): never {
    if (this.quiet) throw this.SAVE_ERROR(new EarlyExitException('', this.LA(1), this.LA(0)));
    return this.withOneTokenPaths(() => raiseEarlyExit.call(this, occurrence, prodType, userDefinedErrMsg));
  }

  file = this.RULE('file', () => {
    this.MANY(() => this.SUBRULE(this.statement));
  });

  statement = this.RULE('statement', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.policyDecl) },
      { ALT: () => this.SUBRULE(this.includeDecl) },
      { ALT: () => this.SUBRULE(this.defineDecl) },
      { ALT: () => this.SUBRULE(this.tapDecl) },
      { ALT: () => this.SUBRULE(this.groupDecl) },
      { ALT: () => this.SUBRULE(this.ruleDecl) },
      { ALT: () => this.CONSUME(T.Semi) },
    ]);
  });

  policyDecl = this.RULE('policyDecl', () => {
    this.CONSUME(T.Policy);
    this.CONSUME(T.StringLit);
  });

  includeDecl = this.RULE('includeDecl', () => {
    this.CONSUME(T.Include);
    this.CONSUME(T.StringLit);
  });

  defineDecl = this.RULE('defineDecl', () => {
    this.CONSUME(T.Define);
    const kind = this.CONSUME(T.Word);
    this.CONSUME(T.Identifier, { LABEL: 'name' });
    this.CONSUME(T.Equals);
    this.OR([
      { GATE: () => kind.image === 'filter', ALT: () => this.SUBRULE(this.filterExpr) },
      { GATE: () => kind.image !== 'filter', ALT: () => this.SUBRULE(this.valueList) },
    ]);
  });

  valueList = this.RULE('valueList', () => {
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.listValue) });
  });

  listValue = this.RULE('listValue', () => {
    this.OR([
      { ALT: () => this.CONSUME(T.RegexLit) },
      { ALT: () => this.CONSUME(T.StringLit) },
      { ALT: () => this.SUBRULE(this.value) },
    ]);
  });

  // ---- taps
  tapDecl = this.RULE('tapDecl', () => {
    this.CONSUME(T.Tap);
    this.CONSUME(T.Identifier, { LABEL: 'name' });
    this.CONSUME(T.LBrace);
    this.MANY(() => this.SUBRULE(this.tapItem));
    this.CONSUME(T.RBrace);
  });

  tapItem = this.RULE('tapItem', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.sourceItem) },
      { ALT: () => this.SUBRULE(this.inlineItem) },
      { ALT: () => this.SUBRULE(this.markItem) },
      { ALT: () => this.CONSUME(T.Semi) },
    ]);
  });

  sourceItem = this.RULE('sourceItem', () => {
    this.CONSUME(T.Source);
    this.CONSUME(T.Word, { LABEL: 'type' });
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.CONSUME(T.StringLit) });
  });

  inlineItem = this.RULE('inlineItem', () => {
    this.CONSUME(T.Inline);
    this.CONSUME(T.StringLit, { LABEL: 'left' });
    this.CONSUME(T.Arrow);
    this.CONSUME2(T.StringLit, { LABEL: 'right' });
  });

  markItem = this.RULE('markItem', () => {
    this.CONSUME(T.Mark);
    this.CONSUME(T.Word, { LABEL: 'what' });
    this.OPTION(() => this.CONSUME(T.NumberLit));
    this.MANY(() => {
      this.CONSUME2(T.Word, { LABEL: 'option' });
      this.CONSUME2(T.NumberLit, { LABEL: 'optionValue' });
    });
  });

  // ---- groups and tools
  groupDecl = this.RULE('groupDecl', () => {
    this.CONSUME(T.Group);
    this.CONSUME(T.Identifier, { LABEL: 'name' });
    this.CONSUME(T.LBrace);
    this.MANY(() => this.SUBRULE(this.groupItem));
    this.CONSUME(T.RBrace);
  });

  groupItem = this.RULE('groupItem', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.toolDecl) },
      { ALT: () => this.SUBRULE(this.balanceItem) },
      { ALT: () => this.SUBRULE(this.shapeItem) },
      { ALT: () => this.SUBRULE(this.stripItem) },
      { ALT: () => this.SUBRULE(this.maskItem) },
      { ALT: () => this.SUBRULE(this.replaceItem) },
      { ALT: () => this.SUBRULE(this.truncateItem) },
      { ALT: () => this.SUBRULE(this.timestampItem) },
      { ALT: () => this.SUBRULE(this.dedupItem) },
      { ALT: () => this.CONSUME(T.Semi) },
    ]);
  });

  toolDecl = this.RULE('toolDecl', () => {
    this.CONSUME(T.Tool);
    this.CONSUME(T.Identifier, { LABEL: 'name' });
    this.CONSUME(T.LBrace);
    this.MANY(() =>
      this.OR([
        { ALT: () => this.SUBRULE(this.outputItem) },
        { ALT: () => this.SUBRULE(this.rateItem) },
        { ALT: () => this.CONSUME(T.Semi) },
      ]),
    );
    this.CONSUME(T.RBrace);
  });

  outputItem = this.RULE('outputItem', () => {
    this.CONSUME(T.Output);
    this.CONSUME(T.Word, { LABEL: 'type' });
    this.CONSUME(T.StringLit);
    this.MANY(() => {
      this.CONSUME2(T.Word, { LABEL: 'option' });
      this.CONSUME3(T.Word, { LABEL: 'optionValue' });
    });
  });

  rateItem = this.RULE('rateItem', () => {
    this.CONSUME(T.Rate);
    this.SUBRULE(this.quantity);
  });

  quantity = this.RULE('quantity', () => {
    this.CONSUME(T.NumberLit);
    this.OPTION(() => this.CONSUME(T.Word, { LABEL: 'unit' }));
  });

  balanceItem = this.RULE('balanceItem', () => {
    this.CONSUME(T.Balance);
    this.AT_LEAST_ONE(() => this.CONSUME(T.Word));
  });

  shapeItem = this.RULE('shapeItem', () => {
    this.CONSUME(T.Shape);
    this.CONSUME(T.Word, { LABEL: 'what' });
    this.SUBRULE(this.quantity);
  });

  stripItem = this.RULE('stripItem', () => {
    this.CONSUME(T.Strip);
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.CONSUME(T.Word) });
  });

  maskItem = this.RULE('maskItem', () => {
    this.CONSUME(T.Mask);
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.maskTarget) });
  });

  maskTarget = this.RULE('maskTarget', () => {
    this.OR([{ ALT: () => this.CONSUME(T.RegexLit) }, { ALT: () => this.CONSUME(T.Word) }]);
    this.OPTION(() => {
      this.CONSUME(T.With);
      this.CONSUME(T.StringLit, { LABEL: 'fill' });
    });
  });

  replaceItem = this.RULE('replaceItem', () => {
    this.CONSUME(T.Replace);
    this.OR([{ ALT: () => this.CONSUME(T.RegexLit) }, { ALT: () => this.CONSUME(T.Identifier) }]);
    this.CONSUME(T.With);
    this.CONSUME(T.StringLit);
  });

  truncateItem = this.RULE('truncateItem', () => {
    this.CONSUME(T.Truncate);
    this.CONSUME(T.Word, { LABEL: 'what' });
    this.SUBRULE(this.quantity);
  });

  timestampItem = this.RULE('timestampItem', () => {
    this.CONSUME(T.Timestamp);
    this.AT_LEAST_ONE(() => this.CONSUME(T.Word));
  });

  dedupItem = this.RULE('dedupItem', () => {
    this.CONSUME(T.Dedup);
    this.OPTION(() => {
      this.CONSUME(T.Word, { LABEL: 'what' });
      this.SUBRULE(this.quantity);
    });
  });

  // ---- rules
  ruleDecl = this.RULE('ruleDecl', () => {
    this.CONSUME(T.Rule);
    this.CONSUME(T.Identifier, { LABEL: 'name' });
    this.OPTION(() => {
      this.CONSUME(T.From);
      this.OR([
        { ALT: () => this.CONSUME(T.Any) },
        {
          ALT: () => this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.CONSUME3(T.Identifier, { LABEL: 'tap' }) }),
        },
      ]);
    });
    this.CONSUME(T.Match);
    this.SUBRULE(this.filterExpr);
    this.OR2([{ ALT: () => this.CONSUME(T.To) }, { ALT: () => this.CONSUME(T.Drop) }]);
    this.AT_LEAST_ONE_SEP2({ SEP: T.Comma, DEF: () => this.CONSUME2(T.Identifier, { LABEL: 'group' }) });
  });

  // ---- filters
  filterExpr = this.RULE('filterExpr', () => {
    this.SUBRULE(this.filterUnary);
    this.MANY(() => {
      this.OR([
        { ALT: () => this.CONSUME(T.And, { LABEL: 'op' }) },
        { ALT: () => this.CONSUME(T.AndAnd, { LABEL: 'op' }) },
        { ALT: () => this.CONSUME(T.Or, { LABEL: 'op' }) },
        { ALT: () => this.CONSUME(T.OrOr, { LABEL: 'op' }) },
      ]);
      this.SUBRULE2(this.filterUnary);
    });
  });

  /**
   * `not` runs are a repetition, not a recursion: a long run costs no stack
   * (the nesting limit still counts it). The alternation keeps a missing
   * filter reported here, where telling the alternatives apart takes one token
   * (in filterPrimary it would take chevrotain several to describe).
   */
  filterUnary = this.RULE('filterUnary', () => {
    this.OR([
      {
        ALT: () => {
          this.AT_LEAST_ONE(() =>
            this.OR2([
              { ALT: () => this.CONSUME(T.Not, { LABEL: 'not' }) },
              { ALT: () => this.CONSUME(T.Bang, { LABEL: 'not' }) },
            ]),
          );
          this.SUBRULE(this.filterPrimary);
        },
      },
      { ALT: () => this.SUBRULE2(this.filterPrimary) },
    ]);
  });

  filterPrimary = this.RULE('filterPrimary', () => {
    // `(len - 14) > 100` starts like a parenthesized filter and `tcp[13] > 1` like
    // `tcp port 1`. A linear scan for a comparison ahead tells them apart (far
    // cheaper than backtracking, which throws an exception per primitive), and
    // one token of lookahead keeps errors inside parentheses reported in place.
    this.OR({
      MAX_LOOKAHEAD: 1,
      IGNORE_AMBIGUITIES: true,
      DEF: [
        { GATE: () => this.relationAhead(), ALT: () => this.SUBRULE(this.relation) },
        {
          ALT: () => {
            this.CONSUME(T.LParen);
            this.SUBRULE(this.filterExpr);
            this.CONSUME(T.RParen);
          },
        },
        { ALT: () => this.SUBRULE(this.primitive) },
      ],
    });
  });

  /** Is there a comparison operator ahead, at this nesting level, before the arithmetic ends? */
  private relationAhead(): boolean {
    let depth = 0;
    for (let i = 1; ; i++) {
      const t = this.LA(i).tokenType;
      if (RELOPS.has(t)) {
        if (depth === 0) return true;
        continue;
      }
      if (t === T.LParen || t === T.LBracket) depth++;
      else if (t === T.RParen || t === T.RBracket) {
        if (--depth < 0) return false;
      } else if (!ARITH_TOKENS.has(t) && !ARITH_CATEGORIES.some((c) => tokenMatcher(this.LA(i), c))) return false;
    }
  }

  relation = this.RULE('relation', () => {
    this.SUBRULE(this.arith, { LABEL: 'left' });
    this.OR([
      { ALT: () => this.CONSUME(T.EqEq, { LABEL: 'relop' }) },
      { ALT: () => this.CONSUME(T.Equals, { LABEL: 'relop' }) },
      { ALT: () => this.CONSUME(T.NotEq, { LABEL: 'relop' }) },
      { ALT: () => this.CONSUME(T.LtEq, { LABEL: 'relop' }) },
      { ALT: () => this.CONSUME(T.GtEq, { LABEL: 'relop' }) },
      { ALT: () => this.CONSUME(T.Lt, { LABEL: 'relop' }) },
      { ALT: () => this.CONSUME(T.Gt, { LABEL: 'relop' }) },
    ]);
    this.SUBRULE2(this.arith, { LABEL: 'right' });
  });

  primitive = this.RULE('primitive', () => {
    // One token decides (the gated first alternative takes a pcap word tmesc lacks before it
    // reads as a name); deeper lookahead through its arguments would cost seconds at start-up.
    this.OR({
      MAX_LOOKAHEAD: 1,
      DEF: [
        {
          GATE: () => this.pcapWordAhead(PCAP_PRIMITIVES) && !this.linkAliasAhead(),
          IGNORE_AMBIGUITIES: true,
          ALT: () => this.SUBRULE(this.pcapPrim),
        },
        { ALT: () => this.SUBRULE(this.innerPrim) },
        { ALT: () => this.SUBRULE(this.payloadPrim) },
        { ALT: () => this.CONSUME(T.Any) },
        { ALT: () => this.CONSUME(T.Fragment) },
        { ALT: () => this.SUBRULE(this.tunnelPrim) },
        { ALT: () => this.SUBRULE(this.vlanPrim) },
        { ALT: () => this.SUBRULE(this.mplsPrim) },
        { ALT: () => this.SUBRULE(this.pppoePrim) },
        { ALT: () => this.SUBRULE(this.lengthPrim) },
        {
          // a name starts a qualified primitive only as pcap's other name for the link layer (fddi src ...)
          GATE: () => !tokenMatcher(this.LA(1), T.Identifier) || this.linkAliasAhead(),
          IGNORE_AMBIGUITIES: true,
          ALT: () => this.SUBRULE(this.qualified),
        },
        { ALT: () => this.SUBRULE(this.value, { LABEL: 'bare' }) },
      ],
    });
  });

  /**
   * One of pcap-filter's primitives that are names rather than keywords in
   * tmesc (pcap-words.ts: igmp, stp, llc s, iso proto \\clnp, inbound, ...,
   * and those tmesc does not support), with the words after it, which run
   * to the next and/or/)/to. The checker gives them their meaning, or says
   * they are not supported, at the primitive.
   */
  pcapPrim = this.RULE('pcapPrim', () => {
    this.CONSUME(T.Word, { LABEL: 'keyword' });
    this.MANY(() =>
      this.OR([
        { ALT: () => this.CONSUME2(T.Word, { LABEL: 'arg' }) },
        { ALT: () => this.CONSUME(T.NumberLit, { LABEL: 'arg' }) },
        { ALT: () => this.CONSUME(T.Ipv4, { LABEL: 'arg' }) },
        { ALT: () => this.CONSUME(T.Ipv6, { LABEL: 'arg' }) },
        { ALT: () => this.CONSUME(T.Mac, { LABEL: 'arg' }) },
        { ALT: () => this.CONSUME(T.EscapedName, { LABEL: 'arg' }) },
        { ALT: () => this.CONSUME(T.DottedName, { LABEL: 'arg' }) },
        // pf's reason codes include two of tmesc's keywords (reason match, reason fragment)
        { GATE: () => this.afterReason(), ALT: () => this.CONSUME(T.Match, { LABEL: 'arg' }) },
        { GATE: () => this.afterReason(), ALT: () => this.CONSUME(T.Fragment, { LABEL: 'arg' }) },
      ]),
    );
  });

  private afterReason(): boolean {
    const t = this.LA(0);
    return tokenMatcher(t, T.Word) && t.image === 'reason';
  }

  private pcapWordAhead(words: { has(word: string): boolean }): boolean {
    const t = this.LA(1);
    return tokenMatcher(t, T.Word) && words.has(t.image) && this.LA(2).tokenType !== T.LBracket;
  }

  /** pcap's other names for the link layer (fddi, tr, wlan, link, ppp, slip) as a qualifier: `fddi src ...`. */
  private linkAliasAhead(): boolean {
    const t = this.LA(1);
    return tokenMatcher(t, T.Identifier) && LINK_ALIASES.has(t.image) && LINK_QUALIFIED.has(this.LA(2).tokenType);
  }

  innerPrim = this.RULE('innerPrim', () => {
    this.CONSUME(T.Inner);
    this.CONSUME(T.LParen);
    this.SUBRULE(this.filterExpr);
    this.CONSUME(T.RParen);
  });

  payloadPrim = this.RULE('payloadPrim', () => {
    this.CONSUME(T.Payload);
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Contains, { LABEL: 'op' });
          this.CONSUME(T.StringLit);
        },
      },
      {
        ALT: () => {
          this.OR2([
            { ALT: () => this.CONSUME(T.Matches, { LABEL: 'op' }) },
            { ALT: () => this.CONSUME(T.Tilde, { LABEL: 'op' }) },
          ]);
          this.OR3([{ ALT: () => this.CONSUME(T.RegexLit) }, { ALT: () => this.CONSUME(T.Identifier) }]);
        },
      },
    ]);
  });

  tunnelPrim = this.RULE('tunnelPrim', () => {
    this.OR([
      { ALT: () => this.CONSUME(T.TunnelKw, { LABEL: 'kind' }) },
      { ALT: () => this.CONSUME(T.Tunnel, { LABEL: 'kind' }) },
    ]);
    this.OPTION(() => this.CONSUME(T.Identifier, { LABEL: 'label' }));
    this.OPTION2(() => this.SUBRULE(this.value));
  });

  vlanPrim = this.RULE('vlanPrim', () => {
    this.CONSUME(T.Vlan);
    this.OPTION(() => this.CONSUME(T.Identifier, { LABEL: 'label' }));
    this.OPTION2(() => this.SUBRULE(this.value));
  });

  mplsPrim = this.RULE('mplsPrim', () => {
    this.CONSUME(T.Mpls);
    this.OPTION(() => this.SUBRULE(this.value));
  });

  pppoePrim = this.RULE('pppoePrim', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Pppoes);
          this.OPTION(() => this.SUBRULE(this.value));
        },
      },
      { ALT: () => this.CONSUME(T.Pppoed) },
    ]);
  });

  lengthPrim = this.RULE('lengthPrim', () => {
    this.OR([
      { ALT: () => this.CONSUME(T.Less, { LABEL: 'op' }) },
      { ALT: () => this.CONSUME(T.Greater, { LABEL: 'op' }) },
    ]);
    this.CONSUME(T.NumberLit);
  });

  /** pcap-filter's [proto] [dir] [type] id, and the protocol-specific tests. */
  qualified = this.RULE('qualified', () => {
    this.OR([
      {
        ALT: () => {
          this.OR4([
            { ALT: () => this.CONSUME(T.ProtoKw, { LABEL: 'proto' }) },
            // gated in primitive: only pcap's link-layer aliases get here
            { ALT: () => this.CONSUME2(T.Identifier, { LABEL: 'proto' }) },
          ]);
          this.OPTION({
            // a name after a protocol is not part of this primitive, unless it is pcap's protochain
            GATE: () => !tokenMatcher(this.LA(1), T.Identifier) || this.pcapWordAhead(PCAP_AFTER_PROTO),
            DEF: () =>
              this.OR2({
                MAX_LOOKAHEAD: 1,
                DEF: [
                  {
                    GATE: () => this.pcapWordAhead(PCAP_AFTER_PROTO),
                    IGNORE_AMBIGUITIES: true,
                    ALT: () => this.SUBRULE(this.pcapPrim),
                  },
                  { ALT: () => this.SUBRULE(this.addressTest) },
                  { ALT: () => this.CONSUME(T.Broadcast, { LABEL: 'cast' }) },
                  { ALT: () => this.CONSUME(T.Multicast, { LABEL: 'cast' }) },
                  {
                    ALT: () => {
                      this.CONSUME(T.Flags);
                      this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.CONSUME(T.Identifier, { LABEL: 'flag' }) });
                    },
                  },
                  {
                    ALT: () => {
                      this.OR3([
                        { ALT: () => this.CONSUME(T.Type, { LABEL: 'icmpField' }) },
                        { ALT: () => this.CONSUME(T.Code, { LABEL: 'icmpField' }) },
                      ]);
                      this.SUBRULE(this.value, { LABEL: 'icmpValue' });
                    },
                  },
                ],
              }),
          });
        },
      },
      { ALT: () => this.SUBRULE2(this.addressTest) },
      { ALT: () => this.CONSUME2(T.Broadcast, { LABEL: 'cast' }) },
      { ALT: () => this.CONSUME2(T.Multicast, { LABEL: 'cast' }) },
    ]);
  });

  /** [dir] [host|net|port|portrange|proto] value, at least one of the two qualifiers. */
  addressTest = this.RULE('addressTest', () => {
    this.OR([
      {
        ALT: () => {
          this.SUBRULE(this.direction);
          this.OPTION(() => this.SUBRULE(this.typeQual));
          this.SUBRULE(this.qualValue);
          this.OPTION2(() => this.SUBRULE(this.netmask));
        },
      },
      {
        ALT: () => {
          this.SUBRULE2(this.typeQual);
          this.SUBRULE2(this.qualValue);
          this.OPTION3(() => this.SUBRULE2(this.netmask));
        },
      },
    ]);
  });

  netmask = this.RULE('netmask', () => {
    this.CONSUME(T.Mask);
    this.CONSUME(T.Ipv4);
  });

  direction = this.RULE('direction', () => {
    this.OR([
      { ALT: () => this.CONSUME(T.Src, { LABEL: 'first' }) },
      { ALT: () => this.CONSUME(T.Dst, { LABEL: 'first' }) },
    ]);
    this.OPTION(() => {
      this.OR2([
        { ALT: () => this.CONSUME(T.Or, { LABEL: 'join' }) },
        { ALT: () => this.CONSUME(T.And, { LABEL: 'join' }) },
      ]);
      this.OR3([
        { ALT: () => this.CONSUME2(T.Src, { LABEL: 'second' }) },
        { ALT: () => this.CONSUME2(T.Dst, { LABEL: 'second' }) },
      ]);
    });
  });

  typeQual = this.RULE('typeQual', () => {
    this.OR([
      { ALT: () => this.CONSUME(T.Host) },
      { ALT: () => this.CONSUME(T.Net) },
      { ALT: () => this.CONSUME(T.Port) },
      { ALT: () => this.CONSUME(T.Portrange) },
      { ALT: () => this.CONSUME(T.ProtoField) },
    ]);
  });

  /** A value in a filter: numbers, ranges, addresses, names, and protocol names after `proto`. */
  value = this.RULE('value', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.NumberLit, { LABEL: 'lo' });
          this.OPTION(() => {
            this.CONSUME(T.Minus);
            this.CONSUME2(T.NumberLit, { LABEL: 'hi' });
          });
        },
      },
      { ALT: () => this.CONSUME(T.Ipv4) },
      { ALT: () => this.CONSUME(T.Ipv6) },
      { ALT: () => this.CONSUME(T.Mac) },
      { ALT: () => this.CONSUME(T.Identifier) },
      { ALT: () => this.CONSUME(T.DottedName) },
    ]);
  });

  /** After a qualifier a protocol keyword is a value too: `ip proto tcp`, `ether proto arp`. */
  qualValue = this.RULE('qualValue', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.value) },
      { ALT: () => this.CONSUME(T.ProtoKw) },
      // protocol and service names that are also keywords: ip proto gre, port vxlan, ether proto mpls
      { ALT: () => this.CONSUME(T.TunnelKw) },
      { ALT: () => this.CONSUME(T.Vlan) },
      { ALT: () => this.CONSUME(T.Mpls) },
      { ALT: () => this.CONSUME(T.Pppoes) },
      { ALT: () => this.CONSUME(T.Pppoed) },
      { ALT: () => this.CONSUME(T.EscapedName) },
    ]);
  });

  // ---- arithmetic, as pcap-filter(7): | < ^ < & < shifts < + - < * / % < unary minus.
  // One flat rule for every binary operator: the AST builder applies the precedence
  // (build-ast.ts, iteratively), so a level of parentheses or brackets costs three
  // rules of parser stack instead of nine, and a long chain none.
  arith = this.RULE('arith', () => {
    this.SUBRULE(this.arithUnary, { LABEL: 'operand' });
    this.MANY(() => {
      this.OR(BINARY_OPS.map((tok) => ({ ALT: () => this.CONSUME(tok, { LABEL: 'op' }) })));
      this.SUBRULE2(this.arithUnary, { LABEL: 'operand' });
    });
  });

  arithUnary = this.RULE('arithUnary', () => {
    this.MANY(() => this.CONSUME(T.Minus, { LABEL: 'neg' }));
    this.SUBRULE(this.arithAtom);
  });

  arithAtom = this.RULE('arithAtom', () => {
    this.OR([
      { ALT: () => this.CONSUME(T.NumberLit) },
      { ALT: () => this.CONSUME(T.Len) },
      {
        ALT: () => {
          this.OR2([
            { ALT: () => this.CONSUME(T.ProtoKw, { LABEL: 'proto' }) },
            { ALT: () => this.CONSUME(T.TunnelKw, { LABEL: 'proto' }) },
            { ALT: () => this.CONSUME(T.Vlan, { LABEL: 'proto' }) },
            // pcap's other layers (link[0], igmp[0]): the checker says which tmesc lacks
            { ALT: () => this.CONSUME2(T.Identifier, { LABEL: 'proto' }) },
          ]);
          this.CONSUME(T.LBracket);
          this.SUBRULE(this.arith, { LABEL: 'offset' });
          this.OPTION(() => {
            this.CONSUME(T.Colon);
            this.CONSUME2(T.NumberLit, { LABEL: 'size' });
          });
          this.CONSUME(T.RBracket);
        },
      },
      { ALT: () => this.CONSUME(T.Identifier) },
      {
        ALT: () => {
          this.CONSUME(T.LParen);
          this.SUBRULE2(this.arith, { LABEL: 'inner' });
          this.CONSUME(T.RParen);
        },
      },
    ]);
  });
}

/** One parser instance: chevrotain parsers are reusable and costly to build. */
export const parser = new TmesParser();
