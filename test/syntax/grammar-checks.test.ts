import { describe, expect, it } from 'vitest';
import { makeLexer } from '../../src/syntax/lexer.js';
import { TmesParser } from '../../src/syntax/parser.js';

// Start-up skips chevrotain's own grammar and token validations; they run here instead.
describe("chevrotain's validations", () => {
  it('the grammar has no ambiguity, left recursion or other defect chevrotain detects', () => {
    expect(() => new TmesParser({ checkGrammar: true })).not.toThrow();
  });

  it('the lexer has no unreachable token and keeps its first-character optimizations', () => {
    expect(() => makeLexer(true)).not.toThrow();
  });
});
