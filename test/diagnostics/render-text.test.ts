import { describe, expect, test } from 'vitest';
import { expandTabs, renderText, summary } from '../../src/diagnostics/render/text.js';
import { SourceFile } from '../../src/diagnostics/source.js';
import { at, dcFile, diag, point, unknownGroup } from './render-fixtures.js';

const lines = (...ls: string[]): string => ls.map((l) => l + '\n').join('');

describe('renderText', () => {
  test('a long line is shown as a window around the span, with an ellipsis where it is cut', () => {
    const chain = Array.from({ length: 3000 }, (_, i) => `tcp port ${i}`).join(' or ');
    const f = new SourceFile('rules/long.tmes', `rule r from t match ${chain} to g\n`);
    const middle = diag('TMES0310', 'warning', 'here', at(f, 'tcp port 1500 '));
    const [head, source, carets] = renderText([middle], { fileCount: 1 }).split('\n');
    expect(head).toBe(`rules/long.tmes:1:${chain.indexOf('tcp port 1500 ') + 21}: warning TMES0310: here`);
    expect(source.length).toBeLessThan(200);
    expect(source).toMatch(/^ {4}1 \| ….* or tcp port 1500 or .*…$/);
    // the carets sit under the span's own text
    const col = carets.indexOf('^');
    expect(source.slice(col, col + 'tcp port 1500'.length)).toBe('tcp port 1500');
    expect(carets.slice(col)).toBe('^'.repeat('tcp port 1500 '.length));
    // at the line's start and end: one ellipsis, on the side that is cut
    const first = renderText([diag('TMES0310', 'warning', 'x', at(f, 'rule'))]).split('\n')[1];
    expect(first).toMatch(/^ {4}1 \| rule r from t match tcp port 0 or .*…$/);
    const last = renderText([diag('TMES0310', 'warning', 'x', at(f, 'to g'))]).split('\n')[1];
    expect(last).toMatch(/^ {4}1 \| ….* or tcp port 2999 to g$/);
  });

  test('thousands of diagnostics on one machine-made line render (each excerpt costs the same)', () => {
    const chain = Array.from({ length: 5000 }, () => 'tcp port 80').join(' or ');
    const f = new SourceFile('rules/long.tmes', `rule r from t match ${chain} to g\n`);
    const ds = Array.from({ length: 12_000 }, (_, i) => diag('TMES0310', 'warning', 'x', point(f, 20 + (i % 50000))));
    expect(renderText(ds).length).toBeLessThan(12_000 * 500);
  });

  test('header, excerpt, note, fix and summary', () => {
    const f = dcFile();
    expect(renderText([unknownGroup(f)], { fileCount: 1 })).toBe(
      lines(
        "rules/dc.tmes:7:35: error TMES0200: unknown group 'idss'; did you mean 'ids'?",
        '    7 | rule web from core-a match tcp to idss',
        '      |                                   ^^^^',
        "  rules/dc.tmes:3:7: note: 'ids' is defined here",
        "  fix: replace with 'ids'",
        '',
        '1 error in 1 file',
      ),
    );
  });

  test('several diagnostics are ordered by file and position and separated by blank lines', () => {
    const a = new SourceFile('rules/a.tmes', 'group g {\n  tool t { output pcap "x" }\n}\n');
    const b = dcFile('rules/b.tmes');
    const ds = [
      unknownGroup(b),
      diag('TMES0500', 'info', "tool 't' is never used", at(a, 't {')),
      diag('TMES0310', 'warning', 'and/or mixed', at(b, 'tcp')),
      diag('TMES0400', 'error', 'group has no tool', { file: a, start: 6, end: 7 }),
    ];
    const expected = lines(
      'rules/a.tmes:1:7: error TMES0400: group has no tool',
      '    1 | group g {',
      '      |       ^',
      '',
      "rules/a.tmes:2:8: info TMES0500: tool 't' is never used",
      '    2 |   tool t { output pcap "x" }',
      '      |        ^^^',
      '',
      'rules/b.tmes:7:28: warning TMES0310: and/or mixed',
      '    7 | rule web from core-a match tcp to idss',
      '      |                            ^^^',
      '',
      "rules/b.tmes:7:35: error TMES0200: unknown group 'idss'; did you mean 'ids'?",
      '    7 | rule web from core-a match tcp to idss',
      '      |                                   ^^^^',
      "  rules/b.tmes:3:7: note: 'ids' is defined here",
      "  fix: replace with 'ids'",
      '',
      '2 errors, 1 warning, 1 info in 3 files',
    );
    expect(renderText(ds, { fileCount: 3 })).toBe(expected);
    expect(renderText([...ds].reverse(), { fileCount: 3 })).toBe(expected);
  });

  test('tabs are expanded to tab stops and the caret follows them', () => {
    const f = new SourceFile('rules/tabs.tmes', 'group ids {\n\ttool\tsuricata\n}\n');
    const d = diag('TMES0500', 'info', "tool 'suricata' is never used", at(f, 'suricata'));
    expect(renderText([d], { fileCount: 1 })).toBe(
      lines(
        "rules/tabs.tmes:2:7: info TMES0500: tool 'suricata' is never used",
        '    2 |     tool    suricata',
        '      |             ^^^^^^^^',
        '',
        '1 info in 1 file',
      ),
    );
    expect(renderText([d], { fileCount: 1, tabWidth: 8 })).toBe(
      lines(
        "rules/tabs.tmes:2:7: info TMES0500: tool 'suricata' is never used",
        '    2 |         tool    suricata',
        '      |                 ^^^^^^^^',
        '',
        '1 info in 1 file',
      ),
    );
    // A span across a tab is underlined over the tab's full width.
    const wide = diag('TMES0500', 'info', 'x', at(f, 'tool\tsuricata'));
    expect(renderText([wide], { fileCount: 1 }).split('\n')[2]).toBe('      |     ^^^^^^^^^^^^^^^^');
  });

  test('a span over several lines is underlined to the end of its first line', () => {
    const f = new SourceFile('rules/m.tmes', 'rule web from core-a\n  match tcp to (ids\n  or tools)\n');
    const start = f.text.indexOf('(ids');
    const end = f.text.indexOf('tools)') + 'tools)'.length;
    const d = diag('TMES0310', 'warning', 'and/or mixed without parentheses', { file: f, start, end });
    expect(renderText([d], { fileCount: 1 })).toBe(
      lines(
        'rules/m.tmes:2:16: warning TMES0310: and/or mixed without parentheses',
        '    2 |   match tcp to (ids',
        '      |                ^^^^',
        '',
        '1 warning in 1 file',
      ),
    );
  });

  test('CRLF line endings never reach the output and do not shift columns', () => {
    const f = new SourceFile('rules/crlf.tmes', 'policy "dc"\r\ngroup ids {\r\n  tool x\r\n}\r\n');
    const onX = diag('TMES0500', 'info', "tool 'x' is never used", at(f, 'x'));
    const eol = diag('TMES0010', 'error', "expected '}'", point(f, f.text.indexOf('{\r\n') + 1));
    const overBreak = diag('TMES0010', 'error', 'runs over the line break', {
      file: f,
      start: f.text.indexOf('x'),
      end: f.text.indexOf('}'),
    });
    const out = renderText([onX, eol, overBreak], { fileCount: 1 });
    expect(out).not.toContain('\r');
    expect(out).toBe(
      lines(
        "rules/crlf.tmes:2:12: error TMES0010: expected '}'",
        '    2 | group ids {',
        '      |            ^',
        '',
        "rules/crlf.tmes:3:8: info TMES0500: tool 'x' is never used",
        '    3 |   tool x',
        '      |        ^',
        '',
        'rules/crlf.tmes:3:8: error TMES0010: runs over the line break',
        '    3 |   tool x',
        '      |        ^',
        '',
        '2 errors, 1 info in 1 file',
      ),
    );
  });

  test('a span at the end of the file', () => {
    const noNewline = new SourceFile('rules/eof.tmes', 'policy "dc"\nrule a');
    const d1 = diag('TMES0010', 'error', 'unexpected end of file', point(noNewline, noNewline.text.length));
    expect(renderText([d1], { fileCount: 1 })).toBe(
      lines(
        'rules/eof.tmes:2:7: error TMES0010: unexpected end of file',
        '    2 | rule a',
        '      |       ^',
        '',
        '1 error in 1 file',
      ),
    );
    const withNewline = new SourceFile('rules/eof2.tmes', 'policy "dc"\n');
    const d2 = diag('TMES0010', 'error', 'unexpected end of file', point(withNewline, withNewline.text.length));
    expect(renderText([d2], { fileCount: 1 })).toBe(
      lines(
        'rules/eof2.tmes:2:1: error TMES0010: unexpected end of file',
        '    2 |',
        '      | ^',
        '',
        '1 error in 1 file',
      ),
    );
    const empty = new SourceFile('rules/empty.tmes', '');
    const d3 = diag('TMES0102', 'warning', 'missing policy header', point(empty, 0));
    expect(renderText([d3], { fileCount: 1 })).toBe(
      lines(
        'rules/empty.tmes:1:1: warning TMES0102: missing policy header',
        '    1 |',
        '      | ^',
        '',
        '1 warning in 1 file',
      ),
    );
  });

  test('a zero-width span gets a single caret', () => {
    const f = dcFile();
    const d = diag('TMES0010', 'error', "expected 'match'", point(f, at(f, 'match').start));
    expect(renderText([d], { fileCount: 1 })).toBe(
      lines(
        "rules/dc.tmes:7:22: error TMES0010: expected 'match'",
        '    7 | rule web from core-a match tcp to idss',
        '      |                      ^',
        '',
        '1 error in 1 file',
      ),
    );
  });

  test('the gutter widens for long line numbers', () => {
    const f = new SourceFile('rules/long.tmes', 'x\n'.repeat(123455) + 'bad');
    const d = diag('TMES0010', 'error', 'bad', at(f, 'bad'));
    expect(renderText([d], { fileCount: 1 })).toBe(
      lines('rules/long.tmes:123456:1: error TMES0010: bad', ' 123456 | bad', '        | ^^^', '', '1 error in 1 file'),
    );
  });

  test('no diagnostics: only the summary', () => {
    expect(renderText([], { fileCount: 3 })).toBe('no problems in 3 files\n');
    expect(renderText([], { fileCount: 1 })).toBe('no problems in 1 file\n');
  });

  test('fileCount defaults to the number of files with diagnostics', () => {
    const a = dcFile('a.tmes');
    const b = dcFile('b.tmes');
    const out = renderText([unknownGroup(a), unknownGroup(b), diag('TMES0310', 'warning', 'w', at(a, 'tcp'))]);
    expect(out.endsWith('\n2 errors, 1 warning in 2 files\n')).toBe(true);
  });

  test('no colour by default; ANSI colours on request', () => {
    const f = dcFile();
    const ds = [
      unknownGroup(f),
      diag('TMES0310', 'warning', 'w', at(f, 'tcp')),
      diag('TMES0500', 'info', 'i', at(f, 'suricata')),
    ];
    expect(renderText(ds, { fileCount: 1 })).not.toContain('\u001b');
    const out = renderText(ds, { fileCount: 1, color: true });
    const outLines = out.split('\n');
    expect(outLines).toContain(
      "\u001b[1mrules/dc.tmes:7:35:\u001b[0m \u001b[1m\u001b[31merror TMES0200\u001b[0m: unknown group 'idss'; did you mean 'ids'?",
    );
    expect(outLines).toContain('      |                                   \u001b[1m\u001b[31m^^^^\u001b[0m');
    expect(out).toContain('\u001b[1m\u001b[33mwarning TMES0310\u001b[0m: w');
    expect(out).toContain('\u001b[1m\u001b[36minfo TMES0500\u001b[0m: i');
    expect(out).toContain("\u001b[1m\u001b[36mnote\u001b[0m: 'ids' is defined here");
    // Without the escapes the text is exactly the plain rendering.
    // eslint-disable-next-line no-control-regex -- the escapes are what this test is about
    expect(out.replace(/\u001b\[[0-9;]*m/g, '')).toBe(renderText(ds, { fileCount: 1 }));
  });
});

describe('summary', () => {
  const f = dcFile();
  const e = diag('TMES0200', 'error', 'e', at(f, 'idss'));
  const w = diag('TMES0310', 'warning', 'w', at(f, 'tcp'));
  const i = diag('TMES0500', 'info', 'i', at(f, 'suricata'));
  test.each([
    [[], 3, 'no problems in 3 files'],
    [[e, e, w], 3, '2 errors, 1 warning in 3 files'],
    [[e], 1, '1 error in 1 file'],
    [[w, w], 2, '2 warnings in 2 files'],
    [[i, i, e], 0, '1 error, 2 infos in 0 files'],
  ] as const)('%#', (ds, n, expected) => {
    expect(summary(ds, n)).toBe(expected);
  });
});

describe('expandTabs', () => {
  test('maps every character to its display column', () => {
    expect(expandTabs('a\tb', 4)).toEqual({ text: 'a   b', columns: [0, 1, 4, 5] });
    expect(expandTabs('\t\t', 2)).toEqual({ text: '    ', columns: [0, 2, 4] });
    // A surrogate pair takes one column.
    expect(expandTabs('\u{1F600}x', 4).columns).toEqual([0, 1, 1, 2]);
  });
});
