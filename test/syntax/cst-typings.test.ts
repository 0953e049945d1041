import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CST_TYPES_FILE, cstTypings } from '../../grammar/generate-cst.js';

/**
 * build-ast.ts reads the CST through types generated from the grammar, so a
 * label renamed in the parser fails the type check instead of silently
 * dropping statements; that holds only while the committed types match the
 * grammar.
 */
describe('CST typings', () => {
  it('src/syntax/cst.generated.ts is what the grammar generates (run npx tsx grammar/generate-cst.ts)', () => {
    expect(readFileSync(CST_TYPES_FILE, 'utf8') === cstTypings()).toBe(true);
  });

  it('name every label the AST builder reads', () => {
    const types = cstTypings();
    for (const label of ['filterUnary', 'op', 'not', 'operand', 'neg', 'relop', 'bare', 'qualValue', 'group', 'tap'])
      expect(types, label).toMatch(new RegExp(`\\b${label}\\??: `));
  });
});
