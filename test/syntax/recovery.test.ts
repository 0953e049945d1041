import type { Filter } from '../../src/syntax/ast.js';
import { describe, expect, it } from 'vitest';
import { DiagnosticBag } from '../../src/diagnostics/bag.js';
import { locate } from '../../src/diagnostics/diagnostic.js';
import { SourceFile } from '../../src/diagnostics/source.js';
import { parseSource } from '../../src/syntax/parse.js';

function parse(text: string) {
  const bag = new DiagnosticBag();
  const r = parseSource(new SourceFile('t.tmes', text), bag);
  return { ...r, diags: bag.items.map((d) => locate(d)) };
}

describe('parser error recovery', () => {
  it('reports every broken statement in one run and keeps the good ones', () => {
    const r = parse(
      [
        'rule a match tcp and to g',
        'tap t { source pcap "x" }',
        'rule b match (udp to g',
        'group g { tool o { output pcap "o" } }',
        'rule c match udp to g',
      ].join('\n'),
    );
    expect(r.diags.map((d) => `${d.code} ${d.line}:${d.column}`)).toEqual(['TMES0010 1:22', 'TMES0010 3:19']);
    expect(r.ast.statements.map((s) => s.kind)).toEqual(['Tap', 'Group', 'Rule']);
    expect([...r.brokenNames].sort()).toEqual(['a', 'b']);
  });

  it('recovers inside blocks: a bad item drops only itself', () => {
    const r = parse('group g {\n  tool o { output pcap "o" }\n  strip ,\n  truncate payload 0\n}');
    expect(r.diags.map((d) => `${d.code} ${d.line}:${d.column}`)).toEqual(['TMES0010 3:9']);
    const g = r.ast.statements[0];
    expect(g.kind).toBe('Group');
    if (g.kind === 'Group') {
      expect(g.tools.map((t) => t.name.name)).toEqual(['o']);
      expect(g.actions.map((a) => a.kind)).toEqual(['Truncate']);
    }
  });

  it('points at end of file when a statement is cut short', () => {
    const r = parse('policy "p"\nrule r match tcp');
    expect(r.diags).toHaveLength(1);
    expect(r.diags[0]).toMatchObject({ code: 'TMES0010', line: 2, column: 17 });
  });

  it('lexical errors do not stop parsing', () => {
    const r = parse('tap t { source pcap "a" } @@ \nrule r match tcp ` to g');
    expect(r.diags.map((d) => d.code)).toEqual(['TMES0001', 'TMES0001']);
    expect(r.ast.statements.map((s) => s.kind)).toEqual(['Tap', 'Rule']);
  });

  it('parses pcap-filter precedence: and/or equal, left to right; not binds tightest', () => {
    const r = parse('rule r match not tcp or udp and port 53 to g');
    const rule = r.ast.statements[0];
    if (rule.kind !== 'Rule') throw new Error('no rule');
    const shape = (f: Filter): string =>
      f.kind === 'And' || f.kind === 'Or'
        ? `(${f.operands.map(shape).join(` ${f.kind} `)})`
        : f.kind === 'Not'
          ? `!${shape(f.operand)}`
          : f.kind;
    expect(shape(rule.filter)).toBe('((!Proto Or Proto) And Qualified)');
  });

  it('tells division from a pattern and a CIDR from arithmetic', () => {
    const r = parse('rule r match tcp[12]/4 > 5 and net 10.0.0.0/8 and payload matches /a\\/b/ to g');
    expect(r.diags).toEqual([]);
  });
});
