import type { IParserErrorMessageProvider, IToken, TokenType } from 'chevrotain';
import { recordMismatch } from './block-errors.js';

/** How a token type is named in messages: users think in keywords and "a name", not token classes. */
function describeTokenType(t: TokenType): string {
  const n = t.name;
  if (n.startsWith('Kw_')) return `'${n.slice(3)}'`;
  const names: Record<string, string> = {
    StringLit: 'a string',
    Identifier: 'a name',
    EscapedName: 'a \\name',
    DottedName: 'a dotted name',
    NumberLit: 'a number',
    RegexLit: 'a /pattern/',
    Ipv4: 'an IPv4 address',
    Ipv6: 'an IPv6 address',
    Mac: 'a MAC address',
    Word: 'a word',
    ProtoKw: 'a protocol (tcp, udp, ip, ...)',
    TunnelKw: 'a tunnel kind',
    Arrow: "'<->'",
    LBrace: "'{'",
    RBrace: "'}'",
    LParen: "'('",
    RParen: "')'",
    LBracket: "'['",
    RBracket: "']'",
    Comma: "','",
    Semi: "';'",
    Colon: "':'",
    Equals: "'='",
    EqEq: "'=='",
    NotEq: "'!='",
    Bang: "'!'",
    AndAnd: "'&&'",
    OrOr: "'||'",
    Lt: "'<'",
    Gt: "'>'",
    LtEq: "'<='",
    GtEq: "'>='",
    Minus: "'-'",
    Tilde: "'~'",
    EOF: 'end of file',
  };
  return names[n] ?? n;
}

/**
 * The token after the statement being parsed. Statements are parsed one at a
 * time (parse.ts), so the parser sees the end of its input where the file goes
 * on: messages name what really comes next.
 */
let follower: IToken | undefined;
export function setStatementFollower(t: IToken | undefined): void {
  follower = t;
}

function describeActual(t: IToken | undefined): string {
  if (!t || t.tokenType.name === 'EOF') t = follower;
  if (!t || t.tokenType.name === 'EOF') return 'end of file';
  return `'${t.image.length > 30 ? t.image.slice(0, 30) + '…' : t.image}'`;
}

const RULE_NAMES: Record<string, string> = {
  file: 'the file',
  statement: 'a statement',
  policyDecl: 'policy',
  includeDecl: 'include',
  defineDecl: 'define',
  valueList: 'a list of values',
  listValue: 'a value',
  tapDecl: 'a tap',
  tapItem: 'a tap setting',
  sourceItem: 'source',
  inlineItem: 'inline',
  markItem: 'mark',
  groupDecl: 'a group',
  groupItem: 'a group setting',
  toolDecl: 'a tool',
  outputItem: 'output',
  rateItem: 'rate',
  quantity: 'a quantity',
  balanceItem: 'balance',
  shapeItem: 'shape',
  stripItem: 'strip',
  maskItem: 'mask',
  maskTarget: 'mask',
  replaceItem: 'replace',
  truncateItem: 'truncate',
  timestampItem: 'timestamp',
  dedupItem: 'dedup',
  ruleDecl: 'a rule',
  filterExpr: 'a filter',
  filterUnary: 'a filter',
  filterPrimary: 'a filter',
  relation: 'a comparison',
  primitive: 'a filter',
  qualified: 'a filter',
  addressTest: 'a filter',
  value: 'a value',
  qualValue: 'a value',
};

function describeRule(rule: string): string {
  return RULE_NAMES[rule] ?? (rule.startsWith('arith') ? 'an arithmetic expression' : rule);
}

function list(items: string[]): string {
  const uniq = [...new Set(items)];
  if (uniq.length <= 1) return uniq[0] ?? 'something else';
  const shown = uniq.slice(0, 8);
  const more = uniq.length > shown.length ? `, ...` : '';
  return (
    shown.slice(0, -1).join(', ') + (more ? `, ${shown[shown.length - 1]}${more}` : ` or ${shown[shown.length - 1]}`)
  );
}

const FILTER_RULES = new Set(['filterExpr', 'filterUnary', 'filterPrimary', 'primitive', 'qualified']);

export const errorMessages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, actual, ruleName }) {
    recordMismatch(actual, expected, ruleName);
    if (expected.name === 'EOF')
      return `unexpected ${describeActual(actual)}: a statement starts with policy, include, define, tap, group or rule`;
    return `expected ${describeTokenType(expected)} in ${describeRule(ruleName)}, found ${describeActual(actual)}`;
  },
  buildNotAllInputParsedMessage({ firstRedundant }) {
    return `unexpected ${describeActual(firstRedundant)}: a statement starts with policy, include, define, tap, group or rule`;
  },
  buildNoViableAltMessage({ expectedPathsPerAlt, actual, ruleName }) {
    if (FILTER_RULES.has(ruleName) || ruleName === 'defineDecl') {
      const what = ruleName === 'defineDecl' ? 'a value or filter' : 'a filter';
      return `unexpected ${describeActual(actual[0])}: expected ${what} (for example host 10.0.0.1, net 10.0.0.0/8, port 80, tcp, vlan 100, not ..., or a parenthesized filter)`;
    }
    const firsts = expectedPathsPerAlt.flatMap((alt) =>
      alt.map((path) => (path[0] ? describeTokenType(path[0]) : 'end')),
    );
    return `unexpected ${describeActual(actual[0])} in ${describeRule(ruleName)}; expected ${list(firsts)}`;
  },
  buildEarlyExitMessage({ expectedIterationPaths, actual, ruleName }) {
    const firsts = expectedIterationPaths.map((path) => (path[0] ? describeTokenType(path[0]) : 'end'));
    return `${describeRule(ruleName)} needs at least one ${list(firsts)}, found ${describeActual(actual[0])}`;
  },
};
