import * as path from 'node:path';
import { describe, expect, test } from 'vitest';
import { escapeData, escapeProperty, renderGithub } from '../../src/diagnostics/render/github.js';
import { SourceFile } from '../../src/diagnostics/source.js';
import { at, dcFile, diag, unknownGroup } from './render-fixtures.js';

describe('escaping', () => {
  test('message data: %, CR and LF', () => {
    expect(escapeData('100% done\r\nnext: a,b')).toBe('100%25 done%0D%0Anext: a,b');
    // % first, so an escape already in the text is not decoded by the runner.
    expect(escapeData('%0A')).toBe('%250A');
  });

  test('property values: additionally : and ,', () => {
    expect(escapeProperty('C:\\rules\\a,b.tmes')).toBe('C%3A\\rules\\a%2Cb.tmes');
    expect(escapeProperty('50%: x,\ny')).toBe('50%25%3A x%2C%0Ay');
  });
});

describe('renderGithub', () => {
  test('one workflow command per diagnostic, with related info and fix on extra lines', () => {
    const f = dcFile();
    const out = renderGithub([
      unknownGroup(f),
      diag('TMES0310', 'warning', 'and/or mixed', at(f, 'tcp')),
      diag('TMES0500', 'info', "tool 'suricata' is never used", at(f, 'suricata')),
    ]);
    expect(out).toBe(
      [
        "::notice file=rules/dc.tmes,line=4,col=8,endLine=4,endColumn=16,title=TMES0500::tool 'suricata' is never used",
        '::warning file=rules/dc.tmes,line=7,col=28,endLine=7,endColumn=31,title=TMES0310::and/or mixed',
        "::error file=rules/dc.tmes,line=7,col=35,endLine=7,endColumn=39,title=TMES0200::unknown group 'idss'; did you mean 'ids'?%0Arules/dc.tmes:3:7: note: 'ids' is defined here%0Afix: replace with 'ids'",
        '',
      ].join('\n'),
    );
  });

  test('messages and file names are escaped', () => {
    const f = new SourceFile('rules/a,b:c.tmes', 'rate 100%\n');
    const d = diag(
      'TMES0303',
      'error',
      'invalid rate "100%"\r\nwrite e.g. rate 10 Gbps, not a percentage',
      at(f, '100%'),
    );
    expect(renderGithub([d])).toBe(
      '::error file=rules/a%2Cb%3Ac.tmes,line=1,col=6,endLine=1,endColumn=10,title=TMES0303::invalid rate "100%25"%0D%0Awrite e.g. rate 10 Gbps, not a percentage\n',
    );
  });

  test('every command is one line', () => {
    const f = new SourceFile('x.tmes', 'a\nb\n');
    const d = diag(
      'TMES0010',
      'error',
      'one\ntwo\rthree',
      { file: f, start: 0, end: 3 },
      { related: [{ message: 'r\nr', span: at(f, 'b') }] },
    );
    const out = renderGithub([d]);
    expect(out.split('\n')).toEqual([
      expect.stringMatching(
        /^::error file=x\.tmes,line=1,col=1,endLine=2,endColumn=2,title=TMES0010::one%0Atwo%0Dthree%0Ax\.tmes:2:1: note: r%0Ar$/,
      ),
      '',
    ]);
  });

  test('paths are made relative to cwd with forward slashes', () => {
    const cwd = path.resolve('/work/repo');
    const f = dcFile(path.join(cwd, 'rules', 'dc.tmes'));
    const out = renderGithub([diag('TMES0310', 'warning', 'w', at(f, 'tcp'))], { cwd });
    expect(out).toBe('::warning file=rules/dc.tmes,line=7,col=28,endLine=7,endColumn=31,title=TMES0310::w\n');
  });

  test('no diagnostics: no output', () => {
    expect(renderGithub([])).toBe('');
  });

  test('stable order', () => {
    const a = dcFile('a.tmes');
    const b = dcFile('b.tmes');
    const ds = [unknownGroup(b), unknownGroup(a), diag('TMES0310', 'warning', 'w', at(a, 'tcp'))];
    expect(renderGithub([...ds].reverse())).toBe(renderGithub(ds));
    expect(
      renderGithub(ds)
        .split('\n')
        .map((l) => l.slice(0, 28)),
    ).toEqual(['::warning file=a.tmes,line=7', '::error file=a.tmes,line=7,c', '::error file=b.tmes,line=7,c', '']);
  });
});
