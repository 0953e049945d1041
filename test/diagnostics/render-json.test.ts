import { describe, expect, test } from 'vitest';
import { renderJson } from '../../src/diagnostics/render/json.js';
import { SourceFile } from '../../src/diagnostics/source.js';
import { at, dcFile, diag, point, unknownGroup } from './render-fixtures.js';

const REQUIRED = ['code', 'severity', 'message', 'file', 'line', 'column', 'endLine', 'endColumn'];

describe('renderJson', () => {
  test('top-level shape, counts and validity', () => {
    const f = dcFile();
    const ds = [
      unknownGroup(f),
      diag('TMES0310', 'warning', 'and/or mixed', at(f, 'tcp')),
      diag('TMES0500', 'info', "tool 'suricata' is never used", at(f, 'suricata')),
    ];
    const out = JSON.parse(renderJson(ds));
    expect(Object.keys(out)).toEqual(['formatVersion', 'valid', 'errorCount', 'warningCount', 'diagnostics']);
    expect(out.formatVersion).toBe(1);
    expect(out.valid).toBe(false);
    expect(out.errorCount).toBe(1);
    expect(out.warningCount).toBe(1);
    expect(out.diagnostics).toHaveLength(3);
  });

  test('valid is true when there are only warnings and infos', () => {
    const f = dcFile();
    const out = JSON.parse(
      renderJson([diag('TMES0310', 'warning', 'w', at(f, 'tcp')), diag('TMES0500', 'info', 'i', at(f, 'suricata'))]),
    );
    expect(out).toMatchObject({ valid: true, errorCount: 0, warningCount: 1 });
  });

  test('no diagnostics: exact text, pretty-printed with a trailing newline', () => {
    expect(renderJson([])).toBe(
      '{\n  "formatVersion": 1,\n  "valid": true,\n  "errorCount": 0,\n  "warningCount": 0,\n  "diagnostics": []\n}\n',
    );
  });

  test('a diagnostic without extras has exactly the required keys, 1-based, end exclusive', () => {
    const f = dcFile();
    const out = JSON.parse(renderJson([diag('TMES0310', 'warning', 'and/or mixed', at(f, 'tcp'))]));
    expect(out.diagnostics[0]).toEqual({
      code: 'TMES0310',
      severity: 'warning',
      message: 'and/or mixed',
      file: 'rules/dc.tmes',
      line: 7,
      column: 28,
      endLine: 7,
      endColumn: 31,
    });
    expect(Object.keys(out.diagnostics[0])).toEqual(REQUIRED);
  });

  test('related and fix come after the required keys', () => {
    const f = dcFile();
    const text = renderJson([unknownGroup(f)]);
    const d = JSON.parse(text).diagnostics[0];
    expect(Object.keys(d)).toEqual([...REQUIRED, 'related', 'fix']);
    expect(d.related).toEqual([
      { message: "'ids' is defined here", file: 'rules/dc.tmes', line: 3, column: 7, endLine: 3, endColumn: 10 },
    ]);
    expect(d.fix).toEqual({
      message: "replace with 'ids'",
      text: 'ids',
      line: 7,
      column: 35,
      endLine: 7,
      endColumn: 39,
    });
    expect(Object.keys(d.fix)).toEqual(['message', 'text', 'line', 'column', 'endLine', 'endColumn']);
    // Two-space indentation.
    expect(text).toContain('\n  "diagnostics": [\n    {\n      "code": "TMES0200",');
    expect(text.endsWith('}\n')).toBe(true);
  });

  test('multi-line, CRLF, zero-width and end-of-file spans', () => {
    const f = new SourceFile('rules/crlf.tmes', 'policy "dc"\r\ngroup ids {\r\n  tool x\r\n}');
    const multi = diag('TMES0010', 'error', 'multi', {
      file: f,
      start: f.text.indexOf('ids'),
      end: f.text.indexOf('x') + 1,
    });
    const zero = diag('TMES0010', 'error', 'zero', point(f, f.text.indexOf('tool')));
    const eof = diag('TMES0010', 'error', 'eof', point(f, f.text.length));
    const out = JSON.parse(renderJson([eof, zero, multi])).diagnostics;
    expect(out.map((d: { message: string }) => d.message)).toEqual(['multi', 'zero', 'eof']);
    expect(out[0]).toMatchObject({ line: 2, column: 7, endLine: 3, endColumn: 9 });
    expect(out[1]).toMatchObject({ line: 3, column: 3, endLine: 3, endColumn: 3 });
    expect(out[2]).toMatchObject({ line: 4, column: 2, endLine: 4, endColumn: 2 });
  });

  test('output order is stable whatever the input order', () => {
    const a = dcFile('a.tmes');
    const b = dcFile('b.tmes');
    const ds = [
      unknownGroup(b),
      diag('TMES0310', 'warning', 'w', at(a, 'tcp')),
      unknownGroup(a),
      diag('TMES0201', 'error', 'dup', at(a, 'tcp')),
    ];
    const out = renderJson(ds);
    expect(renderJson([...ds].reverse())).toBe(out);
    const order = JSON.parse(out).diagnostics.map((d: { file: string; code: string }) => `${d.file} ${d.code}`);
    expect(order).toEqual(['a.tmes TMES0201', 'a.tmes TMES0310', 'a.tmes TMES0200', 'b.tmes TMES0200']);
  });
});
