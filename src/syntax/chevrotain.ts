import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as Chevrotain from 'chevrotain';

/**
 * chevrotain's package entry is hundreds of small modules that take ~350 ms
 * to load, which every `tmesc` command would pay at start-up; the package
 * ships the same code as one bundle that loads in ~20 ms. Use the bundle when
 * it is there, the entry point otherwise.
 */
const entry = createRequire(import.meta.url).resolve('chevrotain');
const bundle = join(dirname(entry), '..', 'chevrotain.min.mjs');
const lib = (existsSync(bundle) ? await import(pathToFileURL(bundle).href) : await import('chevrotain')) as typeof Chevrotain;

export const createToken: typeof Chevrotain.createToken = lib.createToken;
export const tokenMatcher: typeof Chevrotain.tokenMatcher = lib.tokenMatcher;
export const Lexer: typeof Chevrotain.Lexer = lib.Lexer;
export const CstParser: typeof Chevrotain.CstParser = lib.CstParser;
export const EOF: typeof Chevrotain.EOF = lib.EOF;
