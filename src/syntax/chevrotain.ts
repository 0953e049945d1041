import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type * as Chevrotain from 'chevrotain';
import { chevrotainFiles } from './chevrotain-files.js';

/**
 * chevrotain's package entry is hundreds of small modules that take ~350 ms
 * to load, which every `tmesc` command would pay at start-up; the package
 * ships the same code as one bundle that loads in ~20 ms. Use the bundle when
 * it is there, the entry point otherwise.
 */
const { bundle } = chevrotainFiles();
const lib = (
  existsSync(bundle) ? await import(pathToFileURL(bundle).href) : await import('chevrotain')
) as typeof Chevrotain;

export const createToken: typeof Chevrotain.createToken = lib.createToken;
export const tokenMatcher: typeof Chevrotain.tokenMatcher = lib.tokenMatcher;
export const Lexer: typeof Chevrotain.Lexer = lib.Lexer;
export const CstParser: typeof Chevrotain.CstParser = lib.CstParser;
export const NoViableAltException: typeof Chevrotain.NoViableAltException = lib.NoViableAltException;
export const EarlyExitException: typeof Chevrotain.EarlyExitException = lib.EarlyExitException;

// The grammar's own classes, for tools that walk it (grammar/generate.ts): they
// must come from the same copy of chevrotain as the parser, or instanceof fails.
export const Terminal: typeof Chevrotain.Terminal = lib.Terminal;
export const NonTerminal: typeof Chevrotain.NonTerminal = lib.NonTerminal;
export const Alternation: typeof Chevrotain.Alternation = lib.Alternation;
export const Alternative: typeof Chevrotain.Alternative = lib.Alternative;
export const Option: typeof Chevrotain.Option = lib.Option;
export const Repetition: typeof Chevrotain.Repetition = lib.Repetition;
export const RepetitionMandatory: typeof Chevrotain.RepetitionMandatory = lib.RepetitionMandatory;
export const RepetitionMandatoryWithSeparator: typeof Chevrotain.RepetitionMandatoryWithSeparator =
  lib.RepetitionMandatoryWithSeparator;
export const RepetitionWithSeparator: typeof Chevrotain.RepetitionWithSeparator = lib.RepetitionWithSeparator;
export const Rule: typeof Chevrotain.Rule = lib.Rule;
export const createSyntaxDiagramsCode: typeof Chevrotain.createSyntaxDiagramsCode = lib.createSyntaxDiagramsCode;
export const generateCstDts: typeof Chevrotain.generateCstDts = lib.generateCstDts;
export type Terminal = Chevrotain.Terminal;
export type NonTerminal = Chevrotain.NonTerminal;
export type Alternation = Chevrotain.Alternation;
export type Alternative = Chevrotain.Alternative;
export type Option = Chevrotain.Option;
export type Repetition = Chevrotain.Repetition;
export type RepetitionMandatory = Chevrotain.RepetitionMandatory;
export type RepetitionMandatoryWithSeparator = Chevrotain.RepetitionMandatoryWithSeparator;
export type RepetitionWithSeparator = Chevrotain.RepetitionWithSeparator;
export type Rule = Chevrotain.Rule;
export type Lexer = Chevrotain.Lexer;
export type CstParser = Chevrotain.CstParser;
