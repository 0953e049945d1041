/**
 * Generates the grammar documents from the live parser and token definitions,
 * so they cannot drift from what tmesc actually accepts:
 *
 *   grammar/tmes.ebnf            EBNF of every parser rule, plus the tokens
 *   grammar/railroad.html        chevrotain's syntax diagrams, self-contained (renders offline)
 *   grammar/tmes.tmLanguage.json TextMate grammar for editors
 *
 * Run `npx tsx grammar/generate.ts` after changing src/syntax/tokens.ts or
 * src/syntax/parser.ts; test/grammar/generate.test.ts fails while the
 * checked-in files differ from what this script produces.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chevrotainFiles } from '../src/syntax/chevrotain-files.js';
import type { IProduction, TokenType } from 'chevrotain';
import {
  Alternation,
  Alternative,
  NonTerminal,
  Option,
  Repetition,
  RepetitionMandatory,
  RepetitionMandatoryWithSeparator,
  RepetitionWithSeparator,
  Rule,
  Terminal,
  Lexer,
  createSyntaxDiagramsCode,
} from '../src/syntax/chevrotain.js';
import { DURATION_UNITS, RATE_UNITS, SIZE_UNITS } from '../src/check/units.js';
import { parser } from '../src/syntax/parser.js';
import { KEYWORDS, allTokens } from '../src/syntax/tokens.js';

// ---------------------------------------------------------------- tokens

const KEYWORD_SET = new Set(KEYWORDS);

function keywordOf(t: TokenType): string | undefined {
  if (!t.name.startsWith('Kw_')) return undefined;
  const src = (t.PATTERN as RegExp).source;
  const word = src.slice(0, src.indexOf('(?!')).replace(/\\(.)/g, '$1');
  if (!KEYWORD_SET.has(word)) throw new Error(`keyword token ${t.name} does not match any of KEYWORDS`);
  return word;
}

/** The fixed text of a punctuation token (`<->`, `&&`, `{`), or undefined for token classes. */
function literalOf(t: TokenType): string | undefined {
  const p = t.PATTERN;
  if (!(p instanceof RegExp) || p === Lexer.NA) return undefined;
  if (!/^(?:\\[^A-Za-z0-9]|[^\\.*+?()[\]{}|^$])+$/.test(p.source)) return undefined;
  return p.source.replace(/\\(.)/g, '$1');
}

function categoriesOf(t: TokenType): TokenType[] {
  return (t as TokenType & { CATEGORIES?: TokenType[] }).CATEGORIES ?? [];
}

function membersOf(category: TokenType): TokenType[] {
  return allTokens.filter((t) => t !== category && categoriesOf(t).includes(category));
}

/** How a terminal is written in the EBNF. */
function terminalText(t: TokenType): string {
  const kw = keywordOf(t);
  if (kw !== undefined) return JSON.stringify(kw);
  const lit = literalOf(t);
  if (lit !== undefined) return JSON.stringify(lit);
  return t.name;
}

/** Tokens matched by custom code rather than a regular expression need a description here. */
const CUSTOM_TOKENS: Record<string, string> = {
  RegexLit:
    '"/" ( [^/\\#x0A#x0D] | "\\" [^#x0A#x0D] )* "/" [a-z]*   /* only right after mask, replace, matches, "~", "=" or ","; elsewhere "/" is division */',
};

/** The lexical part of the EBNF: token classes, keyword categories and skipped text. */
function lexicalSection(used: Set<TokenType>): string[] {
  const lines: string[] = [];
  const seen = new Set<TokenType>();
  const classes: TokenType[] = [];
  const visit = (t: TokenType) => {
    if (seen.has(t) || keywordOf(t) !== undefined || literalOf(t) !== undefined) return;
    seen.add(t);
    classes.push(t);
    if (t.PATTERN === Lexer.NA) for (const m of membersOf(t)) visit(m);
  };
  for (const t of allTokens) if (used.has(t)) visit(t);
  for (const t of classes) {
    const members = membersOf(t);
    if (members.length > 0) {
      lines.push(`${t.name} ::= ${members.map(terminalText).join('\n' + ' '.repeat(t.name.length + 3) + '| ')}`);
    } else if (t.PATTERN instanceof RegExp) {
      lines.push(`${t.name} ::= /${t.PATTERN.source}/`);
    } else {
      const d = CUSTOM_TOKENS[t.name];
      if (!d) throw new Error(`token ${t.name} has a custom matcher; describe it in CUSTOM_TOKENS`);
      lines.push(`${t.name} ::= ${d}`);
    }
  }
  return lines;
}

