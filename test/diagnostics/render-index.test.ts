import { describe, expect, test } from 'vitest';
import {
  FORMATS,
  isFormat,
  render,
  renderGithub,
  renderJson,
  renderSarif,
  renderText,
} from '../../src/diagnostics/render/index.js';
import { at, dcFile, diag, lookupRule, unknownGroup } from './render-fixtures.js';

describe('render', () => {
  const f = dcFile();
  const ds = [unknownGroup(f), diag('TMES0310', 'warning', 'w', at(f, 'tcp'))];

  test('dispatches on the format and passes each renderer its options', () => {
    expect(render('text', ds, { fileCount: 2, color: true })).toBe(renderText(ds, { fileCount: 2, color: true }));
    expect(render('json', ds, { fileCount: 2 })).toBe(renderJson(ds));
    expect(render('sarif', ds, { lookupRule, cwd: '/x', toolVersion: '1.2.3' })).toBe(
      renderSarif(ds, { lookupRule, cwd: '/x', toolVersion: '1.2.3' }),
    );
    expect(render('github', ds, { cwd: '/x' })).toBe(renderGithub(ds, { cwd: '/x' }));
  });

  test('every format renders an empty list', () => {
    for (const format of FORMATS) expect(typeof render(format, [], { fileCount: 0 })).toBe('string');
  });

  test('isFormat', () => {
    expect(FORMATS).toEqual(['text', 'json', 'sarif', 'github']);
    expect(isFormat('sarif')).toBe(true);
    expect(isFormat('xml')).toBe(false);
  });
});
