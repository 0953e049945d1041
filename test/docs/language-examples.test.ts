import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ETHER_PROTO_NAMES } from '../../src/check/link-protocols.js';
import { BUILTIN_MASKS, ETHER_TYPES, ICMP6_TYPES, ICMP_TYPES, IP_PROTOCOLS, PCAP_CONSTANTS, RELATION_FIELDS, SERVICES, STRIP_TARGETS, TCP_FLAGS, TUNNEL_LABELS } from '../../src/check/names.js';
import { DURATION_UNITS, RATE_UNITS, SIZE_UNITS } from '../../src/check/units.js';
import { DiagnosticBag } from '../../src/diagnostics/bag.js';
import { SourceFile } from '../../src/diagnostics/source.js';
import { parseSource } from '../../src/syntax/parse.js';
import { KEYWORDS } from '../../src/syntax/tokens.js';

const DOC = fileURLToPath(new URL('../../docs/language.md', import.meta.url));
const text = readFileSync(DOC, 'utf8');

/** Every ```tmes block with the line it starts on. */
function tmesBlocks(): { line: number; code: string }[] {
  const out: { line: number; code: string }[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() !== '```tmes') continue;
    const start = i + 1;
    let j = start;
    while (j < lines.length && lines[j].trim() !== '```') j++;
    out.push({ line: start + 1, code: lines.slice(start, j).join('\n') + '\n' });
    i = j;
  }
  return out;
}

describe('docs/language.md', () => {
  const blocks = tmesBlocks();

  it('has tmes examples', () => {
    expect(blocks.length).toBeGreaterThan(20);
  });

  for (const b of blocks) {
    it(`example at line ${b.line} parses without diagnostics`, () => {
      const bag = new DiagnosticBag();
      const { ast } = parseSource(new SourceFile(`docs/language.md:${b.line}`, b.code), bag);
      const found = bag.items.map((d) => `${d.code} at offset ${d.span.start}: ${d.message}`);
      expect(found, b.code).toEqual([]);
      expect(ast.statements.length).toBeGreaterThan(0);
    });
  }

  /** Backticked words in the document, split at spaces inside the ticks. */
  const ticked = new Set<string>();
  for (const m of text.matchAll(/`([^`\n]+)`/g)) for (const w of m[1].split(/[\s,()]+/)) if (w) ticked.add(w);

  const mustMention: [string, Iterable<string>][] = [
    ['keyword', KEYWORDS],
    ['service', Object.keys(SERVICES)],
    ['IP protocol', Object.keys(IP_PROTOCOLS)],
    ['ethertype', Object.keys(ETHER_TYPES)],
    ["pcap's ether proto name", Object.keys(ETHER_PROTO_NAMES)],
    ['TCP flag', Object.keys(TCP_FLAGS)],
    ['ICMP type', Object.keys(ICMP_TYPES)],
    ['ICMPv6 type', Object.keys(ICMP6_TYPES)],
    ['pcap constant', Object.keys(PCAP_CONSTANTS)],
    ['comparison field', Object.keys(RELATION_FIELDS)],
    ['tunnel', Object.keys(TUNNEL_LABELS)],
    ['tunnel label', Object.values(TUNNEL_LABELS).flatMap((t) => t.label)],
    ['strip target', STRIP_TARGETS],
    ['built-in mask', BUILTIN_MASKS],
    ['rate unit', Object.keys(RATE_UNITS)],
    ['size unit', Object.keys(SIZE_UNITS)],
    ['duration unit', Object.keys(DURATION_UNITS)],
  ];
  for (const [what, names] of mustMention) {
    it(`documents every ${what}`, () => {
      const missing = [...names].filter((n) => !ticked.has(n));
      expect(missing).toEqual([]);
    });
  }
});
