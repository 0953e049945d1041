import { describe, expect, it } from 'vitest';
import { SourceFile } from '../../../src/diagnostics/source.js';
import { applyEdits } from '../../../src/cli/lint/fix.js';

const file = new SourceFile('p.tmes', 'abcdefghij');
const fix = (start: number, end: number, text: string) => ({ message: '', span: { file, start, end }, text });

describe('applyEdits', () => {
  it('applies edits that do not overlap, in text order, and counts them', () => {
    expect(applyEdits('abcdefghij', [fix(8, 9, 'I'), fix(0, 1, 'A'), fix(4, 6, '')])).toEqual({
      text: 'AbcdghIj',
      applied: 3,
    });
  });

  it('leaves an edit that overlaps an earlier one for the next round; the same edit twice counts once', () => {
    expect(applyEdits('abcdefghij', [fix(2, 5, 'X'), fix(4, 7, 'Y'), fix(2, 5, 'X')])).toEqual({
      text: 'abXfghij',
      applied: 1,
    });
    // two insertions at one place: their order would be a guess
    expect(applyEdits('abcdefghij', [fix(3, 3, 'X'), fix(3, 3, 'Y')]).applied).toBe(1);
  });
});
