import type { IToken, TokenType } from 'chevrotain';
import { createToken, Lexer } from './chevrotain.js';

/**
 * Tokens of the .tmes language. Newlines are plain whitespace: every statement
 * starts with a reserved keyword, so statements delimit themselves and a
 * filter may span lines. `;` is accepted as an optional separator.
 */

export const WhiteSpace = createToken({
  name: 'WhiteSpace',
  pattern: /[ \t\r\n\f]+/,
  group: Lexer.SKIPPED,
  line_breaks: true,
});
export const Comment = createToken({ name: 'Comment', pattern: /#[^\r\n]*/, group: Lexer.SKIPPED });

export const StringLit = createToken({ name: 'StringLit', pattern: /"(?:[^"\\\r\n]|\\.)*"/ });
/** Matched only when a string lacks its closing quote; the lexer reports it and hands the parser a StringLit. */
export const BadString = createToken({ name: 'BadString', pattern: /"(?:[^"\\\r\n]|\\.)*/ });

/** Words the grammar takes as open-ended options (units, strip targets, ...); the checker validates them. */
export const Word = createToken({ name: 'Word', pattern: Lexer.NA });
/** Protocol qualifiers of pcap-filter(7). */
export const ProtoKw = createToken({ name: 'ProtoKw', pattern: Lexer.NA });
/** Tunnel primitives. */
export const TunnelKw = createToken({ name: 'TunnelKw', pattern: Lexer.NA });
export const Identifier = createToken({
  name: 'Identifier',
  pattern: /[A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*/,
  categories: [Word],
});

/**
 * pcap's escaped name: `\ip` in `ether proto \ip` is the name ip, though ip is
 * a keyword. tmesc takes keywords as values there anyway; this lets filters
 * pasted from tcpdump read as they did.
 */
export const EscapedName = createToken({ name: 'EscapedName', pattern: /\\[A-Za-z0-9_][A-Za-z0-9_.-]*/ });

const keywordTokens: TokenType[] = [];
const keywordWords: string[] = [];
const filterWords: string[] = [];

function kw(word: string, categories: TokenType[] = []): TokenType {
  const name = 'Kw_' + word.replace(/[^A-Za-z0-9]/g, '_');
  const t = createToken({
    name,
    pattern: new RegExp(word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') + '(?![A-Za-z0-9_]|-[A-Za-z0-9_])'),
    categories,
  });
  keywordTokens.push(t);
  keywordWords.push(word);
  if (categories.includes(Word)) filterWords.push(word);
  return t;
}

// ---- statement keywords: reserved, never Words, so a list of Words ends at the next statement
export const Policy = kw('policy');
export const Include = kw('include');
export const Define = kw('define');
export const Tap = kw('tap');
export const Group = kw('group');
export const Rule = kw('rule');
export const Tool = kw('tool');
export const Source = kw('source');
export const Inline = kw('inline');
export const Mark = kw('mark');
export const Output = kw('output');
export const Rate = kw('rate');
export const Balance = kw('balance');
export const Shape = kw('shape');
export const Strip = kw('strip');
export const Mask = kw('mask');
export const Replace = kw('replace');
export const Truncate = kw('truncate');
export const Timestamp = kw('timestamp');
export const Dedup = kw('dedup');
export const From = kw('from');
export const Match = kw('match');
export const To = kw('to');
export const Drop = kw('drop');
export const With = kw('with');
export const And = kw('and');
export const Or = kw('or');
export const Not = kw('not');

// ---- filter keywords: reserved, but also Words (so `strip vlan` or `truncate payload` read naturally)
const W = [Word];
export const Any = kw('any', W);
export const Host = kw('host', W);
export const Net = kw('net', W);
export const Portrange = kw('portrange', W);
export const Port = kw('port', W);
export const Src = kw('src', W);
export const Dst = kw('dst', W);
export const ProtoField = kw('proto', W);
export const Broadcast = kw('broadcast', W);
export const Multicast = kw('multicast', W);
export const Vlan = kw('vlan', W);
export const Mpls = kw('mpls', W);
export const Pppoes = kw('pppoes', W);
export const Pppoed = kw('pppoed', W);
export const Less = kw('less', W);
export const Greater = kw('greater', W);
export const Len = kw('len', W);
export const Inner = kw('inner', W);
export const Payload = kw('payload', W);
export const Contains = kw('contains', W);
export const Matches = kw('matches', W);
export const Fragment = kw('fragment', W);
export const Flags = kw('flags', W);
export const Type = kw('type', W);
export const Code = kw('code', W);
export const Tunnel = kw('tunnel', W);

const P = [Word, ProtoKw];
export const Ether = kw('ether', P);
export const Ip6 = kw('ip6', P);
export const Ip = kw('ip', P);
export const Arp = kw('arp', P);
export const Rarp = kw('rarp', P);
export const Tcp = kw('tcp', P);
export const Udp = kw('udp', P);
export const Sctp = kw('sctp', P);
export const Icmp6 = kw('icmp6', P);
export const Icmp = kw('icmp', P);

const T = [Word, TunnelKw];
export const Gre = kw('gre', T);
export const Pptp = kw('pptp', T);
export const Erspan = kw('erspan', T);
export const Gtp = kw('gtp', T);
export const L2tp = kw('l2tp', T);
export const Vxlan = kw('vxlan', T);
export const Geneve = kw('geneve', T);
export const Ipip = kw('ipip', T);
export const Teredo = kw('teredo', T);
export const SixIn4 = kw('6in4', T);
export const SixTo4 = kw('6to4', T);

// ---- literals. Addresses are matched loosely and validated by the checker, so
// a typo like 300.1.1.1 gets a precise "invalid literal" rather than a lexer error.
/**
 * A MAC address in pcap's spellings: six groups of one or two hex digits
 * joined by `:`, `-` or `.`, three groups of four joined by `.` (Cisco's
 * 0011.2233.4455), or twelve hex digits in a row starting with a digit
 * (twelve starting with a letter lex as a name; the checker takes one as a
 * MAC where an Ethernet address is expected).
 */
export const Mac = createToken({
  name: 'Mac',
  pattern:
    /(?:[0-9A-Fa-f]{1,2}(?::[0-9A-Fa-f]{1,2}){5}|[0-9A-Fa-f]{1,2}(?:-[0-9A-Fa-f]{1,2}){5}|[0-9A-Fa-f]{1,2}(?:\.[0-9A-Fa-f]{1,2}){5}|[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}|[0-9][0-9A-Fa-f]{11})(?![-:.0-9A-Za-z_])/,
});
/**
 * A dotted name (www.example.com): a host name, which tmesc does not resolve;
 * it is a token so the checker can say so where it stands.
 */
export const DottedName = createToken({
  name: 'DottedName',
  pattern: /[A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+)+/,
});
export const Ipv6 = createToken({
  name: 'Ipv6',
  pattern: /[0-9A-Fa-f]*:[0-9A-Fa-f]*:[0-9A-Fa-f:.]*(?:\/[0-9]+)?/,
});
export const Ipv4 = createToken({
  name: 'Ipv4',
  pattern: /[0-9]+\.[0-9]+\.[0-9]+(?:\.[0-9]+)?(?:\/[0-9]+)?|[0-9]+(?:\.[0-9]+)?\/[0-9]+/,
});
export const NumberLit = createToken({ name: 'NumberLit', pattern: /0[xX][0-9A-Fa-f]+|[0-9]+(?:\.[0-9]+)?/ });

/**
 * A /pattern/ may start only where the grammar takes one: after mask, replace,
 * matches, ~, = or a comma. Everywhere else / is division (tcp[12]/4).
 */
const regexAfter = new Set(['Kw_mask', 'Kw_replace', 'Kw_matches', 'Tilde', 'Equals', 'Comma']);
function regexAllowed(tokens: IToken[]): boolean {
  const prev = tokens[tokens.length - 1];
  return prev !== undefined && regexAfter.has(prev.tokenType.name);
}
const regexBody = /\/((?:[^/\\\r\n]|\\.)*)\/([a-z]*)/y;
const regexOpen = /\/((?:[^/\\\r\n]|\\.)*)/y;
export const RegexLit = createToken({
  name: 'RegexLit',
  pattern: {
    exec: (text: string, offset: number, tokens: IToken[]) => {
      if (text.charCodeAt(offset) !== 47 || !regexAllowed(tokens)) return null;
      regexBody.lastIndex = offset;
      return regexBody.exec(text);
    },
  },
  line_breaks: false,
  start_chars_hint: ['/'],
});
export const BadRegex = createToken({
  name: 'BadRegex',
  pattern: {
    exec: (text: string, offset: number, tokens: IToken[]) => {
      if (text.charCodeAt(offset) !== 47 || !regexAllowed(tokens)) return null;
      regexOpen.lastIndex = offset;
      return regexOpen.exec(text);
    },
  },
  line_breaks: false,
  start_chars_hint: ['/'],
});

// ---- punctuation and operators (longest first where prefixes are shared)
export const Arrow = createToken({ name: 'Arrow', pattern: /<->/ });
export const EqEq = createToken({ name: 'EqEq', pattern: /==/ });
export const NotEq = createToken({ name: 'NotEq', pattern: /!=/ });
export const LtEq = createToken({ name: 'LtEq', pattern: /<=/ });
export const GtEq = createToken({ name: 'GtEq', pattern: />=/ });
export const Shl = createToken({ name: 'Shl', pattern: /<</ });
export const Shr = createToken({ name: 'Shr', pattern: />>/ });
export const AndAnd = createToken({ name: 'AndAnd', pattern: /&&/ });
export const OrOr = createToken({ name: 'OrOr', pattern: /\|\|/ });
export const Equals = createToken({ name: 'Equals', pattern: /=/ });
export const Lt = createToken({ name: 'Lt', pattern: /</ });
export const Gt = createToken({ name: 'Gt', pattern: />/ });
export const Bang = createToken({ name: 'Bang', pattern: /!/ });
export const Amp = createToken({ name: 'Amp', pattern: /&/ });
export const Pipe = createToken({ name: 'Pipe', pattern: /\|/ });
export const Caret = createToken({ name: 'Caret', pattern: /\^/ });
export const Plus = createToken({ name: 'Plus', pattern: /\+/ });
export const Minus = createToken({ name: 'Minus', pattern: /-/ });
export const Star = createToken({ name: 'Star', pattern: /\*/ });
export const Slash = createToken({ name: 'Slash', pattern: /\// });
export const Percent = createToken({ name: 'Percent', pattern: /%/ });
export const Tilde = createToken({ name: 'Tilde', pattern: /~/ });
export const LParen = createToken({ name: 'LParen', pattern: /\(/ });
export const RParen = createToken({ name: 'RParen', pattern: /\)/ });
export const LBrace = createToken({ name: 'LBrace', pattern: /\{/ });
export const RBrace = createToken({ name: 'RBrace', pattern: /\}/ });
export const LBracket = createToken({ name: 'LBracket', pattern: /\[/ });
export const RBracket = createToken({ name: 'RBracket', pattern: /\]/ });
export const Comma = createToken({ name: 'Comma', pattern: /,/ });
export const Semi = createToken({ name: 'Semi', pattern: /;/ });
export const Colon = createToken({ name: 'Colon', pattern: /:/ });

export const allTokens: TokenType[] = [
  WhiteSpace,
  Comment,
  StringLit,
  BadString,
  RegexLit,
  BadRegex,
  Mac,
  Ipv6,
  Ipv4,
  DottedName,
  // 6in4 and 6to4 start with a digit, so they must come before numbers
  SixIn4,
  SixTo4,
  NumberLit,
  ...keywordTokens.filter((t) => t !== SixIn4 && t !== SixTo4),
  Identifier,
  EscapedName,
  Arrow,
  EqEq,
  NotEq,
  LtEq,
  GtEq,
  Shl,
  Shr,
  AndAnd,
  OrOr,
  Equals,
  Lt,
  Gt,
  Bang,
  Amp,
  Pipe,
  Caret,
  Plus,
  Minus,
  Star,
  Slash,
  Percent,
  Tilde,
  LParen,
  RParen,
  LBrace,
  RBrace,
  LBracket,
  RBracket,
  Comma,
  Semi,
  Colon,
  Word,
  ProtoKw,
  TunnelKw,
];

/** Every reserved word, for the editor grammar and for "is this a keyword" hints. */
export const KEYWORDS: readonly string[] = keywordWords;

/** The reserved words of filters (qualifiers, protocols, tunnels): what a misspelt filter word is compared with. */
export const FILTER_KEYWORDS: readonly string[] = filterWords;