// ---------------------------------------------------------------- EBNF

/** What the GAST cannot show: gates, backtracking and the meaning of open-ended words. */
const RULE_NOTES: Record<string, string> = {
  file: 'A policy file, or a library file (no policy statement) meant to be included.',
  defineDecl: 'filterExpr when the kind Word is `filter`; valueList for net, ports, hosts, macs and pattern.',
  sourceItem: 'Word: interface (exactly one string), pcap, pcapng or file (format detected).',
  markItem: 'mark vlan ID [priority P] | mark comment.',
  outputItem: 'Word: interface, pcap or pcapng; then options: precision us|ns (files).',
  quantity: 'Word: a unit (bps ... Tbps, B ... GiB, ns ... s).',
  balanceItem: 'balance session [symmetric | asymmetric] [inner].',
  shapeItem: 'shape burst SIZE.',
  stripItem: 'Word: a header to strip (vlan, mpls, pppoe, a tunnel kind, tunnels, all).',
  maskTarget: 'Word: card-number, credentials, or the name of a define pattern.',
  truncateItem: 'truncate payload N | truncate frame N.',
  timestampItem: 'timestamp ip-option [ipv6 skip | destination-option | hop-by-hop].',
  dedupItem: 'dedup [window DURATION].',
  ruleDecl: 'Without from, the rule applies to every tap.',
  filterExpr: 'and and or have equal precedence and group left to right, as in pcap-filter(7).',
  filterPrimary: 'relation is tried first, by backtracking, so (len - 14) > 100 is a comparison, not a parenthesized filter.',
  tunnelPrim: 'Identifier: the id label of the tunnel kind (gre key, gtp teid, vxlan vni, ...).',
  vlanPrim: 'Identifier: id or priority.',
  pcapPrim:
    'Only a pcap-filter word that is a name in tmesc (igmp, stp, llc, iso, protochain, inbound, ..., and those tmesc does not support: gateway, pf and SunATM words; src/syntax/pcap-words.ts), with its arguments: the checker gives it its meaning or reports TMES0320 with what to write instead.',
  qualified:
    'Identifier: only pcap\'s other names for the link layer (link, ppp, slip, fddi, tr, wlan) followed by a qualifier.',
  arith: 'Precedence, loosest first: | then ^ then & then << >> then + - then * / % then unary -.',
};

type Prod = IProduction;

/** One element needs no parentheses before ?, * or +; a sequence does. */
function group(items: Prod[], used: Set<TokenType>): string {
  const body = seq(items, used);
  if (items.length !== 1) return `( ${body} )`;
  const p = items[0];
  return p instanceof Terminal || p instanceof NonTerminal || (p instanceof Alternation && p.definition.length > 1) ? body : `( ${body} )`;
}

function seq(items: Prod[], used: Set<TokenType>): string {
  return items.map((p) => prod(p, used)).join(' ');
}

function alternatives(a: Alternation, used: Set<TokenType>): string[] {
  return a.definition.map((alt) => {
    const items = (alt as Alternative).definition;
    return items.length === 0 ? '/* empty */' : seq(items, used);
  });
}

function prod(p: Prod, used: Set<TokenType>): string {
  if (p instanceof Terminal) {
    used.add(p.terminalType);
    return terminalText(p.terminalType);
  }
  if (p instanceof NonTerminal) return p.nonTerminalName;
  if (p instanceof Alternation) {
    const alts = alternatives(p, used);
    if (alts.length === 1) return (p.definition[0] as Alternative).definition.length === 1 ? alts[0] : `( ${alts[0]} )`;
    return `( ${alts.join(' | ')} )`;
  }
  if (p instanceof Option) return `${group(p.definition, used)}?`;
  if (p instanceof Repetition) return `${group(p.definition, used)}*`;
  if (p instanceof RepetitionMandatory) return `${group(p.definition, used)}+`;
  if (p instanceof RepetitionMandatoryWithSeparator || p instanceof RepetitionWithSeparator) {
    used.add(p.separator);
    const item = group(p.definition, used);
    const rep = `${item} ( ${terminalText(p.separator)} ${item} )*`;
    return p instanceof RepetitionWithSeparator ? `( ${rep} )?` : rep;
  }
  throw new Error(`unknown grammar production ${p.constructor.name}`);
}

