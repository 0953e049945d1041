import { BUILTIN_MASKS, SERVICES, STRIP_TARGETS, TCP_FLAGS } from '../../check/names.js';
import { DURATION_UNITS, RATE_UNITS, SIZE_UNITS } from '../../check/units.js';
import { DiagnosticBag } from '../../diagnostics/bag.js';
import { SourceFile } from '../../diagnostics/source.js';
import { tokenize } from '../../syntax/lexer.js';
import { KEYWORDS } from '../../syntax/tokens.js';
import type { PolicyIndex } from './policy-index.js';

export type ItemKind = 'keyword' | 'tap' | 'group' | 'tool' | 'define' | 'value' | 'unit';

export interface Candidate {
  label: string;
  kind: ItemKind;
  detail?: string;
}

const STATEMENTS = ['policy', 'include', 'define', 'tap', 'group', 'rule'];
const DEFINE_KINDS = ['net', 'hosts', 'ports', 'macs', 'pattern', 'filter'];
const FILTER_WORDS = KEYWORDS.filter(
  (k) =>
    !STATEMENTS.includes(k) &&
    ![
      'tool',
      'source',
      'inline',
      'mark',
      'output',
      'rate',
      'balance',
      'shape',
      'strip',
      'mask',
      'replace',
      'truncate',
      'timestamp',
      'dedup',
      'with',
      'from',
      'match',
    ].includes(k),
);
const BLOCK_ITEMS: Record<string, string[]> = {
  tap: ['source', 'inline', 'mark'],
  tool: ['output', 'rate'],
  group: ['tool', 'balance', 'shape', 'strip', 'mask', 'replace', 'truncate', 'timestamp', 'dedup'],
};
const AFTER: Record<string, string[]> = {
  source: ['interface', 'pcap', 'pcapng', 'file'],
  output: ['interface', 'pcap', 'pcapng'],
  balance: ['session'],
  session: ['symmetric', 'asymmetric', 'inner'],
  symmetric: ['inner'],
  shape: ['burst'],
  truncate: ['payload', 'frame'],
  timestamp: ['ip-option'],
  'ip-option': ['ipv6'],
  ipv6: ['skip', 'destination-option', 'hop-by-hop'],
  dedup: ['window'],
  mark: ['vlan', 'comment'],
};

const kw = (words: readonly string[], detail?: string): Candidate[] =>
  words.map((label) => ({ label, kind: 'keyword' as const, detail }));

/**
 * What may be typed at `offset`, from the tokens before it: the statement or
 * block it is in and the word before. Cheap, and right where it matters: taps
 * after `from`, groups after `to`/`drop`, port lists and services after
 * `port`, networks after `net`/`host`, block items at the start of an item,
 * units after a number.
 */
