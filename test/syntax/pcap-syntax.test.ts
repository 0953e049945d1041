import { describe, expect, it } from 'vitest';
import { DiagnosticBag } from '../../src/diagnostics/bag.js';
import { SourceFile } from '../../src/diagnostics/source.js';
import type * as A from '../../src/syntax/ast.js';
import { tokenize } from '../../src/syntax/lexer.js';
import { parseSource } from '../../src/syntax/parse.js';

function tokens(text: string): string[] {
  const bag = new DiagnosticBag();
  const ts = tokenize(new SourceFile('t.tmes', text), bag);
  expect(bag.items).toEqual([]);
  return ts.map((t) => `${t.tokenType.name}:${t.image}`);
}

/** The filter of the one rule of a policy, parsed. */
function filterOf(filter: string): A.Filter {
  const bag = new DiagnosticBag();
  const { ast } = parseSource(new SourceFile('t.tmes', `rule r match ${filter} to g`), bag);
  expect(bag.items.map((d) => d.message)).toEqual([]);
  const r = ast.statements.find((s): s is A.RuleDecl => s.kind === 'Rule');
  return r!.filter;
}

describe('pcap spellings in the lexer', () => {
  it.each([
    '00:11:22:33:44:55',
    '0:1:2:3:4:5',
    '00-11-22-33-44-55',
    '00.11.22.33.44.55',
    '0011.2233.4455',
    'aabb.ccdd.eeff',
    '001122334455',
    'AA-BB-CC-DD-EE-FF',
  ])('%s is one MAC address', (mac) => {
    expect(tokens(mac)).toEqual([`Mac:${mac}`]);
  });

  it('ranges, addresses, numbers and names are what they were', () => {
    expect(tokens('10-20')).toEqual(['NumberLit:10', 'Minus:-', 'NumberLit:20']);
    expect(tokens('10.1.2.3')).toEqual(['Ipv4:10.1.2.3']);
    expect(tokens('10.1')).toEqual(['NumberLit:10.1']);
    expect(tokens('123456')).toEqual(['NumberLit:123456']);
    expect(tokens('core-a ids_1')).toEqual(['Identifier:core-a', 'Identifier:ids_1']);
    expect(tokens('aabbccddeeff')).toEqual(['Identifier:aabbccddeeff']);
  });

  it('a dotted name is one token, for the checker to call a host name', () => {
    expect(tokens('www.example.com')).toEqual(['DottedName:www.example.com']);
    expect(tokens('host gw-1.corp.example')).toEqual(['Kw_host:host', 'DottedName:gw-1.corp.example']);
  });
});

describe('pcap primitives in the parser', () => {
  it('takes pcap words with their arguments, up to and/or', () => {
    const f = filterOf('iso proto \\clnp and llc s or ifindex 3');
    expect(f.kind).toBe('Or');
    const words = (x: A.Filter): string[] =>
      x.kind === 'And' || x.kind === 'Or'
        ? x.operands.flatMap(words)
        : x.kind === 'Pcap'
          ? [[x.keyword.word, ...x.args.map((a) => ('word' in a ? a.word : 'text' in a ? a.text : a.kind))].join(' ')]
          : [x.kind];
    expect(words(f)).toEqual(['iso proto clnp', 'llc s', 'ifindex 3']);
  });

  it('takes protochain after ip and ip6', () => {
    const f = filterOf('ip6 protochain 6');
    expect(f.kind === 'Qualified' || f.kind === 'Pcap').toBe(true);
    expect(f).toMatchObject({ kind: 'Pcap', keyword: { word: 'protochain' }, proto: { word: 'ip6' } });
  });

  it("takes pcap's link-layer names as qualifiers when a qualifier follows", () => {
    expect(filterOf('fddi src or dst 00:11:22:33:44:55')).toMatchObject({
      kind: 'Qualified',
      proto: { word: 'fddi' },
      dir: 'src or dst',
    });
    expect(filterOf('link proto \\ip')).toMatchObject({ kind: 'Qualified', proto: { word: 'link' }, type: 'proto' });
    expect(filterOf('tr broadcast')).toMatchObject({ kind: 'Cast', proto: { word: 'tr' } });
    expect(filterOf('wlan addr1 00:11:22:33:44:55')).toMatchObject({ kind: 'Pcap', keyword: { word: 'wlan' } });
  });

  it('leaves those words free to name things', () => {
    const bag = new DiagnosticBag();
    const text = [
      'tap tr { source pcap "a.pcap" }',
      'define filter stp = udp',
      'rule link from tr match stp or lat to g',
    ].join('\n');
    const { ast } = parseSource(new SourceFile('t.tmes', text), bag);
    expect(bag.items).toEqual([]);
    expect(ast.statements.map((s) => s.kind)).toEqual(['Tap', 'Define', 'Rule']);
  });
});

describe('syntax errors in filters', () => {
  /** One syntax error, TMES0010, at the word. */
  function errorAt(filter: string): string[] {
    const bag = new DiagnosticBag();
    parseSource(new SourceFile('t.tmes', `rule r match ${filter} to g`), bag);
    return bag.items.map((d) => `${d.code} ${d.span.start}`);
  }

  // chevrotain worked out the expected paths four tokens deep through the primitives' argument lists:
  // `match len to g` did not return
  it.each(['len', 'flags', 'code', 'contains', 'matches', '( len )', 'tcp and len', 'not (not (tcp and len udp))'])(
    "a word that cannot start a filter is reported at once: '%s'",
    (filter) => {
      expect(errorAt(filter)[0]).toMatch(/^TMES0010 /);
    },
  );
});