function ruleText(r: Rule, used: Set<TokenType>): string {
  const head = `${r.name} ::= `;
  const defs = r.definition;
  let text: string;
  if (defs.length === 1 && defs[0] instanceof Alternation && defs[0].definition.length > 1) {
    text = head + alternatives(defs[0], used).join('\n' + ' '.repeat(head.length - 2) + '| ');
  } else {
    text = head + seq(defs, used);
  }
  const note = RULE_NOTES[r.name];
  return note ? `/* ${note} */\n${text}` : text;
}

/** The parser's rules, in declaration order. */
export function parserRules(): Rule[] {
  return Object.values(parser.getGAstProductions());
}

export function ruleNotes(): Readonly<Record<string, string>> {
  return RULE_NOTES;
}

/** The EBNF text of grammar/tmes.ebnf. */
export function ebnf(): string {
  const used = new Set<TokenType>();
  const rules = parserRules().map((r) => ruleText(r, used));
  const skipped = allTokens.filter((t) => t.GROUP === Lexer.SKIPPED);
  const out = [
    '/*',
    ' * The grammar of .tmes policy files, generated from the parser by',
    ' * grammar/generate.ts (npx tsx grammar/generate.ts). Do not edit by hand.',
    ' * docs/language.md is the reference; this file is the exact syntax.',
    ' *',
    ' * Notation (W3C EBNF): ::= defines, | separates alternatives, ( ) groups,',
    ' * ? is optional, * repeats zero or more times, + one or more times.',
    ' * "word" is a keyword or punctuation; CamelCase names are token classes,',
    ' * defined at the end; camelCase names are rules. /regex/ is a JavaScript',
    ' * regular expression over the source text. Keywords are reserved and end',
    ' * where an identifier could not continue (so ip-option is one Identifier).',
    ' * Newlines are whitespace: every statement starts with a keyword.',
    ' */',
    '',
    ...rules.flatMap((r) => [r, '']),
    '/* ---------------------------------------------------------------- tokens */',
    '',
    ...lexicalSection(used).flatMap((l) => [l, '']),
    '/* Skipped between tokens: */',
    '',
    ...skipped.map((t) => `${t.name} ::= /${(t.PATTERN as RegExp).source}/`).flatMap((l) => [l, '']),
  ];
  return out.join('\n').replace(/\n+$/, '\n');
}

// ---------------------------------------------------------------- railroad diagrams

/** Stands for chevrotain's diagrams/ directory in the page chevrotain writes; replaced by the files' contents. */
const INLINE = 'tmesc-inline:';

/**
 * chevrotain's syntax diagrams page, with the scripts and style it would load
 * from a CDN put in the page itself, from the chevrotain installed here (the
 * same version as the parser's), so the page renders offline.
 */
export function railroadHtml(): string {
  const dir = join(dirname(chevrotainFiles().packageJson), 'diagrams');
  const file = (url: string): string => readFileSync(join(dir, url.slice(INLINE.length)), 'utf8');
  const html = createSyntaxDiagramsCode(parser.getSerializedGastProductions(), {
    resourceBase: INLINE,
    css: `${INLINE}diagrams.css`,
  });
  const page = html
    .replace(/<link rel='stylesheet' href='(tmesc-inline:[^']+)'>/g, (_, url: string) => `<style>
${file(url)}</style>`)
    .replace(/<script src='(tmesc-inline:[^']+)'><\/script>/g, (_, url: string) => `<script>