export function complete(text: string, offset: number, index: PolicyIndex | undefined): Candidate[] {
  const before = text.slice(0, offset);
  const partial = /[A-Za-z0-9_-]*$/.exec(before)![0];
  const tokens = tokenize(
    new SourceFile('<completion>', before.slice(0, before.length - partial.length)),
    new DiagnosticBag(),
  );
  const images = tokens.map((t) => t.image);
  // the blocks we are inside, innermost last, by the statement or item word that opened them
  const blocks: string[] = [];
  let statement: string | undefined;
  for (let i = 0; i < images.length; i++) {
    const w = images[i];
    if (STATEMENTS.includes(w) && blocks.length === 0) statement = w;
    if (w === '{') {
      let j = i - 1;
      while (j >= 0 && !['tap', 'group', 'tool'].includes(images[j])) j--;
      blocks.push(j >= 0 ? images[j] : '?');
    } else if (w === '}') blocks.pop();
  }
  const prev = images[images.length - 1];
  const lineStart = /(^|\n)[ \t]*$/.test(before.slice(0, before.length - partial.length));
  const names = (ns: 'tap' | 'group' | 'tool' | 'define', filter?: (kind: string) => boolean): Candidate[] =>
    (index?.namesOf(ns) ?? [])
      .filter((d) => !filter || (d.node.kind === 'Define' && filter(d.node.defKind.word)))
      .map((d) => ({
        label: d.name,
        kind: ns,
        detail: d.node.kind === 'Define' ? `define ${d.node.defKind.word}` : ns,
      }));
  const defines = (...kinds: string[]) =>
    names('define', (k) => kinds.some((x) => k === x || k === x.replace(/s$/, '') || k + 's' === x));

  if (blocks.length) {
    const block = blocks[blocks.length - 1];
    if (prev === '{' || prev === ';' || prev === '}' || lineStart) return kw(BLOCK_ITEMS[block] ?? []);
    if (prev && AFTER[prev]) return kw(AFTER[prev]);
    if (prev === 'strip' || (prev === ',' && lastOf(images, ['strip', 'mask']) === 'strip')) return kw(STRIP_TARGETS);
    if (prev === 'mask' || (prev === ',' && lastOf(images, ['strip', 'mask']) === 'mask'))
      return [...kw(BUILTIN_MASKS), ...defines('pattern')];
    if (prev === 'replace') return defines('pattern');
    if (prev && /^[0-9]/.test(prev)) return units(lastOf(images, ['rate', 'shape', 'truncate', 'dedup']));
    return [];
  }
  const stmt: Candidate[] = lineStart ? kw(STATEMENTS) : [];
  if (statement === 'define') {
    if (prev === 'define') return kw(DEFINE_KINDS);
    const kind = images[images.indexOf('define', images.lastIndexOf('define')) + 1];
    if (images.lastIndexOf('=') > images.lastIndexOf('define')) {
      if (kind === 'filter') return [...stmt, ...filterWords(prev, defines)];
      return [...stmt, ...defines(kind ?? ''), ...(kind?.startsWith('port') ? services() : [])];
    }
    return stmt;
  }
  if (statement === 'rule') {
    const last = lastOf(images, ['from', 'match', 'to', 'drop']);
    if (last === 'from' && (prev === 'from' || prev === ',')) return [...kw(['any']), ...names('tap')];
    if ((last === 'to' || last === 'drop') && (prev === 'to' || prev === 'drop' || prev === ',')) return names('group');
    if (last === 'match') return [...stmt, ...kw(['to', 'drop']), ...filterWords(prev, defines)];
    if (last === undefined && images.length >= 2) return [...stmt, ...kw(['from', 'match'])];
    if (last === 'from') return [...stmt, ...kw(['match'])];
    return stmt;
  }
  return stmt;
}

function lastOf(images: string[], words: string[]): string | undefined {
  for (let i = images.length - 1; i >= 0; i--) if (words.includes(images[i])) return images[i];
  return undefined;
}

function services(): Candidate[] {
  return Object.entries(SERVICES).map(([label, port]) => ({ label, kind: 'value' as const, detail: `port ${port}` }));
}

function units(setting: string | undefined): Candidate[] {
  const table = setting === 'rate' ? RATE_UNITS : setting === 'dedup' ? DURATION_UNITS : SIZE_UNITS;
  return Object.keys(table).map((label) => ({ label, kind: 'unit' as const }));
}

function filterWords(prev: string | undefined, defines: (...kinds: string[]) => Candidate[]): Candidate[] {
  if (prev === 'port' || prev === 'portrange') return [...defines('ports'), ...services()];
  if (prev === 'net') return defines('net', 'hosts');
  if (prev === 'host') return defines('hosts', 'net', 'macs');
  if (prev === 'flags') return Object.keys(TCP_FLAGS).map((label) => ({ label, kind: 'value' as const }));
  if (prev === 'matches' || prev === '~') return defines('pattern');
  return [...kw(FILTER_WORDS), ...defines('filter', 'net', 'hosts', 'ports', 'macs')];
}
