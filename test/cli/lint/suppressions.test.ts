import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../../src/diagnostics/diagnostic.js';
import { SourceFile } from '../../../src/diagnostics/source.js';
import { applyEdits } from '../../../src/cli/lint/fix.js';
import { applySuppressions, findSuppressions } from '../../../src/cli/lint/suppressions.js';
import { catalogueSeverity } from '../../../src/cli/lint/severity.js';

function finding(file: SourceFile, code: string, needle: string): Diagnostic {
  const start = file.text.indexOf(needle);
  return { code, severity: catalogueSeverity(code), message: code, span: { file, start, end: start + needle.length } };
}

const where = (d: Diagnostic) => `${d.code} ${d.span.file.position(d.span.start).line}`;

describe('# tmesc-ignore', () => {
  it('silences the named codes on its own line; a comment alone on a line silences the next line with code', () => {
    const f = new SourceFile(
      'p.tmes',
      [
        'define ports A = 80  # tmesc-ignore TMES0500: kept for the lab policy',
        '# tmesc-ignore unused-definition, TMES0410: both accepted, see the wiki',
        '',
        'define ports B = 81',
        'define ports C = 82',
      ].join('\n'),
    );
    const ds = [finding(f, 'TMES0500', 'A'), finding(f, 'TMES0500', 'B'), finding(f, 'TMES0500', 'C')];
    const out = applySuppressions(ds, [f]);
    // C is not on a suppressed line; TMES0410 named on line 2 silenced nothing
    expect(out.map(where).sort()).toEqual(['TMES0500 5', 'TMES0952 2']);
    expect(findSuppressions(f).map((s) => [s.line, s.reason])).toEqual([
      [1, 'kept for the lab policy'],
      [4, 'both accepted, see the wiki'],
    ]);
  });

  it('a # in a string is not a comment', () => {
    const f = new SourceFile('p.tmes', 'policy "a # tmesc-ignore TMES0500: x"\n');
    expect(findSuppressions(f)).toEqual([]);
  });

  it('without a reason it still silences, and is itself a finding (TMES0951)', () => {
    const f = new SourceFile('p.tmes', 'define ports A = 80  # tmesc-ignore TMES0500\n');
    expect(applySuppressions([finding(f, 'TMES0500', 'A')], [f]).map(where)).toEqual(['TMES0951 1']);
  });

  it('an error is never silenced (TMES0954), nor an unknown code (TMES0954, with the closest one)', () => {
    const f = new SourceFile('p.tmes', 'rule r match tcp to gg  # tmesc-ignore TMES0200, unused-definitio: noise\n');
    const out = applySuppressions([finding(f, 'TMES0200', 'gg')], [f]);
    expect(out.map(where).sort()).toEqual(['TMES0200 1', 'TMES0954 1', 'TMES0954 1']);
    expect(out.find((d) => d.message.includes('did you mean'))!.message).toContain("'unused-definition'");
    expect(out.find((d) => d.message.includes('TMES0200 (unknown-name)'))!.message).toContain('cannot be suppressed');
  });

  it("an unused suppression's fix removes it (the comment, its line, or the one code), and applying twice changes nothing more", () => {
    const cases: [string, string][] = [
      ['rule r match tcp to g  # tmesc-ignore TMES0500: x\n', 'rule r match tcp to g\n'],
      ['# tmesc-ignore TMES0500: x\nrule r match tcp to g\n', 'rule r match tcp to g\n'],
      [
        'define ports A = 80  # tmesc-ignore TMES0410, TMES0500: x\n',
        'define ports A = 80  # tmesc-ignore TMES0500: x\n',
      ],
      [
        'define ports A = 80  # tmesc-ignore TMES0500, TMES0410: x\n',
        'define ports A = 80  # tmesc-ignore TMES0500: x\n',
      ],
    ];
    for (const [text, fixed] of cases) {
      const f = new SourceFile('p.tmes', text);
      const ds = text.includes('define') ? [finding(f, 'TMES0500', 'A')] : [];
      const found = applySuppressions(ds, [f]).filter((d) => d.code === 'TMES0952');
      expect(found.length).toBe(1);
      const once = applyEdits(
        text,
        found.map((d) => d.fix!),
      ).text;
      expect(once).toBe(fixed);
      const g = new SourceFile('p.tmes', once);
      const again = applySuppressions(text.includes('define') ? [finding(g, 'TMES0500', 'A')] : [], [g]);
      expect(again.filter((d) => d.code === 'TMES0952')).toEqual([]);
    }
  });
  it('speaks for the statement on its line: a rule fmt broke over lines, the next statement, a tool in a group', () => {
    const f = new SourceFile(
      'p.tmes',
      [
        'rule redundant', // 1
        '  from t',
        '  match tcp or udp and port 80', // 3
        '  to g  # tmesc-ignore redundant-rule, mixed-and-or: kept, see the wiki', // 4
        '# tmesc-ignore mixed-and-or: read as pcap reads it', // 5
        'rule other', // 6
        '  match tcp or udp and port 53', // 7
        '  to g',
        'group g {', // 9
        '  tool o { output pcap "o.pcap"; rate 1 Gbps }  # tmesc-ignore partial-rates: lab tool', // 10
        '  tool p { output pcap "p.pcap" }', // 11
        '}',
      ].join('\n'),
    );
    const ds = [
      finding(f, 'TMES0701', 'redundant'),
      finding(f, 'TMES0310', 'tcp or udp and port 80'),
      finding(f, 'TMES0310', 'tcp or udp and port 53'),
      finding(f, 'TMES0408', 'rate 1 Gbps'),
      finding(f, 'TMES0408', 'tool p'),
    ];
    // the rate on line 10 is silenced, the tool on line 11 is not: the comment is the first tool's
    expect(applySuppressions(ds, [f]).map(where)).toEqual(['TMES0408 11']);
    expect(findSuppressions(f).map((s) => [s.line, s.from, s.to])).toEqual([
      [4, 1, 4],
      [6, 6, 8],
      [10, 10, 10],
    ]);
    const unused = applySuppressions([], [f]).filter((d) => d.code === 'TMES0952');
    expect(unused[0].message).toBe(
      "'# tmesc-ignore redundant-rule' silences nothing: no TMES0701 (redundant-rule) is reported on lines 1-4",
    );
  });
});