${file(url)}</script>`);
  if (page.includes(INLINE)) throw new Error('chevrotain changed how it writes its diagrams page: a resource was not inlined');
  return page;
}

// ---------------------------------------------------------------- TextMate grammar

const IDENT = '[A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*';
/** Keyword boundaries as the lexer has them: `ip-option` and `tcp-syn` are identifiers, not keywords. */
const KW_BEFORE = '(?<![A-Za-z0-9_-])';
const KW_AFTER = '(?![A-Za-z0-9_]|-[A-Za-z0-9_])';

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

function wordsRe(words: readonly string[]): string {
  const sorted = [...words].sort((a, b) => b.length - a.length || a.localeCompare(b));
  return `${KW_BEFORE}(?:${sorted.map(escapeRe).join('|')})${KW_AFTER}`;
}

/** First keyword of each alternative of a rule: the keywords that start its items. */
function leadingKeywords(ruleName: string): string[] {
  const rules = parser.getGAstProductions();
  const out = new Set<string>();
  const first = (items: Prod[]): void => {
    const p = items[0];
    if (!p) return;
    if (p instanceof Terminal) {
      const kw = keywordOf(p.terminalType);
      if (kw) out.add(kw);
    } else if (p instanceof NonTerminal) first(rules[p.nonTerminalName].definition);
    else if (p instanceof Alternation) for (const alt of p.definition) first((alt as Alternative).definition);
    else if (p instanceof Repetition || p instanceof RepetitionMandatory) first(p.definition);
  };
  const r = rules[ruleName];
  if (!r) throw new Error(`no parser rule ${ruleName}`);
  for (const p of r.definition) {
    if (p instanceof Alternation) for (const alt of p.definition) first((alt as Alternative).definition);
    else if (p instanceof Repetition) {
      for (const q of p.definition) if (q instanceof Alternation) for (const alt of q.definition) first((alt as Alternative).definition);
    }
  }
  return [...out];
}

/** Every keyword of the rule (at any depth of its own definition, not of the rules it calls). */
function keywordsIn(ruleName: string): string[] {
  const out = new Set<string>();
  const walk = (items: Prod[]): void => {
    for (const p of items) {
      if (p instanceof Terminal) {
        const kw = keywordOf(p.terminalType);
        if (kw) out.add(kw);
      } else if (!(p instanceof NonTerminal)) walk((p as unknown as { definition: Prod[] }).definition);
    }
  };
  walk(parser.getGAstProductions()[ruleName].definition);
  return [...out];
}

export interface KeywordClasses {
  statement: string[];
  setting: string[];
  rule: string[];
  logical: string[];
  filter: string[];
  protocol: string[];
  tunnel: string[];
  other: string[];
}

/** Sorts KEYWORDS into highlighting classes, from the token categories and the grammar. */
export function keywordClasses(): KeywordClasses {
  const byWord = new Map<string, TokenType>();
  for (const t of allTokens) {
    const kw = keywordOf(t);
    if (kw) byWord.set(kw, t);
  }
  const cat = (name: string) => allTokens.find((t) => t.name === name)!;
  const Word = cat('Word');
  const ProtoKw = cat('ProtoKw');
  const TunnelKw = cat('TunnelKw');
  const c: KeywordClasses = { statement: [], setting: [], rule: [], logical: [], filter: [], protocol: [], tunnel: [], other: [] };
  const statement = new Set([...leadingKeywords('statement'), ...leadingKeywords('groupItem').filter((k) => k === 'tool')]);
  const setting = new Set([...leadingKeywords('tapItem'), ...leadingKeywords('groupItem'), ...leadingKeywords('toolDecl'), ...keywordsIn('maskTarget'), ...keywordsIn('replaceItem')]);
  const logical = new Set([...keywordsIn('filterExpr'), ...keywordsIn('filterUnary')]);
  const rule = new Set(keywordsIn('ruleDecl'));
  for (const kw of KEYWORDS) {
    const t = byWord.get(kw)!;
    const cats = categoriesOf(t);
    if (cats.includes(ProtoKw)) c.protocol.push(kw);
    else if (cats.includes(TunnelKw) || kw === 'tunnel') c.tunnel.push(kw);
    else if (cats.includes(Word)) c.filter.push(kw);
    else if (statement.has(kw)) c.statement.push(kw);
    else if (logical.has(kw)) c.logical.push(kw);
    else if (rule.has(kw)) c.rule.push(kw);
    else if (setting.has(kw)) c.setting.push(kw);
    else c.other.push(kw);
  }
  return c;
}

type TmPattern = Record<string, unknown>;

/** The TextMate grammar as an object (grammar/tmes.tmLanguage.json). */
export function tmLanguage(): Record<string, unknown> {
  const k = keywordClasses();
  const units = [...new Set([...Object.keys(RATE_UNITS), ...Object.keys(SIZE_UNITS), ...Object.keys(DURATION_UNITS)])];
  const nameAfter = (kw: string, scope: string): TmPattern => ({
    match: `${KW_BEFORE}(${escapeRe(kw)})\\s+(${IDENT})`,
    captures: { '1': { name: 'keyword.control.statement.tmes' }, '2': { name: scope } },
  });
  const statementStart = wordsRe(k.statement);
  const repo: Record<string, TmPattern> = {
    comment: { name: 'comment.line.number-sign.tmes', match: '#.*$' },
    string: {
      name: 'string.quoted.double.tmes',
      begin: '"',
      end: '"|$',
      beginCaptures: { '0': { name: 'punctuation.definition.string.begin.tmes' } },
      endCaptures: { '0': { name: 'punctuation.definition.string.end.tmes' } },
      patterns: [
        { name: 'constant.character.escape.tmes', match: '\\\\(?:[\\\\"nrt]|x[0-9A-Fa-f]{2})' },
        { name: 'invalid.illegal.escape.tmes', match: '\\\\.' },
      ],
    },
    pattern: {
      comment: 'A /pattern/ starts only after mask, replace, matches, ~, = or a comma; elsewhere / is division.',
      match: '(?:(?<=[=,~])|(?<=\\bmask)|(?<=\\breplace)|(?<=\\bmatches))\\s*((/)((?:[^/\\\\\\r\\n]|\\\\.)*)(/)([a-z]*))',
      captures: {
        '1': { name: 'string.regexp.tmes' },
        '2': { name: 'punctuation.definition.string.begin.tmes' },
        '3': { patterns: [{ name: 'constant.character.escape.tmes', match: '\\\\.' }] },
        '4': { name: 'punctuation.definition.string.end.tmes' },
        '5': { name: 'keyword.other.flags.tmes' },
      },
    },
    declarations: {
      patterns: [
        {
          match: `${KW_BEFORE}(define)\\s+(${IDENT})\\s+(${IDENT})`,
          captures: { '1': { name: 'keyword.control.statement.tmes' }, '2': { name: 'storage.type.define.tmes' }, '3': { name: 'entity.name.constant.define.tmes' } },
        },
        nameAfter('tap', 'entity.name.type.tap.tmes'),
        nameAfter('group', 'entity.name.type.group.tmes'),
        nameAfter('tool', 'entity.name.type.tool.tmes'),
        nameAfter('rule', 'entity.name.function.rule.tmes'),
      ],
    },
    references: {
      patterns: [
        {
          comment: 'from TAP, TAP | from any',
          begin: `${KW_BEFORE}(from)${KW_AFTER}`,
          end: `(?=${KW_BEFORE}match${KW_AFTER}|#|;|\\}|$)`,
          beginCaptures: { '1': { name: 'keyword.control.rule.tmes' } },
          patterns: [
            { name: 'keyword.other.filter.tmes', match: wordsRe(['any']) },
            { name: 'variable.other.reference.tap.tmes', match: IDENT },
            { name: 'punctuation.separator.comma.tmes', match: ',' },
          ],
        },
        {
          comment: 'to GROUP, GROUP | drop GROUP, GROUP',
          begin: `${KW_BEFORE}(to|drop)${KW_AFTER}`,
          end: `(?=${statementStart}|#|;|\\}|$)`,
          beginCaptures: { '1': { name: 'keyword.control.rule.tmes' } },
          patterns: [
            { name: 'variable.other.reference.group.tmes', match: IDENT },
            { name: 'punctuation.separator.comma.tmes', match: ',' },
          ],
        },
      ],
    },
    keywords: {
      patterns: [
        { name: 'keyword.control.statement.tmes', match: wordsRe(k.statement) },
        { name: 'keyword.control.rule.tmes', match: wordsRe(k.rule) },
        { name: 'keyword.operator.logical.tmes', match: wordsRe(k.logical) },
        { name: 'keyword.other.setting.tmes', match: wordsRe(k.setting) },
        { name: 'support.type.protocol.tmes', match: wordsRe(k.protocol) },
        { name: 'support.type.tunnel.tmes', match: wordsRe(k.tunnel) },
        { name: 'keyword.other.filter.tmes', match: wordsRe(k.filter) },
        ...(k.other.length ? [{ name: 'keyword.other.tmes', match: wordsRe(k.other) }] : []),
      ],
    },
    addresses: {
      patterns: [
        { name: 'constant.other.mac.tmes', match: '(?<![\\w:])[0-9A-Fa-f]{1,2}(?::[0-9A-Fa-f]{1,2}){5}(?![:\\w])' },
        { name: 'constant.other.ipv6.tmes', match: '(?<![\\w:.])[0-9A-Fa-f]*:[0-9A-Fa-f]*:[0-9A-Fa-f:.]*(?:/[0-9]+)?' },
        { name: 'constant.other.ipv4.tmes', match: '(?<![\\w.])[0-9]+\\.[0-9]+\\.[0-9]+(?:\\.[0-9]+)?(?:/[0-9]+)?(?![\\w.])|(?<![\\w.])[0-9]+(?:\\.[0-9]+)?/[0-9]+(?![\\w.])' },
      ],
    },
    numbers: {
      patterns: [
        {
          match: `(?<![\\w.])([0-9]+(?:\\.[0-9]+)?)\\s*(${[...units].sort((a, b) => b.length - a.length).map(escapeRe).join('|')})(?![\\w-])`,
          captures: { '1': { name: 'constant.numeric.tmes' }, '2': { name: 'keyword.other.unit.tmes' } },
        },
        { name: 'constant.numeric.hex.tmes', match: '(?<![\\w.])0[xX][0-9A-Fa-f]+(?![\\w.])' },
        { name: 'constant.numeric.tmes', match: '(?<![\\w.])[0-9]+(?:\\.[0-9]+)?(?![\\w.])' },
      ],
    },
    identifiers: {
      comment: 'Names are consumed whole, so the hyphens of card-number or ip-option are not operators.',
      patterns: [
        { name: 'variable.other.constant.tmes', match: `(?<![A-Za-z0-9_-])[A-Z][A-Z0-9_]*(?![A-Za-z0-9_]|-[A-Za-z0-9_])` },
        { name: 'variable.other.name.tmes', match: `(?<![A-Za-z0-9_-])${IDENT}` },
      ],
    },
    operators: {
      patterns: [
        { name: 'keyword.operator.arrow.tmes', match: '<->' },
        { name: 'keyword.operator.logical.tmes', match: '&&|\\|\\||!(?!=)' },
        { name: 'keyword.operator.comparison.tmes', match: '==|!=|<=|>=|<(?!<)|>(?!>)|=' },
        { name: 'keyword.operator.arithmetic.tmes', match: '<<|>>|[&|^+\\-*/%]' },
        { name: 'keyword.operator.match.tmes', match: '~' },
      ],
    },
    punctuation: {
      patterns: [
        { name: 'punctuation.section.block.begin.tmes', match: '\\{' },
        { name: 'punctuation.section.block.end.tmes', match: '\\}' },
        { name: 'punctuation.section.parens.tmes', match: '[()]' },
        { name: 'punctuation.section.brackets.tmes', match: '[\\[\\]]' },
        { name: 'punctuation.separator.comma.tmes', match: ',' },
        { name: 'punctuation.terminator.statement.tmes', match: ';' },
        { name: 'punctuation.separator.colon.tmes', match: ':' },
      ],
    },
  };
  return {
    $schema: 'https://raw.githubusercontent.com/martinring/tmlanguage/master/tmlanguage.json',
    name: 'TMES',
    scopeName: 'source.tmes',
    fileTypes: ['tmes'],
    comment: 'Generated by grammar/generate.ts from src/syntax/tokens.ts and the parser; do not edit by hand.',
    patterns: ['comment', 'string', 'pattern', 'declarations', 'references', 'addresses', 'keywords', 'numbers', 'identifiers', 'operators', 'punctuation'].map((n) => ({ include: `#${n}` })),
    repository: repo,
  };
}

export function tmLanguageText(): string {
  return JSON.stringify(tmLanguage(), null, 2) + '\n';
}

// ---------------------------------------------------------------- files

export const GRAMMAR_DIR = fileURLToPath(new URL('.', import.meta.url));

/** Every generated file, by name within grammar/. */
export function outputs(): Record<string, string> {
  return {
    'tmes.ebnf': ebnf(),
    'railroad.html': railroadHtml(),
    'tmes.tmLanguage.json': tmLanguageText(),
  };
}

function main(): void {
  for (const [name, text] of Object.entries(outputs())) {
    writeFileSync(join(GRAMMAR_DIR, name), text);
    console.log(`wrote grammar/${name} (${text.length} bytes)`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
